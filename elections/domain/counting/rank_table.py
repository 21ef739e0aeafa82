"""The rank table: a ranked position's ballots as CSV, one row per ballot, one column per rank.

RCTab's generic CSV reader takes it (first vote in column 2, first ballot on row 2, ballot
number in column 1), and any spreadsheet opens it::

    ballot,rank 1,rank 2,rank 3
    1,Әли Сейітов,Дана Қасымова,
    2,,,

A cell holds the candidate's name as on the ballot paper; a blank ballot is a row of empty
cells. Rows follow the sorted rankings (blank ballots first), never the order the ballots
were cast in, so the ballot number says nothing about any voter, and the same ballots always
give the same bytes. Cells are neutralised as in every CSV the app writes (``csv_safe``), so
a name a spreadsheet would run as a formula stays text; the BLT file beside it carries the
names without that mark.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator, Sequence

from elections.domain.csv_safe import BOM, csv_text, neutralise

from .blt import RankedBallots

BALLOT_COLUMN = "ballot"


class RankTableError(ValueError):
    """A rank table that cannot be read: ``line`` is where (1 for the header), ``reason`` why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def header(ranks: int) -> list[str]:
    """The first row: the ballot number's column, then one column per rank."""
    return [BALLOT_COLUMN, *(f"rank {n}" for n in range(1, ranks + 1))]


def _rows(election: RankedBallots) -> Iterator[list[object]]:
    """The header, then each ballot as often as it was cast."""
    ranks = len(election.names)
    yield header(ranks)
    for number, ranking in enumerate(election.spelled_out(), start=1):
        names = [election.names[candidate - 1] for candidate in ranking]
        yield [number, *names, *[""] * (ranks - len(names))]


def write_rank_table(election: RankedBallots) -> str:
    """The rank table as CSV text (CRLF lines, with the byte-order mark spreadsheets need)."""
    return csv_text(_rows(election))


def read_rank_table(text: str, names: Sequence[str], seats: int, title: str) -> RankedBallots:
    """Read a rank table back, naming each cell by the ballot paper's ``names``.

    The table holds no list of candidates or seats, so they come from the ballot paper (the
    bundle's manifest, or the BLT file). Refuses an unknown name, a candidate ranked twice,
    or a rank left empty before a filled one, naming the line.
    """
    numbers = {neutralise(name): n for n, name in enumerate(names, start=1)}
    if len(numbers) != len(names):
        raise RankTableError(1, "two candidates' names read alike in a table")
    reader = csv.reader(io.StringIO(text.removeprefix(BOM), newline=""))
    if next(reader, None) != header(len(names)):
        raise RankTableError(1, f"the header must be {','.join(header(len(names)))}")
    ballots: Counter[tuple[int, ...]] = Counter()
    for row in reader:
        ballots[_ranking(reader.line_num, row, numbers, len(names))] += 1
    return RankedBallots(title, tuple(names), seats, dict(ballots))


def _ranking(line: int, row: list[str], numbers: dict[str, int], ranks: int) -> tuple[int, ...]:
    """One row's ranking, as candidate numbers."""
    if len(row) != ranks + 1:
        raise RankTableError(line, f"a row must have {ranks + 1} cells")
    cells = row[1:]
    filled = [cell for cell in cells if cell]
    if cells[: len(filled)] != filled:
        raise RankTableError(line, "a rank is left empty before a filled one")
    unknown = [cell for cell in filled if cell not in numbers]
    if unknown:
        raise RankTableError(line, f"{unknown[0]!r} is not a candidate on the ballot paper")
    ranking = tuple(numbers[cell] for cell in filled)
    if len(set(ranking)) != len(ranking):
        raise RankTableError(line, "a candidate is ranked twice")
    return ranking
