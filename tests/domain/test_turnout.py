"""Turnout grouping: counts by group, small groups merged so no row singles a student out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elections.domain.eligibility import Rule
from elections.domain.turnout import Cell, Row, breakdown, summarise

EVERYONE = Rule()


def cell(grade: int, class_name: str, shanyrak: str, eligible: int, voted: int) -> Cell:
    """A cell of the frozen roll."""
    return Cell(grade, class_name, shanyrak, eligible, voted)


def test_groups_at_or_above_the_minimum_are_shown_in_natural_order():
    cells = [
        cell(10, "10А", "Алтай", 6, 3),
        cell(9, "9А", "Арал", 5, 5),
        cell(11, "11А", "Алтай", 7, 0),
    ]
    result = breakdown(cells, lambda c: c.class_name, min_group=5)
    assert [(r.label, r.eligible, r.voted) for r in result.rows] == [
        ("9А", 5, 5),
        ("10А", 6, 3),
        ("11А", 7, 0),
    ]
    assert result.merged is None


def test_small_groups_are_merged_and_never_shown_alone():
    cells = [
        cell(10, "10А", "Алтай", 20, 10),
        cell(10, "10Б", "Алтай", 3, 1),
        cell(10, "10В", "Алтай", 4, 4),
    ]
    result = breakdown(cells, lambda c: c.class_name, min_group=5)
    assert [r.label for r in result.rows] == ["10А"]
    assert result.merged == Row(None, 7, 5, groups=2)


def test_a_merged_row_below_the_minimum_pulls_in_the_next_smallest_group():
    """Otherwise the total minus the shown rows would give the one small group away."""
    cells = [
        cell(10, "10А", "Алтай", 30, 10),
        cell(10, "10Б", "Алтай", 8, 2),
        cell(10, "10В", "Алтай", 1, 1),
    ]
    result = breakdown(cells, lambda c: c.class_name, min_group=5)
    assert [r.label for r in result.rows] == ["10А"]
    assert result.merged == Row(None, 9, 3, groups=2)


def test_when_everything_is_small_nothing_is_shown():
    cells = [cell(10, "10А", "Алтай", 2, 1), cell(10, "10Б", "Арал", 1, 1)]
    result = breakdown(cells, lambda c: c.class_name, min_group=5)
    assert result.rows == ()
    assert result.merged is not None
    assert result.merged.suppressed
    assert result.merged.voted is None


def test_summary_counts_only_students_who_had_something_to_vote_for():
    cells = [
        cell(7, "7А", "Арал", 20, 0),  # grade 7 of Арал has nothing to vote for here
        cell(8, "8А", "Алтай", 10, 4),
        cell(11, "11А", "Арал", 10, 6),
    ]
    president = (1, Rule(grades=frozenset({8, 9, 10, 11})))
    altai = (2, Rule(shanyraks=frozenset({"алтай"})))
    turnout = summarise(cells, [president, altai], {1: 9, 2: 4}, min_group=5)
    assert (turnout.overall.eligible, turnout.overall.voted) == (20, 10)
    by_position = {p.position_id: (p.row.eligible, p.row.voted) for p in turnout.positions}
    assert by_position == {1: (20, 9), 2: (10, 4)}
    assert [r.label for r in turnout.by_grade.rows] == ["8", "11"]


def test_a_position_for_a_tiny_group_is_withheld():
    cells = [cell(10, "10А", "Алтай", 20, 10), cell(10, "10А", "Арал", 3, 3)]
    aral = (5, Rule(shanyraks=frozenset({"Арал"})))
    turnout = summarise(cells, [(1, EVERYONE), aral], {1: 13, 5: 3}, min_group=5)
    assert turnout.positions[1].row.suppressed
    assert turnout.positions[0].row == Row(None, 23, 13)


def test_an_election_smaller_than_the_minimum_shows_no_numbers_at_all():
    turnout = summarise([cell(10, "10А", "Алтай", 3, 2)], [(1, EVERYONE)], {1: 2}, min_group=5)
    assert turnout.overall.suppressed
    assert turnout.by_class.rows == ()
    assert turnout.positions[0].row.suppressed


@pytest.mark.parametrize(
    ("voted", "eligible", "per_mille"),
    [(0, 7, 0), (1, 3, 333), (2, 3, 667), (1, 8, 125), (7, 7, 1000), (1, 2000, 1)],
)
def test_percentages_are_integers_in_tenths_rounded_half_up(voted, eligible, per_mille):
    assert Row(None, eligible, voted).per_mille == per_mille


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["7А", "8А", "8Б", "9А", "10А", "11А"]),
            st.integers(min_value=1, max_value=12),
            st.integers(min_value=0, max_value=12),
        ),
        max_size=12,
    ),
    st.integers(min_value=1, max_value=10),
)
def test_no_shown_row_and_no_merged_row_holds_fewer_than_the_minimum(groups, min_group):
    cells = [cell(8, name, "Алтай", e, min(v, e)) for name, e, v in groups]
    result = breakdown(cells, lambda c: c.class_name, min_group)
    total = sum(c.eligible for c in cells)
    shown = [r for r in result.rows if not r.suppressed]
    assert all(r.eligible is not None and r.eligible >= min_group for r in shown)
    if result.merged is not None:
        merged = result.merged
        assert merged.suppressed or (merged.eligible or 0) >= min_group
        if not merged.suppressed:
            assert sum(r.eligible or 0 for r in shown) + (merged.eligible or 0) == total


def test_a_grade_minus_its_shown_classes_never_gives_one_class_away():
    cells = [
        cell(9, "9А", "Алтай", 25, 20),
        cell(9, "9Б", "Арал", 25, 11),
        cell(9, "9В", "Алтай", 5, 1),
        cell(10, "10А", "Арал", 30, 30),
    ]
    turnout = summarise(cells, [(1, EVERYONE)], {1: 62}, min_group=10)
    assert [r.label for r in turnout.by_grade.rows] == ["9", "10"]
    # 9В alone is too small; withholding it alone would leave 55 - 25 - 25 = 5 for anyone
    # to work out, so the smaller of its shown classmates is withheld with it.
    assert [r.label for r in turnout.by_class.rows] == ["9Б", "10А"]
    assert (turnout.by_class.merged.eligible, turnout.by_class.merged.groups) == (30, 2)


@given(
    st.lists(
        st.tuples(st.integers(7, 11), st.sampled_from("АБВГ"), st.integers(0, 30)),
        min_size=1,
        max_size=16,
        unique_by=lambda c: (c[0], c[1]),
    ),
    st.integers(2, 12),
)
def test_no_grade_minus_its_shown_classes_falls_below_the_minimum(classes, min_group):
    cells = [cell(g, f"{g}{letter}", "Алтай", n, n // 2) for g, letter, n in classes]
    turnout = summarise(cells, [(1, EVERYONE)], {1: 0}, min_group=min_group)
    shown_classes = {r.label: r.eligible for r in turnout.by_class.rows}
    for grade_row in turnout.by_grade.rows:
        if grade_row.suppressed:
            continue
        grade = int(grade_row.label)
        shown = sum(n for label, n in shown_classes.items() if label.startswith(f"{grade}"))
        hidden = grade_row.eligible - shown
        assert hidden == 0 or hidden >= min_group, (grade, hidden)
