"""Two app servers, one PostgreSQL: every student submits the same ballot twice at once.

Real gunicorn processes on two loopback ports share one database, as a scaled-out
deployment does. Each of 300 signed-in students sends the cast form to both servers
in the same instant. Exactly one submission per student may win, whichever server
takes it; the other is refused and writes nothing. Afterwards every receipt's codes
are in the ballot box once, participations equal ballots, and the audit chain holds.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, require
from tests.gunicorn_harness import (
    BALLOTS_PER_VOTER,
    Browser,
    GunicornServer,
    Poll,
    Reply,
    ballot_box,
    drop_database,
    fresh_database,
    migrate,
    open_poll,
    server_environment,
    start_servers,
)

pytestmark = pytest.mark.postgres

STUDENTS = 300
CLIENTS = 24  # pairs of submissions in flight at once
AUDIT_KEY = secrets.token_urlsafe(32)


@pytest.fixture
def database() -> Iterator[str]:
    """A database of its own on the test cluster, built by the migrations, dropped after."""
    require(ON_POSTGRES, "two app servers need one PostgreSQL (set TEST_DATABASE_URL)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{make_url(TEST_DATABASE_URL).database}_concurrency_{worker}"
    url = fresh_database(TEST_DATABASE_URL, name)
    migrate(url)
    yield url
    drop_database(TEST_DATABASE_URL, name)


@pytest.fixture
def servers(database: str, tmp_path: Path) -> Iterator[tuple[GunicornServer, GunicornServer]]:
    """Two gunicorn servers with the same settings and secret, on two free ports."""
    env = server_environment(database, AUDIT_HMAC_KEY=AUDIT_KEY)
    first, second = (
        GunicornServer(
            {**env, "GUNICORN_ACCESS_LOG": str(tmp_path / f"{name}-access.log")},
            log_path=tmp_path / f"{name}.log",
        )
        for name in ("first", "second")
    )
    with start_servers(first, second):
        yield first, second


def sign_in_everyone(poll: Poll, ports: tuple[int, int]) -> list[tuple[Browser, str]]:
    """Each student signs in (on either server) and opens the ballot: browser and CSRF token."""

    def sign_in(index: int) -> tuple[Browser, str]:
        number, code, _shanyrak = poll.students[index]
        browser = Browser(ports[index % 2])
        browser.sign_in(number, code)
        return browser, browser.ballot_token(poll.election_id)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(sign_in, range(len(poll.students))))


@dataclass
class Race:
    """The two replies to one form sent to both servers at once, and whether both were in
    flight together (each sent before the other's reply came back)."""

    replies: list[Reply]
    overlapped: bool


def submit_twice_at_once(
    browser: Browser, form: list[tuple[str, str]], path: str, ports: tuple[int, int]
) -> Race:
    """Send the same form to both servers in the same instant; both replies, in port order."""
    replies: list[Reply | Exception] = [RuntimeError("not sent")] * 2
    spans = [(0.0, 0.0)] * 2
    start = threading.Barrier(2)

    def send(side: int) -> None:
        start.wait()
        sent = time.monotonic()
        try:
            replies[side] = browser.post(path, form, port=ports[side], remember=False)
        except Exception as error:  # judged by the test
            replies[side] = error
        spans[side] = (sent, time.monotonic())

    other = threading.Thread(target=send, args=(1,))
    other.start()
    send(0)
    other.join()
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    (first_sent, first_back), (second_sent, second_back) = spans
    overlapped = first_sent < second_back and second_sent < first_back
    return Race(replies, overlapped)  # type: ignore[arg-type]


def test_each_student_submitting_through_both_servers_at_once_votes_once(database, servers):
    poll = open_poll(database, STUDENTS, AUDIT_KEY)
    ports = (servers[0].port, servers[1].port)
    browsers = sign_in_everyone(poll, ports)
    path = f"/vote/{poll.election_id}/cast"

    def race(index: int) -> list[Reply]:
        browser, token = browsers[index]
        form = [("csrf_token", token), *poll.ballot_form(index)]
        return submit_twice_at_once(browser, form, path, ports)

    with ThreadPoolExecutor(CLIENTS) as pool:
        races = list(pool.map(race, range(STUDENTS)))

    # Which server wins is not the point (the one that falls behind, slowed by refusing
    # the repeats, tends to keep losing): that both copies were in flight together is.
    assert all(r.overlapped for r in races), "a pair was answered one after the other"
    outcomes = [r.replies for r in races]
    statuses = [sorted(reply.status for reply in pair) for pair in outcomes]
    assert statuses == [[303, 409]] * STUDENTS, servers[0].log_tail() + servers[1].log_tail()

    receipts: list[str] = []
    for (browser, _token), pair in zip(browsers, outcomes, strict=True):
        winner = next(reply for reply in pair if reply.status == 303)
        browser.remember(winner)
        codes = browser.receipt()
        assert len(codes) == BALLOTS_PER_VOTER
        receipts += codes

    box = ballot_box(database, AUDIT_KEY)
    assert box.problems(poll.expected_ballots()) == []
    assert sum(box.ballots_per_position.values()) == STUDENTS * BALLOTS_PER_VOTER
    assert all(box.tracking_codes[code] == 1 for code in receipts)
    assert len(set(receipts)) == len(receipts) == sum(box.tracking_codes.values())
    assert box.actions["voted"] == STUDENTS
    assert box.actions["vote-rejected"] == STUDENTS


def test_the_access_log_holds_no_query_string_cookie_or_form_field(database, servers, tmp_path):
    poll = open_poll(database, 2, AUDIT_KEY)
    number, code, _shanyrak = poll.students[0]
    browser = Browser(servers[0].port)
    browser.get(f"/sign-in?u={number}&next=/vote/")
    browser.sign_in(number, code)
    token = browser.ballot_token(poll.election_id)
    cookies = list(browser.cookies.values())
    cast = browser.post(
        f"/vote/{poll.election_id}/cast", [("csrf_token", token), *poll.ballot_form(0)]
    )
    assert cast.status == 303
    cookies += browser.cookies.values()  # the session now carries the receipt
    codes = browser.receipt()
    servers[0].stop()  # flushes the log

    log = (tmp_path / "first-access.log").read_text()
    # Status, then the duration: no response size, which on a review page follows the choice.
    assert re.search(rf'"POST /vote/{poll.election_id}/cast HTTP/1.1" 303 \d+ms "', log)
    assert '"GET /sign-in HTTP/1.1" 200' in log
    assert not [s for s in (number, code, token, *cookies, *codes) if s in log]
    assert not [field for field in ("?", "csrf_token", "position=", "secret=") if field in log]
