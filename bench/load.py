"""Load benchmark: signed-in students cast their ballots at once against gunicorn.

Run ``python bench/load.py`` (a full run, about three minutes) or ``python bench/load.py
--quick``. It starts the throw-away PostgreSQL of ``scripts/pg-test-server`` unless
``--database-url`` names a server, and needs nothing beyond the app and the standard library.

Three servers run side by side, all ``gunicorn -c gunicorn.conf.py --workers N``, and four
kinds of request are timed:

* **the app on PostgreSQL**: a fresh database built by ``flask db upgrade``, a roll of
  students and an open election shaped like the school's (a ranked President, a leader
  for each of ten shanyraks, a yes/no question), so every student casts three ballots.
  Before any clock starts, every student signs in and opens the ballot page (session
  cookie, CSRF token). **Timed: one ``POST /vote/<id>/cast`` per student**, each on its
  own connection with that student's cookies: session, CSRF, eligibility, the three
  ballots, the audit entry, and the 303 to the receipt, whose page is fetched afterwards,
  untimed, to check every code;
* **trivial**: ``GET /healthz`` on the same app server, signed out: the whole Flask
  stack with every before- and after-request hook, the pool's pre-ping and a ``SELECT 1``;
* **reference**: ``bench/reference_app.py`` on a second database of the same schema: the
  same three participations and three ballots per request (one INSERT each, one
  transaction, raw psycopg), and nothing else: no session, CSRF, eligibility, audit or
  receipt;
* **floor**: ``bench/floor_app.py``, the app plus one route that admits a student's POST
  exactly as the cast does (signed session checked against the account, CSRF token,
  every hook) and answers the same 303 having done nothing else, on the app's database
  with the same students' cookies: what the stack costs before the vote's own work.

The timed phase alternates the four in rounds (rotating their order), so a machine shared
with other work slows them alike and their ratios stay fair. Each round's requests come
from ``--clients`` threads at once. Then a **sign-in round**: a whole school
(``--signin-students``, 1,500) signs in during one break, every request from one address
as behind a computer lab's NAT, through a server with the production code hash and the
default sign-in limits kept in Redis (a redis-server of its own, when one is installed;
otherwise each process's memory, and the run says so). One student in ten first mistypes
their code; timed: every ``POST /sign-in``. None may be answered 429. Afterwards the app's
SQLite configuration is timed the same way as the casts, alone, for comparison. Then the
run checks that no vote was lost or doubled (ballots per position as expected,
participations equal to ballots, all of a student's ballots or none, every receipt's
codes stored exactly once, one ``voted`` audit entry per voter) and that the audit chain
verifies, and it ends with ``name=value`` lines.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TextIO
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.floor_app import FLOOR_PATH
from config import Config
from tests.gunicorn_harness import (
    BALLOTS_PER_VOTER,
    ROOT,
    Browser,
    GunicornServer,
    Poll,
    ballot_box,
    free_port,
    fresh_database,
    migrate,
    open_poll,
    server_environment,
    start_servers,
)

AUDIT_KEY = secrets.token_urlsafe(32)
CAST, REFERENCE, TRIVIAL, FLOOR = (
    "app cast",
    "reference 2×INSERT",
    "trivial /healthz",
    "floor signed-in POST",
)


@dataclass(frozen=True)
class Options:
    """What a run covers."""

    students: int
    rounds: int
    sqlite_students: int
    signin_students: int
    clients: int
    workers: int
    database_url: str | None
    record: bool


@dataclass
class Measurement:
    """Timed requests of one kind, gathered over the rounds: throughput, latency, errors."""

    name: str
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def requests(self) -> int:
        """How many requests were timed."""
        return len(self.latencies_ms)

    @property
    def per_s(self) -> float:
        """Requests completed per second of timed wall time."""
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        """The latency below which ``share`` of the requests finished, in milliseconds."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def line(self) -> str:
        """One human-readable line."""
        return (
            f"{self.name:<20} {self.requests:>6} requests in {self.seconds:6.2f} s"
            f" = {self.per_s:6.0f}/s  latency ms p50={self.percentile(0.50):5.1f}"
            f" p95={self.percentile(0.95):5.1f} p99={self.percentile(0.99):5.1f}"
            f" max={max(self.latencies_ms):6.1f}  errors={self.errors}"
        )


# The load generator: raw HTTP/1.1 over blocking sockets, one connection per request,
# as gunicorn's sync workers close each connection after the response.


