"""The committee builds an election: details in school time, positions, rules, and the freeze."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from elections.domain.errors import LifecycleReason, LifecycleRefusal
from elections.extensions import db
from elections.models import AuditEvent, Election, Position
from elections.operations import positions as ops
from elections.operations.audit_log import Actor
from tests.conftest import make_election, make_position, make_student, post_form

ACTOR = Actor("committee1", "committee")
POSITION_FORM = {
    "title": "President",
    "method": "ranked",
    "seats": "1",
    "threshold_percent": "50",
    "allow_blank": "y",
    "voter_grades": "8-11",
    "candidate_grades": "10, 11",
}


def audit_actions() -> list[str]:
    """Every audit action but signing in, oldest first."""
    query = select(AuditEvent.action).where(AuditEvent.action != "sign-in")
    return list(db.session.scalars(query.order_by(AuditEvent.seq)))


def test_an_election_is_created_in_school_time_and_stored_in_utc(app, staff_client):
    browser, _user = staff_client("committee")
    response = post_form(
        browser,
        "/committee/elections/new",
        {
            "title": "Council of Leaders 2031",
            "description": "Spring election",
            "opens_at": "2031-03-03T09:00",
            "closes_at": "2031-03-03T17:30",
        },
    )
    assert response.status_code == 302
    election = db.session.scalars(select(Election)).one()
    # Asia/Almaty is UTC+5: nine in the morning at school is four in UTC.
    assert election.opens_at == datetime(2031, 3, 3, 4, 0, tzinfo=UTC)
    assert election.closes_at == datetime(2031, 3, 3, 12, 30, tzinfo=UTC)
    assert (election.phase, election.scheduled) == ("draft", False)
    assert election.nomination_starts is None
    assert election.appeals_end is None
    assert audit_actions() == ["election-created"]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Council of Leaders 2031" in page
    edit = browser.get(f"/committee/elections/{election.id}/edit").get_data(as_text=True)
    assert 'value="2031-03-03T09:00"' in edit


def test_closing_before_opening_is_a_form_error(app, staff_client):
    browser, _user = staff_client("committee")
    response = post_form(
        browser,
        "/committee/elections/new",
        {"title": "Backwards", "opens_at": "2031-03-03T17:00", "closes_at": "2031-03-03T09:00"},
    )
    assert response.status_code == 200
    assert "Voting must close after it opens." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Election)) == 0


def test_changing_the_dates_of_a_confirmed_draft_asks_for_confirmation_again(app, staff_client):
    browser, _user = staff_client("committee")
    election = make_election(opens_in=timedelta(days=2))
    election.scheduled = True
    db.session.commit()
    response = post_form(
        browser,
        f"/committee/elections/{election.id}/edit",
        {"title": election.title, "opens_at": "2031-04-01T09:00", "closes_at": "2031-04-01T15:00"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Election, election.id).scheduled
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "election-updated")
    ).one()
    assert entry.details["scheduled"] is False
    assert entry.details["opens_at"] == "2031-04-01T04:00:00+00:00"


def test_a_draft_can_be_deleted_but_an_open_election_cannot(app, staff_client):
    browser, _user = staff_client("committee")
    draft = make_election(title="Draft")
    running = make_election(title="Running", phase="open")
    assert post_form(browser, f"/committee/elections/{draft.id}/delete").status_code == 302
    refused = post_form(browser, f"/committee/elections/{running.id}/delete")
    assert refused.status_code == 409
    assert [e.title for e in db.session.scalars(select(Election))] == ["Running"]
    assert audit_actions() == ["election-deleted"]


def test_a_position_with_rules_typed_by_the_committee(app, staff_client):
    browser, _user = staff_client("committee")
    election = make_election(opens_in=timedelta(days=1))
    response = post_form(
        browser,
        f"/committee/elections/{election.id}/positions/new",
        POSITION_FORM | {"voter_classes": "10a, 11 Б", "shuffle_candidates": "y"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    position = db.session.scalars(select(Position)).one()
    assert (position.method, position.seats, position.allow_blank) == ("ranked", 1, True)
    assert position.shuffle_candidates
    assert position.voter_grades == [8, 9, 10, 11]
    assert position.voter_classes == ["10a", "11 Б"]
    assert position.candidate_grades == [10, 11]
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "position-created")
    ).one()
    assert entry.details["voter_grades"] == [8, 9, 10, 11]
    page = browser.get(f"/committee/elections/{election.id}").get_data(as_text=True)
    assert "grades 8–11" in page
    form = browser.get(f"/committee/positions/{position.id}/edit").get_data(as_text=True)
    assert 'value="8-11"' in form


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("voter_grades", "8-13", "Grades are numbers from 1 to 12"),
        ("voter_grades", "11-8", "A range of grades must go up"),
        ("candidate_grades", "eight", "Grades are numbers from 1 to 12"),
        ("voter_shanyraks", "Алтай; <script>", "Names may contain letters"),
        ("seats", "2", "Single choice and yes/no positions have one seat."),
    ],
)
def test_unreadable_rules_are_form_errors(app, staff_client, field, value, message):
    browser, _user = staff_client("committee")
    election = make_election(opens_in=timedelta(days=1))
    data = POSITION_FORM | {"method": "single", field: value}
    response = post_form(browser, f"/committee/elections/{election.id}/positions/new", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Position)) == 0


def test_one_leader_position_per_shanyrak(app, staff_client):
    browser, _user = staff_client("committee")
    for number, shanyrak in (("1", "Алтай"), ("2", "Арал"), ("3", "Алтай"), ("4", "Жетісу")):
        make_student(number=number, shanyrak=shanyrak)
    make_student(number="5", shanyrak="Ұлытау", active=False)
    election = make_election(opens_in=timedelta(days=1))
    url = f"/committee/elections/{election.id}/positions/per-shanyrak"
    assert post_form(browser, url).status_code == 302
    positions = db.session.scalars(select(Position).order_by(Position.sort_order)).all()
    assert [(p.title, p.voter_shanyraks, p.candidate_shanyraks) for p in positions] == [
        ("Leader of Алтай", ["Алтай"], ["Алтай"]),
        ("Leader of Арал", ["Арал"], ["Арал"]),
        ("Leader of Жетісу", ["Жетісу"], ["Жетісу"]),
    ]
    assert all(p.method == "single" and p.seats == 1 for p in positions)
    post_form(browser, url)  # again: nothing new, nothing duplicated
    assert db.session.scalar(select(func.count()).select_from(Position)) == 3


def test_a_yes_no_question_has_one_seat(app):
    election = make_election(opens_in=timedelta(days=1))
    with pytest.raises(ops.PositionRefused) as refused:
        ops.create_position(
            ACTOR, election.id, ops.PositionSpec(title="Uniform day?", method="yesno", seats=2)
        )
    assert refused.value.reason == ops.PositionReason.one_seat_only


def test_two_positions_cannot_share_a_title(app):
    election = make_election(opens_in=timedelta(days=1))
    make_position(election, title="President")
    with pytest.raises(ops.PositionRefused) as refused:
        ops.create_position(ACTOR, election.id, ops.PositionSpec(title="President"))
    assert refused.value.reason == ops.PositionReason.title_taken


# Once open, the ballot is frozen.


@pytest.fixture
def open_election(app):
    """An open election with one position and its candidates."""
    election = make_election(phase="open")
    position = make_position(election, voter_grades=[8, 9, 10, 11])
    return election, position


def test_positions_and_eligibility_cannot_change_once_open(open_election, staff_client):
    election, position = open_election
    browser, _user = staff_client("committee")
    edit = post_form(
        browser,
        f"/committee/positions/{position.id}/edit",
        POSITION_FORM | {"voter_grades": "1-12"},
    )
    assert edit.status_code == 409
    assert "positions and who may vote cannot change" in edit.get_data(as_text=True)
    added = post_form(browser, f"/committee/elections/{election.id}/positions/new", POSITION_FORM)
    assert added.status_code == 409
    removed = post_form(browser, f"/committee/positions/{position.id}/delete")
    assert removed.status_code == 409
    db.session.expire_all()
    assert db.session.get(Position, position.id).voter_grades == [8, 9, 10, 11]
    assert db.session.scalar(select(func.count()).select_from(Position)) == 1
    assert audit_actions() == []


@pytest.mark.parametrize("phase", ["silence", "open", "closed", "published"])
def test_the_operations_refuse_structure_changes_after_campaign(app, phase):
    election = make_election(phase=phase)
    position = make_position(election)
    with pytest.raises(LifecycleRefusal) as refused:
        ops.update_position(ACTOR, position.id, ops.PositionSpec(title="President", seats=1))
    assert refused.value.reason == LifecycleReason.structure_frozen


def test_the_election_page_shows_a_frozen_ballot_without_edit_buttons(open_election, staff_client):
    election, position = open_election
    browser, _user = staff_client("committee")
    page = browser.get(f"/committee/elections/{election.id}").get_data(as_text=True)
    assert "The ballot is frozen" in page
    assert f"/committee/positions/{position.id}/edit" not in page
    assert "Close voting…" in page
    assert "Correct the manifesto" in page


def test_students_never_reach_the_committee_pages(app, client):
    from tests.conftest import sign_in

    election = make_election()
    make_student(number="7001")
    sign_in(client, "7001", "ABCD-EFGH")
    for url in (
        f"/committee/elections/{election.id}",
        "/committee/elections/new",
        f"/committee/elections/{election.id}/phase/open",
        f"/committee/elections/{election.id}/turnout",
    ):
        assert client.get(url).status_code == 403, url
