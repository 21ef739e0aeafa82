"""Time reading and counting the real elections of the suite, and how near the official figures.

Run `python bench/real_elections.py`. One line per Edinburgh 2017 ward, e.g.
`ward=edinburgh_2017_ward1.blt ballots=14207 read_s=0.021 count_s=0.012 stages=10
same_elected=yes max_stage_gap=0.042`: reading its BLT file, counting it (best of REPEATS,
each the whole `count()` call), and the largest difference between any stage total and the
official one (Scotland cuts transfer values to five decimals; the count is exact).
"""

import json
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from elections.domain.counting import Method, StepKind, count
from elections.domain.counting.blt import read_blt

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "real-elections"
REPEATS = 5


def best_of(repeats: int, work) -> tuple[float, object]:
    """The fastest of several runs, and what the last returned."""
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = work()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    """Print one line per ward."""
    official = {e["file"]: e for e in json.loads((DATA / "official-results.json").read_text())}
    stages = {e["file"]: e for e in json.loads((DATA / "official-stages.json").read_text())}
    for name in sorted(official, key=lambda n: int(n.removesuffix(".blt").rpartition("d")[2])):
        text = (DATA / name).read_text(encoding="utf-8")
        read_s, election = best_of(REPEATS, lambda t=text: read_blt(t))
        count_s, result = best_of(
            REPEATS,
            lambda e=election: count(Method.ranked, e.candidates, e.spelled_out(), seats=e.seats),
        )
        surnames = {entry["surname"].casefold() for entry in official[name]["elected"]}
        elected = {
            election.names[c - 1].rpartition(" (")[0].split()[-1].casefold() for c in result.elected
        }
        rounds = [step for step in result.trace if step.kind is StepKind.count]
        gap = Fraction(0)
        for surname, totals in stages[name]["totals"].items():
            [number] = [
                n
                for n, full in enumerate(election.names, start=1)
                if full.rpartition(" (")[0].casefold().endswith(" " + surname.casefold())
            ]
            for step, printed in zip(rounds, totals, strict=True):
                gap = max(gap, abs(step.tallies.get(number, Fraction(0)) - Fraction(printed)))
        print(
            f"ward={name} ballots={election.total} read_s={read_s:.4f} count_s={count_s:.4f}"
            f" stages={len(rounds)} same_elected={'yes' if elected == surnames else 'no'}"
            f" max_stage_gap={float(gap):.3f}"
        )


if __name__ == "__main__":
    main()