def raw_request(method: str, path: str, cookie: str = "", form: object = None) -> bytes:
    """The bytes of one request, built before the clock starts."""
    body = urlencode(form).encode() if form is not None else b""  # type: ignore[arg-type]
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if cookie:
        head.append(f"Cookie: {cookie}")
    if form is not None:
        head.append("Content-Type: application/x-www-form-urlencoded")
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def exchange(port: int, request: bytes) -> bytes:
    """Send one request and read the whole response (the server closes the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    """The status code of a raw response, or 0 for none."""
    try:
        return int(response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def fire(
    into: Measurement, port: int, requests: Sequence[bytes], clients: int, expect: int
) -> list[bytes]:
    """Send every request from ``clients`` threads at once; add the timings to ``into``."""
    responses: list[bytes] = [b""] * len(requests)
    latencies = [0.0] * len(requests)
    queue = iter(range(len(requests)))  # next() on a range iterator is atomic under the GIL
    ready = threading.Barrier(clients + 1)

    def client() -> None:
        ready.wait()
        for index in queue:
            started = time.perf_counter()
            try:
                responses[index] = exchange(port, requests[index])
            except OSError:
                responses[index] = b""
            latencies[index] = (time.perf_counter() - started) * 1000

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    into.seconds += time.perf_counter() - started
    into.latencies_ms += latencies
    into.errors += sum(1 for response in responses if status_of(response) != expect)
    return responses


def response_cookies(response: bytes) -> dict[str, str]:
    """The cookies a raw response sets."""
    head = response.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    cookies: dict[str, str] = {}
    for line in head.split("\r\n")[1:]:
        name, _sep, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            for key, morsel in SimpleCookie(value.strip()).items():
                cookies[key] = morsel.value
    return cookies


# The app's side: voters, their requests, and the integrity check.


@dataclass
class Voter:
    """A student signed in before the clock starts, with the cast and floor requests ready."""

    browser: Browser
    request: bytes
    floor: bytes
    response: bytes = b""


def prepare_voters(poll: Poll, port: int, clients: int) -> list[Voter]:
    """Sign every student in and open their ballot page, in parallel; build their cast requests."""

    def prepare(index: int) -> Voter:
        number, code, _shanyrak = poll.students[index]
        browser = Browser(port, timeout_s=60)
        browser.sign_in(number, code)
        token = browser.ballot_token(poll.election_id)
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        form = [("csrf_token", token), *poll.ballot_form(index)]
        return Voter(
            browser,
            raw_request("POST", f"/vote/{poll.election_id}/cast", cookie, form),
            raw_request("POST", FLOOR_PATH, cookie, [("csrf_token", token)]),
        )

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(prepare, range(len(poll.students))))


def cast_all(into: Measurement, port: int, voters: Sequence[Voter], clients: int) -> None:
    """Time the casts of these voters, keeping each response for the receipt check."""
    responses = fire(into, port, [v.request for v in voters], clients, 303)
    for voter, response in zip(voters, responses, strict=True):
        voter.response = response


def integrity_problems(
    database_url: str, poll: Poll, voters: Sequence[Voter], clients: int
) -> list[str]:
    """Open every receipt (untimed) and compare with the ballot box and the audit chain."""

    def receipt(voter: Voter) -> list[str]:
        voter.browser.cookies.update(response_cookies(voter.response))
        return voter.browser.receipt()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        codes = [code for shown in pool.map(receipt, voters) for code in shown]
    box = ballot_box(database_url, AUDIT_KEY)
    problems = box.problems(poll.expected_ballots())
    if len(codes) != BALLOTS_PER_VOTER * len(voters):
        problems.append(f"{len(codes)} receipt codes shown for {len(voters)} voters")
    missing = sum(1 for code in codes if box.tracking_codes[code] != 1)
    if missing:
        problems.append(f"{missing} receipt codes not stored exactly once")
    if box.actions["voted"] != len(voters):
        problems.append(f"{box.actions['voted']} 'voted' audit entries for {len(voters)} voters")
    return problems


def seeded_app(label: str, database_url: str, students: int, options: Options, logs: Path):
    """Migrate and seed a database; the poll and an app server for it (not yet started)."""
    migrate(database_url)
    poll = open_poll(database_url, students, AUDIT_KEY)
    env = server_environment(
        database_url,
        AUDIT_HMAC_KEY=AUDIT_KEY,
        GUNICORN_ACCESS_LOG=str(logs / f"{label}-access.log"),
    )
    return poll, GunicornServer(env, workers=options.workers, log_path=logs / f"{label}.log")


def reference_requests(database_url: str, poll: Poll) -> list[bytes]:
    """One reference vote per student: the same rows the app writes for them."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        ids = connection.execute(
            text("SELECT id FROM user_account WHERE role = 'student' ORDER BY username")
        ).scalars()
        requests = [
            raw_request(
                "POST",
                "/vote",
                form=[
                    ("student", str(student)),
                    *((f"p{position}", value) for position, value in poll.encoded_ballots(n)),
                ],
            )
            for n, student in enumerate(ids)
        ]
    engine.dispose()
    return requests


