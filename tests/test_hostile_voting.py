"""Hostile ballots: votes by GET, forged and broken choices, the wrong election, random forms.

A refused ballot writes nothing but its audit line (the reason, never the choices), and a
property-based test throws random submissions at review and cast, checking after each one
that every position's participations equal its ballots and every receipt is one ballot.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from elections.extensions import db
from elections.models import Ballot, Election, Participation, Position
from tests.conftest import csrf_token, make_election, make_position, post_form
from tests.test_hostile_factories import audit_actions, row_counts
from tests.test_voting import (
    RECEIPT_CODE,
    answers,
    assert_ballot_box_consistent,
    ballots_written,
    candidate_id,
    rejections,
    signed_in_student,
)


def participations() -> int:
    """How many (position, student) participations are recorded."""
    return db.session.scalar(select(func.count()).select_from(Participation)) or 0


@pytest.fixture
def election(app) -> Election:
    """An open election with every method, plus a position only grade 11 may vote in."""
    election = make_election(phase="open")
    make_position(election, title="President", candidates=("Әли", "Дана", "Максим"))
    make_position(
        election, title="Council", method="multi", seats=2, candidates=("A", "B", "C", "D")
    )
    make_position(election, title="Captain", method="ranked", candidates=("X", "Y", "Z"))
    make_position(election, title="Budget", method="yesno", candidates=("New hall",))
    make_position(election, title="Seniors", candidates=("Senior",), voter_grades=[11])
    return election


def position(election: Election, title: str) -> Position:
    """One of the election's positions by title."""
    return db.session.scalar(
        select(Position).where(Position.election_id == election.id, Position.title == title)
    )


def refused_cast(browser, election: Election, form: dict, status: int, reason: str) -> None:
    """Cast a hostile form: refused with this status and reason, nothing but the log written."""
    before = row_counts()
    response = post_form(browser, f"/vote/{election.id}/cast", form)
    assert response.status_code == status, response.text
    assert ballots_written() == 0
    assert participations() == 0
    after = row_counts()
    assert {t: n - before[t] for t, n in after.items() if n != before[t]} == {"audit_event": 1}
    assert rejections()[-1] == {"reason": reason}


# 2. A vote by GET changes nothing.


def test_a_vote_by_get_changes_nothing(app, election):
    browser, _student = signed_in_student(app, election)
    president = position(election, "President")
    query = answers((president, "Дана"))
    before = row_counts()
    assert browser.get(f"/vote/{election.id}/cast", query_string=query).status_code == 405
    assert browser.get(f"/vote/{election.id}/review", query_string=query).status_code == 405
    shown = browser.get(f"/vote/{election.id}", query_string=query)
    assert shown.status_code == 200
    assert "checked" not in shown.text.split('name="p' + str(president.id), 1)[1].split(">", 1)[0]
    assert row_counts() == before


# 3. Forged and broken choices.


