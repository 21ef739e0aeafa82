"""Ranked counts: instant-runoff for one seat, single transferable vote for several.

STV uses the Droop quota floor(valid / (seats + 1)) + 1 and the weighted inclusive Gregory
method: when an elected candidate's surplus is transferred, every ballot in their pile passes
to its next continuing preference with its value multiplied by surplus / votes. All values are
exact `Fraction`s, never floats, so a recount anywhere gives the very same figures.

Each round: tally; elect every continuing candidate at or over the quota (instant-runoff:
the one with more than half of the continuing votes); if no more continuing candidates are
left than seats, elect them all; otherwise transfer the largest untransferred surplus, or,
if there is none, eliminate the lowest candidate, passing on their ballots at full value.

Ties, for an elimination or for which of two equal surpluses goes first, are settled as the
election's tie rule says (``rules``). Under the runoff rule a tie for the last seat(s) among
every candidate still in the race stops the count for a runoff election. Otherwise, in order:
backwards tie-breaking (the tallies of the most recent earlier round that tells the tied
candidates apart; skipped under the rule "a lot at once"), then a lot the committee drew for
them (earlier in the lot is favoured: survives, or has their surplus transferred first).
Failing both, a tie that cannot change who
is elected is settled without a lot and marked as such in the trace: tied candidates whose
ballots have nowhere to go are eliminated together; when one seat is left and someone is sure
to take it, the first tied in ballot-paper order is taken; otherwise every way of settling the
tie is counted out, and when all of them complete with the same candidates elected, the first
(in ballot-paper order) is kept. Any other tie stops the count and asks for a lot, also when
the tie only looks material because a later tie still needs one, or when proving it immaterial
would take more than EXPLORATION_LIMIT trial recounts: a lot is always a fair way to settle.
"""

from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any

from .ballots import GroupedBallots
from .lots import find_lot
from .model import Ballot, Decision, Method, StepKind, TallyResult, TraceStep
from .rules import CountingRules, TieRule

EXPLORATION_LIMIT = 256
"""How many trial recounts may be spent proving a tie immaterial before asking for a lot."""

Entry = tuple[Ballot, int, int]
"""A group of identical ballots in a pile: the ballot, the position of its holder, its copies."""

Pile = dict[Fraction, list[Entry]]
"""The ballots a candidate holds, grouped by the value each ballot currently carries."""


def count_irv(
    candidates: tuple[int, ...],
    ballots: GroupedBallots,
    lots: tuple[tuple[int, ...], ...],
    rules: CountingRules,
) -> TallyResult:
    """Elect the first candidate with over half the continuing votes, eliminating the lowest."""
    return _count(candidates, ballots, 1, lots, rules, quota=None)


