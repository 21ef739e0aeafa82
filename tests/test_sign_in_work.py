"""A wrong secret costs the same whether or not the account exists, for students and staff alike.

Compared by the work done, never by the clock. For one typed secret, a failed sign-in at a
known account and at an unknown name must call the same verification function on a
stored value of the same method, the same hash primitives with the same parameters
(scrypt's n, r and p, PBKDF2's iterations, HMAC's digest, and the lengths of what they
hash), and send the same database statements. The app runs with the production hash
settings, where codes and passwords use different costs, so a dummy of the wrong kind
would show; and once more with access codes stored as a keyed HMAC, as a deployment may
choose, to show that the dummy follows whatever scheme the codes use.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from config import Config
from elections.domain import codes
from elections.domain.roles import Role
from elections.extensions import db
from elections.models import User
from elections.operations import accounts
from elections.operations.audit_log import SYSTEM
from tests.conftest import make_student, running_app
from tests.test_rate_limits import attempt

PASSWORD = "a long staff password"
WRONG_CODE = "ZZZZ-ZZZZ"
WRONG_PASSWORD = "not the password at all"
AUDIT_KEY = b"k" * 32


def keyed_hash_access_code(code: str) -> str:
    """Access codes as a keyed HMAC instead of a password hash (the key kept elsewhere)."""
    digest = hmac.new(AUDIT_KEY, codes.normalise_code(code).encode(), "sha256").hexdigest()
    return f"hmac-sha256${digest}"


def keyed_verify_access_code(stored: str, typed: str) -> bool:
    """The keyed HMAC scheme's one check."""
    return hmac.compare_digest(stored, keyed_hash_access_code(typed))


@dataclass
class Work:
    """What one sign-in did: verifications, hash primitives inside ``authenticate``, SQL."""

    checks: list[tuple[str, str]] = field(default_factory=list)
    primitives: list[tuple[Any, ...]] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    checking: bool = False


