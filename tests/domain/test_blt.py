"""BLT and the rank table, both ways: what is written reads back the same, bad files are named."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elections.domain.counting import Method, count
from elections.domain.counting.blt import (
    LINE_BREAKS,
    MAX_BALLOTS,
    BltError,
    RankedBallots,
    ranked_ballots,
    read_blt,
    write_blt,
)
from elections.domain.counting.rank_table import RankTableError, read_rank_table, write_rank_table

NAMES = ("Әли Сейітов", "Дана Қасымова", "Ұлан Өмірзақ", "Нұрлан Ғалымұлы")
SCHOOL = ranked_ballots(
    "Council 2031: President",
    NAMES,
    2,
    [(1, 2), (1, 2), (2,), (3, 1, 4), (), (4, 3), (1, 2)],
)


def test_a_school_election_is_written_as_blt_line_by_line():
    assert write_blt(SCHOOL).splitlines() == [
        "4 2",
        "3 1 2 0",
        "1 2 0",
        "1 3 1 4 0",
        "1 4 3 0",
        "0",
        '"Әли Сейітов"',
        '"Дана Қасымова"',
        '"Ұлан Өмірзақ"',
        '"Нұрлан Ғалымұлы"',
        '"Council 2031: President"',
    ]


def test_blank_ballots_are_left_out_of_blt_but_kept_in_the_rank_table():
    back = read_blt(write_blt(SCHOOL))
    assert back.ballots == {r: n for r, n in SCHOOL.ballots.items() if r}
    table = read_rank_table(write_rank_table(SCHOOL), NAMES, 2, SCHOOL.title)
    assert table == SCHOOL


def test_the_rank_table_has_one_row_per_ballot_and_one_column_per_rank():
    lines = write_rank_table(SCHOOL).removeprefix("\ufeff").split("\r\n")
    assert lines == [
        "ballot,rank 1,rank 2,rank 3,rank 4",
        "1,,,,",
        "2,Әли Сейітов,Дана Қасымова,,",
        "3,Әли Сейітов,Дана Қасымова,,",
        "4,Әли Сейітов,Дана Қасымова,,",
        "5,Дана Қасымова,,,",
        "6,Ұлан Өмірзақ,Әли Сейітов,Нұрлан Ғалымұлы,",
        "7,Нұрлан Ғалымұлы,Ұлан Өмірзақ,,",
        "",
    ]


@st.composite
def elections(draw: st.DrawFn) -> RankedBallots:
    """Random ranked elections with awkward names: quotes, Cyrillic look-alikes, formulas."""
    names = draw(
        st.lists(
            st.sampled_from(
                ['Ann "Ace" Smith', "=SUM(A1)", "Aсан", "Асан", "Ғалым", "-Ivan", "O'Neil", "Ілияс"]
            ),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    numbers = list(range(1, len(names) + 1))
    ranking = st.permutations(numbers).flatmap(
        lambda order: st.integers(0, len(order)).map(lambda k: tuple(order[:k]))
    )
    ballots = draw(st.lists(ranking, max_size=40))
    return ranked_ballots(
        draw(st.text(min_size=1, max_size=20)), names, draw(st.integers(1, 3)), ballots
    )


@settings(max_examples=150, deadline=None)
@given(elections())
def test_blt_reads_back_what_it_wrote(election):
    back = read_blt(write_blt(election))
    assert back.names == election.names
    assert back.seats == election.seats
    assert back.ballots == {r: n for r, n in election.ballots.items() if r}
    assert back.title == LINE_BREAKS.sub(" ", election.title)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_the_rank_table_reads_back_what_it_wrote(election):
    back = read_rank_table(
        write_rank_table(election), election.names, election.seats, election.title
    )
    assert back == election


@settings(max_examples=100, deadline=None)
@given(elections())
def test_both_formats_count_alike(election):
    from_blt = read_blt(write_blt(election))
    table = read_rank_table(write_rank_table(election), election.names, election.seats, "t")
    results = [
        count(Method.ranked, e.candidates, e.spelled_out(), seats=e.seats)
        for e in (from_blt, table)
    ]
    assert results[0].elected == results[1].elected
    assert results[0].trace == results[1].trace


def test_a_name_with_quotes_and_line_breaks_stays_on_one_line():
    election = ranked_ballots('Vote "A"\nor B', ['Ann "Ace"\r\nSmith', "Bek"], 1, [(1,)])
    text = write_blt(election)
    assert text.splitlines()[-3:] == ['"Ann ""Ace"" Smith"', '"Bek"', '"Vote ""A"" or B"']
    assert read_blt(text).names == ('Ann "Ace" Smith', "Bek")


def test_a_formula_name_is_neutralised_in_the_rank_table_but_read_back():
    election = ranked_ballots("Poll", ["=HYPERLINK(1)", "Bek"], 1, [(1, 2)])
    text = write_rank_table(election)
    assert "'=HYPERLINK(1)" in text
    assert read_rank_table(text, election.names, 1, "Poll") == election


def test_the_scottish_files_bare_names_and_title_are_read():
    names = "Ann BROWN (Lab)\nBek SMITH (C)\nCat JONES (SNP)\n"
    text = "3 1\n-2\n4 1 2 3 0\n2 3 0\n0\n" + names + "Ward 9 - Test"
    election = read_blt(text)
    assert election.names == ("Ann BROWN (Lab)", "Bek SMITH (C)", "Cat JONES (SNP)")
    assert election.title == "Ward 9 - Test"
    assert election.withdrawn == {2}
    assert election.candidates == (1, 3)
    assert election.ballots == {(1, 3): 4, (3,): 2}


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "empty"),
        ("2\n0\nA\nB\nT", 1, "two whole numbers"),
        ("2 0\n0\nA\nB\nT", 1, "at least one candidate and one seat"),
        ("2 1\n1 1 2\n0\nA\nB\nT", 2, "must end with 0"),
        ("2 1\n1 1=2 0\n0\nA\nB\nT", 2, "equal preferences"),
        ("2 1\n1 1 - 2 0\n0\nA\nB\nT", 2, "skipped rank"),
        ("2 1\n1.5 1 0\n0\nA\nB\nT", 2, "'1.5' is not a whole number"),
        ("2 1\n0 1 0\n3 2 0\n0\nA\nB\nT", 2, "weight"),
        ("2 1\n1 3 0\n0\nA\nB\nT", 2, "no candidate 3"),
        ("2 1\n1 ١ 0\n0\nA\nB\nT", 2, "is not a whole number"),
        ("2 1\n1 1 1 0\n0\nA\nB\nT", 2, "ranked twice"),
        ("2 1\n1 1 0\n0\nA", 4, "name is missing"),
        ("2 1\n1 1 0\n0\nA\nB", 5, "title is missing"),
        ("2 1\n1 1 0\n0\nA\nB\nT\nmore", 7, "after the title"),
        ('2 1\n1 1 0\n0\n"A\nB\nT', 4, "must end with a quote"),
        ("2 1\n-3\n1 1 0\n0\nA\nB\nT", 2, "no candidate 3"),
        ("2 1\n-x\n1 1 0\n0\nA\nB\nT", 2, "withdrawn candidate"),
        ("2 1\n1 1 0\n", 2, "end with a line holding 0"),
        (f"2 1\n{MAX_BALLOTS + 1} 1 0\n0\nA\nB\nT", 2, "ballots in all"),
    ],
)
def test_a_bad_blt_file_is_refused_naming_the_line(text, line, reason):
    with pytest.raises(BltError) as refused:
        read_blt(text)
    assert refused.value.line == line
    assert reason in refused.value.reason


@pytest.mark.parametrize(
    ("rows", "line", "reason"),
    [
        ("ballot,rank 1\r\n1,A\r\n", 1, "header"),
        ("ballot,rank 1,rank 2\r\n1,A\r\n", 2, "3 cells"),
        ("ballot,rank 1,rank 2\r\n1,,A\r\n", 2, "empty before a filled one"),
        ("ballot,rank 1,rank 2\r\n1,A,A\r\n", 2, "ranked twice"),
        ("ballot,rank 1,rank 2\r\n1,A,B\r\n2,А,\r\n", 3, "'А' is not a candidate"),
    ],
)
def test_a_bad_rank_table_is_refused_naming_the_line(rows, line, reason):
    with pytest.raises(RankTableError) as refused:
        read_rank_table(rows, ["A", "B"], 1, "Poll")
    assert refused.value.line == line
    assert reason in refused.value.reason
