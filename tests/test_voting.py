"""Student voting: the home page, the ballot-review-cast journey, receipts, and every refusal.

The helpers at the top are shared by the other voting test files (ballot page, double
vote, secrecy, kiosk): one place that knows how a student reaches the polling station.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from elections.extensions import db
from elections.models import (
    AuditEvent,
    Ballot,
    Candidate,
    Election,
    Participation,
    Position,
    User,
)
from elections.operations.audit_log import Actor
from tests.conftest import (
    csrf_token,
    enrol,
    make_election,
    make_position,
    make_student,
    post_form,
    sign_in,
)

CODE = "ABCD-EFGH"
VOTER = Actor("tester", "student", "127.0.0.1")
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
RECEIPT_CODE = re.compile(r'class="receipt-code">([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2})<')


# Helpers shared by the voting test files.


def signed_in_student(app: Flask, election: Election | None = None, **facts) -> tuple:
    """A browser signed in as a fresh student, on the election's roll when one is given."""
    student = make_student(code=CODE, **facts)
    if election is not None:
        enrol(election, student)
    browser = app.test_client()
    assert sign_in(browser, student.username, CODE).status_code == 302
    return browser, student


def candidate_id(position: Position, name: str) -> int:
    """A candidate's id by name."""
    return next(c.id for c in position.candidates if c.name == name)


def answers(*pairs: tuple[Position, object]) -> dict[str, object]:
    """The ballot form for (position, answer) pairs, as the page would send it.

    An answer is a candidate name (single), a list of names (multi), a list of names in
    rank order (ranked), "yes"/"no" (yesno), or "" for a blank vote.
    """
    form: dict[str, object] = {"position": [str(p.id) for p, _ in pairs]}
    for position, answer in pairs:
        if position.method == "ranked":
            ranked = list(answer)  # type: ignore[call-overload]
            for candidate in position.candidates:
                rank = ranked.index(candidate.name) + 1 if candidate.name in ranked else ""
                form[f"p{position.id}-r{candidate.id}"] = str(rank)
        elif position.method == "multi":
            form[f"p{position.id}"] = [str(candidate_id(position, n)) for n in answer]  # type: ignore[union-attr]
        elif position.method == "yesno" or answer == "":
            form[f"p{position.id}"] = answer
        else:
            form[f"p{position.id}"] = str(candidate_id(position, str(answer)))
    return form


def review(browser: FlaskClient, election: Election, form: dict):
    """Send the ballot to the review step."""
    return post_form(browser, f"/vote/{election.id}/review", form)


def carried_fields(review_page: str) -> MultiDict:
    """The hidden fields the review page carries to the cast, CSRF token included."""
    return MultiDict(HIDDEN_FIELD.findall(review_page.split('class="review"', 1)[1]))


def cast_through_pages(browser: FlaskClient, election: Election, form: dict) -> list[str]:
    """Ballot → review → cast → receipt, as a person clicks through; the receipt's codes."""
    checked = review(browser, election, form)
    assert checked.status_code == 200, checked.get_data(as_text=True)
    cast = browser.post(f"/vote/{election.id}/cast", data=carried_fields(checked.text))
    assert cast.status_code == 303, cast.get_data(as_text=True)
    assert cast.headers["Location"] == "/vote/receipt"
    receipt = browser.get("/vote/receipt")
    assert receipt.status_code == 200
    return RECEIPT_CODE.findall(receipt.text)


def ballots_written() -> int:
    """How many ballots the box holds."""
    return db.session.scalar(select(func.count()).select_from(Ballot))


def rejections() -> list[dict]:
    """The details of every logged rejected vote, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent.details)
            .where(AuditEvent.action == "vote-rejected")
            .order_by(AuditEvent.seq)
        )
    )


def assert_ballot_box_consistent(issued_codes: Iterable[str]) -> None:
    """Per position: participations == ballots == receipts issued, and every receipt is a ballot."""
    codes = list(issued_codes)
    assert len(codes) == len(set(codes)), "a tracking code was issued twice"
    box = dict(db.session.execute(select(Ballot.tracking_code, Ballot.position_id)).all())
    assert set(codes) == set(box), "receipts and ballots differ"
    participations = Counter(db.session.scalars(select(Participation.position_id)))
    assert Counter(box.values()) == participations


def council_election() -> Election:
    """An open election with a single-choice President and a yes/no question."""
    election = make_election(phase="open")
    make_position(election, title="President", candidates=("Әли", "Дана", "Максим"))
    make_position(election, title="Budget", method="yesno", candidates=("New sports hall",))
    return election


@pytest.fixture
def election(app) -> Election:
    """The council election of ``council_election``."""
    return council_election()


def positions_of(election: Election) -> list[Position]:
    """The election's positions in ballot order."""
    return list(db.session.get(Election, election.id).positions)


