"""Domain refusals: each carries one typed reason, and the app maps them to HTTP statuses.

Every reason an engineer can raise is listed here, so the app can translate all of
them in one place and a test can check that none is missing a message.
"""

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, Generic, TypeVar


class LifecycleReason(StrEnum):
    """Why an election cannot move to a phase, or cannot be changed in its current one."""

    not_draft = "not-draft"
    same_phase = "same-phase"
    backwards = "backwards"
    already_open = "already-open"
    already_closed = "already-closed"
    not_closed = "not-closed"
    already_published = "already-published"
    skips_phase = "skips-phase"
    phase_not_used = "phase-not-used"
    appeals_pending = "appeals-pending"
    appeals_window_open = "appeals-window-open"
    no_positions = "no-positions"
    no_candidates = "no-candidates"
    bad_schedule = "bad-schedule"
    # Raised by the app when a policy predicate in ``lifecycle`` says no.
    structure_frozen = "structure-frozen"
    candidates_frozen = "candidates-frozen"
    nominations_closed = "nominations-closed"
    campaign_page_frozen = "campaign-page-frozen"
    voting_closed = "voting-closed"
    voting_started = "voting-started"
    calendar_overdue = "calendar-overdue"


class ScheduleProblem(StrEnum):
    """What is wrong with a calendar: the ``problem`` in a ``bad-schedule`` refusal's detail."""

    missing = "missing"
    not_utc = "not-utc"
    out_of_order = "out-of-order"
    closes_passed = "closes-passed"


class BallotReason(StrEnum):
    """Why submitted form values are not a valid ballot."""

    unknown_candidate = "unknown-candidate"
    duplicate_candidate = "duplicate-candidate"
    too_many = "too-many"
    empty = "empty"
    duplicate_rank = "duplicate-rank"
    missing_rank = "missing-rank"
    bad_rank = "bad-rank"
    bad_value = "bad-value"


class RuleReason(StrEnum):
    """Why an eligibility rule typed by the committee cannot be read."""

    bad_grade = "bad-grade"
    bad_range = "bad-range"
    bad_name = "bad-name"


class IneligibleReason(StrEnum):
    """Why a student may not take part."""

    not_eligible = "not-eligible"


R = TypeVar("R", bound=StrEnum)


class DomainError(Exception, Generic[R]):
    """A refused action: a typed reason, optional detail for the message, and an HTTP status."""

    status: ClassVar[int] = 400

    def __init__(self, reason: R, detail: Mapping[str, object] | None = None) -> None:
        """Keep the reason as the message too, so logs and tracebacks name it."""
        super().__init__(str(reason))
        self.reason = reason
        self.detail: Mapping[str, object] = MappingProxyType(dict(detail or {}))


class LifecycleRefusal(DomainError[LifecycleReason]):
    """The election's phase does not allow this now: a conflict with its state."""

    status = 409


class BallotInvalid(DomainError[BallotReason]):
    """The submitted ballot is malformed or breaks the position's rules."""

    status = 400


class RuleInvalid(DomainError[RuleReason]):
    """The committee typed an eligibility rule that cannot be parsed."""

    status = 400


class IneligibleVoter(DomainError[IneligibleReason]):
    """The student is not allowed to vote or stand here."""

    status = 403