@pytest.mark.parametrize(
    ("title", "forge", "reason"),
    [
        ("President", lambda p, other: {f"p{p.id}": "999999"}, "unknown-candidate"),
        ("President", lambda p, other: {f"p{p.id}": str(other)}, "unknown-candidate"),
        ("President", lambda p, other: {f"p{p.id}": "-1"}, "bad-value"),
        ("President", lambda p, other: {f"p{p.id}": "1e3"}, "bad-value"),
        ("President", lambda p, other: {f"p{p.id}": "٣"}, "bad-value"),
        ("President", lambda p, other: {f"p{p.id}": "9" * 40}, "bad-value"),
        (
            "Council",
            lambda p, other: {f"p{p.id}": [_id(p, "A"), _id(p, "A")]},
            "duplicate-candidate",
        ),
        ("Council", lambda p, other: {f"p{p.id}": [_id(p, n) for n in "ABC"]}, "too-many"),
        ("Council", lambda p, other: {f"p{p.id}": [_id(p, "A"), str(other)]}, "unknown-candidate"),
        ("Captain", lambda p, other: _ranks(p, X="1", Y="1"), "duplicate-rank"),
        ("Captain", lambda p, other: _ranks(p, X="1", Y="3"), "missing-rank"),
        ("Captain", lambda p, other: _ranks(p, X="2"), "missing-rank"),
        ("Captain", lambda p, other: _ranks(p, X="0"), "bad-rank"),
        ("Captain", lambda p, other: _ranks(p, X="4"), "bad-rank"),
        ("Captain", lambda p, other: _ranks(p, X="1.5"), "bad-rank"),
        ("Captain", lambda p, other: {f"p{p.id}-r{other}": "1"}, "unknown-candidate"),
        ("Budget", lambda p, other: {f"p{p.id}": "maybe"}, "bad-value"),
        ("Budget", lambda p, other: {f"p{p.id}": ["yes", "no"]}, "bad-value"),
    ],
)
def test_forged_and_broken_choices_are_refused_and_logged(app, election, title, forge, reason):
    browser, _student = signed_in_student(app, election)
    target = position(election, title)
    other = candidate_id(position(election, "President" if title != "President" else "Council"),
                         "Дана" if title != "President" else "A")  # fmt: skip
    form = {"position": [str(target.id)], **forge(target, other)}
    refused_cast(browser, election, form, 400, reason)
    # The review step refuses the same form, showing the ballot again, and logs nothing.
    before = row_counts()
    again = post_form(browser, f"/vote/{election.id}/review", form)
    assert again.status_code == 400
    assert "Please check your ballot" in again.text
    assert row_counts() == before


def _id(p: Position, name: str) -> str:
    """A candidate's id as a form sends it."""
    return str(candidate_id(p, name))


def _ranks(p: Position, **given: str) -> dict[str, str]:
    """Rank fields for a ranked position: the given ranks by name, the rest empty."""
    return {f"p{p.id}-r{c.id}": given.get(c.name, "") for c in p.candidates}


def test_one_bad_position_refuses_the_whole_ballot(app, election):
    browser, _student = signed_in_student(app, election)
    president, budget = position(election, "President"), position(election, "Budget")
    form = answers((president, "Дана"), (budget, "yes")) | {f"p{budget.id}": "perhaps"}
    refused_cast(browser, election, form, 400, "bad-value")


# 4. The wrong election, phase or position.


@pytest.mark.parametrize(
    ("phase", "opens_in", "reason"),
    [
        ("draft", timedelta(days=2), "voting-not-open-yet"),
        ("campaign", timedelta(days=2), "voting-not-open-yet"),
        ("silence", timedelta(hours=3), "voting-not-open-yet"),
        ("closed", timedelta(days=-2), "voting-closed"),
        ("published", timedelta(days=-3), "voting-closed"),
    ],
)
def test_no_ballot_outside_voting(app, phase, opens_in, reason):
    shut = make_election(phase=phase, opens_in=opens_in)
    president = make_position(shut, title="President")
    browser, _student = signed_in_student(app, shut)
    refused_cast(browser, shut, answers((president, "Әли")), 409, reason)


def test_no_ballot_after_the_closing_time_even_if_still_marked_open(app):
    late = make_election(phase="open", opens_in=timedelta(days=-2), lasts=timedelta(days=1))
    president = make_position(late, title="President")
    browser, _student = signed_in_student(app, late)
    refused_cast(browser, late, answers((president, "Әли")), 409, "voting-closed")


def test_no_ballot_for_a_position_the_student_may_not_vote_in(app, election):
    browser, _student = signed_in_student(app, election)  # grade 10
    seniors, president = position(election, "Seniors"), position(election, "President")
    refused_cast(browser, election, answers((seniors, "Senior")), 403, "not-eligible")
    both = answers((president, "Дана"), (seniors, "Senior"))
    refused_cast(browser, election, both, 403, "not-eligible")


def test_no_ballot_for_a_student_not_on_the_frozen_roll(app, election):
    browser, _student = signed_in_student(app)  # signed in, never enrolled
    refused_cast(
        browser, election, answers((position(election, "President"), "Дана")), 403, "not-eligible"
    )