def count_stv(
    candidates: tuple[int, ...],
    ballots: GroupedBallots,
    seats: int,
    lots: tuple[tuple[int, ...], ...],
    rules: CountingRules,
) -> TallyResult:
    """Fill the seats by single transferable vote (Droop quota, weighted inclusive Gregory)."""
    quota = Fraction(ballots.valid // (seats + 1) + 1)
    return _count(candidates, ballots, seats, lots, rules, quota)


def _count(
    candidates: tuple[int, ...],
    ballots: GroupedBallots,
    seats: int,
    lots: tuple[tuple[int, ...], ...],
    rules: CountingRules,
    quota: Fraction | None,
) -> TallyResult:
    """Run a ranked count to its end and package it as a result."""
    first_counts = dict.fromkeys(candidates, 0)
    by_first: dict[int, list[Entry]] = {candidate: [] for candidate in candidates}
    for ballot, copies in ballots.groups.items():
        first_counts[ballot[0]] += copies
        by_first[ballot[0]].append((ballot, 0, copies))
    piles = {candidate: {Fraction(1): entries} for candidate, entries in by_first.items()}
    fixed = _Rules(candidates, seats, quota, lots, rules.tie, _Budget(EXPLORATION_LIMIT))
    final = _RankedCount(fixed, piles, set(candidates))
    final.run()
    return TallyResult(
        method=Method.ranked,
        seats=seats,
        candidates=candidates,
        total_ballots=ballots.total,
        valid_ballots=ballots.valid,
        blank_ballots=ballots.blank,
        first_counts=first_counts,
        elected=tuple(final.elected),
        complete=not final.stopped,
        lot_required=final.lot_required,
        trace=tuple(final.trace),
        quota=quota,
        exhausted=final.exhausted,
        runoff_required=final.runoff_required,
    )


@dataclass
class _Budget:
    """Trial recounts left for proving ties immaterial, shared by every branch of one count."""

    remaining: int


@dataclass(frozen=True)
class _Rules:
    """What stays fixed through a count; `quota` None means instant-runoff majority."""

    candidates: tuple[int, ...]
    seats: int
    quota: Fraction | None
    lots: tuple[tuple[int, ...], ...]
    tie: TieRule
    budget: _Budget


@dataclass
class _RankedCount:
    """The state of a ranked count between rounds; copied to try out the ways to settle a tie."""

    rules: _Rules
    piles: dict[int, Pile]
    continuing: set[int]
    elected: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)
    held: dict[int, Fraction] = field(default_factory=dict)
    exhausted: Fraction = Fraction(0)
    history: list[dict[int, Fraction]] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)
    lot_required: frozenset[int] | None = None
    runoff_required: frozenset[int] | None = None
    round: int = 0

    @property
    def stopped(self) -> bool:
        """Whether the count stopped at a tie only a lot or a runoff can settle."""
        return self.lot_required is not None or self.runoff_required is not None

    def run(self) -> None:
        """Count round after round until the seats are filled or a tie stops the count."""
        while True:
            tallies = self._record_round()
            if self._elect(tallies):
                return
            if self.pending:
                decision, group = Decision.transfer_order, self._largest_surpluses(tallies)
            else:
                decision, group = Decision.elimination, self._lowest(tallies)
            chosen = group if len(group) == 1 else self._settle(decision, group, tallies)
            if chosen is None:
                return
            self._act(decision, chosen, tallies)

    def _record_round(self) -> dict[int, Fraction]:
        """Open a round: tally everyone still holding votes and write the count step."""
        self.round += 1
        tallies = {}
        for candidate in self.rules.candidates:
            if candidate in self.held:
                tallies[candidate] = self.held[candidate]
            elif candidate in self.piles:
                tallies[candidate] = sum(
                    (
                        weight * sum(copies for _, _, copies in entries)
                        for weight, entries in self.piles[candidate].items()
                    ),
                    Fraction(0),
                )
        self.history.append(tallies)
        self.trace.append(
            TraceStep(StepKind.count, self.round, tallies=tallies, exhausted=self.exhausted)
        )
        return tallies

    def _elect(self, tallies: dict[int, Fraction]) -> bool:
        """Elect whoever the rules elect this round; True when the count is over."""
        if self.rules.quota is None:
            total = sum((tallies[candidate] for candidate in self.continuing), Fraction(0))
            for candidate in self._ranked_continuing(tallies):
                if 2 * tallies[candidate] > total:
                    self._add_step(
                        StepKind.majority, (candidate,), value=tallies[candidate], total=total
                    )
                    self.continuing.remove(candidate)
                    self.elected.append(candidate)
                    return True
        else:
            self._elect_by_quota(tallies, self.rules.quota)
            if len(self.elected) == self.rules.seats:
                return True
        if len(self.continuing) <= self.rules.seats - len(self.elected):
            for candidate in self._ranked_continuing(tallies):
                self._add_step(StepKind.elected_remaining, (candidate,), value=tallies[candidate])
                self.elected.append(candidate)
            self.continuing.clear()
            return True
        return False

    def _elect_by_quota(self, tallies: dict[int, Fraction], quota: Fraction) -> None:
        """Elect every continuing candidate at or over the quota, highest first."""
        for candidate in self._ranked_continuing(tallies):
            if tallies[candidate] >= quota:
                self._add_step(StepKind.elected, (candidate,), value=tallies[candidate], bar=quota)
                self.continuing.remove(candidate)
                self.elected.append(candidate)
                if tallies[candidate] > quota:
                    self.pending.append(candidate)
                else:
                    self.held[candidate] = quota
                    del self.piles[candidate]

    def _ranked_continuing(self, tallies: dict[int, Fraction]) -> list[int]:
        """Continuing candidates by votes, highest first, equal ones in ballot-paper order."""
        ordered = [c for c in self.rules.candidates if c in self.continuing]
        return sorted(ordered, key=lambda candidate: -tallies[candidate])

    def _largest_surpluses(self, tallies: dict[int, Fraction]) -> tuple[int, ...]:
        """The elected candidates whose untransferred surplus is the largest."""
        largest = max(tallies[candidate] for candidate in self.pending)
        return tuple(
            c for c in self.rules.candidates if c in self.pending and tallies[c] == largest
        )

    def _lowest(self, tallies: dict[int, Fraction]) -> tuple[int, ...]:
        """The continuing candidates with the fewest votes."""
        lowest = min(tallies[candidate] for candidate in self.continuing)
        return tuple(
            c for c in self.rules.candidates if c in self.continuing and tallies[c] == lowest
        )

    def _settle(
        self, decision: Decision, group: tuple[int, ...], tallies: dict[int, Fraction]
    ) -> tuple[int, ...] | None:
        """Say who a tie picks, or None once the count has finished while settling it."""
        eliminating = decision is Decision.elimination
        if self.rules.tie is TieRule.runoff and self._for_the_last_seats(decision, group):
            self._add_step(StepKind.runoff_required, group, decision=Decision.seat)
            self.runoff_required = frozenset(group)
            return None
        if self.rules.tie is not TieRule.lot:
            group = self._narrow_by_earlier_rounds(decision, group)
            if len(group) == 1:
                return group
        order = find_lot(group, self.rules.lots)
        if order is not None:
            chosen = order[-1:] if eliminating else order[:1]
            self._add_step(StepKind.tie_lot, group, chosen, order=order, decision=decision)
            return chosen
        if eliminating and self._going_nowhere(group):
            self._add_step(StepKind.tie_immaterial, group, group, decision=decision)
            return group
        if self._last_seat_decided(tallies):
            self._add_step(StepKind.tie_immaterial, group, group[:1], decision=decision)
            return group[:1]
        self._explore(decision, group, tallies)
        return None

    def _narrow_by_earlier_rounds(
        self, decision: Decision, group: tuple[int, ...]
    ) -> tuple[int, ...]:
        """The tied candidates the latest earlier rounds single out, one round after another."""
        eliminating = decision is Decision.elimination
        for earlier in range(len(self.history) - 2, -1, -1):
            values = [self.history[earlier][candidate] for candidate in group]
            target = min(values) if eliminating else max(values)
            narrowed = tuple(c for c, v in zip(group, values, strict=True) if v == target)
            if len(narrowed) < len(group):
                self._add_step(
                    StepKind.tie_backwards,
                    group,
                    narrowed,
                    earlier_round=earlier + 1,
                    decision=decision,
                )
                group = narrowed
                if len(group) == 1:
                    break
        return group

    def _for_the_last_seats(self, decision: Decision, group: tuple[int, ...]) -> bool:
        """Whether a tie for elimination is among everyone still in the race for the seats left.

        Then eliminating one of them decides who fills those seats: a runoff among exactly
        these candidates can take its place.
        """
        return decision is Decision.elimination and set(group) == self.continuing

    def _going_nowhere(self, group: tuple[int, ...]) -> bool:
        """Whether eliminating the tied candidates would move no votes, whatever the order.

        When none of their ballots ranks a continuing candidate later on, eliminating them one
        by one only exhausts ballots: every other tally stays put, so every order ends in the
        same state, and the rounds on the way repeat the same figures, which backwards
        tie-breaking cannot tell apart. Eliminating them together is then the same count. In
        instant-runoff a majority reached on the way comes after the same number of
        eliminations whatever the order, and for the same candidate. Enough candidates must
        stay for the seats left, so that no seat is filled from among the tied on the way.
        """
        if len(self.continuing) - len(group) < self.rules.seats - len(self.elected):
            return False
        return not any(
            later in self.continuing
            for candidate in group
            for entries in self.piles[candidate].values()
            for ballot, position, _ in entries
            for later in ballot[position + 1 :]
        )

    def _last_seat_decided(self, tallies: dict[int, Fraction]) -> bool:
        """Whether one seat is left and a continuing candidate is sure to take it.

        A candidate holding more than every other continuing candidate together, plus every
        surplus still to transfer, can never be lowest, and nobody else can reach the quota
        before them (they would need more than this candidate has, who is still under it).
        """
        if self.rules.seats - len(self.elected) != 1:
            return False
        total = sum((tallies[candidate] for candidate in self.continuing), Fraction(0))
        total += sum((tallies[candidate] - self.rules.quota for candidate in self.pending), 0)
        return any(2 * tallies[candidate] > total for candidate in self.continuing)

    def _explore(
        self, decision: Decision, group: tuple[int, ...], tallies: dict[int, Fraction]
    ) -> None:
        """Finish on the first way to settle the tie if all ways elect the same; else ask a lot."""
        first = None
        for candidate in group:
            if self.rules.budget.remaining == 0:
                break
            self.rules.budget.remaining -= 1
            branch = self._copy()
            branch._add_step(StepKind.tie_immaterial, group, (candidate,), decision=decision)
            branch._act(decision, (candidate,), tallies)
            branch.run()
            first = first or branch
            if branch.stopped or set(branch.elected) != set(first.elected):
                break
        else:
            for state in fields(self):
                setattr(self, state.name, getattr(first, state.name))
            return
        self._add_step(StepKind.lot_required, group, decision=decision)
        self.lot_required = frozenset(group)

    def _act(
        self, decision: Decision, chosen: tuple[int, ...], tallies: dict[int, Fraction]
    ) -> None:
        """Transfer the chosen surplus or eliminate the chosen candidates, closing the round."""
        if decision is Decision.transfer_order:
            (candidate,) = chosen
            surplus = tallies[candidate] - self.rules.quota
            weight = surplus / tallies[candidate]
            self._add_step(StepKind.transfer, chosen, value=surplus, weight=weight)
            self.pending.remove(candidate)
            self.held[candidate] = self.rules.quota
            self._pass_on(self.piles.pop(candidate), weight)
        else:
            self._add_step(StepKind.eliminated, chosen, value=tallies[chosen[0]])
            self.continuing.difference_update(chosen)
            for candidate in chosen:
                self._pass_on(self.piles.pop(candidate), Fraction(1))

    def _pass_on(self, pile: Pile, factor: Fraction) -> None:
        """Give every ballot in a pile to its next continuing preference, its value times factor."""
        for weight, entries in pile.items():
            received: dict[int, list[Entry]] = {}
            lost = 0
            for ballot, position, copies in entries:
                for later in range(position + 1, len(ballot)):
                    if ballot[later] in self.continuing:
                        received.setdefault(ballot[later], []).append((ballot, later, copies))
                        break
                else:
                    lost += copies
            value = weight * factor
            for candidate, moved in received.items():
                self.piles[candidate].setdefault(value, []).extend(moved)
            self.exhausted += value * lost

    def _add_step(
        self,
        kind: StepKind,
        candidates: tuple[int, ...],
        chosen: tuple[int, ...] = (),
        **details: Any,
    ) -> None:
        """Append a step to this round of the trace."""
        self.trace.append(TraceStep(kind, self.round, candidates, chosen, **details))

    def _copy(self) -> "_RankedCount":
        """An independent copy to try one way of settling a tie."""
        return _RankedCount(
            rules=self.rules,
            piles={c: {w: list(e) for w, e in pile.items()} for c, pile in self.piles.items()},
            continuing=set(self.continuing),
            elected=list(self.elected),
            pending=list(self.pending),
            held=dict(self.held),
            exhausted=self.exhausted,
            history=list(self.history),
            trace=list(self.trace),
            lot_required=self.lot_required,
            runoff_required=self.runoff_required,
            round=self.round,
        )
