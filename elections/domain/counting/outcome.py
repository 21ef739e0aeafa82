"""One outcome per position: what the count and the school's validity rules decide together.

The count says whom the ballots favour; the validity rules, fixed when the election opened,
say whether that stands. Every surface (the results page, the protocol, the export and the
verifier) shows this one outcome and none of them derives it again. In order:

1. Quorum: with ``quorum_percent`` set, a position whose turnout (ballots cast, blank ones
   included, against its eligible roll; or the whole election's, with the election scope) is
   below that share elects nobody, and the rules say what follows: a repeat election, or the
   commission decides.
2. No valid votes: nobody is elected with no vote at all, so a position where every ballot was
   blank elects nobody, and a seat that only a candidate without votes could fill stays empty.
3. Majority: with ``majority`` set, one seat filled by plurality needs more than half of the
   valid votes; short of that (a tie at the top included), a runoff between the two leading
   candidates is needed, with everyone tied into second place.
4. A tie the count could not settle stops here: a lot (or a runoff, where one is offered) must
   order the tied candidates before anything is final.
5. A lone candidate: on a yes/no ballot they pass with more yes than no (the threshold); with
   the ``share`` rule on an ordinary ballot, they need at least ``lone_share_percent`` of all
   ballots cast for the position, blank ones included: a blank is a vote for nobody.

Otherwise the candidates the count elected stand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from .model import Method, StepKind, TallyResult


class QuorumScope(StrEnum):
    """Whose turnout a quorum is measured on."""

    position = "position"
    election = "election"


class QuorumFailure(StrEnum):
    """What the school's regulation says follows a failed quorum."""

    repeat = "repeat"
    commission = "commission"


class LoneRule(StrEnum):
    """How a lone candidate is elected."""

    yes_no = "yes-no"
    share = "share"


