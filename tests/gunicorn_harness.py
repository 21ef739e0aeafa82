"""Real servers for end-to-end tests and benchmarks: gunicorn on free ports, a fresh database.

Everything here reaches the app as a browser would, over HTTP on loopback:

* ``fresh_database`` / ``drop_database`` make and remove a PostgreSQL database of its own
  (any SQLAlchemy URL works for the rest, a SQLite file too); ``migrate`` builds its
  schema with ``flask db upgrade``, as a deployment does;
* ``open_poll`` seeds a roll of students with access codes and opens an election shaped
  like the school's, through the app's own operation;
* ``server_environment`` is a production app's environment on that database;
  ``GunicornServer`` runs ``gunicorn -c gunicorn.conf.py`` with it on a free port, and
  ``start_servers`` starts several side by side and stops them after;
* ``Browser`` is a stdlib HTTP client with a cookie jar: sign in, a form's CSRF token,
  the receipt page;
* ``ballot_box`` reads back what the database holds and verifies the audit chain, and
  ``BallotBox.problems`` says what broke.

No pytest here, so the benchmark (``bench/load.py``) uses the same code. Production mode
marks the session cookie ``Secure``; ``Browser`` sends it over plain HTTP anyway. A real
browser may not: give ``server_environment`` ``ELECTIONS_ENV="development"`` (and a
``SECRET_KEY``) when one drives the servers.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RECEIPT_CODE = re.compile(r'class="receipt-code">([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2})<')
CHEAP_HASH = "pbkdf2:sha256:1000"  # sign-in is not what these runs measure
DAY = timedelta(days=1)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Databases.


def fresh_database(admin_url: str, name: str) -> str:
    """Drop and create a PostgreSQL database on the server of ``admin_url``; return its URL."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    """Remove a database made by ``fresh_database``, ending any session still on it."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate(database_url: str) -> None:
    """Build the schema as a deployment does: ``flask --app wsgi db upgrade``."""
    env = {**os.environ, "DATABASE_URL": database_url, "ELECTIONS_ENV": "development"}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


SHANYRAKS = (
    "Алтай",
    "Арал",
    "Атырау",
    "Байқоңыр",
    "Жетісу",
    "Көкшетау",
    "Маңғыстау",
    "Сарыарқа",
    "Тарбағатай",
    "Ұлытау",
)
BALLOTS_PER_VOTER = 3  # the President, the voter's shanyrak leader, the question


@dataclass(frozen=True)
class Poll:
    """An open election shaped like the school's, and the students on its roll.

    Twelve positions: a ranked President and a yes/no question for everyone, and a
    leader for each of ten shanyraks, voted by that shanyrak alone. So every student
    casts three ballots at once, from a ballot whose other nine positions are not theirs.
    """

    election_id: int
    president: tuple[int, tuple[int, ...]]  # (position id, candidate ids)
    question: tuple[int, tuple[int, ...]]
    leaders: Mapping[str, tuple[int, tuple[int, ...]]]  # by shanyrak
    students: tuple[tuple[str, str, str], ...]  # (student number, access code, shanyrak)

    def choices(self, index: int) -> list[tuple[int, str, str]]:
        """The ``index``-th voter's answers, varied: (position, method, value or ranked ids)."""
        president, ranked = self.president
        leader, standing = self.leaders[self.students[index][2]]
        order = ranked[index % len(ranked) :] + ranked[: index % len(ranked)]
        return [
            (president, "ranked", ",".join(str(c) for c in order[: 1 + index % 3])),
            (leader, "single", str(standing[index % len(standing)])),
            (self.question[0], "yesno", "yes" if index % 3 else "no"),
        ]

    def ballot_form(self, index: int) -> list[tuple[str, str]]:
        """The cast form of the ``index``-th voter, as the review page sends it, minus the token."""
        form = []
        answers = []
        for position, method, value in self.choices(index):
            form.append(("position", str(position)))
            if method == "ranked":
                ranks = enumerate(value.split(","), start=1)
                answers += [(f"p{position}-r{cid}", str(rank)) for rank, cid in ranks]
            else:
                answers.append((f"p{position}", value))
        return form + answers

    def encoded_ballots(self, index: int) -> list[tuple[int, str]]:
        """The ``index``-th voter's ballots as the app stores them: (position, choices text)."""
        return [
            (position, json.dumps([value]) if method == "yesno" else f"[{value}]")
            for position, method, value in self.choices(index)
        ]

    def expected_ballots(self, voters: int | None = None) -> dict[int, int]:
        """Ballots per position once the first ``voters`` students (default: all) have voted."""
        roll = self.students[: len(self.students) if voters is None else voters]
        expected = {self.president[0]: len(roll), self.question[0]: len(roll)}
        for shanyrak, (position, _candidates) in self.leaders.items():
            expected[position] = sum(1 for student in roll if student[2] == shanyrak)
        return expected


