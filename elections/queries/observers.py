"""Candidates' observers: the one place that decides who watches an election in that capacity.

A registered candidate may name one observer (a student or a staff member). The
observer sees, for that election only, what an official sees: turnout from opening,
and the count, its trace and the audit log from closing (``lifecycle`` decides with
``Role.observer``). They never act: every committee action keeps its own role check.

The views admit observers with ``elections.web.access.observer_or_roles`` and ask
``viewing_role`` for the capacity their visibility rules are asked about; which accounts
observe what is decided here only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from elections.domain import lifecycle
from elections.domain.lifecycle import Phase
from elections.domain.roles import STAFF, Role
from elections.extensions import db
from elections.models import REGISTERED, Candidate, Election, Observer, Position, User

# What an observer's audit entries hide: endorsements are for the committee's eyes only.
HIDDEN_FROM_OBSERVERS = frozenset({"endorsement-given", "endorsement-withdrawn"})


def _observes(user_id: int, election_id: int) -> Any:
    """SQL: the account is named by a registered candidate of this election."""
    return exists(
        select(Observer.id)
        .join(Candidate, Candidate.id == Observer.candidate_id)
        .join(Position, Position.id == Candidate.position_id)
        .where(
            Observer.user_id == user_id,
            Observer.election_id == election_id,
            Position.election_id == election_id,
            Candidate.status == REGISTERED,
        )
    )


def is_observer(user: Any, election_id: int) -> bool:
    """Whether a signed-in, active account observes this election for a registered candidate."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(db.session.scalar(select(_observes(user.id, election_id))))


def observed_elections(user: User) -> list[Election]:
    """The elections an account observes, newest first."""
    return list(
        db.session.scalars(
            select(Election)
            .where(_observes(user.id, Election.id))
            .order_by(Election.opens_at.desc(), Election.id.desc())
        )
    )


def observed_with_results(user: User) -> list[Election]:
    """The elections an account observes whose count observers may read by now."""
    return [
        election
        for election in observed_elections(user)
        if lifecycle.results_visible(election.current_phase, Role.observer)
    ]


def audit_log_visible(phase: Phase, role: Role) -> bool:
    """An election's audit entries: the workspace always, its observers once voting closed."""
    if role in STAFF:  # officials see at least what an observer sees
        return True
    return role == Role.observer and lifecycle.results_visible(phase, Role.observer)
