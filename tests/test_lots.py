"""Ties are never broken silently: a lot is required, recorded (in the room or by seed), logged.

Each case runs end to end: ballots cast and sealed, the results page showing the tie,
the committee recording a lot through the page, the audit entry, the count going on
with the lot, and publication refused until then.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from elections.domain.counting import lot_order
from elections.domain.lifecycle import Phase
from elections.domain.verification import CheckKind, Status
from elections.extensions import db
from elections.models import Election, Lot, PublishedResult
from elections.operations import lifecycle as phases
from elections.operations.auditing import verify_database
from elections.operations.results import ResultsReason, ResultsRefused, draw_lot, record_room_lot
from elections.queries.tally import tally_position
from tests.conftest import post_form
from tests.test_results_factories import entries, poll_with

TIED = [["Әли"]] * 3 + [["Дана"]] * 3 + [["Максим"]] * 1 + [[]]
# Instant-runoff where Дана and Максим tie for elimination, and which one goes decides the
# winner: Максим's ballots go to Әли, Дана's to Максим.
RANKED_TIE = [["Әли"]] * 4 + [["Дана", "Максим"]] * 3 + [["Максим", "Әли"]] * 3


def lot_url(poll, suffix: str = "") -> str:
    """Where the committee records a lot for the poll's position."""
    return f"/results/{poll.id}/positions/{poll.position().id}/lot{suffix}"


def page(browser, poll) -> str:
    """The position's results page."""
    return browser.get(f"/results/{poll.id}/positions/{poll.position().id}").get_data(as_text=True)


def test_a_tie_for_the_seat_shows_lot_required_naming_the_tied(app, staff_client):
    poll = poll_with(TIED)
    browser, _user = staff_client("committee")
    html = page(browser, poll)
    assert "Lot required" in html
    assert "These candidates are tied for a seat" in html
    assert "cannot be published until the committee records a lot" in html
    tied_list = re.search(r'<div class="lot-required".*?</div>', html, re.S).group(0)
    assert "<li>Әли</li>" in tied_list
    assert "<li>Дана</li>" in tied_list
    assert "Максим" not in tied_list
    assert "Record this order" in html
    assert "Draw the lot now" in html


def test_auditors_see_the_tie_but_cannot_settle_it(app, staff_client):
    poll = poll_with(TIED)
    browser, _user = staff_client("auditor")
    html = page(browser, poll)
    assert "Lot required" in html
    assert "Record this order" not in html
    ids = poll.ids()
    refused = post_form(browser, lot_url(poll), {"place_1": ids["Дана"], "place_2": ids["Әли"]})
    assert refused.status_code == 403
    assert post_form(browser, lot_url(poll, "/draw")).status_code == 403
    assert db.session.scalars(select(Lot)).all() == []


def test_publication_is_refused_while_a_lot_is_required(app, staff_client):
    poll = poll_with(TIED)
    with pytest.raises(ResultsRefused) as refused:
        phases.publish_election(poll.actor, poll.id, datetime.now(UTC))
    assert refused.value.reason == ResultsReason.lot_required
    db.session.rollback()
    assert db.session.get(Election, poll.id).phase == "closed"
    assert db.session.scalars(select(PublishedResult)).all() == []
    assert entries("election-published") == []
    browser, _user = staff_client("committee")
    response = post_form(
        browser, f"/committee/elections/{poll.id}/phase/published", {"confirm": "y"}
    )
    assert response.status_code == 409
    assert "record a lot for the tied candidates" in response.get_data(as_text=True)


def test_a_lot_drawn_in_the_room_is_recorded_logged_and_counted(app, staff_client):
    poll = poll_with(TIED)
    ids = poll.ids()
    browser, user = staff_client("committee")
    response = post_form(browser, lot_url(poll), {"place_1": ids["Дана"], "place_2": ids["Әли"]})
    assert response.status_code == 302
    [lot] = db.session.scalars(select(Lot)).all()
    assert lot.seed is None
    assert lot.drawn_order == [ids["Дана"], ids["Әли"]]
    assert lot.tied == sorted([ids["Әли"], ids["Дана"]])
    assert lot.recorded_by_id == user.id
    [entry] = entries("lot-recorded")
    assert entry.actor == user.username
    assert entry.details == {
        "position_id": poll.position().id,
        "tied": sorted([ids["Әли"], ids["Дана"]]),
        "order": [ids["Дана"], ids["Әли"]],
        "drawn": "in-room",
        "seed": "drawn in the room",
    }
    html = page(browser, poll)
    assert "Lot required" not in html
    assert "Elected: Дана." in html
    assert "Drawn in the room." in html
    assert "the lot drawn (order: Дана, Әли) picks Дана" in html
    phases.publish_election(poll.actor, poll.id, datetime.now(UTC))
    published = db.session.get(PublishedResult, poll.position().id)
    assert published.result["elected"] == [ids["Дана"]]


def test_a_lot_drawn_by_the_app_has_a_seed_anyone_can_re_derive(app, staff_client):
    poll = poll_with(TIED)
    ids = poll.ids()
    browser, _user = staff_client("committee")
    response = post_form(browser, lot_url(poll, "/draw"))
    assert response.status_code == 302
    [lot] = db.session.scalars(select(Lot)).all()
    assert re.fullmatch(r"[0-9a-f]{32}", lot.seed)
    tied = [ids["Әли"], ids["Дана"]]
    # The documented rule, written out independently of the app's code.
    expected = sorted(tied, key=lambda i: hashlib.sha256(f"{lot.seed}:{i}".encode()).hexdigest())
    assert lot.drawn_order == expected == list(lot_order(lot.seed, tied))
    [entry] = entries("lot-recorded")
    assert entry.details["seed"] == lot.seed
    assert entry.details["drawn"] == "by-app"
    assert entry.details["order"] == expected
    winner = {v: k for k, v in ids.items()}[expected[0]]
    html = page(browser, poll)
    assert f"Elected: {winner}." in html
    assert lot.seed in html


