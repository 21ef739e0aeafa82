"""The results pages: who sees a count when, and what the page shows once it may.

Nobody sees any count before voting closes; officials see the count after closing,
marked as not yet published; everyone sees the stored snapshot after publication.
Signed-out visitors get 404 where signed-in accounts without access get 403.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from elections.extensions import db
from elections.models import Ballot, PublishedResult
from elections.results.presenting import percent, places_apart, step_sentence
from tests.conftest import make_student, post_form, sign_in
from tests.test_results_factories import open_poll, poll_with

OFFICIALS = ("committee", "auditor", "admin")
# Ballots that give distinctive figures: 7 for Дана, 5 for Әли, 3 blank.
BALLOTS = [["Дана"]] * 7 + [["Әли"]] * 5 + [[]] * 3


def browser_for(role: str, staff_client, client):
    """A client signed in with the role, or signed out for "public"."""
    if role == "public":
        return client
    if role == "student":
        make_student(number="S-READER", code="ABCD-EFGH")
        sign_in(client, "S-READER", "ABCD-EFGH")
        return client
    browser, _user = staff_client(role)
    return browser


def assert_no_count(html: str) -> None:
    """No figure of the count and no name of a candidate appears on the page."""
    for leaked in ("Ballots cast", "First preferences", "Share of valid", "Дана", "Әли", "58.3"):
        assert leaked not in html


@pytest.mark.parametrize("role", ["public", "student", *OFFICIALS])
def test_a_draft_shows_no_count_to_anyone(app, staff_client, client, role):
    poll = open_poll({"President": {}})
    poll.election.phase = "draft"
    db.session.commit()
    browser = browser_for(role, staff_client, client)
    response = browser.get(f"/results/{poll.id}")
    assert response.status_code == (404 if role == "public" else 403)
    assert_no_count(response.get_data(as_text=True))
    assert "Council 2031" not in browser.get("/results/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["public", "student", *OFFICIALS])
def test_while_the_poll_is_open_nobody_sees_a_count(app, staff_client, client, role):
    poll = poll_with(BALLOTS, phase="open")
    browser = browser_for(role, staff_client, client)
    position = poll.position()
    pages = [
        f"/results/{poll.id}",
        f"/results/{poll.id}/positions/{position.id}",
        "/results/",
    ]
    for page in pages:
        response = browser.get(page)
        assert_no_count(response.get_data(as_text=True))
        if page != "/results/":
            assert response.status_code == (404 if role == "public" else 403)
    download = post_form(
        browser,
        f"/results/{poll.id}/export",
        {"kind": "ballots", "format": "csv", "position": position.id},
    )
    assert download.status_code == (404 if role == "public" else 403)
    assert b"ballot_id" not in download.data


@pytest.mark.parametrize("role", OFFICIALS)
def test_after_closing_officials_see_the_count_marked_unpublished(app, staff_client, role):
    poll = poll_with(BALLOTS)
    browser, _user = staff_client(role)
    html = browser.get(f"/results/{poll.id}").get_data(as_text=True)
    assert "Not yet published." in html
    assert "Ballots cast: 15" in html
    assert "blank: 3" in html
    assert "58.3%" in html  # 7 of the 12 valid ballots: blanks are outside the base
    assert "41.7%" in html
    assert "Elected: Дана." in html
    listing = browser.get("/results/").get_data(as_text=True)
    assert "Council 2031" in listing
    assert "Not yet published" in listing


@pytest.mark.parametrize("role", ["public", "student"])
def test_after_closing_students_and_the_public_see_nothing_yet(app, staff_client, client, role):
    poll = poll_with(BALLOTS)
    browser = browser_for(role, staff_client, client)
    response = browser.get(f"/results/{poll.id}")
    assert response.status_code == (404 if role == "public" else 403)
    assert_no_count(response.get_data(as_text=True))
    position = browser.get(f"/results/{poll.id}/positions/{poll.position().id}")
    assert position.status_code == response.status_code
    assert "Council 2031" not in browser.get("/results/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["public", "student", *OFFICIALS])
def test_after_publication_everyone_sees_the_results(app, staff_client, client, role):
    poll = poll_with(BALLOTS, phase="published")
    browser = browser_for(role, staff_client, client)
    html = browser.get(f"/results/{poll.id}").get_data(as_text=True)
    assert "Not yet published" not in html
    assert "Results published" in html
    assert "58.3%" in html
    assert "Elected: Дана." in html
    assert "Council 2031" in browser.get("/results/").get_data(as_text=True)
    one = browser.get(f"/results/{poll.id}/positions/{poll.position().id}")
    assert one.status_code == 200


def test_published_pages_show_the_snapshot_not_a_recount(app, client):
    poll = poll_with(BALLOTS, phase="published")
    snapshot = db.session.get(PublishedResult, poll.position().id)
    assert snapshot.result["elected"] == [poll.ids()["Дана"]]
    # Someone rewrites ballots after publication: the page keeps what was published.
    for ballot in db.session.query(Ballot).all():
        ballot.choices = f"[{poll.ids()['Әли']}]"
    db.session.commit()
    html = client.get(f"/results/{poll.id}").get_data(as_text=True)
    assert "Elected: Дана." in html
    assert "58.3%" in html


def test_an_unknown_election_or_foreign_position_is_not_found(app, client):
    poll = poll_with(BALLOTS, phase="published")
    other = poll_with([["Әли"]], phase="published")
    assert client.get("/results/999999").status_code == 404
    foreign = client.get(f"/results/{poll.id}/positions/{other.position().id}")
    assert foreign.status_code == 404


def test_ranked_count_is_shown_round_by_round(app, staff_client):
    ballots = [["Әли", "Дана"]] * 4 + [["Дана", "Әли"]] * 3 + [["Максим", "Дана"]] * 2 + [[]] * 2
    poll = poll_with(ballots, method="ranked")
    browser, _user = staff_client("committee")
    html = browser.get(f"/results/{poll.id}/positions/{poll.position().id}").get_data(as_text=True)
    assert "Round by round" in html
    assert "Round 1" in html
    assert "Round 2" in html
    assert "Round 3" not in html
    assert "✗ eliminated" in html
    assert "✓ elected" in html
    assert "Exhausted (no further preference)" in html
    # Round 1: Әли 4, Дана 3, Максим 2 out; round 2: Дана 5 of 9, more than half.
    assert "Elected: Дана." in html
    assert "Дана has 5 of the 9 continuing votes, more than half, and is elected." in html
    assert html.count('class="bar-chart"') == 1 + 2  # first preferences, then one per round


def test_stv_shows_the_quota_and_fractional_transfers(app, staff_client):
    ballots = [["Әли", "Дана"]] * 4 + [["Әли"]] * 3 + [["Дана"]] * 1 + [["Максим"]] * 2
    poll = poll_with(ballots, method="ranked", seats=2)
    browser, _user = staff_client("committee")
    html = browser.get(f"/results/{poll.id}").get_data(as_text=True)
    assert "Quota (Droop): 4 votes." in html  # floor(10 / 3) + 1
    # Әли's surplus of 3 passes on at 3/7: Дана gets 4 × 3/7, and 3 × 3/7 is exhausted.
    assert "Surplus of Әли transferred (× 0.43)" in html
    assert 'title="exactly 19/7">2.71<' in html
    assert 'title="exactly 9/7">1.29<' in html
    assert "Elected: Әли, Дана." in html


def test_yes_no_shows_the_threshold_and_the_verdict(app, staff_client):
    poll = poll_with(
        [["yes"]] * 5 + [["no"]] * 5 + [[]],
        method="yesno",
        candidates=("Longer breaks",),
        threshold_percent=50,
    )
    browser, _user = staff_client("auditor")
    html = browser.get(f"/results/{poll.id}").get_data(as_text=True)
    assert "The proposal does not pass." in html  # exactly at the threshold is not above it
    assert "needs more than 50.0%" in html
    assert "blank: 1" in html


def test_turnout_is_shown_with_small_groups_merged(app, staff_client):
    poll = poll_with(BALLOTS, phase="published")
    make_student(number="late", grade=7, class_name="7A")  # after opening: not on the roll
    browser, _user = staff_client("committee")
    html = browser.get(f"/results/{poll.id}").get_data(as_text=True)
    assert "Whole election" in html
    assert "By grade" in html
    assert "By class" in html
    assert "By shanyrak" in html
    assert re.search(r">\s*7A\s*<", html) is None  # no group for the late student's class


def test_a_position_nobody_stood_for_says_so(app, staff_client):
    poll = open_poll({"President": {}, "Treasurer": {"candidates": ()}}, voters=2)
    poll.cast([["Дана"], ["Дана"]], "President")
    poll.close()
    browser, _user = staff_client("committee")
    html = browser.get(f"/results/{poll.id}").get_data(as_text=True)
    assert "Nothing to count: nobody stood for this position." in html
    poll.publish()
    assert db.session.get(PublishedResult, poll.position("Treasurer").id) is None


def test_results_pages_obey_the_content_security_policy(app, staff_client):
    poll = poll_with([*BALLOTS, ["Максим"]], method="single")
    browser, _user = staff_client("committee")
    for page in (f"/results/{poll.id}", f"/results/{poll.id}/positions/{poll.position().id}"):
        html = browser.get(page).get_data(as_text=True)
        assert "style=" not in html
        assert "<style" not in html
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
        assert "<title id=" in html
        assert "<desc id=" in html


def test_multi_shares_are_of_valid_ballots_and_may_exceed_a_hundred(app, staff_client):
    poll = poll_with([["Әли", "Дана"]] * 3 + [["Максим"]], method="multi", seats=2)
    browser, _user = staff_client("committee")
    html = browser.get(f"/results/{poll.id}").get_data(as_text=True)
    assert html.count('<td class="num">75.0%</td>') == 2  # each on 3 of the 4 ballots
    assert "the shares add up to more than 100%." in html
    assert "Elected: Дана, Әли." in html or "Elected: Әли, Дана." in html


def test_a_published_position_without_a_stored_result_says_so(app, client):
    poll = poll_with(BALLOTS)
    poll.election.phase = "published"  # forced past the publication, which stores results
    db.session.commit()
    html = client.get(f"/results/{poll.id}").get_data(as_text=True)
    assert "No result was stored for this position when the results were published." in html
    assert "58.3%" not in html  # no recount is shown in place of the published result


@pytest.mark.parametrize(("yes", "no", "shown"), [(1001, 999, "50.05%"), (999, 1001, "49.95%")])
def test_a_share_just_either_side_of_the_threshold_never_reads_as_equal(app, yes, no, shown):
    step = {
        "kind": "threshold",
        "candidates": [1],
        "chosen": [],
        "decision": None,
        "value": f"{yes}/{yes + no}",
        "bar": "1/2",
        "total": yes + no,
    }
    with app.test_request_context():
        sentence = step_sentence(step, {}, {"method": "yesno"})
    assert f"Yes is {shown} of the 2,000 yes and no votes" in sentence
    assert "needs more than 50.00%" in sentence


def test_a_share_on_the_threshold_reads_as_equal_to_it(app):
    with app.test_request_context():
        assert places_apart(Fraction(1, 2), Fraction(1, 2)) == 1
        assert places_apart(Fraction(2, 3), Fraction(1, 2)) == 1
        assert percent(Fraction(1, 2), 1, places_apart(Fraction(1, 2), Fraction(1, 2))) == "50.0%"
