"""Time the count on large reproducible elections, and pyrankvote beside it on the same ballots.

Run `python bench/tally.py` (100,000 and 1,000,000 ballots) or `python bench/tally.py --quick`.
Each figure is one plain line, e.g.
`ranked-irv ballots=1000000 ours_s=0.84 pyrankvote_s=41.2 ratio=0.020 same_winners=yes`.
pyrankvote runs in a child process stopped after PYRANKVOTE_LIMIT_S; a stopped run is reported
as such, with no estimate, and the smaller sizes carry the comparison.
Our time covers the whole `count()` call (grouping and checking ballots included); pyrankvote's
covers only its counting function, not building its Candidate and Ballot objects.
"""

import argparse
import gc
import multiprocessing
import queue
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyrankvote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from elections.domain.counting import NO, YES, Ballot, Method, count

T = TypeVar("T")

CANDIDATES = (1, 2, 3, 4, 5, 6, 7)
SEED = 20240901
PYRANKVOTE_LIMIT_S = 180
"""Longest pyrankvote may run on one election before it is stopped and reported as such."""

# Voter blocs: share of voters, then how strongly the bloc likes each candidate.
BLOCS = (
    (0.45, (30, 22, 6, 12, 4, 9, 2)),
    (0.35, (8, 14, 30, 5, 16, 3, 6)),
    (0.20, (5, 6, 9, 25, 3, 18, 12)),
)
# How many candidates a voter ranks: most stop after two or three.
RANKING_LENGTHS = ((1, 2, 3, 4, 5, 6, 7), (22, 24, 20, 12, 9, 6, 7))
BLANK_SHARE = 0.02


@dataclass(frozen=True)
class Options:
    """What a benchmark run covers."""

    sizes: tuple[int, ...]
    pyrankvote_limit_s: float


def ranked_ballots(size: int, seed: int) -> list[Ballot]:
    """Draw skewed ranked ballots: a bloc, a Plackett-Luce order of its tastes, a cut-off."""
    rng = random.Random(seed)
    shares = [share for share, _ in BLOCS]
    ballots: list[Ballot] = []
    for _ in range(size):
        if rng.random() < BLANK_SHARE:
            ballots.append(())
            continue
        (_, tastes) = rng.choices(BLOCS, weights=shares)[0]
        # Sorting by u ** (1 / w) draws an order without replacement, favouring large w.
        keys = {c: rng.random() ** (1 / w) for c, w in zip(CANDIDATES, tastes, strict=True)}
        order = sorted(CANDIDATES, key=keys.__getitem__, reverse=True)
        length = rng.choices(*RANKING_LENGTHS)[0]
        ballots.append(tuple(order[:length]))
    return ballots


def yesno_ballots(size: int, seed: int) -> list[Ballot]:
    """Draw yes/no ballots with a narrow yes lead and a few blanks."""
    rng = random.Random(seed)
    return rng.choices([(YES,), (NO,), ()], weights=[52, 45, 3], k=size)