def test_the_seeded_order_is_deterministic_and_ignores_the_given_order():
    assert lot_order("abc", [3, 1, 2]) == lot_order("abc", [2, 3, 1])
    assert sorted(lot_order("abc", [3, 1, 2])) == [1, 2, 3]
    orders = {lot_order(f"seed{n}", [1, 2, 3]) for n in range(40)}
    assert len(orders) > 1  # the seed, not the ids, decides


def test_a_ranked_elimination_tie_is_settled_by_lot_and_the_count_goes_on(app, staff_client):
    poll = poll_with(RANKED_TIE, method="ranked")
    ids = poll.ids()
    result = tally_position(poll.position())
    assert result.lot_required == frozenset({ids["Дана"], ids["Максим"]})
    browser, _user = staff_client("committee")
    html = page(browser, poll)
    assert "for elimination" in html
    assert "the count stops until a lot is drawn" in html
    # Favoured first: Дана survives, Максим is eliminated, and his ballots elect Әли.
    post_form(browser, lot_url(poll), {"place_1": ids["Дана"], "place_2": ids["Максим"]})
    settled = tally_position(poll.position())
    assert settled.complete
    assert settled.elected == (ids["Әли"],)
    assert "Elected: Әли." in page(browser, poll)


def test_a_second_tie_after_the_first_lot_asks_for_a_second_lot(app, staff_client):
    poll = poll_with(TIED + [["Максим"]] * 2, method="multi", seats=2)
    ids = poll.ids()
    # Әли, Дана and Максим all have 3 marks for 2 seats.
    assert tally_position(poll.position()).lot_required == frozenset(ids.values())
    browser, _user = staff_client("committee")
    order = [ids["Максим"], ids["Әли"], ids["Дана"]]
    post_form(browser, lot_url(poll), {f"place_{n}": cid for n, cid in enumerate(order, 1)})
    assert tally_position(poll.position()).elected == (ids["Максим"], ids["Әли"])


def test_no_lot_when_nothing_is_tied(app):
    poll = poll_with([["Әли"]] * 2 + [["Дана"]])
    with pytest.raises(ResultsRefused) as refused:
        draw_lot(poll.actor, poll.position().id)
    assert refused.value.reason == ResultsReason.no_tie


def test_no_lot_before_closing_or_after_publication(app):
    poll = poll_with(TIED, phase="open")
    with pytest.raises(ResultsRefused) as refused:
        draw_lot(poll.actor, poll.position().id)
    assert refused.value.reason == ResultsReason.lot_not_now
    db.session.rollback()
    poll.close()
    ids = poll.ids()
    record_room_lot(poll.actor, poll.position().id, [ids["Әли"], ids["Дана"]])
    poll.publish()
    with pytest.raises(ResultsRefused) as refused:
        draw_lot(poll.actor, poll.position().id)
    assert refused.value.reason == ResultsReason.lot_not_now


@pytest.mark.parametrize(
    "order",
    [
        ["Әли", "Әли"],  # one candidate twice
        ["Әли"],  # someone missing
        ["Әли", "Максим"],  # someone who is not tied
    ],
)
def test_a_room_order_must_list_each_tied_candidate_once(app, order):
    poll = poll_with(TIED)
    ids = poll.ids()
    with pytest.raises(ResultsRefused) as refused:
        record_room_lot(poll.actor, poll.position().id, [ids[name] for name in order])
    assert refused.value.reason == ResultsReason.lot_order_invalid
    db.session.rollback()
    assert db.session.scalars(select(Lot)).all() == []
    assert entries("lot-recorded") == []


def test_the_room_form_refuses_a_repeated_candidate(app, staff_client):
    poll = poll_with(TIED)
    ids = poll.ids()
    browser, _user = staff_client("committee")
    response = post_form(browser, lot_url(poll), {"place_1": ids["Әли"], "place_2": ids["Әли"]})
    assert response.status_code == 400
    assert "Each tied candidate takes exactly one place." in response.get_data(as_text=True)
    assert db.session.scalars(select(Lot)).all() == []


def test_a_position_without_valid_ballots_publishes_with_nobody_elected(app, staff_client):
    poll = poll_with([[]] * 2)
    browser, _user = staff_client("committee")
    assert "No valid ballots were cast, so nobody is elected." in page(browser, poll)
    poll.publish()
    assert db.session.get(Election, poll.id).phase == Phase.published
    assert db.session.get(PublishedResult, poll.position().id).result["elected"] == []


@pytest.mark.parametrize("drawn", ["by the app", "in the room"])
def test_the_auditors_recount_with_the_lot_agrees_with_the_publication(app, staff_client, drawn):
    poll = poll_with(TIED)
    browser, _user = staff_client("committee")
    if drawn == "by the app":
        post_form(browser, lot_url(poll, "/draw"))
    else:
        ids = poll.ids()
        post_form(browser, lot_url(poll), {"place_1": ids["Дана"], "place_2": ids["Әли"]})
    poll.publish()
    report = verify_database(db.session.get(Election, poll.id))
    verdicts = {check.kind: check.status for check in report.checks}
    assert report.ok
    assert verdicts[CheckKind.lots] == Status.ok
    assert verdicts[CheckKind.recount] == Status.ok
    assert verdicts[CheckKind.result_recorded] == Status.ok