def test_a_position_of_another_election_is_refused(app, election):
    other = make_election(title="Other", phase="open")
    foreign = make_position(other, title="Foreign")
    browser, _student = signed_in_student(app, election)
    form = {"position": [str(foreign.id)], f"p{foreign.id}": _id(foreign, "Әли")}
    refused_cast(browser, election, form, 409, "unknown-position")


def test_the_same_position_twice_is_refused(app, election):
    browser, _student = signed_in_student(app, election)
    president = position(election, "President")
    codes = post_form(browser, f"/vote/{election.id}/cast", answers((president, "Дана")))
    assert codes.status_code == 303
    again = post_form(browser, f"/vote/{election.id}/cast", answers((president, "Әли")))
    assert again.status_code == 409
    assert rejections() == [{"reason": "already-voted"}]
    assert ballots_written() == participations() == 1


# 15. Random submissions never break the ballot box.

FIELD_NAMES = st.one_of(
    st.sampled_from(["position", "student_id", "election_id", "role", "csrf_token"]),
    st.builds(lambda p: f"p{p}", st.integers(-2, 12)),
    st.builds(lambda p, c: f"p{p}-r{c}", st.integers(0, 12), st.integers(0, 40)),
    st.text(max_size=8),
)
FIELD_VALUES = st.one_of(
    st.integers(-3, 40).map(str),
    st.sampled_from(["", "yes", "no", "1e3", "٣", " 1", "1 OR 1=1", "9" * 30]),
    st.text(max_size=12),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    voter=st.integers(0, 3),
    step=st.sampled_from(["review", "cast", "cast", "cast-valid"]),
    fields=st.lists(st.tuples(FIELD_NAMES, FIELD_VALUES), max_size=12),
    positions=st.lists(st.integers(0, 12), max_size=4),
)
def test_random_submissions_never_break_the_ballot_box(app, voters, voter, step, fields, positions):
    election, browsers, issued = voters
    browser, token = browsers[voter]
    ids = [p.id for p in db.session.get(Election, election.id).positions]
    form: list[tuple[str, str]] = [
        ("position", str(ids[i] if i < len(ids) else i)) for i in positions
    ]
    form += fields
    if step == "cast-valid" and not positions:
        form += [("position", str(ids[0])), (f"p{ids[0]}", "")]  # a blank vote for President
    form = [(name, value) for name, value in form if name != "csrf_token"] + [("csrf_token", token)]
    url = f"/vote/{election.id}/{'review' if step == 'review' else 'cast'}"
    response = browser.post(url, data=MultiDict(form))
    assert response.status_code in (200, 303, 400, 403, 404, 409), response.status_code
    if response.status_code == 303:
        receipt = browser.get("/vote/receipt")
        issued.extend(RECEIPT_CODE.findall(receipt.text))
    assert "Something went wrong" not in response.text
    assert_ballot_box_consistent(issued)
    per_position = Counter(db.session.scalars(select(Participation.position_id)))
    assert per_position == Counter(db.session.scalars(select(Ballot.position_id)))
    assert all(count <= len(browsers) for count in per_position.values())


@pytest.fixture
def voters(app, election):
    """Four signed-in students on the election's roll, each with a CSRF token, and receipts."""
    browsers = []
    for _ in range(4):
        browser, _student = signed_in_student(app, election)
        browsers.append((browser, csrf_token(browser, "/vote/")))
    return election, browsers, []


def test_the_random_test_can_cast(app, voters):
    """The property test's valid path really casts (so it checks something)."""
    election, browsers, _issued = voters
    browser, token = browsers[0]
    president = db.session.get(Election, election.id).positions[0]
    response = browser.post(
        f"/vote/{election.id}/cast",
        data={"csrf_token": token, "position": str(president.id), f"p{president.id}": ""},
    )
    assert response.status_code == 303
    assert re.fullmatch(r"/vote/receipt", response.headers["Location"])
    assert "voted" in audit_actions()