@pytest.fixture(params=["password hashes", "keyed HMAC codes"])
def scheme(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How access codes are stored: as configured, or as a keyed HMAC."""
    if request.param == "keyed HMAC codes":
        monkeypatch.setattr(accounts, "hash_access_code", keyed_hash_access_code)
        monkeypatch.setattr(accounts, "verify_access_code", keyed_verify_access_code)
    return request.param


@pytest.fixture
def production_hashes(tmp_path: Path, scheme: str) -> Iterator[Flask]:
    """The app with the production hash settings, whose costs differ by kind of secret."""
    methods = {
        "PASSWORD_HASH_METHOD": Config.PASSWORD_HASH_METHOD,
        "ACCESS_CODE_HASH_METHOD": Config.ACCESS_CODE_HASH_METHOD,
    }
    assert methods["PASSWORD_HASH_METHOD"] != methods["ACCESS_CODE_HASH_METHOD"]
    # The election calendar is applied on the first request only, so that it runs in
    # neither of the sign-ins compared.
    with running_app(tmp_path, SCHEDULE_CHECK_SECONDS=10**9, **methods) as app:
        app.test_client().get("/sign-in")
        yield app


def spied(work: Work, name: str, real: Callable[..., Any], shape: Callable[..., tuple]):
    """``real``, noting its name and parameters while ``authenticate`` runs."""

    def spy(*args: Any, **kwargs: Any) -> Any:
        if work.checking:
            work.primitives.append((name, *shape(*args, **kwargs)))
        return real(*args, **kwargs)

    return spy


def size(value: Any) -> int | None:
    """The length of hashed input (a key, a message, a salt), never its content."""
    return None if value is None else len(value)


@pytest.fixture
def work(production_hashes: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    """Record the work of sign-ins, from here on."""
    done = Work()
    primitives = {
        "scrypt": (
            hashlib,
            lambda password, *, salt, n, r, p, maxmem=0, dklen=64: (
                size(password),
                size(salt),
                n,
                r,
                p,
                dklen,
            ),
        ),
        "pbkdf2_hmac": (
            hashlib,
            lambda name, password, salt, iterations, dklen=None: (
                name,
                size(password),
                size(salt),
                iterations,
                dklen,
            ),
        ),
        "new": (hmac, lambda key, msg=None, digestmod="": (size(key), size(msg), str(digestmod))),
        "digest": (hmac, lambda key, msg, digest: (size(key), size(msg), str(digest))),
        "compare_digest": (hmac, lambda a, b: (size(a), size(b))),
    }
    for name, (module, shape) in primitives.items():
        monkeypatch.setattr(module, name, spied(done, name, getattr(module, name), shape))
    for name in ("verify_access_code", "verify_password"):
        verify = getattr(accounts, name)

        def noting(stored: str, typed: str, _name: str = name, _verify: Callable = verify) -> bool:
            done.checks.append((_name, stored.split("$")[0]))
            return _verify(stored, typed)

        monkeypatch.setattr(accounts, name, noting)
    authenticate = accounts.authenticate

    def checking(username: str, secret: str) -> User | None:
        done.checking = True
        try:
            return authenticate(username, secret)
        finally:
            done.checking = False

    monkeypatch.setattr(accounts, "authenticate", checking)
    record = lambda *args: done.statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    yield done
    event.remove(db.engine, "before_cursor_execute", record)


def work_of(app: Flask, work: Work, username: str, secret: str) -> Work:
    """The work one failed sign-in through the form did."""
    work.checks, work.primitives, work.statements = [], [], []
    response = attempt(app.test_client(), username, secret, "192.0.2.77")
    assert response.status_code == 200, "the sign-in was meant to fail"
    return Work(list(work.checks), list(work.primitives), list(work.statements))


def accounts_of_every_kind() -> dict[str, str]:
    """A student with a code, one without, one inactive; staff active and inactive."""
    student, _no_code, gone = (
        make_student(number=number, code=None) for number in ("0700050", "0700051", "0700052")
    )
    accounts.issue_access_codes(SYSTEM, [student, gone])
    gone.active = False
    accounts.create_staff(SYSTEM, "auditor1", "Дана Әлиқызы", Role.auditor, PASSWORD)
    former = accounts.create_staff(SYSTEM, "auditor2", "", Role.auditor, PASSWORD)
    former.active = False
    db.session.commit()
    return {"student": "0700050", "no code": "0700051", "inactive student": "0700052",
            "staff": "auditor1", "inactive staff": "auditor2"}  # fmt: skip


@pytest.mark.parametrize(
    ("known", "unknown", "secret", "check"),
    [
        ("student", "0799999", WRONG_CODE, "verify_access_code"),
        ("no code", "0799999", WRONG_CODE, "verify_access_code"),
        ("inactive student", "0799999", WRONG_CODE, "verify_access_code"),
        ("staff", "auditor9", WRONG_PASSWORD, "verify_password"),
        ("inactive staff", "auditor9", WRONG_PASSWORD, "verify_password"),
        # Whatever the account, the typed secret's shape picks the check.
        ("staff", "auditor9", WRONG_CODE, "verify_access_code"),
        ("student", "0799999", WRONG_PASSWORD, "verify_password"),
        ("student", "0799999", "ZZZZ-ZZZ", "verify_password"),  # a code short of a character
    ],
)
def test_a_known_and_an_unknown_name_do_the_same_work(
    production_hashes, work, known, unknown, secret, check
):
    names = accounts_of_every_kind()
    at_known = work_of(production_hashes, work, names[known], secret)
    at_unknown = work_of(production_hashes, work, unknown, secret)
    assert [name for name, _method in at_known.checks] == [check]
    assert at_known.checks == at_unknown.checks
    assert at_known.primitives == at_unknown.primitives
    assert at_known.statements == at_unknown.statements
    # The work is that kind's, at its cost (not the other kind's), and the spies saw it.
    made_by = accounts.hash_password if check == "verify_password" else accounts.hash_access_code
    assert at_known.checks[0][1] == made_by(codes.new_access_code()).split("$")[0]
    assert at_known.primitives, "no hashing recorded: the spies missed the check"


def test_the_dummy_is_made_once_per_app_by_the_scheme_itself(production_hashes, scheme):
    first = accounts.dummy_stored(accounts.hash_access_code)
    assert accounts.dummy_stored(accounts.hash_access_code) == first
    assert accounts.dummy_stored(accounts.hash_password).startswith(Config.PASSWORD_HASH_METHOD)
    real = accounts.hash_access_code(codes.new_access_code())
    assert first.split("$")[0] == real.split("$")[0]
    assert len(first) == len(real)


@pytest.mark.parametrize("password", ["ABCD-EFGH--", "abcd efgh  ", "АВСD-ЕFGН  "])
def test_a_staff_password_never_looks_like_an_access_code(app, password):
    assert codes.looks_like_access_code(password)
    with pytest.raises(accounts.AccountError) as refused:
        accounts.create_staff(SYSTEM, "committee7", "", Role.committee, password)
    assert refused.value.reason == accounts.AccountReason.password_like_code
    assert accounts.find_account("committee7") is None
