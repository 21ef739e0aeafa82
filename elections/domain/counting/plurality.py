"""Plurality counts (single and multi): the candidates with the most marks take the seats."""

from fractions import Fraction

from .ballots import GroupedBallots
from .lots import find_lot
from .model import Decision, Method, StepKind, TallyResult, TraceStep
from .rules import CountingRules, TieRule


def count_plurality(
    method: Method,
    candidates: tuple[int, ...],
    ballots: GroupedBallots,
    seats: int,
    lots: tuple[tuple[int, ...], ...],
    rules: CountingRules,
) -> TallyResult:
    """Elect the `seats` candidates with most marks; only a tie across the last seat is settled.

    There are no earlier rounds to consult, so a lot settles the tie, or a runoff election
    where the election's tie rule says so. Nobody is elected without a mark: seats that only
    unmarked candidates could fill stay empty.
    """
    marks = dict.fromkeys(candidates, 0)
    for ballot, copies in ballots.groups.items():
        for candidate in ballot:
            marks[candidate] += copies
    ranking = sorted(candidates, key=lambda candidate: -marks[candidate])
    trace = [TraceStep(StepKind.count, 1, tallies={c: Fraction(n) for c, n in marks.items()})]
    filled = min(seats, sum(1 for n in marks.values() if n))
    if not filled:
        return _result(method, candidates, ballots, seats, marks, (), None, None, trace)
    cutoff = marks[ranking[filled - 1]]
    elected = [candidate for candidate in ranking if marks[candidate] > cutoff]
    tied = tuple(candidate for candidate in ranking if marks[candidate] == cutoff)
    open_seats = filled - len(elected)
    if open_seats == len(tied):
        elected += tied
    trace += [TraceStep(StepKind.elected, 1, (c,), value=Fraction(marks[c])) for c in elected]
    lot_required = runoff_required = None
    if len(elected) < filled and rules.tie is TieRule.runoff:
        runoff_required = frozenset(tied)
        trace.append(TraceStep(StepKind.runoff_required, 1, tied, decision=Decision.seat))
    elif len(elected) < filled:
        order = find_lot(tied, lots)
        if order is None:
            lot_required = frozenset(tied)
            trace.append(TraceStep(StepKind.lot_required, 1, tied, decision=Decision.seat))
        else:
            winners = order[:open_seats]
            trace.append(
                TraceStep(StepKind.tie_lot, 1, tied, winners, order=order, decision=Decision.seat)
            )
            trace += [TraceStep(StepKind.elected, 1, (c,), value=Fraction(cutoff)) for c in winners]
            elected += winners
    settled = (lot_required, runoff_required)
    return _result(method, candidates, ballots, seats, marks, tuple(elected), *settled, trace)


def _result(
    method: Method,
    candidates: tuple[int, ...],
    ballots: GroupedBallots,
    seats: int,
    marks: dict[int, int],
    elected: tuple[int, ...],
    lot_required: frozenset[int] | None,
    runoff_required: frozenset[int] | None,
    trace: list[TraceStep],
) -> TallyResult:
    """Package a plurality count as a result."""
    return TallyResult(
        method=method,
        seats=seats,
        candidates=candidates,
        total_ballots=ballots.total,
        valid_ballots=ballots.valid,
        blank_ballots=ballots.blank,
        first_counts=marks,
        elected=elected,
        complete=lot_required is None and runoff_required is None,
        lot_required=lot_required,
        trace=tuple(trace),
        runoff_required=runoff_required,
    )