@dataclass(frozen=True)
class ValidityRules:
    """The school's rules for when a count elects anyone; recorded when the election opens."""

    quorum_percent: int = 0
    quorum_scope: QuorumScope = QuorumScope.position
    on_quorum_failure: QuorumFailure = QuorumFailure.repeat
    majority: bool = False
    lone_candidate: LoneRule = LoneRule.yes_no
    lone_share_percent: int = 50

    def as_dict(self) -> dict[str, object]:
        """The rules as JSON-safe data, as the audit log and the export record them."""
        return {
            "quorum_percent": self.quorum_percent,
            "quorum_scope": str(self.quorum_scope),
            "on_quorum_failure": str(self.on_quorum_failure),
            "majority": self.majority,
            "lone_candidate": str(self.lone_candidate),
            "lone_share_percent": self.lone_share_percent,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ValidityRules:
        """Read rules written by ``as_dict``; raises ValueError or TypeError on anything else."""
        if set(data) != set(cls().as_dict()):
            raise ValueError("unexpected validity rule fields")
        rules = cls(
            quorum_percent=_whole(data["quorum_percent"]),
            quorum_scope=QuorumScope(data["quorum_scope"]),
            on_quorum_failure=QuorumFailure(data["on_quorum_failure"]),
            majority=_flag(data["majority"]),
            lone_candidate=LoneRule(data["lone_candidate"]),
            lone_share_percent=_whole(data["lone_share_percent"]),
        )
        if not 0 <= rules.quorum_percent <= 100 or not 1 <= rules.lone_share_percent <= 100:
            raise ValueError("a share outside 0-100 %")
        return rules


@dataclass(frozen=True)
class Turnout:
    """Who could and who did vote, for the quorum: eligible students and ballots cast."""

    eligible: int
    voted: int


@dataclass(frozen=True)
class QuorumCheck:
    """The quorum as measured: turnout against the required share of the eligible roll."""

    scope: QuorumScope
    eligible: int
    voted: int
    required: int
    met: bool


class OutcomeKind(StrEnum):
    """What a position's result is, in one word the protocol prints."""

    elected = "elected"
    not_elected = "not-elected"
    runoff = "runoff"
    lot = "lot"


class OutcomeReason(StrEnum):
    """Why the outcome is what it is; every surface gives this reason in words."""

    seats_filled = "seats-filled"
    seats_left_empty = "seats-left-empty"
    quorum_failed = "quorum-failed"
    no_valid_votes = "no-valid-votes"
    tie = "tie"
    majority_not_reached = "majority-not-reached"
    rejected = "rejected"
    below_share = "below-share"


@dataclass(frozen=True)
class Outcome:
    """A position's one outcome: who is elected, or why nobody is, and what must happen next.

    ``contenders`` are the candidates a runoff is between or a lot must order;
    ``empty_seats`` the seats nobody fills; ``quorum`` the check when a quorum applies.
    """

    kind: OutcomeKind
    reason: OutcomeReason
    elected: tuple[int, ...] = ()
    contenders: tuple[int, ...] = ()
    empty_seats: int = 0
    quorum: QuorumCheck | None = None
    on_quorum_failure: QuorumFailure | None = None

    def as_dict(self) -> dict[str, object]:
        """The outcome as JSON-safe data, the form the published result and the export carry."""
        quorum = self.quorum
        return {
            "kind": str(self.kind),
            "reason": str(self.reason),
            "elected": list(self.elected),
            "contenders": list(self.contenders),
            "empty_seats": self.empty_seats,
            "quorum": None
            if quorum is None
            else {
                "scope": str(quorum.scope),
                "eligible": quorum.eligible,
                "voted": quorum.voted,
                "required": quorum.required,
                "met": quorum.met,
            },
            "on_quorum_failure": None
            if self.on_quorum_failure is None
            else str(self.on_quorum_failure),
        }


def decide(result: TallyResult, rules: ValidityRules, turnout: Turnout | None) -> Outcome:
    """The position's outcome from its count, the election's rules and its quorum turnout.

    ``turnout`` is the position's (or, with the election scope, the election's) eligible roll
    and ballots cast; it is needed only when a quorum applies.
    """
    quorum = _quorum(rules, turnout)
    if quorum is not None and not quorum.met:
        return Outcome(
            OutcomeKind.not_elected,
            OutcomeReason.quorum_failed,
            empty_seats=_seats(result),
            quorum=quorum,
            on_quorum_failure=rules.on_quorum_failure,
        )
    if result.valid_ballots == 0:
        return _nobody(result, OutcomeReason.no_valid_votes, quorum)
    runoff = _runoff(result, rules)
    if runoff:
        return Outcome(
            OutcomeKind.runoff, OutcomeReason.majority_not_reached, contenders=runoff, quorum=quorum
        )
    if not result.complete:
        return Outcome(
            OutcomeKind.lot,
            OutcomeReason.tie,
            elected=_with_votes(result, result.elected),
            contenders=tuple(sorted(result.lot_required or ())),
            quorum=quorum,
        )
    if result.method is Method.yesno and not result.passed:
        return _nobody(result, OutcomeReason.rejected, quorum)
    if _lone_below_share(result, rules):
        return _nobody(result, OutcomeReason.below_share, quorum)
    elected = _with_votes(result, result.elected)
    empty = _seats(result) - len(elected)
    reason = OutcomeReason.seats_left_empty if empty else OutcomeReason.seats_filled
    kind = OutcomeKind.elected if elected else OutcomeKind.not_elected
    return Outcome(kind, reason, elected=elected, empty_seats=empty, quorum=quorum)


def required_turnout(eligible: int, percent: int) -> int:
    """The fewest ballots that meet a quorum of ``percent`` of ``eligible`` (rounded up)."""
    return -(-eligible * percent // 100)


def _quorum(rules: ValidityRules, turnout: Turnout | None) -> QuorumCheck | None:
    """The quorum check, when the rules set one."""
    if not rules.quorum_percent:
        return None
    if turnout is None:
        raise ValueError("a quorum needs the turnout")
    required = required_turnout(turnout.eligible, rules.quorum_percent)
    met = turnout.voted >= required and turnout.eligible > 0
    return QuorumCheck(rules.quorum_scope, turnout.eligible, turnout.voted, required, met)


def _seats(result: TallyResult) -> int:
    """The seats a position offers (a yes/no question decides one)."""
    return 1 if result.method is Method.yesno else result.seats


def _nobody(result: TallyResult, reason: OutcomeReason, quorum: QuorumCheck | None) -> Outcome:
    """Nobody elected, every seat left empty, for the reason given."""
    return Outcome(OutcomeKind.not_elected, reason, empty_seats=_seats(result), quorum=quorum)


def _final_votes(result: TallyResult) -> dict[int, Fraction]:
    """Each candidate's votes when the count ended: their last tally, or their marks."""
    if result.method is Method.ranked:
        votes: dict[int, Fraction] = dict.fromkeys(result.candidates, Fraction(0))
        for step in result.trace:
            if step.kind is StepKind.count:
                votes.update({int(mark): value for mark, value in step.tallies.items()})
            elif step.kind is StepKind.elected and step.value is not None:
                votes[step.candidates[0]] = max(votes[step.candidates[0]], step.value)
        return votes
    if result.method is Method.yesno:
        return {result.candidates[0]: Fraction(result.yes or 0)}
    return {int(mark): Fraction(n) for mark, n in result.first_counts.items()}


def _with_votes(result: TallyResult, elected: tuple[int, ...]) -> tuple[int, ...]:
    """The elected who received votes: a seat nobody voted for stays empty."""
    votes = _final_votes(result)
    return tuple(candidate for candidate in elected if votes.get(candidate, 0) > 0)


def _lone_below_share(result: TallyResult, rules: ValidityRules) -> bool:
    """A lone candidate on an ordinary ballot short of the share of ballots the rule asks for."""
    if rules.lone_candidate is not LoneRule.share or result.method is Method.yesno:
        return False
    if len(result.candidates) != 1:
        return False
    votes = result.first_counts.get(result.candidates[0], 0)
    return Fraction(votes, result.total_ballots) * 100 < rules.lone_share_percent


def _runoff(result: TallyResult, rules: ValidityRules) -> tuple[int, ...]:
    """The candidates of the runoff a missed majority calls for, or () when none is needed."""
    if not rules.majority or result.method is not Method.single or result.seats != 1:
        return ()
    if len(result.candidates) < 2:
        return ()
    marks = {int(mark): n for mark, n in result.first_counts.items()}
    leader = max(marks.values())
    if 2 * leader > result.valid_ballots:
        return ()
    second = sorted(marks.values(), reverse=True)[1]
    return tuple(c for c in result.candidates if marks[c] >= second)


def _whole(value: object) -> int:
    """A whole number from recorded data (never a boolean)."""
    if type(value) is not int:
        raise TypeError("not a whole number")
    return value


def _flag(value: object) -> bool:
    """A boolean from recorded data."""
    if type(value) is not bool:
        raise TypeError("not true or false")
    return value
