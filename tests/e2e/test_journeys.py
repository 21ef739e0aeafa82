"""The whole election in a real browser: four journeys on one server, each building on the last.

The tests run in file order and share one story (``tests/e2e/story.py``): the roll and
the codes of journey 1 are what the students of journey 2 sign in with, their receipts are
what journey 3 looks up on the board, and journey 4 audits (and then tampers with) what
they all left. Should a later journey run in a process that has not played the earlier
ones (pytest-xdist may split the module), it plays them first on its own server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.site import new_site, running
from tests.e2e.story import Story

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def story(chromium, empty_school, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """One school, one server and one election for the four journeys."""
    directory = tmp_path_factory.mktemp("journeys")
    site = new_site(empty_school, directory / "site")
    with running(site):
        told = Story(chromium, site, directory)
        try:
            yield told
        finally:
            told.close()


def play(story: Story, journey: int) -> None:
    """Play one journey; a journey whose predecessor failed is skipped, not failed again."""
    if story.broken_at is not None:
        pytest.skip(f"journey {story.broken_at} failed, and journey {journey} builds on it")
    story.play(journey)


def test_1_committee_imports_the_roll_builds_the_election_and_opens_the_poll(story):
    play(story, 1)
    assert story.election_id is not None
    assert len(story.access_codes) == 30


def test_2_three_students_vote_on_a_phone_in_kazakh_and_twice_in_two_tabs(story):
    play(story, 2)
    assert len(story.receipts) == 3
    codes = [code for receipt in story.receipts.values() for code in receipt.values()]
    assert len(set(codes)) == len(codes) == 6


def test_3_turnout_rises_live_the_poll_is_published_and_students_check_their_codes(story):
    play(story, 3)
    assert len(story.receipts) == 5


def test_4_the_auditor_verifies_downloads_and_sees_tampering_fail(story):
    play(story, 4)
