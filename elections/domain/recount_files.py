"""A ranked position's sealed ballots in the files other tools count: BLT and the rank table.

The export bundle carries both beside the ballots, the committee and auditors download them,
and the verifier makes them again from the sealed ballots and compares them byte for byte,
so a recount with OpenSTV, Droop, OpaVote or RCTab starts from the very ballots the seal
covers. They hold the rankings and the ballot paper only: no ballot id, tracking code or
anything else that could lead back to a voter, and rows follow the rankings, never the order
of casting (see ``counting.blt`` and ``counting.rank_table``).

Candidates are numbered from 1 in ballot-paper order; the title is the election's and the
position's, as "Council 2031: President".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from elections.domain.counting.blt import RankedBallots, ranked_ballots, write_blt
from elections.domain.counting.rank_table import write_rank_table


class RecountFormat(StrEnum):
    """The formats, named as the bundle's manifest and the downloads name them."""

    blt = "blt"
    rank_table = "ranks"


@dataclass(frozen=True)
class RecountFile:
    """One of the files as a bundle carries it: where, in which format, and its text."""

    name: str
    format: RecountFormat
    text: str


def recount_title(election_title: str, position_title: str) -> str:
    """The title the files carry."""
    return f"{election_title}: {position_title}"


def position_ballots(
    title: str, paper: Sequence[tuple[int, str]], seats: int, choices: Iterable[Sequence[object]]
) -> RankedBallots:
    """A position's ballots (decoded choices: candidate ids) with the ballot paper's numbers.

    ``paper`` is (candidate id, name) in ballot-paper order. Raises ``KeyError`` for a
    candidate not on the paper.
    """
    number: dict[object, int] = {cid: n for n, (cid, _) in enumerate(paper, start=1)}
    rankings = (tuple(number[cid] for cid in ballot) for ballot in choices)
    return ranked_ballots(title, [name for _, name in paper], seats, rankings)


def recount_text(fmt: RecountFormat, ballots: RankedBallots) -> str:
    """The file's whole text in one of the formats."""
    return write_blt(ballots) if fmt is RecountFormat.blt else write_rank_table(ballots)


def first_differing_line(expected: str, found: str) -> int | None:
    """The first line (from 1) where ``found`` differs from ``expected``, or None if identical.

    Line ends count: a line that differs only in its end is a different line.
    """
    if expected == found:
        return None
    want, have = expected.splitlines(keepends=True), found.splitlines(keepends=True)
    for line, (a, b) in enumerate(zip(want, have, strict=False), start=1):
        if a != b:
            return line
    return min(len(want), len(have)) + 1
