"""Sign-in limits hold across processes: two gunicorn servers, two workers each, one Redis.

The app runs as deployed (``gunicorn -c gunicorn.conf.py``, production settings, the
schema built by the migrations, on this pass's database) against a redis-server the suite
starts, so a limit reached through one server holds on the other, and the committee's
lifting, done from a shell, holds on both. Without a shared store production does not
start at all, unless told that one process serves everyone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy.engine import make_url

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.gunicorn_harness import (
    ROOT,
    Browser,
    GunicornServer,
    Poll,
    Reply,
    drop_database,
    fresh_database,
    migrate,
    open_poll,
    server_environment,
    start_servers,
)

WRONG = "ZZZZ-ZZZZ"


@pytest.fixture(scope="module")
def deployed_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database built by the migrations: one of its own on this pass's PostgreSQL, or SQLite."""
    if not ON_POSTGRES:
        url = f"sqlite:///{tmp_path_factory.mktemp('deployed') / 'deployed.db'}"
        migrate(url)
        yield url
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{make_url(TEST_DATABASE_URL).database}_shared_limits_{worker}"
    url = fresh_database(TEST_DATABASE_URL, name)
    migrate(url)
    yield url
    drop_database(TEST_DATABASE_URL, name)


@pytest.fixture(scope="module")
def deployment(deployed_database: str, redis_url: str) -> dict[str, str]:
    """The production environment of every app process: one database, one Redis."""
    return server_environment(
        deployed_database,
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_PER_PROCESS_ACCEPTED="0",
        SIGNIN_LIMIT_PER_ADDRESS="6 per 15 minutes",
        SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="3 per 15 minutes",
    )


@pytest.fixture(scope="module")
def servers(
    deployment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, int]]:
    """Two gunicorn servers of that deployment, two workers each: their ports."""
    logs = tmp_path_factory.mktemp("servers")
    first, second = (
        GunicornServer(deployment, workers=2, log_path=logs / f"{name}.log")
        for name in ("first", "second")
    )
    with start_servers(first, second):
        yield first.port, second.port


@pytest.fixture(scope="module")
def poll(deployed_database: str) -> Poll:
    """Students with access codes, on the roll of an open election."""
    return open_poll(deployed_database, 3)


@pytest.fixture(autouse=True)
def no_counts_yet(redis_url: str) -> None:
    """Each test starts with no failure counted anywhere."""
    redis.Redis.from_url(redis_url).flushdb()


def try_sign_in(port: int, username: str, secret: str) -> Reply:
    """One attempt from a fresh browser, whatever the answer."""
    browser = Browser(port)
    token = browser.get("/sign-in").csrf_token()
    form = [("csrf_token", token), ("username", username), ("secret", secret)]
    return browser.post("/sign-in", form)


def flask_command(deployment: dict[str, str], *args: str) -> str:
    """Run ``flask --app wsgi ...`` in the deployment's environment, as an operator would."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=deployment,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_the_address_limit_is_counted_across_two_servers(servers, poll, deployment):
    number, code, _shanyrak = poll.students[0]
    for n in range(6):  # three failures through each server: the limit is six
        assert try_sign_in(servers[n % 2], f"0900{n:03d}", WRONG).status == 200
    for port in servers:
        refused = try_sign_in(port, number, code)  # even the right code, from this address
        assert refused.status == 429
        assert "Too many sign-ins have failed from your network" in refused.text
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    # The committee lifts it from a shell: a third process, which sees the same count.
    lifted = flask_command(deployment, "sign-in", "lift", "127.0.0.1")
    assert lifted == "Lifted '127.0.0.1': 6 failed sign-ins cleared (address).\n"
    assert try_sign_in(servers[1], number, code).status == 302
    assert try_sign_in(servers[0], poll.students[1][0], poll.students[1][1]).status == 302


def test_failures_for_one_student_are_counted_across_servers_and_never_lock_them(servers, poll):
    number, code, _shanyrak = poll.students[2]
    answers = [try_sign_in(servers[n % 2], number, WRONG).status for n in range(5)]
    assert answers == [200, 200, 200, 429, 429]  # three allowed between both servers
    assert try_sign_in(servers[0], number, code).status == 302
    assert try_sign_in(servers[1], number, code).status == 302


def test_production_does_not_start_counting_per_process(deployed_database, tmp_path: Path):
    env = server_environment(deployed_database, RATELIMIT_PER_PROCESS_ACCEPTED="0")
    server = GunicornServer(env, workers=2, log_path=tmp_path / "refused.log")
    with pytest.raises(RuntimeError, match="did not start"):
        server.start(timeout_s=30)
    server.stop()
    assert "RATELIMIT_PER_PROCESS_ACCEPTED=1" in server.log_tail(200)