@dataclass
class Results:
    """Everything a run measured and found."""

    cast: Measurement
    reference: Measurement
    trivial: Measurement
    floor: Measurement
    sqlite: Measurement = field(default_factory=lambda: Measurement("sqlite"))
    signin: Measurement = field(default_factory=lambda: Measurement("sign-in"))
    typos: Measurement = field(default_factory=lambda: Measurement("sign-in typo"))
    throttled: int = 0  # sign-ins answered 429
    problems: list[str] = field(default_factory=list)


def run_postgres(admin_url: str, options: Options, logs: Path) -> Results:
    """The app, the reference, the trivial endpoint and the floor on PostgreSQL, in rounds."""
    warm = options.clients * 4
    students = options.students + warm
    app_url = fresh_database(admin_url, "elections_bench")
    poll, app = seeded_app("postgres", app_url, students, options, logs)
    floor_server = GunicornServer(
        {**app.env, "GUNICORN_ACCESS_LOG": str(logs / "floor-access.log")},
        workers=options.workers,
        app="bench.floor_app:create_floor_app()",
        log_path=logs / "floor.log",
    )
    reference_url = fresh_database(admin_url, "elections_bench_reference")
    migrate(reference_url)
    reference_poll = open_poll(reference_url, students)
    reference = GunicornServer(
        server_environment(reference_url, GUNICORN_ACCESS_LOG=str(logs / "reference-access.log")),
        workers=options.workers,
        app="bench.reference_app:app",
        log_path=logs / "reference.log",
    )
    votes = reference_requests(reference_url, reference_poll)
    health = raw_request("GET", "/healthz")
    measured = Results(
        Measurement(CAST), Measurement(REFERENCE), Measurement(TRIVIAL), Measurement(FLOOR)
    )
    with start_servers(app, reference, floor_server):
        print(f"signing {students} students in and opening their ballots (untimed)")
        voters = prepare_voters(poll, app.port, options.clients)
        print("warming up every server (untimed)")
        cast_all(Measurement("warm"), app.port, voters[:warm], options.clients)
        fire(Measurement("warm"), reference.port, votes[:warm], options.clients, 303)
        fire(Measurement("warm"), app.port, [health] * warm, options.clients, 200)
        floors = [v.floor for v in voters]
        fire(Measurement("warm"), floor_server.port, floors[:warm], options.clients, 303)
        print(
            f"timed, in {options.rounds} rounds of each: POST /vote/{poll.election_id}/cast"
            f" (app), POST /vote (reference), GET /healthz (trivial), POST {FLOOR_PATH} (floor)"
        )
        size = options.students // options.rounds
        for n in range(options.rounds):
            chunk = slice(warm + n * size, warm + (n + 1) * size)
            steps = [
                (cast_all, measured.cast, app.port, voters[chunk], options.clients),
                (fire, measured.reference, reference.port, votes[chunk], options.clients, 303),
                (fire, measured.trivial, app.port, [health] * size, options.clients, 200),
                (fire, measured.floor, floor_server.port, floors[chunk], options.clients, 303),
            ]
            for step, *arguments in steps[n % len(steps) :] + steps[: n % len(steps)]:
                step(*arguments)
        timed = warm + options.rounds * size
        cast_all(Measurement("rest"), app.port, voters[timed:], options.clients)
        measured.problems = integrity_problems(app_url, poll, voters, options.clients)
    for measurement in (measured.cast, measured.reference, measured.trivial, measured.floor):
        print(measurement.line())
    return measured


