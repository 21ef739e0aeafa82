"""Elections and their positions: create, edit and delete while the phase allows it.

Every change locks the election row first (as opening and closing do), so an edit
and a phase change never interleave: the edit either lands before the ballot is
frozen or is refused after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from elections.domain import lifecycle
from elections.domain.counting import DEFAULT_RULES, CountingRules
from elections.domain.errors import DomainError, LifecycleReason, LifecycleRefusal
from elections.domain.lifecycle import Phase
from elections.domain.roles import Role
from elections.extensions import db
from elections.models import Candidate, Election, Position, User
from elections.operations.audit_log import Actor, record

METHODS = ("single", "multi", "ranked", "yesno")
CALENDAR_DATES = ("nomination_starts", "campaign_starts", "silence_starts", "appeals_end")
ONE_SEAT_METHODS = ("single", "yesno")


class PositionReason(StrEnum):
    """Why a position cannot be saved as asked."""

    title_taken = "position-title-taken"
    one_seat_only = "position-one-seat-only"
    yesno_one_candidate = "yesno-one-candidate"
    no_shanyraks = "no-shanyraks"
    unknown_method = "unknown-method"


class PositionRefused(DomainError[PositionReason]):
    """The position breaks a rule of its own (not of the election's phase)."""

    status = 409


class LookupReason(StrEnum):
    """Why the thing an action names cannot be found."""

    not_found = "not-found"


class NotFound(DomainError[LookupReason]):
    """No election, position or candidate has that number."""

    status = 404


@dataclass(frozen=True)
class ElectionDetails:
    """What the committee types about an election: dates already converted to aware UTC."""

    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    # The rest of the calendar (issue #10): a phase whose start is unset is not used.
    nomination_starts: datetime | None = None
    campaign_starts: datetime | None = None
    silence_starts: datetime | None = None
    appeals_end: datetime | None = None
    endorsement_limit: int = 3
    # The title in other languages, by locale (issue #9); readers fall back to ``title``.
    titles: Mapping[str, str] = field(default_factory=dict)
    # How the counts settle ties (and, later, the election's other counting rules).
    counting_rules: CountingRules = DEFAULT_RULES

    def schedule(self) -> lifecycle.Schedule:
        """These dates as the lifecycle rules read them."""
        return lifecycle.Schedule(
            nomination_starts=self.nomination_starts,
            campaign_starts=self.campaign_starts,
            silence_starts=self.silence_starts,
            opens=self.opens_at,
            closes=self.closes_at,
            appeals_end=self.appeals_end,
        )


@dataclass(frozen=True)
class PositionSpec:
    """A position as the committee defines it; rule names are kept as typed, for display."""

    title: str
    description: str = ""
    seats: int = 1
    method: str = "single"
    allow_blank: bool = True
    shuffle_candidates: bool = False
    threshold_percent: int = 50
    voter_grades: frozenset[int] = field(default_factory=frozenset)
    voter_classes: frozenset[str] = field(default_factory=frozenset)
    voter_shanyraks: frozenset[str] = field(default_factory=frozenset)
    candidate_grades: frozenset[int] = field(default_factory=frozenset)
    candidate_classes: frozenset[str] = field(default_factory=frozenset)
    candidate_shanyraks: frozenset[str] = field(default_factory=frozenset)
    endorsements_required: int = 0
    titles: Mapping[str, str] = field(default_factory=dict)

    def columns(self) -> dict[str, Any]:
        """The position's columns, with rule sets stored as sorted lists."""
        return {
            "title": self.title.strip(),
            "description": self.description.strip(),
            "seats": self.seats,
            "method": self.method,
            "allow_blank": self.allow_blank,
            "shuffle_candidates": self.shuffle_candidates,
            "threshold_percent": self.threshold_percent,
            "voter_grades": sorted(self.voter_grades),
            "voter_classes": sorted(self.voter_classes),
            "voter_shanyraks": sorted(self.voter_shanyraks),
            "candidate_grades": sorted(self.candidate_grades),
            "candidate_classes": sorted(self.candidate_classes),
            "candidate_shanyraks": sorted(self.candidate_shanyraks),
            "endorsements_required": self.endorsements_required,
            "titles": clean_titles(self.titles),
        }


def clean_titles(titles: Mapping[str, str]) -> dict[str, str]:
    """Titles per language as stored: trimmed, empty ones left out, in language order."""
    trimmed = {code: text.strip() for code, text in sorted(titles.items())}
    return {code: text for code, text in trimmed.items() if text}


def lock_election(election_id: int) -> Election:
    """Load the election for a change, holding its row lock until commit."""
    election = db.session.scalar(
        select(Election)
        .where(Election.id == election_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if election is None:
        raise NotFound(LookupReason.not_found, {"election": election_id})
    return election


def require_structure_editable(election: Election) -> None:
    """Refuse changes to positions and rules once the ballot is frozen."""
    if not lifecycle.can_edit_structure(election.current_phase):
        raise LifecycleRefusal(LifecycleReason.structure_frozen, {"phase": election.phase})


def _iso(moment: datetime | None) -> str | None:
    """A date as the audit log writes it."""
    return None if moment is None else moment.isoformat()


def create_election(actor: Actor, details: ElectionDetails) -> Election:
    """Create a draft election with its calendar: opening and closing, and any other phases."""
    lifecycle.check_schedule(details.schedule())
    election = Election(
        title=details.title.strip(),
        description=details.description.strip(),
        opens_at=details.opens_at,
        closes_at=details.closes_at,
        nomination_starts=details.nomination_starts,
        campaign_starts=details.campaign_starts,
        silence_starts=details.silence_starts,
        appeals_end=details.appeals_end,
        endorsement_limit=details.endorsement_limit,
        titles=clean_titles(details.titles),
        tie_rule=str(details.counting_rules.tie),
        phase=str(Phase.draft),
        scheduled=False,
    )
    db.session.add(election)
    db.session.flush()
    record(
        actor,
        "election-created",
        object_type="election",
        object_id=election.id,
        election_id=election.id,
        details={
            "title": election.title,
            "opens_at": _iso(details.opens_at),
            "closes_at": _iso(details.closes_at),
            **{name: _iso(getattr(details, name)) for name in CALENDAR_DATES},
            "endorsement_limit": details.endorsement_limit,
            "titles": election.titles,
            "counting_rules": details.counting_rules.to_dict(),
        },
    )
    db.session.commit()
    return election


def update_election(actor: Actor, election_id: int, details: ElectionDetails) -> Election:
    """Change the title, description, counting rules and (in draft) the dates.

    Like the positions' methods, the counting rules may change until the day of silence;
    the ones in force when voting opens are recorded then. New dates need confirming again.
    """
    election = lock_election(election_id)
    require_structure_editable(election)
    dates_changed = election.schedule != details.schedule()
    if dates_changed:
        if election.current_phase != Phase.draft:
            raise LifecycleRefusal(LifecycleReason.not_draft)
        lifecycle.check_schedule(details.schedule())
    changes: dict[str, Any] = {}
    for name, value in (
        ("title", details.title.strip()),
        ("description", details.description.strip()),
        ("opens_at", details.opens_at),
        ("closes_at", details.closes_at),
        *((name, getattr(details, name)) for name in CALENDAR_DATES),
        ("endorsement_limit", details.endorsement_limit),
        ("titles", clean_titles(details.titles)),
        ("tie_rule", str(details.counting_rules.tie)),
    ):
        if getattr(election, name) != value:
            changes[name] = _iso(value) if isinstance(value, datetime) else value
            setattr(election, name, value)
    if dates_changed and election.scheduled:
        election.scheduled = False
        changes["scheduled"] = False
    if changes:
        record(
            actor,
            "election-updated",
            object_type="election",
            object_id=election.id,
            election_id=election.id,
            details=changes,
        )
    db.session.commit()
    return election


def delete_election(actor: Actor, election_id: int) -> None:
    """Delete an election that never opened, with all it holds; once voting opens it is kept."""
    election = lock_election(election_id)
    if not lifecycle.can_delete(election.current_phase):
        raise LifecycleRefusal(LifecycleReason.voting_started)
    title, phase = election.title, election.phase
    db.session.delete(election)
    db.session.flush()
    record(
        actor,
        "election-deleted",
        object_type="election",
        object_id=election_id,
        election_id=election_id,
        details={"title": title, "phase": phase},
    )
    db.session.commit()


def _check_position(spec: PositionSpec, candidates: int) -> None:
    """Refuse a method and seat count that do not fit together or with the candidates."""
    if spec.method not in METHODS:
        raise PositionRefused(PositionReason.unknown_method)
    if spec.method in ONE_SEAT_METHODS and spec.seats != 1:
        raise PositionRefused(PositionReason.one_seat_only, {"method": spec.method})
    if spec.method == "yesno" and candidates > 1:
        raise PositionRefused(PositionReason.yesno_one_candidate)


def _title_taken(election_id: int, title: str, except_id: int | None = None) -> bool:
    """Whether another position of the election already has this title."""
    query = select(Position.id).where(
        Position.election_id == election_id, Position.title == title.strip()
    )
    if except_id is not None:
        query = query.where(Position.id != except_id)
    return db.session.scalar(query) is not None


def _position_details(position: Position) -> dict[str, Any]:
    """The audit view of a position: everything that shapes the ballot and who may vote."""
    return {
        "title": position.title,
        "titles": dict(position.titles or {}),
        "method": position.method,
        "seats": position.seats,
        "allow_blank": position.allow_blank,
        "shuffle_candidates": position.shuffle_candidates,
        "threshold_percent": position.threshold_percent,
        "voter_grades": list(position.voter_grades),
        "voter_classes": list(position.voter_classes),
        "voter_shanyraks": list(position.voter_shanyraks),
        "candidate_grades": list(position.candidate_grades),
        "candidate_classes": list(position.candidate_classes),
        "candidate_shanyraks": list(position.candidate_shanyraks),
        "endorsements_required": position.endorsements_required,
    }


def _next_sort_order(election_id: int) -> int:
    """Put a new position after the existing ones."""
    highest = db.session.scalar(
        select(func.max(Position.sort_order)).where(Position.election_id == election_id)
    )
    return 0 if highest is None else highest + 1


def _add_position(election: Election, spec: PositionSpec, sort_order: int) -> Position:
    """Insert one checked position (no audit, no commit)."""
    _check_position(spec, candidates=0)
    if _title_taken(election.id, spec.title):
        raise PositionRefused(PositionReason.title_taken, {"title": spec.title})
    position = Position(election_id=election.id, sort_order=sort_order, **spec.columns())
    db.session.add(position)
    db.session.flush()
    return position


def create_position(actor: Actor, election_id: int, spec: PositionSpec) -> Position:
    """Add a position to an election whose structure may still change."""
    election = lock_election(election_id)
    require_structure_editable(election)
    position = _add_position(election, spec, _next_sort_order(election.id))
    record(
        actor,
        "position-created",
        object_type="position",
        object_id=position.id,
        election_id=election.id,
        details=_position_details(position),
    )
    db.session.commit()
    return position


def get_position(position_id: int) -> Position:
    """The position with that id, or a 404 refusal."""
    position = db.session.get(Position, position_id)
    if position is None:
        raise NotFound(LookupReason.not_found, {"position": position_id})
    return position


def update_position(actor: Actor, position_id: int, spec: PositionSpec) -> Position:
    """Change a position's method, seats or eligibility while the structure is editable."""
    position = get_position(position_id)
    election = lock_election(position.election_id)
    require_structure_editable(election)
    count = db.session.scalar(
        select(func.count()).select_from(Candidate).where(Candidate.position_id == position.id)
    )
    _check_position(spec, candidates=count or 0)
    if _title_taken(election.id, spec.title, except_id=position.id):
        raise PositionRefused(PositionReason.title_taken, {"title": spec.title})
    before = _position_details(position)
    for name, value in spec.columns().items():
        setattr(position, name, value)
    db.session.flush()
    after = _position_details(position)
    changed = {name: after[name] for name in after if after[name] != before[name]}
    if changed:
        record(
            actor,
            "position-updated",
            object_type="position",
            object_id=position.id,
            election_id=election.id,
            details=changed,
        )
    db.session.commit()
    return position


def delete_position(actor: Actor, position_id: int) -> None:
    """Remove a position and its candidates while the structure is editable."""
    position = get_position(position_id)
    election = lock_election(position.election_id)
    require_structure_editable(election)
    title = position.title
    db.session.delete(position)
    db.session.flush()
    record(
        actor,
        "position-deleted",
        object_type="position",
        object_id=position_id,
        election_id=election.id,
        details={"title": title},
    )
    db.session.commit()


def roll_shanyraks() -> list[str]:
    """Every shanyrak with an active student on the roll, in alphabetical order."""
    names = db.session.scalars(
        select(User.shanyrak)
        .where(User.role == Role.student, User.active.is_(True), User.shanyrak.is_not(None))
        .distinct()
    )
    return sorted({name for name in names if name}, key=str.casefold)


def create_shanyrak_positions(
    actor: Actor, election_id: int, title_for: Iterable[tuple[str, str]] | None = None
) -> list[Position]:
    """A leader position for every shanyrak on the roll, each voted and stood for by its own.

    ``title_for`` gives (shanyrak, title) pairs; by default the title is the shanyrak's
    name. Shanyraks that already have a position of that title are skipped, so the
    action can be repeated after new shanyraks join the roll.
    """
    election = lock_election(election_id)
    require_structure_editable(election)
    titles = dict(title_for) if title_for is not None else {}
    shanyraks = roll_shanyraks()
    if not shanyraks:
        raise PositionRefused(PositionReason.no_shanyraks)
    order = _next_sort_order(election.id)
    created: list[Position] = []
    for shanyrak in shanyraks:
        title = titles.get(shanyrak, shanyrak)
        if _title_taken(election.id, title):
            continue
        spec = PositionSpec(
            title=title,
            method="single",
            seats=1,
            voter_shanyraks=frozenset({shanyrak}),
            candidate_shanyraks=frozenset({shanyrak}),
        )
        created.append(_add_position(election, spec, order + len(created)))
    if created:
        record(
            actor,
            "position-created",
            object_type="election",
            object_id=election.id,
            election_id=election.id,
            details={
                "per_shanyrak": True,
                "positions": [{"id": p.id, "title": p.title} for p in created],
            },
        )
    db.session.commit()
    return created
