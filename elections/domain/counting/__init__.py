"""Counting ballots: pure functions from candidates, ballots and lots to a traced result.

No Flask, database, clock, randomness or I/O, so the app, the standalone verifier and the
tests all compute the same figures. Methods:

- single / multi: plurality; the `seats` candidates with most marks win (multi: each ballot
  marks up to `seats` distinct candidates).
- ranked: instant-runoff for one seat, STV (Droop quota, weighted inclusive Gregory surplus
  transfers in exact fractions) for several; see `ranked`.
- yesno: one candidate passes when yes / (yes + no) is strictly above the threshold.

Blank ballots are reported apart and never count toward a majority, quota or threshold base.
Ties are never broken silently, and the election's tie rule (`rules`, see `rules.py`) says
how they are settled: backwards tie-breaking where the rule allows it (ranked), then the first
lot in `lots` that covers the whole tied group (a lot orders candidates favoured first: it
wins the seat, survives the elimination, or has its surplus transferred first). Without one,
a tie that decides a seat or an elimination stops the count: `complete` is False,
`lot_required` is the tied group and `elected` holds the seats decided before it. The app
records a lot for exactly that group and counts again. Under the runoff rule a tie for the
last seats stops the count with `runoff_required` instead, for a runoff election among the
tied. Ties that cannot change who is elected (below the winners, say) need no lot.
"""

from collections.abc import Iterable, Sequence
from fractions import Fraction

from .ballots import group_ballots
from .errors import (
    BallotProblem,
    CountRefused,
    ElectionProblem,
    InvalidBallot,
    InvalidElection,
    InvalidLot,
    LotProblem,
)
from .export import result_to_dict
from .lots import check_lots, lot_order
from .model import (
    NO,
    YES,
    Ballot,
    Decision,
    Mark,
    Method,
    StepKind,
    TallyResult,
    TraceStep,
)
from .plurality import count_plurality
from .ranked import count_irv, count_stv
from .rules import DEFAULT_RULES, CountingRules, TieRule
from .yesno import count_yesno

__all__ = [
    "DEFAULT_RULES",
    "NO",
    "YES",
    "Ballot",
    "BallotProblem",
    "CountRefused",
    "CountingRules",
    "Decision",
    "ElectionProblem",
    "InvalidBallot",
    "InvalidElection",
    "InvalidLot",
    "LotProblem",
    "Mark",
    "Method",
    "StepKind",
    "TallyResult",
    "TieRule",
    "TraceStep",
    "count",
    "lot_order",
    "result_to_dict",
]


def count(
    method: Method | str,
    candidates: Sequence[int],
    ballots: Iterable[Ballot],
    *,
    seats: int = 1,
    lots: Sequence[Sequence[int]] = (),
    threshold: Fraction = Fraction(1, 2),
    rules: CountingRules = DEFAULT_RULES,
) -> TallyResult:
    """Count the ballots of one election; the same inputs in any order give the same result.

    `candidates` is in ballot-paper order, which only orders the report (never decides a tie).
    Raises a CountRefused subclass for an invalid election, ballot or lot.
    """
    try:
        method = Method(method)
    except ValueError:
        raise InvalidElection(ElectionProblem.unknown_method, {"given": method}) from None
    paper = _check_election(method, candidates, seats, threshold)
    checked_lots = check_lots(lots, frozenset(paper))
    grouped = group_ballots(method, paper, seats, ballots)
    if method is Method.yesno:
        return count_yesno(paper[0], grouped, Fraction(threshold))
    if method is Method.ranked and seats == 1:
        return count_irv(paper, grouped, checked_lots, rules)
    if method is Method.ranked:
        return count_stv(paper, grouped, seats, checked_lots, rules)
    return count_plurality(method, paper, grouped, seats, checked_lots, rules)


def _check_election(
    method: Method, candidates: Sequence[int], seats: int, threshold: Fraction
) -> tuple[int, ...]:
    """Return the candidates as a tuple, refusing an election that cannot be counted."""
    paper = tuple(candidates)
    if not paper:
        raise InvalidElection(ElectionProblem.no_candidates)
    if not all(type(candidate) is int for candidate in paper):
        raise InvalidElection(ElectionProblem.bad_candidate_id, {"given": paper})
    if len(set(paper)) != len(paper):
        raise InvalidElection(ElectionProblem.duplicate_candidate, {"given": paper})
    if type(seats) is not int or seats < 1:
        raise InvalidElection(ElectionProblem.bad_seats, {"given": seats})
    if method is Method.yesno and (len(paper) != 1 or seats != 1):
        raise InvalidElection(ElectionProblem.not_one_candidate, {"given": paper})
    if not isinstance(threshold, Fraction | int) or not 0 <= threshold < 1:
        raise InvalidElection(ElectionProblem.bad_threshold, {"given": threshold})
    return paper