@contextlib.contextmanager
def limits_store(logs: Path) -> Iterator[dict[str, str]]:
    """A redis-server of the run's own for the sign-in limits, or memory:// where none is."""
    env = {**os.environ, "REDIS_TEST_PORT": str(free_port()), "REDIS_TEST_DIR": str(logs / "redis")}
    script = str(ROOT / "scripts" / "redis-test-server")
    started = subprocess.run([script, "start"], env=env, capture_output=True, text=True)
    if started.returncode:
        print(f"no redis-server ({started.stderr.strip()}): limits counted per process")
        yield {}  # server_environment's memory://, accepted for this run
        return
    url = started.stdout.strip()
    try:
        yield {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_PER_PROCESS_ACCEPTED": "0"}
    finally:
        subprocess.run([script, "stop"], env=env, check=False)


def run_signin(admin_url: str, options: Options, logs: Path, into: Results) -> None:
    """A school signing in during one break from one address, with the production code hash."""
    url = fresh_database(admin_url, "elections_bench_signin")
    migrate(url)
    method = Config.ACCESS_CODE_HASH_METHOD
    print(f"sign-in: seeding {options.signin_students} students, codes hashed {method} (untimed)")
    poll = open_poll(url, options.signin_students, AUDIT_KEY, code_hash_method=method)
    with limits_store(logs) as store:
        env = server_environment(url, AUDIT_HMAC_KEY=AUDIT_KEY, **store)
        server = GunicornServer(env, workers=options.workers, log_path=logs / "signin.log")
        with start_servers(server):
            print(
                f"sign-in: limits in {env['RATELIMIT_STORAGE_URI']}; every request from"
                " 127.0.0.1, as one lab's NAT address; one student in ten mistypes first"
            )
            typos, correct = signin_requests(poll, server.port, options.clients)
            responses = fire(into.typos, server.port, typos, options.clients, 200)
            responses += fire(into.signin, server.port, correct, options.clients, 302)
    into.throttled = sum(status_of(response) == 429 for response in responses)
    for measurement in (into.typos, into.signin):
        print(measurement.line())


def signin_requests(poll: Poll, port: int, clients: int) -> tuple[list[bytes], list[bytes]]:
    """Each student's sign-in page (untimed); their typo, if they make one, and right code."""

    def prepare(index: int) -> tuple[bytes | None, bytes]:
        number, code, _shanyrak = poll.students[index]
        browser = Browser(port, timeout_s=60)
        token = browser.get("/sign-in").csrf_token()
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        typo = code[:-2] + code[-1] + code[-2] if code[-1] != code[-2] else code[:-1] + "2"
        form = [("csrf_token", token), ("username", number)]
        right = raw_request("POST", "/sign-in", cookie, [*form, ("secret", code)])
        wrong = raw_request("POST", "/sign-in", cookie, [*form, ("secret", typo)])
        return (wrong if index % 10 == 0 else None), right

    with ThreadPoolExecutor(max_workers=clients) as pool:
        prepared = list(pool.map(prepare, range(len(poll.students))))
    return [typo for typo, _right in prepared if typo], [right for _typo, right in prepared]


def run_sqlite(options: Options, logs: Path, into: Results) -> None:
    """The same casts with the app on SQLite, timed alone, for comparison."""
    warm = options.clients * 4
    url = f"sqlite:///{logs / 'bench.db'}"
    poll, app = seeded_app("sqlite", url, options.sqlite_students + warm, options, logs)
    with start_servers(app):
        print(f"SQLite: signing {len(poll.students)} students in (untimed)")
        voters = prepare_voters(poll, app.port, options.clients)
        cast_all(Measurement("warm"), app.port, voters[:warm], options.clients)
        print(f"SQLite: timed POST /vote/{poll.election_id}/cast, one per student")
        into.sqlite = Measurement("sqlite app cast")
        cast_all(into.sqlite, app.port, voters[warm:], options.clients)
        into.problems += [
            f"sqlite: {p}" for p in integrity_problems(url, poll, voters, options.clients)
        ]
    print(into.sqlite.line())


# The machine and the database, for the record.


def postgres_url() -> str:
    """The throw-away cluster's URL, started if need be."""
    started = subprocess.run(
        [str(ROOT / "scripts" / "pg-test-server"), "start"],
        check=True,
        capture_output=True,
        text=True,
    )
    return started.stdout.strip().splitlines()[-1]


def describe_machine(admin_url: str) -> str:
    """CPU count, memory, Python and PostgreSQL versions."""
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    engine = create_engine(admin_url)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return (
        f"nproc={os.cpu_count()} memory={memory_kb / 1024 / 1024:.1f}GiB"
        f" python={platform.python_version()} postgresql={version}"
    )


def load_average() -> str:
    """The machine's 1-, 5- and 15-minute load averages: others' work shows up here."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def parse_options(argv: Sequence[str] | None = None) -> Options:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    parser.add_argument("--students", type=int, help="timed voters on PostgreSQL")
    parser.add_argument("--signin-students", type=int, help="students in the sign-in round")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--database-url", help="a PostgreSQL server URL to create databases on")
    parser.add_argument("--record", action="store_true", help="write the output to RESULTS.md")
    args = parser.parse_args(argv)
    students = args.students or (600 if args.quick else 3200)
    return Options(
        students=students,
        rounds=3 if args.quick else 8,
        sqlite_students=max(students // 4, 150),
        signin_students=args.signin_students or (300 if args.quick else 1500),
        clients=args.clients,
        workers=args.workers,
        database_url=args.database_url,
        record=args.record,
    )


RESULTS = ROOT / "bench" / "RESULTS.md"


class Tee(io.TextIOBase):
    """Standard output that also keeps a copy, for ``--record``."""

    def __init__(self, stream: TextIO) -> None:
        """Write through to ``stream``."""
        self.stream = stream
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        """Write to both."""
        self.kept.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        """Flush the real stream."""
        self.stream.flush()


def record(output: str, command: str) -> None:
    """Write a run's output to ``bench/RESULTS.md``, with the date and the command."""
    RESULTS.write_text(
        "# Load benchmark: the last full run\n\n"
        f"Run on {time.strftime('%Y-%m-%d %H:%M %Z')} with `{command}`, which wrote this file.\n"
        "The first line describes the machine; the load averages show what else it was\n"
        "running. What is timed, and against what, is described at the top of `bench/load.py`.\n"
        "\n```\n" + output.strip() + "\n```\n",
        encoding="utf-8",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run everything and print the figures; exit 1 when the integrity check failed."""
    options = parse_options(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    if not options.record:
        return run(options)
    tee = Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        status = run(options)
    record(tee.kept.getvalue(), " ".join(["python", "bench/load.py", *(argv or sys.argv[1:])]))
    return status


def run(options: Options) -> int:
    """The whole run, printed as it goes; 1 when the integrity check failed."""
    admin_url = options.database_url or postgres_url()
    print(describe_machine(admin_url))
    print(
        f"gunicorn -c gunicorn.conf.py --workers {options.workers} (sync) per server;"
        f" {options.clients} concurrent clients, one connection per request"
    )
    print(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory(prefix="elections-load-") as scratch:
        results = run_postgres(admin_url, options, Path(scratch))
        run_signin(admin_url, options, Path(scratch), results)
        run_sqlite(options, Path(scratch), results)
    print(f"load average after: {load_average()}")
    cast, reference, floor = results.cast, results.reference, results.floor
    timed = (cast, reference, results.trivial, floor, results.sqlite, results.signin, results.typos)
    errors = sum(measurement.errors for measurement in timed)
    if errors:
        results.problems.append(f"{errors} timed requests did not answer as expected")
    print()
    print("ballots_per_s counts casts: one student's whole ballot (three positions) per request")
    print(f"sqlite_ballots_per_s={results.sqlite.per_s:.0f}")
    print(f"floor_per_s={floor.per_s:.0f}")
    print(f"floor_ratio_to_reference={floor.per_s / reference.per_s:.2f}")
    print(f"ballots_per_s={cast.per_s:.0f}")
    print(f"reference_per_s={reference.per_s:.0f}")
    print(f"trivial_per_s={results.trivial.per_s:.0f}")
    print(f"ratio_to_reference={cast.per_s / reference.per_s:.2f}")
    print(f"p99_ms={cast.percentile(0.99):.1f}")
    print(f"signin_per_s={results.signin.per_s:.0f}")
    print(f"signin_p99_ms={results.signin.percentile(0.99):.1f}")
    print(f"signin_429={results.throttled}")
    failed = "; ".join(results.problems)
    print("integrity=ok" if not results.problems else f"integrity=FAILED: {failed}")
    return 1 if results.problems else 0


if __name__ == "__main__":
    sys.exit(main())
