"""Accounts: staff creation, access codes, and checking a secret with the same work for everyone.

Each kind of secret has one pair of functions, the only code that hashes or checks it:
``hash_access_code`` / ``verify_access_code`` for students' codes, ``hash_password`` /
``verify_password`` for staff passwords. ``authenticate`` calls exactly one verification per
attempt, chosen by the *shape of what was typed* (an access code, or anything else), never
by the account: an unknown name, a student without a code and a staff account all run the
same function on a stored value of nobody's secret (``dummy_stored``), made by the same
function as a real one. So whatever scheme a kind of secret uses, a wrong secret costs the
same whether or not the account exists, and whichever kind it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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

UNLOGGED_CODE = "(an access code, not logged)"
_DUMMIES = "elections.dummy-stored-secrets"


class AccountReason(StrEnum):
    """Why a staff account cannot be created as asked."""

    not_staff = "not-staff"
    weak_password = "weak-password"  # noqa: S105 - a reason, not a secret
    password_like_code = "password-like-code"  # noqa: S105
    username_taken = "username-taken"


class AccountError(DomainError[AccountReason]):
    """A staff account request that cannot be honoured."""

    status = 400


def hash_access_code(code: str) -> str:
    """The stored form of a student's access code."""
    method = current_app.config["ACCESS_CODE_HASH_METHOD"]
    return generate_password_hash(codes.normalise_code(code), method=method)


def verify_access_code(stored: str, typed: str) -> bool:
    """Whether ``typed`` is the access code stored as ``stored``: the one check of a code."""
    return check_password_hash(stored, codes.normalise_code(typed))


def hash_password(password: str) -> str:
    """The stored form of a staff password: a slow hash, since people choose passwords."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(stored: str, typed: str) -> bool:
    """Whether ``typed`` is the password stored as ``stored``: the one check of a password."""
    return check_password_hash(stored, typed)


def dummy_stored(hash_secret: Callable[[str], str]) -> str:
    """A stored value of nobody's secret, made by ``hash_secret`` once per app.

    Checked in place of an account's when there is none to check, so a miss costs
    exactly what a wrong secret costs.
    """
    made: dict[str, str] = current_app.extensions.setdefault(_DUMMIES, {})
    if hash_secret.__name__ not in made:
        made[hash_secret.__name__] = hash_secret(codes.new_access_code())
    return made[hash_secret.__name__]


def prepare_dummies() -> None:
    """Make both dummies now (as the app is made), so the first miss costs no more than any."""
    dummy_stored(hash_access_code)
    dummy_stored(hash_password)


def find_account(username: str) -> User | None:
    """Look up an account by its sign-in name (student number or staff username)."""
    return db.session.scalar(select(User).where(User.username == username.strip()))


def authenticate(username: str, secret: str) -> User | None:
    """Return the active account whose secret matches, or None, never saying which part failed.

    A secret shaped like an access code can only open a student's account and anything
    else only a staff one (a staff password never looks like a code: ``create_staff``),
    so the shape picks the one check to run, and the account only decides whether its
    stored value or the dummy is checked.
    """
    user = find_account(username)
    if codes.looks_like_access_code(secret):
        stored = user.access_code_hash if user is not None and user.is_student else None
        matched = verify_access_code(stored or dummy_stored(hash_access_code), secret)
    else:
        stored = user.password_hash if user is not None and not user.is_student else None
        matched = verify_password(stored or dummy_stored(hash_password), secret)
    if user is None or stored is None or not matched or not user.active:
        return None
    return user


def logged_name(typed: str) -> str:
    """A typed sign-in name as the logs may keep it: never an access code typed in its place."""
    return UNLOGGED_CODE if codes.looks_like_access_code(typed) else typed[:64]


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
    if codes.looks_like_access_code(password):
        raise AccountError(AccountReason.password_like_code)
    if find_account(username) is not None:
        raise AccountError(AccountReason.username_taken)
    user = User(
        username=username.strip(),
        full_name=full_name.strip() or username.strip(),
        role=str(role),
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record(actor, "staff-created", object_type="user", object_id=user.id, details={"role": role})
    db.session.commit()
    return user


def issue_access_codes(actor: Actor, students: Iterable[User]) -> list[tuple[User, str]]:
    """Give each student a fresh code, shown once; any earlier code and session stop working."""
    issued: list[tuple[User, str]] = []
    now = datetime.now(UTC)
    for student in students:
        code = codes.new_access_code()
        student.access_code_hash = hash_access_code(code)
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
