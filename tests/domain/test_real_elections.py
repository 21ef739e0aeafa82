"""Real elections counted by the project's engine: seven Edinburgh wards of May 2017.

The ballots are the councils' own (BLT files in tests/data/real-elections, sources in its
README), and the reference is the official declaration: who was elected, at which stage, the
quota, and every candidate's total at every stage. Nobody on the project wrote either.

Scotland counts by single transferable vote with the Weighted Inclusive Gregory method, as
this engine does, but cuts every transfer value to five decimal places, while this engine
keeps exact fractions. So the totals after a surplus transfer may differ by a few
hundredths of a vote (the largest difference in these wards is 0.042, ward 1 at stage 2):
they are compared within STAGE_TOLERANCE, while the first preferences, the quota, who is
elected and at which stage must match exactly.

pyrankvote stays as a cross-check for instant-runoff only. Its STV is no reference for
these counts: it is not a Weighted Inclusive Gregory count (it spreads a surplus evenly over
the pile and uses another quota), and over the 351 Scottish wards of 2017 it elects a set
different from the official one in four, so agreeing with it would prove nothing and
differing from it would not be a fault.
"""

from __future__ import annotations

import json
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pyrankvote
import pytest

from elections.domain.counting import Method, StepKind, TallyResult, count
from elections.domain.counting.blt import RankedBallots, read_blt

DATA = Path(__file__).resolve().parent.parent / "data" / "real-elections"
STAGE_TOLERANCE = Fraction(5, 100)
"""Five hundredths of a vote: above the truncation's drift here (0.042), far below any margin."""

OFFICIAL = {
    entry["file"]: entry for entry in json.loads((DATA / "official-results.json").read_text())
}
STAGES = {entry["file"]: entry for entry in json.loads((DATA / "official-stages.json").read_text())}
WARDS = sorted(OFFICIAL, key=lambda name: int(name.removesuffix(".blt").rpartition("ward")[2]))


@cache
def ward(name: str) -> tuple[RankedBallots, TallyResult]:
    """A ward's ballots as read from its BLT file, and this engine's count of them."""
    election = read_blt((DATA / name).read_text(encoding="utf-8"))
    result = count(Method.ranked, election.candidates, election.spelled_out(), seats=election.seats)
    return election, result


def numbers_by_surname(election: RankedBallots, surnames: list[str]) -> dict[str, int]:
    """Each official surname's candidate number ("Firstname SURNAME (Party)", any case)."""
    found = {}
    for surname in surnames:
        matches = [
            number
            for number, name in enumerate(election.names, start=1)
            if name.rpartition(" (")[0].casefold().endswith(" " + surname.casefold())
        ]
        assert len(matches) == 1, (surname, election.names)
        found[surname] = matches[0]
    return found


def rounds(result: TallyResult) -> list[Any]:
    """The count steps, one per round (a Scottish stage)."""
    return [step for step in result.trace if step.kind is StepKind.count]


def test_the_data_holds_seven_wards_with_their_official_results():
    assert len(WARDS) == 7
    assert set(OFFICIAL) == set(STAGES) == {path.name for path in DATA.glob("*.blt")}


@pytest.mark.parametrize("name", WARDS)
def test_each_ward_elects_the_official_councillors_at_the_official_stages(name):
    official = OFFICIAL[name]
    election, result = ward(name)
    surnames = [entry["surname"] for entry in official["elected"]]
    number = numbers_by_surname(election, surnames)
    elected_at = {
        candidate: step.round
        for step in result.trace
        if step.kind in (StepKind.elected, StepKind.elected_remaining)
        for candidate in step.candidates
    }

    assert result.complete
    assert election.seats == official["seats"]
    assert set(result.elected) == {number[surname] for surname in surnames}
    assert {s: elected_at[number[s]] for s in surnames} == {
        entry["surname"]: entry["stage"] for entry in official["elected"]
    }
    assert len(rounds(result)) == official["stages"]


@pytest.mark.parametrize("name", WARDS)
def test_each_ward_has_the_official_quota_and_first_preferences(name):
    official, stages = OFFICIAL[name], STAGES[name]
    election, result = ward(name)
    number = numbers_by_surname(election, list(stages["totals"]))

    assert result.valid_ballots == official["valid_poll"]
    assert result.blank_ballots == 0
    assert result.quota == official["quota"]
    assert {s: result.first_counts[number[s]] for s in number} == {
        surname: int(totals[0]) for surname, totals in stages["totals"].items()
    }


@pytest.mark.parametrize("name", WARDS)
def test_each_stage_total_is_the_official_one_within_the_truncation(name):
    # Official transfer values are cut to five decimals, ours are exact (see the top).
    stages = STAGES[name]
    election, result = ward(name)
    number = numbers_by_surname(election, list(stages["totals"]))
    counted = rounds(result)
    worst = Fraction(0)
    for surname, totals in stages["totals"].items():
        assert len(totals) == len(counted)
        for step, printed in zip(counted, totals, strict=True):
            ours = step.tallies.get(number[surname], Fraction(0))
            worst = max(worst, abs(ours - Fraction(printed)))
    assert worst < STAGE_TOLERANCE


@pytest.mark.parametrize("name", WARDS)
def test_each_ward_as_one_seat_agrees_with_pyrankvote_instant_runoff(name):
    # Counted for one seat, each ward is an instant-runoff election with thousands of real
    # ballots. pyrankvote elects at exactly half and drops trailing candidates together, which
    # ends the same as ours wherever no tie arises and nobody holds exactly half.
    election, _ = ward(name)
    ours = count(Method.ranked, election.candidates, election.spelled_out(), seats=1)
    assert not [s for s in ours.trace if s.kind.value.startswith("tie")]
    for step in rounds(ours):
        assert all(2 * votes != sum(step.tallies.values()) for votes in step.tallies.values())
    people = {number: pyrankvote.Candidate(str(number)) for number in election.candidates}
    ballots = [
        pyrankvote.Ballot([people[n] for n in ranking]) for ranking in election.spelled_out()
    ]

    theirs = pyrankvote.instant_runoff_voting(list(people.values()), ballots)

    assert ours.complete
    assert [int(winner.name) for winner in theirs.get_winners()] == list(ours.elected)
