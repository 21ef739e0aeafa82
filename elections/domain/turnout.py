"""Turnout: eligible and voted, overall and by group, without ever singling a student out.

The input is the frozen roll counted by (grade, class, shanyrak) cell, each cell
saying how many students it holds and how many of them have voted in the election.
Groups smaller than the minimum are never shown on their own: they are merged into
one "smaller groups" row, and if that row would itself be smaller than the minimum
the next smallest group joins it, so no row (and no difference between the total and
the shown rows) describes fewer students than the minimum. Classes sit inside grades,
and a grade's row is shown too, so the same holds inside each grade: the classes of a
grade that are withheld hold, together, none or at least the minimum, or the grade's
total minus its shown classes would give one away. A count of choices never enters
this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from elections.domain.eligibility import Rule, StudentFacts, is_eligible


@dataclass(frozen=True)
class Cell:
    """Students of the frozen roll sharing a grade, class and shanyrak, and how many voted."""

    grade: int
    class_name: str
    shanyrak: str
    eligible: int
    voted: int

    @property
    def facts(self) -> StudentFacts:
        """The facts an eligibility rule looks at, the same for every student of the cell."""
        return StudentFacts(self.grade, self.class_name, self.shanyrak)


@dataclass(frozen=True)
class Row:
    """One line of a turnout table; counts are None when the row is too small to show."""

    label: str | None
    eligible: int | None
    voted: int | None
    groups: int = 1

    @property
    def suppressed(self) -> bool:
        """Whether the numbers are withheld because the row is too small."""
        return self.eligible is None

    @property
    def per_mille(self) -> int | None:
        """Turnout in tenths of a percent, rounded half up (integers only, no float drift)."""
        if self.eligible is None or self.voted is None or self.eligible == 0:
            return None
        return (self.voted * 1000 * 2 + self.eligible) // (self.eligible * 2)


@dataclass(frozen=True)
class Breakdown:
    """Rows of groups large enough to show, then at most one merged row of the smaller ones."""

    rows: tuple[Row, ...]
    merged: Row | None


@dataclass(frozen=True)
class PositionTurnout:
    """Ballots cast in one position against the students allowed to vote in it."""

    position_id: int
    row: Row


@dataclass(frozen=True)
class Turnout:
    """Everything the turnout dashboard shows."""

    min_group: int
    overall: Row
    by_grade: Breakdown
    by_class: Breakdown
    by_shanyrak: Breakdown
    positions: tuple[PositionTurnout, ...]


def _shown(label: str | None, eligible: int, voted: int, min_group: int, groups: int = 1) -> Row:
    """A row with its numbers, or withheld when it holds fewer students than the minimum."""
    if eligible < min_group:
        return Row(label, None, None, groups)
    return Row(label, eligible, voted, groups)


def _natural(key: str | int) -> tuple[str | int, ...]:
    """Sort "9А" before "10А": digits compare as numbers, the rest as text."""
    if isinstance(key, int):
        return (key,)
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key))


def breakdown(
    cells: Iterable[Cell],
    key: Callable[[Cell], str | int],
    min_group: int,
    within: Callable[[Cell], str | int] | None = None,
) -> Breakdown:
    """Group cells by ``key``; merge groups under ``min_group`` (and enough others) into one row.

    ``within`` names each group's enclosing group when that one is shown elsewhere (a
    class's grade): inside each, the withheld groups must hold none or enough students.
    """
    totals: dict[str | int, list[int]] = {}
    parents: dict[str | int, str | int] = {}
    for cell in cells:
        total = totals.setdefault(key(cell), [0, 0])
        total[0] += cell.eligible
        total[1] += cell.voted
        if within is not None:
            parents[key(cell)] = within(cell)
    withheld = {k for k, (e, _v) in totals.items() if e < min_group}
    for parent in set(parents.values()):
        _withhold_enough(
            [k for k, p in parents.items() if p == parent], totals, withheld, min_group
        )
    small = sorted(withheld, key=str)
    large = sorted((k for k in totals if k not in withheld), key=lambda k: totals[k][0])
    merged_keys = list(small)
    if merged_keys:
        # Secondary suppression: the merged row must itself reach the minimum, or the total
        # minus the shown rows would give the small groups away.
        while sum(totals[k][0] for k in merged_keys) < min_group and large:
            merged_keys.append(large.pop(0))
    shown = sorted(large, key=_natural)
    rows = tuple(_shown(str(k), *totals[k], min_group) for k in shown)
    merged = None
    if merged_keys:
        eligible = sum(totals[k][0] for k in merged_keys)
        voted = sum(totals[k][1] for k in merged_keys)
        merged = _shown(None, eligible, voted, min_group, groups=len(merged_keys))
    return Breakdown(rows, merged)


def _withhold_enough(
    siblings: list[str | int],
    totals: Mapping[str | int, list[int]],
    withheld: set[str | int],
    min_group: int,
) -> None:
    """Withhold more of these siblings, smallest first, until those withheld hold enough."""
    hidden = sum(totals[k][0] for k in siblings if k in withheld)
    shown = sorted((k for k in siblings if k not in withheld), key=lambda k: (totals[k][0], str(k)))
    while 0 < hidden < min_group and shown:
        joining = shown.pop(0)
        withheld.add(joining)
        hidden += totals[joining][0]


def summarise(
    cells: Sequence[Cell],
    positions: Sequence[tuple[int, Rule]],
    participations: Mapping[int, int],
    min_group: int,
) -> Turnout:
    """Turnout overall, by grade, class and shanyrak, and per position.

    ``cells`` cover the whole frozen roll; only students eligible for at least one
    position count, since the others had nothing to vote for. ``participations``
    maps a position id to the number of students who voted in it.
    """
    rules = [rule for _id, rule in positions]
    counted = [c for c in cells if any(is_eligible(rule, c.facts) for rule in rules)]
    eligible = sum(c.eligible for c in counted)
    voted = sum(c.voted for c in counted)
    per_position = []
    for position_id, rule in positions:
        allowed = sum(c.eligible for c in cells if is_eligible(rule, c.facts))
        cast = participations.get(position_id, 0)
        per_position.append(PositionTurnout(position_id, _shown(None, allowed, cast, min_group)))
    return Turnout(
        min_group=min_group,
        overall=_shown(None, eligible, voted, min_group),
        by_grade=breakdown(counted, lambda c: c.grade, min_group),
        by_class=breakdown(counted, lambda c: c.class_name, min_group, within=lambda c: c.grade),
        by_shanyrak=breakdown(counted, lambda c: c.shanyrak, min_group),
        positions=tuple(per_position),
    )
