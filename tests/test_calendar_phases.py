"""The whole calendar: dates typed in school time, the walk through every phase, and what each
phase allows a student, a candidate and the commission to do.

nomination → campaign → silence → open → closed → appeals → published, each phase used
only when its date is set; the calendar moves the election on by itself (never to
``published``), and every student action is refused outside its phase with a typed reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from elections.domain.errors import DomainError, LifecycleReason
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.models import AuditEvent, Candidate, Election, Position, User
from elections.operations import (
    campaign_pages,
    complaints,
    endorsements,
    nominations,
    observers,
)
from elections.operations import lifecycle as phases
from elections.operations.complaints import ComplaintReason
from elections.operations.nominations import NominationReason, PageText
from elections.operations.observers import ObserverReason
from tests.conftest import post_form
from tests.test_nominations import (
    COMMITTEE,
    actor_for,
    calendar_election,
    president,
    signed_in,
    student,
)

CALENDAR_FORM = {
    "title": "Council of Leaders 2031",
    "nomination_starts": "2031-02-10T09:00",
    "campaign_starts": "2031-02-17T09:00",
    "silence_starts": "2031-03-02T00:00",
    "opens_at": "2031-03-03T09:00",
    "closes_at": "2031-03-03T17:30",
    "appeals_end": "2031-03-06T17:00",
    "endorsement_limit": "4",
}


def at_school(text: str) -> datetime:
    """A school-time (Asia/Almaty, UTC+5) form value as the UTC instant it stores."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) - timedelta(hours=5)


def test_the_committee_sets_the_whole_calendar_in_school_time(app, staff_client):
    browser, _user = staff_client("committee")
    response = post_form(browser, "/committee/elections/new", CALENDAR_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    election = db.session.scalars(select(Election)).one()
    for field in ("nomination_starts", "campaign_starts", "silence_starts", "appeals_end"):
        assert getattr(election, field) == at_school(CALENDAR_FORM[field]), field
    assert election.opens_at == at_school(CALENDAR_FORM["opens_at"])
    assert election.endorsement_limit == 4
    created = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "election-created")
    ).one()
    assert created.details["appeals_end"] == "2031-03-06T12:00:00+00:00"
    assert created.details["endorsement_limit"] == 4
    page = browser.get(f"/committee/elections/{election.id}").get_data(as_text=True)
    assert "Day of silence starts" in page
    assert "Appeals window ends" in page
    edit = browser.get(f"/committee/elections/{election.id}/edit").get_data(as_text=True)
    assert 'value="2031-02-17T09:00"' in edit
    assert 'value="2031-03-06T17:00"' in edit


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("campaign_starts", "2031-02-09T09:00"),  # before nominations open
        ("silence_starts", "2031-03-03T10:00"),  # after voting opens
        ("appeals_end", "2031-03-03T17:30"),  # not after closing
    ],
)
def test_calendar_dates_out_of_order_are_form_errors(app, staff_client, field, value):
    browser, _user = staff_client("committee")
    response = post_form(browser, "/committee/elections/new", {**CALENDAR_FORM, field: value})
    assert response.status_code == 200
    assert "This must come after" in response.get_data(as_text=True)
    assert db.session.scalar(select(Election.id)) is None


