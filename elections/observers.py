"""Candidates' observers: the one place that decides who watches an election in that capacity.

A registered candidate may name one observer (a student or a staff member). The
observer sees, for that election only, what an official sees: turnout from opening,
and the count, its trace and the audit log from closing (``lifecycle`` decides with
``Role.observer``). They never act: every committee action keeps its own role check.

The turnout, results and audit views call ``observer_or_roles`` (their decorator) and
``viewing_role`` (the capacity their visibility rules are asked about), so widening or
narrowing what observers reach is a change here only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import exists, select

from elections.access import ACCESS_ATTRIBUTE
from elections.domain import lifecycle
from elections.domain.lifecycle import Phase
from elections.domain.roles import Role
from elections.extensions import db, login_manager
from elections.models import REGISTERED, Candidate, Election, Observer, Position, User

View = TypeVar("View", bound=Callable[..., Any])

OBSERVER_CAPACITY = "observer"
# Officials see at least what an observer sees, so for them the capacity adds nothing.
_SEES_MORE = frozenset({Role.committee, Role.auditor, Role.admin})
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


def viewing_role(election_id: int) -> Role:
    """The capacity the current user views this election in: role, observer, or the public."""
    if not current_user.is_authenticated:
        return Role.public
    role = Role(current_user.role)
    if role not in _SEES_MORE and is_observer(current_user, election_id):
        return Role.observer
    return role


def audit_log_visible(phase: Phase, role: Role) -> bool:
    """An election's audit entries: the workspace always, its observers once voting closed."""
    if role in _SEES_MORE:
        return True
    return role == Role.observer and lifecycle.results_visible(phase, Role.observer)


def observer_or_roles(*roles: Role) -> Callable[[View], View]:
    """Admit accounts of ``roles``, and observers of the election named by ``election_id``.

    The view must take ``election_id``; nothing else about the account changes, so an
    observer who is a student still reaches only what their role and this capacity allow.
    """
    allowed = frozenset(str(role) for role in roles)

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed and not is_observer(
                current_user, kwargs["election_id"]
            ):
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, (*sorted(allowed), OBSERVER_CAPACITY))
        return guarded  # type: ignore[return-value]

    return decorate
