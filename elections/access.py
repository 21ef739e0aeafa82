"""Who may open a view: every view declares a rule, and a test walks the URL map to prove it.

``public`` marks a view open to anyone; ``roles_required`` admits signed-in
accounts of the given roles and sends anonymous visitors to sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from elections.domain.roles import Role
from elections.extensions import login_manager

View = TypeVar("View", bound=Callable[..., Any])

ACCESS_ATTRIBUTE = "access_rule"
STAFF = (Role.committee, Role.auditor, Role.admin)
ACCOUNTS = (Role.student, *STAFF)


def public(view: View) -> View:
    """Declare a view open to everyone, signed in or not."""
    setattr(view, ACCESS_ATTRIBUTE, ("public",))
    return view


def roles_required(*roles: Role) -> Callable[[View], View]:
    """Admit only signed-in accounts holding one of ``roles``; others get 403."""
    allowed = frozenset(str(role) for role in roles)

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, tuple(sorted(allowed)))
        return guarded  # type: ignore[return-value]

    return decorate


def signed_in(view: View) -> View:
    """Admit any signed-in account, whatever its role."""
    return roles_required(*ACCOUNTS)(view)