def open_poll(
    database_url: str,
    students: int,
    audit_key: str | None = None,
    code_hash_method: str = CHEAP_HASH,
) -> Poll:
    """Seed ``students`` students with access codes and open the school's election to them.

    The roll is written in one bulk INSERT with a cheap code hash (unless a run about
    sign-in asks for the real one); the election is created and opened through the
    app's operation, so the roll freeze and the audit entries are the real ones.
    """
    from config import TestingConfig
    from elections import create_app
    from elections.domain import codes
    from elections.extensions import db
    from elections.models import Candidate, Election, Position, User
    from elections.operations.audit_log import SYSTEM
    from elections.operations.lifecycle import open_election

    app = create_app(
        TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url, "AUDIT_HMAC_KEY": audit_key}
    )
    roll = [
        (f"9{n:06d}", codes.new_access_code(), SHANYRAKS[n % len(SHANYRAKS)])
        for n in range(students)
    ]
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "username": number,
                    "full_name": f"Student {number}",
                    "role": "student",
                    "grade": 7 + n % 5,
                    "class_name": f"{7 + n % 5}A",
                    "shanyrak": shanyrak,
                    "access_code_hash": generate_password_hash(
                        codes.normalise_code(code), method=code_hash_method
                    ),
                }
                for n, (number, code, shanyrak) in enumerate(roll)
            ],
        )
        now = datetime.now(UTC)
        election = Election(
            title="Council of Leaders", opens_at=now - timedelta(minutes=1), closes_at=now + DAY
        )
        president = Position(election=election, title="President", method="ranked")
        question = Position(election=election, title="Free-dress Friday", method="yesno")
        leaders = {
            shanyrak: Position(
                election=election, title=f"{shanyrak} leader", voter_shanyraks=[shanyrak]
            )
            for shanyrak in SHANYRAKS
        }
        president.candidates += [Candidate(name=n) for n in ("Әли", "Дана", "Максим", "Ясмин")]
        question.candidates.append(Candidate(name="Free-dress Friday"))
        for shanyrak, leader in leaders.items():
            leader.candidates += [Candidate(name=f"{shanyrak} {n}") for n in (1, 2, 3)]
        for order, position in enumerate((president, *leaders.values(), question)):
            position.sort_order = order
        db.session.add(election)
        db.session.commit()

        def ids(position: Position) -> tuple[int, tuple[int, ...]]:
            return position.id, tuple(c.id for c in position.candidates)

        poll = Poll(
            election.id,
            ids(president),
            ids(question),
            {shanyrak: ids(leader) for shanyrak, leader in leaders.items()},
            tuple(roll),
        )
        open_election(SYSTEM, election.id, datetime.now(UTC))
        db.session.remove()
        db.engine.dispose()
    return poll