def timed(run: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    """Return how long a call took, in seconds, and what it returned.

    As in `timeit`, the garbage collector is paused, so a collection of the benchmark's own
    millions of ballots does not land on whichever count happens to be running.
    """
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        outcome = run(*args, **kwargs)
        return time.perf_counter() - start, outcome
    finally:
        gc.enable()


def pyrankvote_winners(ballots: Sequence[Ballot], seats: int) -> tuple[float, frozenset[int]]:
    """Count with pyrankvote (IRV for one seat, else STV), timing only its counting call."""
    candidates = {c: pyrankvote.Candidate(str(c)) for c in CANDIDATES}
    converted = [pyrankvote.Ballot([candidates[c] for c in b]) for b in ballots if b]
    everyone = list(candidates.values())
    if seats == 1:
        seconds, result = timed(pyrankvote.instant_runoff_voting, everyone, converted)
    else:
        seconds, result = timed(pyrankvote.single_transferable_vote, everyone, converted, seats)
    return seconds, frozenset(int(winner.name) for winner in result.get_winners())


def _pyrankvote_child(ballots: Sequence[Ballot], seats: int, answer: multiprocessing.Queue) -> None:
    """Run pyrankvote in a child process so a slow count can be stopped."""
    answer.put(pyrankvote_winners(ballots, seats))


def pyrankvote_within(
    ballots: Sequence[Ballot], seats: int, limit_s: float
) -> tuple[float, frozenset[int]] | None:
    """Time pyrankvote on the ballots, or None when it runs past the limit."""
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    child = context.Process(target=_pyrankvote_child, args=(ballots, seats, answer))
    child.start()
    try:
        return answer.get(timeout=limit_s)
    except queue.Empty:
        return None
    finally:
        child.terminate()
        child.join()


def bench_counting(options: Options) -> None:
    """Print the time to count each method, and pyrankvote's time on the ranked elections.

    All our counts at a size run before any pyrankvote child is forked, so that none of them
    pays for the copy-on-write page faults a fork leaves behind in this process.
    """
    stopped = []
    for size in options.sizes:
        ranked = ranked_ballots(size, SEED)
        runs = (
            ("single", Method.single, [ballot[:1] for ballot in ranked], 1),
            ("multi-3", Method.multi, [ballot[:3] for ballot in ranked], 3),
            ("ranked-irv", Method.ranked, ranked, 1),
            ("ranked-stv-3", Method.ranked, ranked, 3),
            ("yesno", Method.yesno, yesno_ballots(size, SEED), 1),
        )
        ours = []
        for _, method, ballots, seats in runs:
            candidates = CANDIDATES[:1] if method is Method.yesno else CANDIDATES
            ours.append(timed(count, method, candidates, ballots, seats=seats))
        for (name, method, ballots, seats), (ours_s, result) in zip(runs, ours, strict=True):
            figures = [name, f"ballots={size}", f"ours_s={ours_s:.3f}"]
            if method is Method.ranked:
                theirs = pyrankvote_within(ballots, seats, options.pyrankvote_limit_s)
                figures += _beside_pyrankvote(theirs, ours_s, result.elected, seats, options)
                if theirs is None:
                    stopped.append(f"{name} ballots={size}")
            print(" ".join(figures), flush=True)
    for run in stopped:
        print(
            f"note: pyrankvote was stopped after {options.pyrankvote_limit_s:.0f} s on {run};"
            " it is timed only on the smaller sizes, and no estimate is made"
        )


def _beside_pyrankvote(
    theirs: tuple[float, frozenset[int]] | None,
    ours_s: float,
    elected: tuple[int, ...],
    seats: int,
    options: Options,
) -> list[str]:
    """The figures that set pyrankvote's time beside ours."""
    if theirs is None:
        return [f"pyrankvote_s=stopped>{options.pyrankvote_limit_s:.0f}", "ratio=none"]
    theirs_s, winners = theirs
    figures = [
        f"pyrankvote_s={theirs_s:.3f}",
        f"ratio={ours_s / theirs_s:.3f}",
        f"same_winners={'yes' if winners == frozenset(elected) else 'no'}",
    ]
    if seats > 1:
        figures.append("(pyrankvote's STV rules differ: quota v/(s+1), surplus spread evenly)")
    return figures


RESULTS_PAGE_BALLOTS = 100_000
RESULTS_PAGE_REPEATS = 3
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throw-away database


def _build_results_database(size: int) -> tuple[Any, int, str]:
    """A fresh SQLite app with one closed ranked position holding `size` ballots.

    Students, the frozen roll, participations and ballots go in through bulk Core inserts;
    the box is sealed as closing seals it. Returns the app, the election id and a committee
    member's username.
    """
    import secrets
    import tempfile
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from config import TestingConfig
    from elections import create_app
    from elections.domain import codes
    from elections.domain.ballot import encode_ballot, seal_digest
    from elections.extensions import db
    from elections.models import (
        Ballot as BallotRow,
    )
    from elections.models import (
        BallotSeal,
        Candidate,
        Election,
        EligibleVoter,
        Participation,
        Position,
        User,
    )

    folder = tempfile.mkdtemp(prefix="results-bench-")
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db"})
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        election = Election(
            title="Benchmark election",
            phase="closed",
            opens_at=now - timedelta(days=1),
            closes_at=now - timedelta(hours=1),
            opened_at=now - timedelta(days=1),
            closed_at=now - timedelta(hours=1),
        )
        position = Position(election=election, title="President", method="ranked", seats=1)
        for number in CANDIDATES:
            position.candidates.append(Candidate(name=f"Candidate {number}"))
        staff = User(
            username="bench-committee",
            full_name="Bench Committee",
            role="committee",
            password_hash=generate_password_hash(BENCH_PASSWORD, "pbkdf2:sha256:1000"),
        )
        db.session.add_all([election, staff])
        db.session.commit()
        ids = {n: c.id for n, c in zip(CANDIDATES, position.candidates, strict=True)}
        classes = [(grade, f"{grade}{letter}") for grade in range(7, 13) for letter in "АӘБВ"]
        shanyraks = ("Алтай", "Арал", "Байқоңыр", "Жетісу")
        students = [
            {
                "username": f"B{i:06d}",
                "full_name": f"Student {i}",
                "role": "student",
                "grade": classes[i % len(classes)][0],
                "class_name": classes[i % len(classes)][1],
                "shanyrak": shanyraks[i % len(shanyraks)],
                "active": True,
                "session_version": 0,
                "created_at": now,
            }
            for i in range(size)
        ]
        db.session.execute(insert(User), students)
        first = db.session.scalar(db.select(db.func.min(User.id)).where(User.role == "student"))
        db.session.execute(
            insert(EligibleVoter),
            [
                {
                    "election_id": election.id,
                    "student_id": first + i,
                    "grade": row["grade"],
                    "class_name": row["class_name"],
                    "shanyrak": row["shanyrak"],
                }
                for i, row in enumerate(students)
            ],
        )
        db.session.execute(
            insert(Participation),
            [{"position_id": position.id, "student_id": first + i} for i in range(size)],
        )
        ballots = [
            {
                "id": secrets.token_hex(16),
                "position_id": position.id,
                "choices": encode_ballot(tuple(ids[c] for c in ballot)),
                "tracking_code": codes.new_tracking_code(),
            }
            for ballot in ranked_ballots(size, SEED)
        ]
        db.session.execute(insert(BallotRow), ballots)
        sealed = [(b["id"], b["tracking_code"], b["choices"]) for b in ballots]
        digest = seal_digest(position.id, sealed)
        db.session.add(BallotSeal(position_id=position.id, ballot_count=size, digest=digest))
        db.session.commit()
        return app, election.id, staff.username


def _signed_in_client(app: Any, username: str) -> Any:
    """A test client signed in through the real form."""
    import re

    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    form = {"csrf_token": token.group(1), "username": username, "secret": BENCH_PASSWORD}
    response = client.post("/sign-in", data=form)
    assert response.status_code == 302, "the benchmark's committee member could not sign in"
    return client


def _time_page(client: Any, url: str) -> tuple[float, float]:
    """The first view's time, and the median of the views after it."""
    timings = []
    for _ in range(RESULTS_PAGE_REPEATS + 1):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
    rest = sorted(timings[1:])
    return timings[0], rest[len(rest) // 2]


def bench_results_page(options: Options) -> None:
    """Time the results page of a closed ranked position with 100,000 ballots, as committee.

    Always 100,000 ballots (the target size), also with --quick. Before publication every view
    counts afresh from the sealed ballots; after publication it shows the stored snapshot.
    """
    from datetime import UTC, datetime

    from elections.operations import lifecycle as phases
    from elections.operations.audit_log import Actor

    size = RESULTS_PAGE_BALLOTS
    build_start = time.perf_counter()
    app, election_id, username = _build_results_database(size)
    build_s = time.perf_counter() - build_start
    client = _signed_in_client(app, username)
    url = f"/results/{election_id}"
    first_s, seconds = _time_page(client, url)
    print(
        f"results-page ballots={size} seconds={seconds:.3f} first_s={first_s:.3f}"
        f" (closed: counted on every view; database built in {build_s:.1f} s)",
        flush=True,
    )
    with app.app_context():
        start = time.perf_counter()
        phases.publish_election(Actor(username, "committee"), election_id, datetime.now(UTC))
        publish_s = time.perf_counter() - start
    first_s, seconds = _time_page(client, url)
    print(
        f"results-page-published ballots={size} seconds={seconds:.3f} first_s={first_s:.3f}"
        f" publish_s={publish_s:.3f}",
        flush=True,
    )


BENCHMARKS: tuple[Callable[[Options], None], ...] = (
    bench_counting,
    bench_results_page,
)


def main(argv: Sequence[str] | None = None) -> None:
    """Run every benchmark at full or quick size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (20,000 ballots)")
    args = parser.parse_args(argv)
    sizes = (20_000,) if args.quick else (100_000, 1_000_000)
    options = Options(sizes=sizes, pyrankvote_limit_s=PYRANKVOTE_LIMIT_S)
    print(
        f"# seed={SEED} candidates={len(CANDIDATES)}; ours_s times the whole count() call,"
        " pyrankvote_s only its counting function (not building its ballot objects)"
    )
    for benchmark in BENCHMARKS:
        benchmark(options)


if __name__ == "__main__":
    main()