def test_an_unused_phase_is_left_empty_and_editing_keeps_the_other_dates(app, staff_client):
    browser, _user = staff_client("committee")
    quick = {
        k: v for k, v in CALENDAR_FORM.items() if k not in ("nomination_starts", "silence_starts")
    }
    assert post_form(browser, "/committee/elections/new", quick).status_code == 302
    election = db.session.scalars(select(Election)).one()
    assert (election.nomination_starts, election.silence_starts) == (None, None)
    assert election.schedule.uses(Phase.campaign)
    assert not election.schedule.uses(Phase.nomination)
    response = post_form(
        browser, f"/committee/elections/{election.id}/edit", {**quick, "title": "Renamed"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Election, election.id)
    assert stored.title == "Renamed"
    assert stored.campaign_starts == at_school(CALENDAR_FORM["campaign_starts"])


def test_a_position_requires_endorsements(app, staff_client):
    browser, _user = staff_client("committee")
    election = calendar_election(Phase.draft)
    response = post_form(
        browser,
        f"/committee/elections/{election.id}/positions/new",
        {
            "title": "President",
            "method": "single",
            "seats": "1",
            "threshold_percent": "50",
            "candidate_grades": "10-11",
            "endorsements_required": "15",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalars(select(Position)).one().endorsements_required == 15


def test_the_calendar_walks_every_phase_by_itself_and_never_publishes(app):
    start = datetime(2031, 2, 10, 4, 0, tzinfo=UTC)
    election = Election(
        title="Council of Leaders 2031",
        phase="draft",
        nomination_starts=start,
        campaign_starts=start + timedelta(days=7),
        silence_starts=start + timedelta(days=19),
        opens_at=start + timedelta(days=20),
        closes_at=start + timedelta(days=20, hours=8),
        appeals_end=start + timedelta(days=23),
    )
    db.session.add(election)
    db.session.commit()
    position = president(election, required=0)
    phases.confirm_schedule(COMMITTEE, election.id, start - timedelta(days=1))
    candidate_user = student("1001")
    seen = []
    for moment, expected in (
        (start, Phase.nomination),
        (start + timedelta(days=7), Phase.campaign),
        (start + timedelta(days=19), Phase.silence),
        (start + timedelta(days=20), Phase.open),
        (start + timedelta(days=20, hours=8), Phase.appeals),
        (start + timedelta(days=30), Phase.appeals),
    ):
        if expected == Phase.nomination:
            phases.tick(moment)
            filed = nominations.nominate(
                actor_for(candidate_user), candidate_user, position.id, PageText("Бағдарлама")
            )
            nominations.register_nomination(COMMITTEE, filed.id)
        else:
            phases.tick(moment)
        db.session.expire_all()
        seen.append(db.session.get(Election, election.id).current_phase)
        assert seen[-1] == expected, (moment, seen)
    steps = db.session.scalars(
        select(AuditEvent.details)
        .where(AuditEvent.action.in_(["election-phase-changed", "election-opened"]))
        .order_by(AuditEvent.seq)
    ).all()
    assert [(s["from"], s["to"], s["by"]) for s in steps] == [
        ("draft", "nomination", "schedule"),
        ("nomination", "campaign", "schedule"),
        ("campaign", "silence", "schedule"),
        ("silence", "open", "schedule"),
        ("closed", "appeals", "schedule"),
    ]
    phases.publish_election(COMMITTEE, election.id, start + timedelta(days=30))
    assert db.session.get(Election, election.id).current_phase == Phase.published


def user(number: str) -> User:
    """The account with that number."""
    return db.session.scalar(select(User).where(User.username == number))


ACTIONS = ("nominate", "endorse", "edit-page", "review", "name-observer", "complain")
ALLOWED = {
    "nominate": {Phase.nomination},
    "endorse": {Phase.nomination},
    "edit-page": {Phase.draft, Phase.nomination, Phase.campaign},
    "review": {Phase.nomination, Phase.campaign},
    "name-observer": {Phase.draft, Phase.nomination, Phase.campaign, Phase.silence},
    "complain": {Phase.appeals},
}
REFUSED_WITH = {
    "nominate": LifecycleReason.nominations_closed,
    "endorse": LifecycleReason.nominations_closed,
    "edit-page": LifecycleReason.campaign_page_frozen,
    "review": NominationReason.review_closed,
    "name-observer": ObserverReason.too_late,
    "complain": ComplaintReason.window_closed,
}


def _attempt(action: str, election: Election, position: Position) -> None:
    """Try one student or commission action in the election's current phase."""
    pending = db.session.scalar(select(Candidate).where(Candidate.status == "nominated"))
    standing = db.session.scalar(select(Candidate).where(Candidate.status == "registered"))
    now = datetime.now(UTC)
    if action == "nominate":
        newcomer = user("3001")
        nominations.nominate(actor_for(newcomer), newcomer, position.id, PageText("Мен"))
    elif action == "endorse":
        endorser = user("2001")
        endorsements.endorse(actor_for(endorser), endorser, pending.id)
    elif action == "edit-page":
        owner = user("1001")
        campaign_pages.update_campaign_page(
            actor_for(owner), owner, standing.id, PageText("Жаңа нұсқа")
        )
    elif action == "review":
        nominations.reject_nomination(COMMITTEE, pending.id, "Қолдау жоқ.")
    elif action == "name-observer":
        owner = user("1001")
        observers.name_observer(actor_for(owner), owner, standing.id, "2001")
    else:
        owner = user("1001")
        complaints.file_complaint(actor_for(owner), owner, election.id, "Шағым", now)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("phase", list(Phase), ids=[str(p) for p in Phase])
def test_each_action_only_in_its_phases(app, phase, action):
    # Closed an hour ago, so that the appeals phase (when stored) is inside its window.
    election = calendar_election(Phase.nomination, closes_in=-timedelta(hours=1))
    position = president(election, required=0)
    owner = student("1001")
    registered = nominations.nominate(actor_for(owner), owner, position.id, PageText("Мен"))
    nominations.register_nomination(COMMITTEE, registered.id)
    waiting = student("1002")
    nominations.nominate(actor_for(waiting), waiting, position.id, PageText("Күтемін"))
    position.endorsements_required = 1
    student("2001", grade=9)
    student("3001")
    election.phase = str(phase)
    db.session.commit()
    if phase in ALLOWED[action]:
        _attempt(action, election, position)
        return
    with pytest.raises(DomainError) as refused:
        _attempt(action, election, position)
    assert refused.value.reason == REFUSED_WITH[action]
    db.session.rollback()


def test_an_edit_during_the_day_of_silence_is_refused_on_the_page(app):
    election = calendar_election(Phase.nomination)
    position = president(election, required=0)
    owner = student("1001")
    candidate = nominations.nominate(actor_for(owner), owner, position.id, PageText("Бірінші"))
    election.phase = "silence"
    db.session.commit()
    browser = signed_in(app, "1001")
    page = browser.get(f"/campaign/candidacies/{candidate.id}").get_data(as_text=True)
    assert "Your page is frozen" in page
    response = post_form(
        browser,
        f"/campaign/candidacies/{candidate.id}",
        {"manifesto": "Тыныштық күні үгіт", "video_url": ""},
    )
    assert response.status_code == 409
    assert "Candidates&#39; pages are frozen" in response.get_data(as_text=True)
    assert db.session.get(Candidate, candidate.id).manifesto == "Бірінші"


def test_a_nomination_outside_the_window_is_refused_on_the_page(app):
    election = calendar_election(Phase.campaign)
    position = president(election, required=0)
    student("1001")
    browser = signed_in(app, "1001")
    assert "Nominations are not open" in browser.get(f"/campaign/{election.id}/nominate").get_data(
        as_text=True
    )
    response = post_form(
        browser,
        f"/campaign/{election.id}/nominate",
        {"position": str(position.id), "manifesto": "Кеш"},
    )
    assert response.status_code == 409
    assert db.session.scalar(select(Candidate.id)) is None