@dataclass(frozen=True)
class BallotBox:
    """What the database holds for one election after a run."""

    participations: Counter[tuple[int, str]]  # (position, student number) -> rows
    ballots_per_position: Counter[int]
    tracking_codes: Counter[str]
    actions: Counter[str]  # audit entries by action
    chain_ok: bool
    chain_problem: str | None

    def ballots_held(self) -> Counter[str]:
        """How many positions each student (by number) has voted in."""
        return Counter(student for _position, student in self.participations)

    def problems(self, expected: Mapping[int, int] | None = None) -> list[str]:
        """Every broken promise, in words; empty when the box is consistent.

        Always: one participation per student and position, as many ballots as
        participations in every position, all of a student's ballots or none, no
        tracking code twice, an unbroken audit chain. With ``expected`` (ballots per
        position), also that no vote was lost or added.
        """
        found = []
        doubled = [key for key, rows in self.participations.items() if rows > 1]
        if doubled:
            found.append(f"{len(doubled)} students hold two participations in one position")
        per_position = Counter(position for position, _student in self.participations)
        for position in sorted(set(per_position) | set(self.ballots_per_position)):
            if per_position[position] != self.ballots_per_position[position]:
                found.append(
                    f"position {position}: {per_position[position]} participations,"
                    f" {self.ballots_per_position[position]} ballots"
                )
        partial = [s for s, rows in self.ballots_held().items() if rows != BALLOTS_PER_VOTER]
        if partial:
            found.append(f"{len(partial)} students hold some of their ballots but not all")
        for position, count in (expected or {}).items():
            if self.ballots_per_position[position] != count:
                found.append(
                    f"position {position}: {self.ballots_per_position[position]} ballots,"
                    f" {count} expected"
                )
        reused = [code for code, rows in self.tracking_codes.items() if rows > 1]
        if reused:
            found.append(f"{len(reused)} tracking codes stored twice")
        if not self.chain_ok:
            found.append(f"audit chain broken: {self.chain_problem}")
        return found


def ballot_box(database_url: str, audit_key: str | None = None) -> BallotBox:
    """Read participations, ballots, tracking codes and the whole audit chain, and verify it."""
    from elections.domain.audit_chain import AuditEntry, verify_chain

    engine = create_engine(database_url)
    with engine.connect() as connection:
        participations = Counter(
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT p.position_id, u.username FROM participation p"
                    " JOIN user_account u ON u.id = p.student_id"
                )
            )
        )
        ballots = Counter(
            dict(
                connection.execute(
                    text("SELECT position_id, count(*) FROM ballot GROUP BY position_id")
                ).all()
            )
        )
        codes = Counter(connection.execute(text("SELECT tracking_code FROM ballot")).scalars())
        rows = connection.execute(
            text(
                "SELECT seq, occurred_at, actor, actor_role, action, object_type, object_id,"
                " election_id, details, client_addr, prev_hash, hash FROM audit_event ORDER BY seq"
            )
        ).all()
    engine.dispose()
    # SQLite hands JSON back as text to a plain query; PostgreSQL as a dict.
    entries = [
        AuditEntry(*row[:8], json.loads(row[8]) if isinstance(row[8], str) else row[8], *row[9:])
        for row in rows
    ]
    report = verify_chain(entries, key=audit_key.encode() if audit_key else None)
    return BallotBox(
        participations,
        ballots,
        codes,
        Counter(entry.action for entry in entries),
        report.ok,
        None if report.ok else f"{report.problem} at seq {report.seq}",
    )


# Servers.


