"""Who may open the auditors' workspace: one rule, so widening it (to observers) is one change."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from elections.access import ACCESS_ATTRIBUTE
from elections.domain.roles import Role
from elections.extensions import login_manager

View = TypeVar("View", bound=Callable[..., Any])

WORKSPACE_ROLES = frozenset({Role.auditor, Role.committee, Role.admin})


def may_audit(user: Any) -> bool:
    """Whether an account may read, export and verify the audit log."""
    return bool(user.is_authenticated) and user.role in WORKSPACE_ROLES


def audit_workspace(view: View) -> View:
    """Admit accounts that ``may_audit``; send anonymous visitors to sign in, refuse others."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not may_audit(current_user):
            abort(403)
        return view(*args, **kwargs)

    setattr(guarded, ACCESS_ATTRIBUTE, tuple(sorted(str(role) for role in WORKSPACE_ROLES)))
    return guarded  # type: ignore[return-value]
