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


BENCHMARKS: tuple[Callable[[Options], None], ...] = (
    bench_counting,
    # The results-page timing goes here: a function taking Options and printing plain lines.
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
