"""Who may open a view: every view declares a rule, and a test walks the URL map to prove it.

``public`` marks a view open to anyone; ``roles_required`` admits signed-in accounts of the
given roles and sends anonymous visitors to sign in; ``observer_or_roles`` also admits the
observers a candidate named for the election in the URL. A candidate's observer sees, for
that election only, what an official sees (``lifecycle`` decides with ``Role.observer``) and
never acts: every committee action keeps its own role check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user

from elections.domain.roles import ACCOUNT_ROLES, STAFF, Role
from elections.extensions import login_manager
from elections.operations.audit_log import Actor
from elections.queries.observers import is_observer

View = TypeVar("View", bound=Callable[..., Any])

ACCESS_ATTRIBUTE = "access_rule"
OBSERVER_CAPACITY = "observer"


def public(view: View) -> View:
    """Declare a view open to everyone, signed in or not."""
    setattr(view, ACCESS_ATTRIBUTE, ("public",))
    return view


def _guard(
    roles: tuple[Role, ...], also: Callable[[dict[str, Any]], bool] | None, label: tuple[str, ...]
) -> Callable[[View], View]:
    """Admit signed-in accounts of ``roles``, or those ``also`` admits for the view's arguments."""
    allowed = frozenset(str(role) for role in roles)

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed and not (also and also(kwargs)):
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, (*sorted(allowed), *label))
        return guarded  # type: ignore[return-value]

    return decorate


def roles_required(*roles: Role) -> Callable[[View], View]:
    """Admit only signed-in accounts holding one of ``roles``; others get 403."""
    return _guard(roles, None, ())


def signed_in(view: View) -> View:
    """Admit any signed-in account, whatever its role."""
    return roles_required(*ACCOUNT_ROLES)(view)


def observer_or_roles(*roles: Role) -> Callable[[View], View]:
    """Admit accounts of ``roles``, and observers of the election named by ``election_id``.

    Nothing else about the account changes, so an observer who is a student still reaches
    only what their role and this capacity allow.
    """
    return _guard(
        roles, lambda kwargs: is_observer(current_user, kwargs["election_id"]), (OBSERVER_CAPACITY,)
    )


def viewing_role(election_id: int) -> Role:
    """The capacity the current user views this election in: role, observer, or the public."""
    if not current_user.is_authenticated:
        return Role.public
    role = Role(current_user.role)
    if role not in STAFF and is_observer(current_user, election_id):
        return Role.observer
    return role


def current_actor() -> Actor:
    """The signed-in person and client address, as the audit log names them."""
    if current_user.is_authenticated:
        return Actor(current_user.username, current_user.role, request.remote_addr)
    return Actor(None, None, request.remote_addr)
