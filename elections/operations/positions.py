"""Positions of an election: what each fills, how it is counted, and who may vote and stand.

Positions change only while the election's structure is editable, under the election's
lock (``operations.elections.lock_election``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from elections.domain.errors import DomainError
from elections.extensions import db
from elections.models import METHODS, Candidate, Election, Position
from elections.operations.audit_log import Actor, record
from elections.operations.elections import (
    LookupReason,
    NotFound,
    clean_titles,
    lock_election,
    require_structure_editable,
)
from elections.queries.roll import roll_shanyraks

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
