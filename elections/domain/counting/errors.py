"""Refusals of the count, each with a typed reason, so garbage is never counted silently.

The app checks elections, ballots and lots before storing them, so meeting one of these
while counting means a bug or corrupt data (or a doctored export fed to the verifier):
a server error, never the user's.
"""

from enum import StrEnum
from typing import ClassVar, TypeVar

from elections.domain.errors import DomainError


class BallotProblem(StrEnum):
    """Why a ballot cannot be counted under the election's method."""

    not_a_tuple = "not-a-tuple"
    unknown_candidate = "unknown-candidate"
    duplicate_candidate = "duplicate-candidate"
    too_many_marks = "too-many-marks"
    not_yes_or_no = "not-yes-or-no"


class ElectionProblem(StrEnum):
    """Why the election itself (method, candidates, seats, threshold) cannot be counted."""

    unknown_method = "unknown-method"
    no_candidates = "no-candidates"
    bad_candidate_id = "bad-candidate-id"
    duplicate_candidate = "duplicate-candidate"
    bad_seats = "bad-seats"
    not_one_candidate = "not-one-candidate"
    bad_threshold = "bad-threshold"
    bad_rules = "bad-rules"


class LotProblem(StrEnum):
    """Why a recorded lot cannot be used to settle a tie."""

    unknown_candidate = "unknown-candidate"
    duplicate_candidate = "duplicate-candidate"


P = TypeVar("P", BallotProblem, ElectionProblem, LotProblem)


class CountRefused(DomainError[P]):
    """The count refused its input; catch this to handle every counting refusal at once."""

    status: ClassVar[int] = 500


class InvalidBallot(CountRefused[BallotProblem]):
    """A ballot that does not fit the method or names an unknown candidate."""


class InvalidElection(CountRefused[ElectionProblem]):
    """An election that cannot be counted as given."""


class InvalidLot(CountRefused[LotProblem]):
    """A lot that names an unknown candidate or one candidate twice."""
