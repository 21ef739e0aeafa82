"""BLT, the ballot file of ranked-vote tools, both ways: written for recounts, read to count.

BLT is the interchange format of OpenSTV, Droop and OpaVote, and the Scottish councils'
ballot data is published in it. A file reads, line by line::

    4 2                  candidates, seats
    -3                   (optional) withdrawn candidates, as negative numbers
    12 1 3 0             a ballot: its weight (here, 12 identical ballots), its preferences
    ...                  by candidate number from 1, ended by 0
    0                    the end of the ballots
    "Әли Сейітов"        each candidate's name, in number order
    ...
    "Council 2031: President"    the title

Writing: one line per distinct ranking, sorted by its preferences, so the same ballots always
give the same bytes (the verifier compares them byte for byte) and nothing about the order
the ballots were cast in. Blank ballots are left out: they rank nobody, and tools differ on
whether an empty line is a ballot at all (the quota never counts them here). Names and the
title are quoted; BLT has no escape, so a double quote inside is written twice and any line
break becomes a space, keeping one name per line.

Reading is strict: a line that is not what the format says there is refused, naming the
line. Names and title may be quoted or bare (the Scottish files are bare). Preferences for a
withdrawn candidate are skipped, as the tools do. Equal rankings ("1=2"), skipped ranks
("-") and fractional weights are refused: this engine counts whole ballots of strict orders.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

NUMBER = re.compile(r"[0-9]+")
QUOTED = re.compile(r'"((?:[^"]|"")*)"')
LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
"""What ends a line (as ``str.splitlines`` reads it): never written inside a name or title."""
MAX_BALLOTS = 10_000_000
"""More ballots than any school or city casts: a larger total is a typo or a trap."""


@dataclass(frozen=True)
class RankedBallots:
    """A ranked election as BLT and the rank table carry it: names, seats, title and ballots.

    Candidates are numbered from 1 in the order of ``names`` (the ballot paper's order);
    ``ballots`` maps each distinct ranking (candidate numbers, first preference first; ()
    for a blank ballot) to how many ballots gave it.
    """

    title: str
    names: tuple[str, ...]
    seats: int
    ballots: Mapping[tuple[int, ...], int]
    withdrawn: frozenset[int] = field(default_factory=frozenset)

    @property
    def candidates(self) -> tuple[int, ...]:
        """The numbers of the candidates standing (not withdrawn), in paper order."""
        return tuple(n for n in range(1, len(self.names) + 1) if n not in self.withdrawn)

    def spelled_out(self) -> Iterator[tuple[int, ...]]:
        """Every ballot as often as it was cast, in sorted order, as the count takes them."""
        for ranking, copies in sorted(self.ballots.items()):
            for _ in range(copies):
                yield ranking

    @property
    def total(self) -> int:
        """How many ballots, blank ones included."""
        return sum(self.ballots.values())


class BltError(ValueError):
    """A BLT file that cannot be read: ``line`` is where (1 for the first), ``reason`` why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def ranked_ballots(
    title: str, names: Sequence[str], seats: int, rankings: Iterable[Sequence[int]]
) -> RankedBallots:
    """Group rankings (candidate numbers from 1) into the value both formats write."""
    return RankedBallots(title, tuple(names), seats, Counter(tuple(r) for r in rankings))


def quoted(text: str) -> str:
    """A name or title as BLT writes it: in double quotes, on one line."""
    return '"' + LINE_BREAKS.sub(" ", text).replace('"', '""') + '"'


def blt_lines(election: RankedBallots) -> Iterator[str]:
    """The BLT file, line by line, each ended by a newline."""
    yield f"{len(election.names)} {election.seats}\n"
    if election.withdrawn:
        yield " ".join(f"-{n}" for n in sorted(election.withdrawn)) + "\n"
    for ranking, copies in sorted(election.ballots.items()):
        if ranking:
            yield " ".join(map(str, (copies, *ranking, 0))) + "\n"
    yield "0\n"
    for name in election.names:
        yield quoted(name) + "\n"
    yield quoted(election.title) + "\n"


def write_blt(election: RankedBallots) -> str:
    """The whole BLT file as text (UTF-8 when saved)."""
    return "".join(blt_lines(election))


def read_blt(text: str) -> RankedBallots:
    """Read a BLT file, refusing anything it cannot count exactly, with the line at fault."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise BltError(1, "the file is empty")
    reader = _Lines(lines)
    number, header = reader.next("the first line must give the candidates and the seats")
    parts = header.split()
    if len(parts) != 2 or not all(NUMBER.fullmatch(part) for part in parts):
        raise BltError(number, "the first line must be two whole numbers: candidates and seats")
    candidates, seats = int(parts[0]), int(parts[1])
    if candidates < 1 or seats < 1:
        raise BltError(number, "there must be at least one candidate and one seat")
    withdrawn = _withdrawn(reader, candidates)
    ballots: Counter[tuple[int, ...]] = Counter()
    total = 0
    while True:
        number, line = reader.next("the ballots must end with a line holding 0")
        if line == "0":
            break
        ranking, copies = _ballot(number, line, candidates, withdrawn)
        ballots[ranking] += copies
        total += copies
        if total > MAX_BALLOTS:
            raise BltError(number, f"more than {MAX_BALLOTS:,} ballots in all")
    names = tuple(_text(*reader.next("a name is missing")) for _ in range(candidates))
    title = _text(*reader.next("the title is missing"))
    if reader.left:
        raise BltError(reader.left[0][0], "unexpected text after the title")
    return RankedBallots(title, names, seats, dict(ballots), frozenset(withdrawn))


class _Lines:
    """The non-empty lines of a file, taken one at a time."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.left = lines
        self.last = lines[-1][0]

    def next(self, missing: str) -> tuple[int, str]:
        """The next line with its number, or an error saying what was expected."""
        if not self.left:
            raise BltError(self.last, missing)
        line, self.left = self.left[0], self.left[1:]
        return line

    def peek(self) -> str:
        """The next line's text without taking it ("" at the end)."""
        return self.left[0][1] if self.left else ""


def _withdrawn(reader: _Lines, candidates: int) -> set[int]:
    """The optional line of withdrawn candidates (negative numbers) after the first."""
    if not reader.peek().startswith("-"):
        return set()
    number, line = reader.next("")
    withdrawn = set()
    for part in line.split():
        if not (part.startswith("-") and NUMBER.fullmatch(part[1:])):
            raise BltError(number, f"{part!r} is not a withdrawn candidate such as -2")
        withdrawn.add(_candidate(number, int(part[1:]), candidates))
    return withdrawn


def _ballot(
    number: int, line: str, candidates: int, withdrawn: set[int]
) -> tuple[tuple[int, ...], int]:
    """One ballot line: its ranking (withdrawn candidates skipped) and its weight."""
    parts = line.split()
    for part in parts:
        if "=" in part:
            raise BltError(number, "equal preferences (=) cannot be counted here")
        if part == "-":
            raise BltError(number, "a skipped rank (-) cannot be counted here")
        if not NUMBER.fullmatch(part):
            raise BltError(number, f"{part!r} is not a whole number")
    if parts[-1] != "0":
        raise BltError(number, "a ballot must end with 0")
    if len(parts) < 2 or int(parts[0]) == 0:
        raise BltError(number, "a ballot starts with its weight, a whole number above 0")
    preferences = [_candidate(number, int(part), candidates) for part in parts[1:-1]]
    if len(set(preferences)) != len(preferences):
        raise BltError(number, "a candidate is ranked twice")
    return tuple(p for p in preferences if p not in withdrawn), int(parts[0])


def _candidate(number: int, value: int, candidates: int) -> int:
    """A candidate number, which must be on the ballot paper."""
    if not 1 <= value <= candidates:
        raise BltError(number, f"there is no candidate {value} (candidates are 1 to {candidates})")
    return value


def _text(number: int, line: str) -> str:
    """A name or the title: quoted (a doubled quote inside is one quote) or bare."""
    match = QUOTED.fullmatch(line)
    if match:
        return match.group(1).replace('""', '"')
    if line.startswith('"'):
        raise BltError(number, "a quoted name must end with a quote")
    return line
