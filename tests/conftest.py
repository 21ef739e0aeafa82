"""Fixtures: a fresh app and database per test, a signed-in client, and factories.

Tests run on SQLite by default. With ``TEST_DATABASE_URL`` set to a
PostgreSQL URL they run there instead (CI does both). Tests of the shared sign-in
limits start a redis-server of their own (``redis_url``). ``REQUIRE_FULL_SUITE=1``
turns any skip for a missing PostgreSQL, Redis or Chromium into a failure.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from config import TestingConfig
from elections import create_app
from elections.domain import codes
from elections.extensions import db, limiter
from elections.models import Candidate, Election, EligibleVoter, Position, User
from tests.gunicorn_harness import free_port

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
REQUIRE_FULL_SUITE = os.environ.get("REQUIRE_FULL_SUITE") == "1"
STAFF_PASSWORD = "correct horse battery"
OPENED_PHASES = ("open", "closed", "appeals", "published")
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing on a laptop; fail in CI, where everything must run."""
    if condition:
        return
    if REQUIRE_FULL_SUITE:
        pytest.fail(f"required for the full suite: {reason}")
    pytest.skip(reason)


@functools.cache
def postgres_worker_url() -> str:
    """This test process's own PostgreSQL database, rebuilt from the models once per run.

    Parallel workers (pytest-xdist) each get a database of their own.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_{worker}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def database_url(tmp_path: Path) -> str:
    """A fresh SQLite file per test, or this worker's PostgreSQL database."""
    return postgres_worker_url() if ON_POSTGRES else f"sqlite:///{tmp_path / 'test.db'}"


def reset_database() -> None:
    """Give the test an empty schema: create it, and on PostgreSQL empty every table."""
    db.create_all()
    if ON_POSTGRES:
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        # The audit log refuses TRUNCATE; a superuser may switch its triggers off.
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.execute(
            text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :genesis)"),
            {"genesis": "0" * 64},
        )
        db.session.commit()


class IsolatedRequestClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The test itself holds an app context (for factories and queries); without this,
    requests would share its ``g`` (cached user, CSRF token) and database session.
    The test's session commits first, so it holds no lock and reads fresh rows after.
    """

    def open(self, *args, **kwargs):
        """Run one request in a fresh app context."""
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """An app bound to an empty database."""
    with running_app(tmp_path) as app:
        yield app


@contextmanager
def running_app(tmp_path: Path, **overrides: object) -> Iterator[Flask]:
    """An app bound to an empty database, with any settings of its own (a proxy, a store)."""
    settings = {"SQLALCHEMY_DATABASE_URI": database_url(tmp_path), **overrides}
    app = create_app(TestingConfig, settings)
    app.test_client_class = IsolatedRequestClient
    with app.app_context():
        reset_database()
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


REDIS_TEST_SERVER = Path(__file__).resolve().parent.parent / "scripts" / "redis-test-server"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away redis-server on loopback for this test process, as a deployment's store.

    Started by ``scripts/redis-test-server`` (Debian's redis-server) on ``REDIS_TEST_PORT``
    plus the xdist worker's number when that is set, else on a free port; stopped after.
    """
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    base = os.environ.get("REDIS_TEST_PORT")
    port = int(base) + int(worker or 0) if base else free_port()
    env = {
        **os.environ,
        "REDIS_TEST_PORT": str(port),
        "REDIS_TEST_DIR": str(tmp_path_factory.mktemp("redis")),
    }
    started = subprocess.run(
        [str(REDIS_TEST_SERVER), "start"], env=env, capture_output=True, text=True, check=False
    )
    if started.returncode:
        pytest.fail(f"redis-server did not start: {started.stderr.strip()}")
    yield started.stdout.strip()
    subprocess.run([str(REDIS_TEST_SERVER), "stop"], env=env, check=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser with its own cookie jar."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs ``flask`` commands against the test app."""
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, page: str = "/sign-in") -> str:
    """The CSRF token this client's session would put in a form."""
    response = client.get(page, follow_redirects=True)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict | None = None, **kwargs):
    """POST as a browser would: with the session's CSRF token."""
    form = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(url, data=form, **kwargs)


def sign_in(client: FlaskClient, username: str, secret: str):
    """Sign in through the real form."""
    return post_form(client, "/sign-in", {"username": username, "secret": secret})


# Factories: each returns a committed object, filled with realistic defaults.

_counter = iter(range(1, 10**9))


def make_student(
    *,
    number: str | None = None,
    name: str = "Айгерім Нұрланқызы",
    grade: int = 10,
    class_name: str | None = None,
    shanyrak: str = "Алтай",
    code: str | None = "ABCD-EFGH",
    active: bool = True,
) -> User:
    """A student on the roll, with an access code unless ``code`` is None."""
    student = User(
        username=number or f"S{next(_counter):05d}",
        full_name=name,
        role="student",
        grade=grade,
        class_name=class_name or f"{grade}A",
        shanyrak=shanyrak,
        active=active,
        access_code_hash=(
            generate_password_hash(codes.normalise_code(code), method="pbkdf2:sha256:1000")
            if code
            else None
        ),
    )
    db.session.add(student)
    db.session.commit()
    return student


def make_staff(role: str = "committee", username: str | None = None, active: bool = True) -> User:
    """A staff account whose password is ``STAFF_PASSWORD``."""
    user = User(
        username=username or f"{role}{next(_counter)}",
        full_name=f"Test {role}",
        role=role,
        active=active,
        password_hash=generate_password_hash(STAFF_PASSWORD, method="pbkdf2:sha256:1000"),
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_election(
    *,
    title: str = "Council of Leaders 2026",
    phase: str = "draft",
    opens_in: timedelta = timedelta(hours=-1),
    lasts: timedelta = timedelta(days=1),
) -> Election:
    """An election whose window is around now unless told otherwise.

    One made at voting or later was opened when its window began, as the operation
    records it (voting keys its copy of the ballot by that moment).
    """
    opens = datetime.now(UTC) + opens_in
    election = Election(title=title, phase=phase, opens_at=opens, closes_at=opens + lasts)
    if phase in OPENED_PHASES:
        election.opened_at = opens
    db.session.add(election)
    db.session.commit()
    return election


def make_position(
    election: Election,
    *,
    title: str = "President",
    method: str = "single",
    seats: int = 1,
    candidates: tuple[str, ...] = ("Әли", "Дана", "Максим"),
    **rules: object,
) -> Position:
    """A position with named candidates (free-text, not tied to roll students)."""
    position = Position(election=election, title=title, method=method, seats=seats, **rules)
    db.session.add(position)
    for name in candidates:
        db.session.add(Candidate(position=position, name=name))
    db.session.commit()
    return position


def enrol(election: Election, *students: User) -> None:
    """Freeze these students onto the election's roll, with their current facts."""
    for student in students:
        db.session.add(
            EligibleVoter(
                election_id=election.id,
                student_id=student.id,
                grade=student.grade,
                class_name=student.class_name,
                shanyrak=student.shanyrak,
            )
        )
    db.session.commit()


@pytest.fixture
def staff_client(app: Flask):
    """A factory of clients signed in as a fresh staff account of a role."""

    def sign_in_as(role: str = "committee") -> tuple[FlaskClient, User]:
        user = make_staff(role)
        browser = app.test_client()
        response = sign_in(browser, user.username, STAFF_PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser, user

    return sign_in_as
