"""Faults in the middle of voting: a worker killed, the database restarted; no vote half-written.

The test runs its own throw-away PostgreSQL cluster (``scripts/pg-test-server`` on a free
port and a directory of its own), because it restarts the server in immediate mode, as a
crash would, and other tests share the usual cluster. Under a burst of votes, one
gunicorn worker is killed with SIGKILL; under a second burst, PostgreSQL is restarted.

Whatever happens, every request either returned a receipt whose ballots exist, or failed
leaving all of that student's ballots or none of them. A failed request that left none
can be sent again and succeeds, once. (A request can also fail *after* its commit, when
the answer is lost on the way back: then the ballots are all there, and sending again is
refused as already voted. No client can tell those two apart, so neither may leave half.)
"""

from __future__ import annotations

import http.client
import itertools
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.conftest import ON_POSTGRES, require
from tests.gunicorn_harness import (
    BALLOTS_PER_VOTER,
    ROOT,
    Browser,
    GunicornServer,
    Poll,
    Reply,
    ballot_box,
    free_port,
    fresh_database,
    migrate,
    open_poll,
    server_environment,
    start_servers,
)

pytestmark = pytest.mark.postgres

PG_TEST_SERVER = ROOT / "scripts" / "pg-test-server"
STUDENTS = 240
CLIENTS = 12
AUDIT_KEY = secrets.token_urlsafe(32)

Outcome = Reply | Exception


@dataclass(frozen=True)
class Cluster:
    """A private PostgreSQL cluster this test may restart at will."""

    env: dict[str, str]
    url: str

    def restart(self) -> None:
        """Restart in immediate mode: no checkpoint, every session cut, crash recovery."""
        subprocess.run([PG_TEST_SERVER, "restart"], env=self.env, check=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """Start a second throw-away cluster on a free port; stop and remove it afterwards."""
    require(ON_POSTGRES, "the fault tests run in the PostgreSQL pass (set TEST_DATABASE_URL)")
    directory = tempfile.mkdtemp(prefix="elections-pg-faults-")
    env = {**os.environ, "PG_TEST_PORT": str(free_port()), "PG_TEST_DIR": directory}
    try:
        started = subprocess.run(
            [PG_TEST_SERVER, "start"], env=env, check=True, capture_output=True, text=True
        )
        yield Cluster(env, started.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run([PG_TEST_SERVER, "stop"], env=env, check=False)
        shutil.rmtree(directory, ignore_errors=True)


class PollingStation:
    """Signed-in students in front of one server, each with their cast form ready."""

    def __init__(self, poll: Poll, server: GunicornServer) -> None:
        """Sign every student in and open their ballot."""
        self.poll = poll
        self.server = server
        self.path = f"/vote/{poll.election_id}/cast"
        with ThreadPoolExecutor(CLIENTS) as pool:
            self.voters = list(pool.map(self._sign_in, range(len(poll.students))))

    def _sign_in(self, index: int) -> tuple[Browser, list[tuple[str, str]]]:
        """One student's browser, signed in, and the form their cast sends."""
        number, code, _shanyrak = self.poll.students[index]
        browser = Browser(self.server.port, timeout_s=60)
        browser.sign_in(number, code)
        token = browser.ballot_token(self.poll.election_id)
        return browser, [("csrf_token", token), *self.poll.ballot_form(index)]

    def cast(self, index: int) -> Outcome:
        """One submission: the reply, or the error when none came back."""
        browser, form = self.voters[index]
        try:
            return browser.post(self.path, form, remember=False)
        except (OSError, http.client.HTTPException) as error:
            return error

    def burst(self, students: Sequence[int], fault: Callable[[], None]) -> dict[int, Outcome]:
        """Everyone in ``students`` casts at once; ``fault`` strikes once a quarter have answers."""
        answered = itertools.count(1)
        strike_at = max(1, len(students) // 4)

        def cast(index: int) -> Outcome:
            outcome = self.cast(index)
            if next(answered) == strike_at:
                fault()
            return outcome

        with ThreadPoolExecutor(CLIENTS) as pool:
            return dict(zip(students, pool.map(cast, students), strict=True))

    def receipt(self, index: int, reply: Reply) -> list[str]:
        """The codes on the receipt the cast's redirect leads to."""
        browser, _form = self.voters[index]
        browser.remember(reply)
        return browser.receipt()


def status_of(outcome: Outcome) -> int | None:
    """The HTTP status of a submission, or None when no answer came back."""
    return outcome.status if isinstance(outcome, Reply) else None


def cast_succeeded(outcome: Outcome) -> bool:
    """Whether a submission came back as a cast ballot (303 to the receipt)."""
    return status_of(outcome) == 303


def test_a_killed_worker_and_a_restarted_database_leave_no_vote_half_written(cluster, tmp_path):
    database = fresh_database(cluster.url, "faults")
    migrate(database)
    poll = open_poll(database, STUDENTS, AUDIT_KEY)
    server = GunicornServer(
        server_environment(database, AUDIT_HMAC_KEY=AUDIT_KEY),
        workers=3,
        log_path=tmp_path / "server.log",
    )
    with start_servers(server):
        station = PollingStation(poll, server)
        half = STUDENTS // 2
        workers_before = server.worker_pids()

        def kill_a_worker() -> None:
            os.kill(workers_before[0], signal.SIGKILL)

        outcomes = station.burst(range(half), kill_a_worker)
        outcomes |= station.burst(range(half, STUDENTS), cluster.restart)
        server.wait_until_ready()
        time.sleep(0.5)  # the master has replaced the killed worker by now
        assert workers_before[0] not in server.worker_pids()
        assert len(server.worker_pids()) == 3

        failed = [i for i, outcome in outcomes.items() if not cast_succeeded(outcome)]
        assert failed, "the faults interrupted no request: the test proved nothing"
        statuses = [o.status for o in outcomes.values() if isinstance(o, Reply)]
        assert 409 not in statuses, "a first submission was refused as a second one"

        # Every failure left all of the student's ballots or none; every receipt is stored.
        box = ballot_box(database, AUDIT_KEY)
        assert box.problems() == [], server.log_tail()
        held = box.ballots_held()
        receipts = [
            code
            for index, outcome in outcomes.items()
            if isinstance(outcome, Reply) and cast_succeeded(outcome)
            for code in station.receipt(index, outcome)
        ]
        assert len(receipts) == BALLOTS_PER_VOTER * (STUDENTS - len(failed))
        assert all(box.tracking_codes[code] == 1 for code in receipts)

        # Those with nothing written vote again and succeed, once; the others are refused.
        for index in failed:
            number = poll.students[index][0]
            again = station.cast(index)
            if held[number] == 0:
                assert cast_succeeded(again), again
                codes = station.receipt(index, again)  # type: ignore[arg-type]
                assert len(codes) == BALLOTS_PER_VOTER
                receipts += codes
                assert status_of(station.cast(index)) == 409
            else:
                assert status_of(again) == 409, "a vote written before its answer was lost"

    final = ballot_box(database, AUDIT_KEY)
    assert final.problems(poll.expected_ballots()) == []
    assert all(final.tracking_codes[code] == 1 for code in receipts)
    assert final.actions["voted"] == STUDENTS