def server_environment(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a production app process on this database, plus any settings."""
    return {
        **os.environ,
        "ELECTIONS_ENV": "production",
        "SECRET_KEY": settings.pop("SECRET_KEY", secrets.token_urlsafe(32)),
        "DATABASE_URL": database_url,
        # Per-process sign-in limits, said explicitly: runs about sign-in limits pass a store.
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_PER_PROCESS_ACCEPTED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        **settings,
    }


@dataclass
class GunicornServer:
    """One gunicorn master on a free loopback port, started with the repository's settings."""

    env: Mapping[str, str]
    workers: int = 2
    app: str = "wsgi:app"
    log_path: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60) -> GunicornServer:
        """Start the server and return once ``/healthz`` answers 200."""
        self.launch()
        self.wait_until_ready(timeout_s)
        return self

    def launch(self) -> None:
        """Start the processes without waiting for them (see ``start_servers``)."""
        log = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)),
                self.app,
            ],
            cwd=ROOT,
            env={"GUNICORN_ACCESS_LOG": "", **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if self.log_path:
            log.close()  # type: ignore[union-attr]

    def wait_until_ready(self, timeout_s: float = 60) -> None:
        """Poll ``/healthz`` until it answers 200, or fail with the server's log."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                if Browser(self.port, timeout_s=2).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn on port {self.port} did not start:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The worker processes the master runs right now."""
        assert self.process is not None
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        if not self.log_path or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop gracefully, or kill after a few seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> GunicornServer:
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        """Stop on leaving it."""
        self.stop()


@contextmanager
def start_servers(*servers: GunicornServer, timeout_s: float = 60) -> Iterator[None]:
    """Start several servers side by side (their workers boot in parallel), stop them after."""
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_until_ready(timeout_s)
        yield
    finally:
        for server in servers:
            server.stop()


# The client.


@dataclass(frozen=True)
class Reply:
    """One HTTP response, read in full."""

    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str | None:
        """Where a redirect points."""
        return self.headers.get("Location")

    def receipt_codes(self) -> list[str]:
        """The tracking codes on a receipt page."""
        return RECEIPT_CODE.findall(self.text)

    def csrf_token(self) -> str:
        """The CSRF token of the page's form."""
        match = CSRF_TOKEN.search(self.text)
        if match is None:
            raise AssertionError(f"no CSRF token on the page ({self.status})")
        return match.group(1)


class Browser:
    """One person's browser: a cookie jar shared by requests to any port on loopback.

    Each request opens its own connection (gunicorn's sync workers close it after the
    response), so one browser may send several requests at once from several threads.
    Cookies go to every port, as a real browser's do for one host; the Secure flag of
    the production session cookie is ignored, since this is plain HTTP on loopback.
    """

    def __init__(self, port: int, timeout_s: float = 30) -> None:
        """A browser whose requests go to ``port`` unless told otherwise."""
        self.port = port
        self.timeout_s = timeout_s
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        form: Iterable[tuple[str, str]] | Mapping[str, str] | None = None,
        *,
        port: int | None = None,
        remember: bool = True,
    ) -> Reply:
        """Send one request with the jar's cookies; keep the cookies it sets unless told not to."""
        headers = {"Host": "127.0.0.1", "User-Agent": "elections-harness"}
        with self._lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            pairs = form.items() if isinstance(form, Mapping) else form
            body = urlencode(list(pairs)).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", port or self.port, self.timeout_s)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            reply = Reply(response.status, response.msg, response.read().decode(errors="replace"))
        finally:
            connection.close()
        if remember:
            self.remember(reply)
        return reply

    def remember(self, reply: Reply) -> None:
        """Keep the cookies a response set, and forget the ones it deleted."""
        for header in reply.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                with self._lock:
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value

    def get(self, path: str, **kwargs: object) -> Reply:
        """GET a page."""
        return self.request("GET", path, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, form: Iterable[tuple[str, str]], **kwargs: object) -> Reply:
        """POST a form as given (the caller includes the CSRF token)."""
        return self.request("POST", path, form, **kwargs)  # type: ignore[arg-type]

    def sign_in(self, username: str, secret: str) -> None:
        """Sign in through the form, or raise."""
        token = self.get("/sign-in").csrf_token()
        reply = self.post(
            "/sign-in", [("csrf_token", token), ("username", username), ("secret", secret)]
        )
        if reply.status != 302:
            raise AssertionError(f"sign-in of {username} answered {reply.status}")

    def ballot_token(self, election_id: int) -> str:
        """Open the ballot page and return the CSRF token its form carries."""
        reply = self.get(f"/vote/{election_id}")
        if reply.status != 200:
            raise AssertionError(f"ballot page answered {reply.status}")
        return reply.csrf_token()

    def receipt(self) -> list[str]:
        """Open the receipt page (shown once) and return its tracking codes."""
        return self.get("/vote/receipt").receipt_codes()
