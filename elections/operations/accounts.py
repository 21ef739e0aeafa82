"""Accounts: staff creation, sign-in checks and access codes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from elections.domain import codes
from elections.domain.errors import DomainError
from elections.domain.roles import Role
from elections.extensions import db
from elections.models import User
from elections.operations.audit_log import Actor, record

# Checked when the account does not exist, so a miss costs as much as a wrong secret.
_DUMMY_HASHES: dict[str, str] = {}


class AccountReason(StrEnum):
    """Why a staff account cannot be created as asked."""

    not_staff = "not-staff"
    weak_password = "weak-password"  # noqa: S105 - a reason, not a secret
    username_taken = "username-taken"


class AccountError(DomainError[AccountReason]):
    """A staff account request that cannot be honoured."""

    status = 400


def _dummy_hash(method: str) -> str:
    """A hash of nothing, made once per method, to spend equal time on unknown accounts."""
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-an-account", method=method)
    return _DUMMY_HASHES[method]


def find_account(username: str) -> User | None:
    """Look up an account by its sign-in name (student number or staff username)."""
    return db.session.scalar(select(User).where(User.username == username.strip()))


def authenticate(username: str, secret: str) -> User | None:
    """Return the active account whose secret matches, or None, never saying which part failed."""
    user = find_account(username)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), secret)
        return None
    if user.is_student:
        stored, given = user.access_code_hash, codes.normalise_code(secret)
    else:
        stored, given = user.password_hash, secret
    if not stored:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), secret)
        return None
    if not check_password_hash(stored, given) or not user.active:
        return None
    return user


UNLOGGED_CODE = "(an access code, not logged)"


def record_sign_in(actor: Actor, username: str, user: User | None) -> None:
    """Log a sign-in attempt; a failure names the attempted account only as typed."""
    if user is None:
        typed = UNLOGGED_CODE if codes.looks_like_access_code(username) else username[:64]
        record(actor, "sign-in-failed", details={"username": typed})
    else:
        record(actor, "sign-in", object_type="user", object_id=user.id)
    db.session.commit()


def sign_out(actor: Actor, user: User) -> None:
    """End every session of the account by moving its session version on."""
    user.session_version += 1
    record(actor, "sign-out", object_type="user", object_id=user.id)
    db.session.commit()


def create_staff(actor: Actor, username: str, full_name: str, role: Role, password: str) -> User:
    """Create a committee member, auditor or admin with a slow-hashed password."""
    if role == Role.student:
        raise AccountError(AccountReason.not_staff)
    if len(password) < 10:
        raise AccountError(AccountReason.weak_password)
    if find_account(username) is not None:
        raise AccountError(AccountReason.username_taken)
    user = User(
        username=username.strip(),
        full_name=full_name.strip() or username.strip(),
        role=str(role),
        password_hash=generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        ),
    )
    db.session.add(user)
    db.session.flush()
    record(actor, "staff-created", object_type="user", object_id=user.id, details={"role": role})
    db.session.commit()
    return user


def issue_access_codes(actor: Actor, students: Iterable[User]) -> list[tuple[User, str]]:
    """Give each student a fresh code, shown once; any earlier code and session stop working."""
    method = current_app.config["ACCESS_CODE_HASH_METHOD"]
    issued: list[tuple[User, str]] = []
    now = datetime.now(UTC)
    for student in students:
        code = codes.new_access_code()
        student.access_code_hash = generate_password_hash(codes.normalise_code(code), method=method)
        student.access_code_issued_at = now
        student.session_version += 1
        issued.append((student, code))
    if issued:
        record(
            actor,
            "access-codes-issued",
            object_type="user",
            object_id=issued[0][0].id if len(issued) == 1 else None,
            details={"count": len(issued), "students": [s.username for s, _ in issued][:1000]},
        )
    db.session.commit()
    return issued
