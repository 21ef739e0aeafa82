"""A runoff election from a tie, where the election's tie rule says so: a draft with the tied
candidates, linked, logged; the results are published once it exists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select

from elections.domain.lifecycle import Phase
from elections.domain.verification import describe
from elections.extensions import db
from elections.models import Election, Position, PublishedResult, Runoff
from elections.operations.auditing import run_verification
from elections.operations.results import (
    ResultsReason,
    ResultsRefused,
    create_runoff,
    record_room_lot,
)
from elections.results.exports import results_csv
from tests.conftest import post_form
from tests.test_results_factories import entries, poll_with

TIED = [["Әли"]] * 3 + [["Дана"]] * 3 + [["Максим"]] * 1


def runoff_url(poll) -> str:
    """Where the committee asks for a runoff."""
    return f"/results/{poll.id}/positions/{poll.position().id}/runoff"


def test_a_runoff_is_created_from_a_tie_in_one_action(app, staff_client):
    poll = poll_with(
        TIED, voter_grades=[10, 11], threshold_percent=60, allow_blank=False, tie_rule="runoff"
    )
    source = poll.position()
    browser, user = staff_client("committee")
    page = browser.get(f"/results/{poll.id}/positions/{source.id}").get_data(as_text=True)
    assert "Create a runoff election" in page
    assert "Runoff required" in page
    assert "A lot drawn in the room" not in page
    response = post_form(browser, runoff_url(poll))
    assert response.status_code == 302
    link = db.session.scalars(select(Runoff)).one()
    assert response.headers["Location"].endswith(f"/committee/elections/{link.election_id}")
    assert link.source_position_id == source.id
    runoff = db.session.get(Election, link.election_id)
    assert runoff.phase == Phase.draft
    assert "Runoff: President" in runoff.title
    [position] = runoff.positions
    assert (position.title, position.method, position.seats) == ("President", "single", 1)
    assert runoff.tie_rule == "runoff"
    assert position.voter_grades == [10, 11]
    assert (position.threshold_percent, position.allow_blank) == (60, False)
    assert sorted(c.name for c in position.candidates) == ["Дана", "Әли"]
    assert all(c.status == "registered" for c in position.candidates)
    [created] = entries("runoff-created")
    assert created.actor == user.username
    assert created.election_id == poll.id
    assert created.details["runoff_election_id"] == runoff.id
    assert created.details["tied"] == sorted(poll.ids()[n] for n in ("Әли", "Дана"))
    assert [e.election_id for e in entries("election-created")] == [runoff.id]
    # The source page now links the runoff and offers no second one.
    page = browser.get(f"/results/{poll.id}/positions/{source.id}").get_data(as_text=True)
    assert "A runoff election was created for this tie." in page
    assert "Create a runoff election" not in page


def test_only_one_runoff_per_position(app):
    poll = poll_with(TIED, tie_rule="runoff")
    now = datetime.now(UTC)
    create_runoff(poll.actor, poll.position().id, "Runoff", now)
    with pytest.raises(ResultsRefused) as refused:
        create_runoff(poll.actor, poll.position().id, "Runoff again", now)
    assert refused.value.reason == ResultsReason.runoff_exists


def test_a_runoff_contests_only_the_seats_still_open(app):
    # Two seats: Әли is elected outright with 5 marks, Дана and Максим tie at 3 for the second.
    ballots = [["Әли", "Дана"]] * 3 + [["Әли", "Максим"]] * 2 + [["Максим"]] + [["Бекзат"]]
    poll = poll_with(
        ballots,
        method="multi",
        seats=2,
        candidates=("Әли", "Бекзат", "Дана", "Максим"),
        tie_rule="runoff",
    )
    runoff = create_runoff(poll.actor, poll.position().id, "Runoff", datetime.now(UTC))
    [position] = runoff.positions
    assert (position.method, position.seats) == ("multi", 1)
    assert sorted(c.name for c in position.candidates) == ["Дана", "Максим"]


def test_no_runoff_without_a_tie(app):
    poll = poll_with([["Әли"]] * 2 + [["Дана"]], tie_rule="runoff")
    with pytest.raises(ResultsRefused) as refused:
        create_runoff(poll.actor, poll.position().id, "Runoff", datetime.now(UTC))
    assert refused.value.reason == ResultsReason.runoff_not_offered


def test_a_final_ranked_tie_can_go_to_a_runoff(app):
    ballots = [["Әли", "Дана"]] * 3 + [["Дана", "Әли"]] * 3
    poll = poll_with(ballots, method="ranked", candidates=("Әли", "Дана"), tie_rule="runoff")
    runoff = create_runoff(poll.actor, poll.position().id, "Runoff", datetime.now(UTC))
    [position] = runoff.positions
    assert (position.method, position.seats) == ("ranked", 1)
    assert sorted(c.name for c in position.candidates) == ["Дана", "Әли"]


def test_runoffs_are_for_the_committee_and_before_publication(app, staff_client):
    poll = poll_with(TIED, tie_rule="runoff")
    browser, _user = staff_client("auditor")
    assert post_form(browser, runoff_url(poll)).status_code == 403
    open_poll = poll_with(TIED, phase="open", tie_rule="runoff")
    with pytest.raises(ResultsRefused) as refused:
        create_runoff(open_poll.actor, open_poll.position().id, "Runoff", datetime.now(UTC))
    assert refused.value.reason == ResultsReason.lot_not_now
    assert db.session.scalars(select(Runoff)).all() == []


def test_a_runoff_position_copies_every_column_of_its_source_but_its_own(app):
    poll = poll_with(
        TIED,
        voter_grades=[10, 11],
        voter_shanyraks=["Алтай"],
        candidate_classes=["11Ә"],
        titles={"kk": "Президент", "ru": "Президент"},
        description="Мектеп президенті",
        shuffle_candidates=True,
        threshold_percent=60,
        allow_blank=False,
        tie_rule="runoff",
    )
    source = poll.position()
    runoff = create_runoff(poll.actor, source.id, "Runoff", datetime.now(UTC))
    [position] = runoff.positions
    own = {"id", "election_id", "seats", "sort_order", "endorsements_required"}
    copied = [c.key for c in inspect(Position).column_attrs if c.key not in own]
    assert {k: getattr(position, k) for k in copied} == {k: getattr(source, k) for k in copied}
    assert position.voter_grades is not source.voter_grades  # a copy, not the same list
    assert (position.election_id, position.sort_order) == (runoff.id, 0)


# Дана and Максим tie for elimination while Әли is still in the count: a vote between the
# weakest would not say who wins, so even the runoff rule settles this tie by lot.
EARLY_TIE = [["Әли"]] * 4 + [["Дана", "Максим"]] * 3 + [["Максим", "Әли"]] * 3


@pytest.mark.parametrize(
    ("ballots", "method", "tie_rule"),
    [
        (TIED, "single", "earlier-rounds"),
        (TIED, "single", "lot"),
        (EARLY_TIE, "ranked", "runoff"),
    ],
)
def test_a_tie_settled_by_lot_offers_no_runoff(app, staff_client, ballots, method, tie_rule):
    poll = poll_with(ballots, method=method, tie_rule=tie_rule)
    browser, _user = staff_client("committee")
    page = browser.get(f"/results/{poll.id}/positions/{poll.position().id}").get_data(as_text=True)
    assert "Lot required" in page
    assert "A lot drawn in the room" in page
    assert "Create a runoff election" not in page
    with pytest.raises(ResultsRefused) as refused:
        create_runoff(poll.actor, poll.position().id, "Runoff", datetime.now(UTC))
    assert refused.value.reason == ResultsReason.runoff_not_offered


def test_under_the_runoff_rule_no_lot_is_taken_and_publication_waits_for_the_runoff(app):
    poll = poll_with(TIED, tie_rule="runoff")
    position = poll.position()
    ids = poll.ids()
    with pytest.raises(ResultsRefused) as refused:
        record_room_lot(poll.actor, position.id, [ids["Әли"], ids["Дана"]])
    assert refused.value.reason == ResultsReason.no_tie
    with pytest.raises(ResultsRefused) as refused:
        poll.publish()
    assert refused.value.reason == ResultsReason.runoff_required
    db.session.rollback()  # as the error handler does

    create_runoff(poll.actor, position.id, "Runoff", datetime.now(UTC))
    poll.publish()

    published = db.session.get(PublishedResult, position.id).result
    assert published["runoff_required"] == sorted([ids["Әли"], ids["Дана"]])
    assert (published["elected"], published["complete"], published["lot_required"]) == (
        [],
        False,
        None,
    )
    report = run_verification(poll.actor, db.session.get(Election, poll.id)).report
    assert report.ok, [describe(check) for check in report.checks if check.failed]
    rows = results_csv(db.session.get(Election, poll.id))
    assert rows.count("runoff-required") == len(poll.ids()) + 1  # every candidate, and blank
