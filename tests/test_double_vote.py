"""One ballot per student and position: replays, double clicks, two tabs, and real races."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from elections.domain.errors import DomainError
from elections.extensions import db
from elections.models import Ballot, Election, Participation, User
from elections.operations.voting import VoteReason, VoteRefused, cast_ballots
from tests.conftest import make_election, make_position, make_student, post_form
from tests.test_voting import (
    RECEIPT_CODE,
    VOTER,
    answers,
    assert_ballot_box_consistent,
    ballots_written,
    candidate_id,
    carried_fields,
    cast_through_pages,
    council_election,
    enrol,
    positions_of,
    rejections,
    review,
    signed_in_student,
)

ALREADY = "You have already voted."


@pytest.fixture
def election(app) -> Election:
    """An open election with a President and a yes/no question."""
    return council_election()


def test_a_replayed_cast_is_refused_and_writes_nothing(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    checked = review(browser, election, answers((president, "Дана"), (budget, "yes")))
    fields = carried_fields(checked.text)
    first = browser.post(f"/vote/{election.id}/cast", data=fields)
    codes = RECEIPT_CODE.findall(browser.get(first.headers["Location"]).text)

    replay = browser.post(f"/vote/{election.id}/cast", data=fields)

    assert replay.status_code == 409
    assert ALREADY in replay.text
    assert "Where you have voted: President, Budget." in replay.text
    assert ballots_written() == 2
    assert rejections() == [{"reason": "already-voted"}]
    assert_ballot_box_consistent(codes)


def test_a_double_click_casts_once(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    checked = review(browser, election, answers((president, "Әли"), (budget, "no")))
    fields = carried_fields(checked.text)
    responses = [browser.post(f"/vote/{election.id}/cast", data=fields) for _ in range(2)]
    assert [r.status_code for r in responses] == [303, 409]
    # Without JavaScript the browser shows the second click's answer: it leads to the first's.
    assert '<a class="button primary" href="/vote/receipt">Show my receipt</a>' in responses[1].text
    codes = RECEIPT_CODE.findall(browser.get("/vote/receipt").text)
    assert len(codes) == 2
    assert_ballot_box_consistent(codes)


def test_a_second_tab_cannot_vote_again(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    tab_one = review(browser, election, answers((president, "Әли"), (budget, "no")))
    tab_two = review(browser, election, answers((president, "Дана"), (budget, "yes")))
    browser.post(f"/vote/{election.id}/cast", data=carried_fields(tab_one.text))
    codes = RECEIPT_CODE.findall(browser.get("/vote/receipt").text)

    second = browser.post(f"/vote/{election.id}/cast", data=carried_fields(tab_two.text))

    assert second.status_code == 409
    assert ALREADY in second.text
    assert sorted(db.session.scalars(select(Ballot.choices))) == sorted(
        [f"[{candidate_id(president, 'Әли')}]", '["no"]']
    )
    assert_ballot_box_consistent(codes)


def test_the_ballot_page_after_voting_sends_the_student_home(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = positions_of(election)
    codes = cast_through_pages(browser, election, answers((president, "Дана"), (budget, "yes")))
    again = browser.get(f"/vote/{election.id}")
    assert again.status_code == 302
    assert "already voted in every position" in browser.get(again.headers["Location"]).text
    assert post_form(browser, f"/vote/{election.id}/review", answers((president, "Әли")))
    assert ballots_written() == 2
    assert_ballot_box_consistent(codes)


def test_a_vote_in_one_position_leaves_only_the_others_on_the_ballot(app, election):
    browser, student = signed_in_student(app, election)
    president, budget = positions_of(election)
    [receipt] = cast_ballots(
        VOTER, student, election.id, {president.id: (president.candidates[0].id,)}, _now()
    )
    page = browser.get(f"/vote/{election.id}").text
    assert f'name="p{budget.id}"' in page
    assert f'name="p{president.id}"' not in page
    refused = post_form(
        browser, f"/vote/{election.id}/cast", answers((president, "Дана"), (budget, "yes"))
    )
    assert refused.status_code == 409
    assert "Where you have voted: President." in refused.text
    assert ballots_written() == 1  # all or nothing: the budget ballot was not written either
    codes = cast_through_pages(browser, election, answers((budget, "yes")))
    assert_ballot_box_consistent([receipt.tracking_code, *codes])


def _now() -> datetime:
    """The real clock, for casting straight through the operation."""
    return datetime.now(UTC)


def _race(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released together; each result or raised error."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # collected for the test to judge
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_concurrent_casts_by_one_student_write_one_ballot(app):
    poll = make_election(phase="open")
    position = make_position(poll, title="President")
    student = make_student(code=None)
    enrol(poll, student)
    election_id, position_id, student_id = poll.id, position.id, student.id
    choice = (position.candidates[0].id,)
    db.session.commit()
    db.session.close()  # the test holds no transaction the threads would wait on

    def cast(_index: int):
        with app.app_context():
            voter = db.session.get(User, student_id)
            return cast_ballots(VOTER, voter, election_id, {position_id: choice}, _now())

    results = _race(8, cast)

    receipts = [r for r in results if isinstance(r, list)]
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert len(receipts) == 1, results
    assert len(refusals) == 7, results
    assert all(isinstance(r, VoteRefused) for r in refusals)
    assert {r.reason for r in refusals} == {VoteReason.already_voted}
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 1
    assert ballots_written() == 1
    assert_ballot_box_consistent([r.tracking_code for r in receipts[0]])


def test_many_students_racing_twice_each_get_one_ballot_each(app):
    poll = make_election(phase="open")
    president = make_position(poll, title="President")
    budget = make_position(poll, title="Budget", method="yesno")
    students = [make_student(code=None) for _ in range(6)]
    enrol(poll, *students)
    ids = [s.id for s in students]
    election_id = poll.id
    choices = {president.id: (president.candidates[1].id,), budget.id: ("yes",)}
    db.session.commit()
    db.session.close()

    def cast(index: int):
        with app.app_context():
            voter = db.session.get(User, ids[index % len(ids)])
            return cast_ballots(VOTER, voter, election_id, choices, _now())

    results = _race(2 * len(ids), cast)

    receipts = [r for r in results if isinstance(r, list)]
    assert len(receipts) == len(ids), results
    assert all(isinstance(r, VoteRefused) for r in results if not isinstance(r, list))
    per_student = Counter(db.session.scalars(select(Participation.student_id)))
    assert per_student == dict.fromkeys(ids, 2)
    assert_ballot_box_consistent(r.tracking_code for batch in receipts for r in batch)


def test_two_browsers_racing_through_the_pages_cast_once(app, election):
    president, budget = positions_of(election)
    first, student = signed_in_student(app, election)
    browsers = [first]
    for _ in range(3):  # the same student signed in on three more devices
        other = app.test_client()
        post_form(other, "/sign-in", {"username": student.username, "secret": "ABCD-EFGH"})
        browsers.append(other)
    forms = [
        carried_fields(review(b, election, answers((president, "Дана"), (budget, "no"))).text)
        for b in browsers
    ]
    election_id = election.id
    db.session.commit()
    db.session.close()

    def cast(index: int):
        with app.app_context():
            return browsers[index].post(f"/vote/{election_id}/cast", data=forms[index])

    responses = _race(len(browsers), cast)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303, 409, 409, 409], statuses
    winner = browsers[[r.status_code for r in responses].index(303)]
    codes = RECEIPT_CODE.findall(winner.get("/vote/receipt").text)
    assert len(codes) == 2
    assert [r["reason"] for r in rejections()] == ["already-voted"] * 3
    assert_ballot_box_consistent(codes)


def test_refused_racers_leave_no_half_written_ballot(app):
    """A racer that loses on the participation key must not leave its ballot row behind."""
    poll = make_election(phase="open")
    president = make_position(poll, title="President")
    budget = make_position(poll, title="Budget", method="yesno")
    student = make_student(code=None)
    enrol(poll, student)
    sid, eid = student.id, poll.id
    choices = {president.id: (), budget.id: ("no",)}
    db.session.commit()
    db.session.close()

    def cast(_index: int):
        with app.app_context():
            return cast_ballots(VOTER, db.session.get(User, sid), eid, choices, _now())

    results = _race(3, cast)
    receipts = [r for r in results if isinstance(r, list)]
    assert len(receipts) == 1
    assert ballots_written() == 2
    assert_ballot_box_consistent(r.tracking_code for r in receipts[0])
