"""Checking and grouping ballots, so each distinct ballot is validated and counted once."""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import BallotProblem, InvalidBallot
from .model import NO, YES, Ballot, Method


@dataclass(frozen=True)
class GroupedBallots:
    """Each distinct non-blank ballot with its copies, and how many ballots were blank."""

    groups: Mapping[Ballot, int]
    blank: int

    @property
    def valid(self) -> int:
        """Non-blank ballots: the base of every majority, quota and threshold."""
        return sum(self.groups.values())

    @property
    def total(self) -> int:
        """Every ballot cast, blank or not."""
        return self.valid + self.blank


def group_ballots(
    method: Method, candidates: Iterable[int], seats: int, ballots: Iterable[Ballot]
) -> GroupedBallots:
    """Check the ballots and group identical ones, counting blank ballots apart.

    Grouping first makes a million ballots cost a Counter pass plus work per distinct ballot.
    The groups are sorted so that nothing downstream depends on the order ballots arrived in.
    """
    try:
        groups = Counter(ballots)
    except TypeError:
        raise InvalidBallot(BallotProblem.not_a_tuple) from None
    known = frozenset(candidates)
    for ballot in groups:
        check_ballot(method, known, seats, ballot)
    blank = groups.pop((), 0)
    return GroupedBallots(dict(sorted(groups.items())), blank)


def check_ballot(method: Method, known: frozenset[int], seats: int, ballot: object) -> None:
    """Raise InvalidBallot unless the ballot is well formed for the method."""
    if type(ballot) is not tuple:
        raise InvalidBallot(BallotProblem.not_a_tuple, {"ballot": ballot})
    if method is Method.yesno:
        if ballot not in ((), (YES,), (NO,)):
            raise InvalidBallot(BallotProblem.not_yes_or_no, {"ballot": ballot})
        return
    if not all(type(mark) is int and mark in known for mark in ballot):
        raise InvalidBallot(BallotProblem.unknown_candidate, {"ballot": ballot})
    if len(set(ballot)) != len(ballot):
        raise InvalidBallot(BallotProblem.duplicate_candidate, {"ballot": ballot})
    most = {Method.single: 1, Method.multi: seats}.get(method)
    if most is not None and len(ballot) > most:
        raise InvalidBallot(BallotProblem.too_many_marks, {"ballot": ballot})