def freeze_clock(monkeypatch, moment: datetime) -> None:
    """Make the voting pages read this instant as now."""
    monkeypatch.setattr("elections.vote.views.utcnow", lambda: moment)


# The home page.


def test_home_lists_open_elections_and_where_the_student_voted(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    page = browser.get("/vote/").text
    assert "Council of Leaders 2026" in page
    assert page.count(">Not voted yet<") == 2
    assert f'href="/vote/{election.id}"' in page

    codes = cast_through_pages(browser, election, answers((president, "Дана"), (budget, "yes")))

    page = browser.get("/vote/").text
    assert page.count(">You have voted<") == 2
    assert "Not voted yet" not in page
    assert "You have voted in every position" in page
    assert_ballot_box_consistent(codes)


def test_home_hides_elections_the_student_is_not_on_the_roll_of(app, election):
    browser, _student = signed_in_student(app)  # not enrolled
    page = browser.get("/vote/").text
    assert "Council of Leaders 2026" not in page
    assert "There is no election open for you right now." in page


def test_home_announces_an_election_opening_soon_without_a_ballot(app):
    coming = make_election(title="Shanyrak captains", phase="campaign", opens_in=timedelta(days=2))
    make_position(coming, title="Captain", voter_grades=[10])
    make_election(title="Secret draft", phase="draft", opens_in=timedelta(days=2))
    other = make_election(title="Juniors only", phase="campaign", opens_in=timedelta(days=2))
    make_position(other, title="Captain", voter_grades=[7])
    browser, _student = signed_in_student(app, grade=10)
    page = browser.get("/vote/").text
    assert "Opening soon" in page
    assert "Shanyrak captains" in page
    assert "Secret draft" not in page
    assert "Juniors only" not in page
    assert f'href="/vote/{coming.id}"' not in page


def test_an_election_past_its_closing_time_is_not_listed(app, monkeypatch, election):
    browser, _student = signed_in_student(app, election)
    freeze_clock(monkeypatch, election.closes_at)
    assert "Council of Leaders 2026" not in browser.get("/vote/").text


# The whole journey.


def test_vote_review_cast_and_receipt(app, election):
    browser, student = signed_in_student(app, election)
    president, budget = positions_of(election)

    checked = review(browser, election, answers((president, "Максим"), (budget, "no")))
    page = checked.text
    assert "Check your ballot" in page
    assert "<strong>Максим</strong>" in page
    assert "<strong>No</strong>" in page
    assert ballots_written() == 0  # the review step writes nothing

    codes = cast_through_pages(browser, election, answers((president, "Максим"), (budget, "no")))
    assert len(codes) == 2
    stored = dict(db.session.execute(select(Ballot.position_id, Ballot.choices)).all())
    assert stored == {president.id: f"[{candidate_id(president, 'Максим')}]", budget.id: '["no"]'}
    assert set(db.session.scalars(select(Participation.student_id))) == {student.id}
    assert_ballot_box_consistent(codes)


def test_the_receipt_stays_while_the_student_is_on_it_and_is_never_cached(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    checked = review(browser, election, answers((president, "Әли"), (budget, "yes")))
    browser.post(f"/vote/{election.id}/cast", data=carried_fields(checked.text))
    first = browser.get("/vote/receipt")
    assert first.headers["Cache-Control"] == "no-store"
    codes = RECEIPT_CODE.findall(first.text)
    assert len(codes) == 2
    assert 'href="/board/"' in first.text  # where a student checks a code
    assert RECEIPT_CODE.findall(browser.get("/vote/receipt").text) == codes  # a reload
    # The browser's own requests and the page's keep-alive are not the student moving on.
    assert browser.get("/favicon.ico").status_code == 404
    assert browser.get("/session/alive").status_code == 200
    assert RECEIPT_CODE.findall(browser.get("/vote/receipt").text) == codes
    token = csrf_token(browser, "/vote/receipt")  # the switcher's own token, on the receipt
    form = {"csrf_token": token, "language": "kk", "next": "/vote/receipt"}
    switched = browser.post("/language", data=form)
    in_kazakh = browser.get(switched.headers["Location"])
    assert '<html lang="kk">' in in_kazakh.text
    assert RECEIPT_CODE.findall(in_kazakh.text) == codes  # a change of language keeps it
    assert not RECEIPT_CODE.findall(browser.get("/vote/").text)
    assert browser.get("/vote/receipt").status_code == 302  # gone once the student moved on
    assert_ballot_box_consistent(codes)


def test_a_ballot_sent_after_the_session_ended_comes_back_to_the_ballot(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    checked = review(browser, election, answers((president, "Әли"), (budget, "yes")))
    with browser.session_transaction() as stale:
        stale["_seen"] -= 24 * 3600  # idle far beyond the limit
    refused = browser.post(f"/vote/{election.id}/cast", data=carried_fields(checked.text))
    assert refused.status_code == 302
    target = refused.headers["Location"]
    assert f"next=/vote/{election.id}" in target.replace("%2F", "/")
    page = browser.get(target).text
    assert "Nothing was cast: your session ended first." in page
    assert_ballot_box_consistent([])


def test_the_receipt_is_never_logged_or_kept_beside_the_student(app, election, caplog):
    browser, student = signed_in_student(app, election)
    president, budget = positions_of(election)
    with caplog.at_level("DEBUG"):
        codes = cast_through_pages(browser, election, answers((president, "Әли"), (budget, "")))
    for code in codes:
        assert code not in caplog.text
    audit = " ".join(
        f"{e.object_id} {e.details}" for e in db.session.scalars(select(AuditEvent)).all()
    )
    for code in codes:
        assert code not in audit
    assert student.username not in str(db.session.execute(select(Ballot)).all())
    assert_ballot_box_consistent(codes)


def test_change_goes_back_to_the_ballot_with_the_choices_kept(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    checked = review(browser, election, answers((president, "Дана"), (budget, "no")))
    back = browser.post(f"/vote/{election.id}", data=carried_fields(checked.text))
    page = back.text
    assert back.status_code == 200
    dana = candidate_id(president, "Дана")
    assert f'value="{dana}" checked' in page
    assert 'value="no" checked' in page
    assert ballots_written() == 0


# Refusals: who, when, and what.


def test_a_student_not_on_the_roll_is_refused_and_logged(app, election):
    browser, _student = signed_in_student(app)
    president, budget = positions_of(election)
    assert browser.get(f"/vote/{election.id}").status_code == 403
    refused = post_form(
        browser, f"/vote/{election.id}/cast", answers((president, "Әли"), (budget, "yes"))
    )
    assert refused.status_code == 403
    assert "not on the list of voters" in refused.text
    assert ballots_written() == 0
    assert rejections() == [{"reason": "not-eligible"}]
    assert_ballot_box_consistent([])


def test_a_position_the_student_may_not_vote_in_is_neither_shown_nor_taken(app):
    election = make_election(phase="open")
    president = make_position(election, title="President")
    seniors = make_position(election, title="Seniors' rep", voter_grades=[11])
    browser, _student = signed_in_student(app, election, grade=10)
    page = browser.get(f"/vote/{election.id}").text
    assert "President" in page
    assert "Seniors&#39; rep" not in page
    assert "Seniors' rep" not in page

    forged = answers((president, "Әли"), (seniors, "Дана"))
    refused = post_form(browser, f"/vote/{election.id}/cast", forged)
    assert refused.status_code == 403
    assert ballots_written() == 0
    assert rejections() == [{"reason": "not-eligible"}]
    assert_ballot_box_consistent([])


@pytest.mark.parametrize(
    ("phase", "opens_in", "status", "message"),
    [
        ("draft", timedelta(days=1), 409, "has not started yet"),
        ("campaign", timedelta(days=1), 409, "Voting opens on"),
        ("silence", timedelta(hours=2), 409, "has not started yet"),
        ("closed", timedelta(days=-2), 409, "Voting in this election is closed."),
        ("published", timedelta(days=-2), 409, "Voting in this election is closed."),
    ],
)
def test_no_ballot_outside_the_voting_phase(app, phase, opens_in, status, message):
    election = make_election(phase=phase, opens_in=opens_in)
    president = make_position(election, title="President")
    browser, _student = signed_in_student(app, election)
    shown = browser.get(f"/vote/{election.id}")
    assert shown.status_code == status
    assert message in shown.text
    assert 'name="p' not in shown.text
    refused = post_form(browser, f"/vote/{election.id}/cast", answers((president, "Әли")))
    assert refused.status_code == status
    assert message in refused.text
    assert ballots_written() == 0
    assert len(rejections()) == 1
    assert_ballot_box_consistent([])


def test_one_second_before_closing_is_in_time_and_closing_time_is_not(app, monkeypatch):
    election = make_election(phase="open")
    president = make_position(election, title="President")
    closes = db.session.get(Election, election.id).closes_at
    early, _ = signed_in_student(app, election)
    late, _ = signed_in_student(app, election)

    freeze_clock(monkeypatch, closes - timedelta(seconds=1))
    codes = cast_through_pages(early, election, answers((president, "Дана")))
    assert len(codes) == 1

    freeze_clock(monkeypatch, closes)
    refused = post_form(late, f"/vote/{election.id}/cast", answers((president, "Дана")))
    assert refused.status_code == 409
    assert "Voting in this election is closed." in refused.text
    assert rejections() == [{"reason": "voting-closed"}]
    assert ballots_written() == 1
    assert_ballot_box_consistent(codes)


def test_a_ballot_reviewed_before_closing_and_cast_after_is_refused(app, monkeypatch):
    election = make_election(phase="open")
    president = make_position(election, title="President")
    closes = db.session.get(Election, election.id).closes_at
    browser, _ = signed_in_student(app, election)
    freeze_clock(monkeypatch, closes - timedelta(seconds=30))
    checked = review(browser, election, answers((president, "Дана")))
    assert checked.status_code == 200
    freeze_clock(monkeypatch, closes + timedelta(seconds=1))
    refused = browser.post(f"/vote/{election.id}/cast", data=carried_fields(checked.text))
    assert refused.status_code == 409
    assert ballots_written() == 0
    assert_ballot_box_consistent([])


def test_an_unknown_election_is_not_found(app, election):
    browser, _student = signed_in_student(app, election)
    assert browser.get("/vote/9999").status_code == 404
    assert post_form(browser, "/vote/9999/cast", {"position": "1", "p1": "1"}).status_code == 404
    assert rejections() == [{"reason": "unknown-election"}]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda p, other: {f"p{p.id}": "999999"}, id="unknown-candidate-id"),
        pytest.param(
            lambda p, other: {f"p{p.id}": str(other.id)}, id="another-positions-candidate"
        ),
        pytest.param(lambda p, other: {f"p{p.id}": "1 OR 1=1"}, id="not-a-number"),
        pytest.param(lambda p, other: {f"p{p.id}": ["1", "2"]}, id="two-radio-values"),
    ],
)
def test_forged_candidate_ids_are_refused_and_logged(app, election, forge):
    president, budget = positions_of(election)
    other = make_position(election, title="Secretary", candidates=("Other",)).candidates[0]
    browser, _student = signed_in_student(app, election)
    form = answers((president, "Әли"), (budget, "yes"))
    form.update(forge(president, other))
    refused = post_form(browser, f"/vote/{election.id}/cast", form)
    assert refused.status_code == 400
    assert "Please check your ballot" in refused.text
    assert ballots_written() == 0
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 0
    [logged] = rejections()
    assert logged["reason"] in {"unknown-candidate", "bad-value"}
    assert_ballot_box_consistent([])


@pytest.mark.parametrize(
    "positions",
    [
        pytest.param(lambda own, foreign: [str(foreign.id)], id="another-elections-position"),
        pytest.param(lambda own, foreign: ["abc"], id="position-not-a-number"),
        pytest.param(lambda own, foreign: [], id="no-position"),
    ],
)
def test_forged_positions_are_refused_and_logged(app, election, positions):
    president, _budget = positions_of(election)
    elsewhere = make_election(title="Another school", phase="open")
    foreign = make_position(elsewhere, title="President")
    browser, _student = signed_in_student(app, election)
    enrol(elsewhere, db.session.get(User, _student.id))
    form = {"position": positions(president, foreign), f"p{foreign.id}": "1"}
    refused = post_form(browser, f"/vote/{election.id}/cast", form)
    assert refused.status_code == 409
    assert ballots_written() == 0
    assert rejections()[0]["reason"] in {"unknown-position", "nothing-submitted"}
    assert_ballot_box_consistent([])


def test_planted_fields_change_nothing(app, election):
    """The election comes from the address and the voter from the session, whatever is sent."""
    victim = make_student(code=None)
    enrol(election, victim)
    elsewhere = make_election(title="Another", phase="open")
    make_position(elsewhere, title="President")
    browser, student = signed_in_student(app, election)
    president, budget = positions_of(election)
    form = answers((president, "Дана"), (budget, "yes"))
    form |= {
        "student_id": str(victim.id),
        "user_id": str(victim.id),
        "election_id": str(elsewhere.id),
        "role": "committee",
        "now": "2000-01-01T00:00:00",
        "tracking_code": "AAAA-AAAA-AA",
    }
    checked = review(browser, election, form)
    for planted in ("student_id", "election_id", "role", "tracking_code"):
        assert f'name="{planted}"' not in checked.text
    codes = cast_through_pages(browser, election, form)
    voters = set(db.session.scalars(select(Participation.student_id)))
    assert voters == {student.id}
    assert "AAAA-AAAA-AA" not in codes
    assert set(db.session.scalars(select(Ballot.position_id))) == {president.id, budget.id}
    assert_ballot_box_consistent(codes)


def test_a_cast_without_the_csrf_token_is_refused_and_logged(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    refused = browser.post(
        f"/vote/{election.id}/cast", data=answers((president, "Әли"), (budget, "yes"))
    )
    assert refused.status_code == 400
    assert "expired or did not come from this site" in refused.text
    forged = browser.post(
        f"/vote/{election.id}/cast",
        data={"csrf_token": "forged", **answers((president, "Әли"), (budget, "yes"))},
    )
    assert forged.status_code == 400
    assert ballots_written() == 0
    assert rejections() == [{"reason": "expired-form"}, {"reason": "expired-form"}]
    assert_ballot_box_consistent([])


@pytest.mark.parametrize("role", ["committee", "auditor", "admin"])
def test_staff_cannot_cast(app, staff_client, election, role):
    browser, _user = staff_client(role)
    president, budget = positions_of(election)
    form = answers((president, "Әли"), (budget, "yes"))
    assert post_form(browser, f"/vote/{election.id}/cast", form).status_code == 403
    assert browser.get(f"/vote/{election.id}").status_code == 403
    assert ballots_written() == 0


def test_anonymous_visitors_cannot_reach_a_ballot(app, client, election):
    assert client.get(f"/vote/{election.id}").status_code == 302
    assert client.get("/vote/receipt").status_code == 302


def test_rejected_votes_are_logged_without_their_choices(app, election):
    browser, _student = signed_in_student(app, election)
    president, _budget = positions_of(election)
    post_form(browser, f"/vote/{election.id}/cast", answers((president, "Дана")) | {"p9": "7"})
    post_form(browser, f"/vote/{election.id}/cast", {"position": str(president.id), "p1": "x"})
    dana = str(candidate_id(president, "Дана"))
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "vote-rejected")):
        assert set(event.details) == {"reason"}
        assert dana not in event.details["reason"]
        assert "Дана" not in str(event.details)


def test_the_vote_is_audited_without_choice_or_code(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    codes = cast_through_pages(browser, election, answers((president, "Дана"), (budget, "no")))
    [voted] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "voted")).all()
    assert voted.details == {}
    assert voted.object_id == str(election.id)
    dana = str(candidate_id(president, "Дана"))
    text = f"{voted.object_id} {voted.details}"
    assert dana not in voted.details
    for code in codes:
        assert code not in text
    assert_ballot_box_consistent(codes)


def test_withdrawn_candidates_are_not_on_the_ballot_and_cannot_be_chosen(app, election):
    president, budget = positions_of(election)
    withdrawn = db.session.get(Candidate, candidate_id(president, "Максим"))
    withdrawn.status = "withdrawn"
    db.session.commit()
    browser, _student = signed_in_student(app, election)
    assert "Максим" not in browser.get(f"/vote/{election.id}").text
    refused = review(browser, election, answers((president, "Максим"), (budget, "yes")))
    assert refused.status_code == 400
    assert ballots_written() == 0


def test_the_pages_keep_to_the_content_security_policy(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    pages = [
        browser.get("/vote/").text,
        browser.get(f"/vote/{election.id}").text,
        review(browser, election, answers((president, "Дана"), (budget, "yes"))).text,
        review(browser, election, answers((president, "Дана"))).text,
    ]
    for page in pages:
        assert "style=" not in page
        assert "<style" not in page
        assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
        assert "onclick" not in page


def test_a_ballot_from_yesterday_is_still_refused_when_the_election_closed_early(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    checked = review(browser, election, answers((president, "Дана"), (budget, "yes")))
    stored = db.session.get(Election, election.id)
    stored.phase = "closed"
    stored.closed_at = datetime.now(UTC)
    db.session.commit()
    refused = browser.post(f"/vote/{election.id}/cast", data=carried_fields(checked.text))
    assert refused.status_code == 409
    assert ballots_written() == 0
    assert rejections() == [{"reason": "voting-closed"}]
