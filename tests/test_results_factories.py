"""Factories for the results tests: real elections opened, voted, closed and published.

Every poll goes through the real operations (open, cast, close, publish), so the ballots
are sealed and the audit log written exactly as in production. No tests live here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from elections.domain.ballot import Choices
from elections.extensions import db
from elections.models import AuditEvent, Election, Position, User
from elections.operations import lifecycle as phases
from elections.operations.audit_log import Actor
from elections.operations.voting import cast_ballots
from tests.conftest import make_election, make_position, make_staff, make_student

VOTER = Actor("voter", "student", "127.0.0.1")
Mark = str


@dataclass
class Poll:
    """An election under test, its positions by title, and the students who may vote."""

    election: Election
    positions: dict[str, Position]
    students: list[User]
    used: dict[int, int] = field(default_factory=dict)
    actor: Actor = field(default_factory=lambda: Actor("committee", "committee"))

    @property
    def id(self) -> int:
        """The election's id."""
        return self.election.id

    def position(self, title: str | None = None) -> Position:
        """A position by title (the only one when not given), fresh from the database."""
        chosen = self.positions[title] if title else next(iter(self.positions.values()))
        return db.session.get(Position, chosen.id)

    def ids(self, title: str | None = None) -> dict[str, int]:
        """Candidate ids by name."""
        return {c.name: c.id for c in self.position(title).candidates}

    def choices(self, title: str | None, marks: Sequence[Mark]) -> Choices:
        """A ballot written with names (or yes / no) as the validator would store it."""
        position = self.position(title)
        if position.method == "yesno":
            return tuple(marks)  # type: ignore[return-value]
        ids = self.ids(title)
        chosen = tuple(ids[mark] for mark in marks)
        return chosen if position.method == "ranked" else tuple(sorted(chosen))

    def cast(self, ballots: Sequence[Sequence[Mark]], title: str | None = None) -> None:
        """Each ballot cast by the next student who has not voted in the position."""
        position = self.position(title)
        for marks in ballots:
            index = self.used.get(position.id, 0)
            self.used[position.id] = index + 1
            cast_ballots(
                VOTER,
                self.students[index],
                self.id,
                {position.id: self.choices(title, marks)},
                datetime.now(UTC),
            )

    def close(self) -> None:
        """Close voting and seal the boxes."""
        phases.close_election(self.actor, self.id, datetime.now(UTC))
        db.session.expire_all()

    def publish(self) -> None:
        """Publish the results (the snapshot is stored in the same transaction)."""
        phases.publish_election(self.actor, self.id, datetime.now(UTC))
        db.session.expire_all()


def open_poll(
    positions: dict[str, dict[str, Any]],
    *,
    voters: int = 12,
    title: str = "Council 2031",
    tie_rule: str = "earlier-rounds",
) -> Poll:
    """An open election with the given positions and ``voters`` students on its roll."""
    staff = make_staff("committee")
    election = make_election(title=title, opens_in=timedelta(hours=-1))
    election.tie_rule = tie_rule
    made = {name: make_position(election, title=name, **spec) for name, spec in positions.items()}
    students = [make_student(code=None) for _ in range(voters)]
    poll = Poll(election, made, students, actor=Actor(staff.username, "committee", "127.0.0.1"))
    phases.open_election(poll.actor, election.id, datetime.now(UTC))
    db.session.expire_all()
    return poll


def poll_with(
    ballots: Sequence[Sequence[Mark]],
    *,
    method: str = "single",
    candidates: tuple[str, ...] = ("Әли", "Дана", "Максим"),
    seats: int = 1,
    phase: str = "closed",
    title: str = "President",
    tie_rule: str = "earlier-rounds",
    **rules: Any,
) -> Poll:
    """One position voted with these ballots, then closed (or published, or left open)."""
    spec = {"method": method, "candidates": candidates, "seats": seats, **rules}
    poll = open_poll({title: spec}, voters=max(len(ballots), 1), tie_rule=tie_rule)
    poll.cast(ballots)
    if phase in ("closed", "published"):
        poll.close()
    if phase == "published":
        poll.publish()
    return poll


def entries(action: str) -> list[AuditEvent]:
    """Audit entries of one action, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )
