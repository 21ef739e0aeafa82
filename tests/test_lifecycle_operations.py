"""The lifecycle wired to the database: every move stored and audited, the calendar, the roll.

The pure rules have their own exhaustive tests (tests/domain/test_lifecycle.py); here
each transition goes through the operations, so the phase is stored, the audit entry
written, and a refusal changes nothing. The clock is always passed in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from elections.committee.schedule import Throttle
from elections.domain import eligibility
from elections.domain.errors import (
    IneligibleVoter,
    LifecycleReason,
    LifecycleRefusal,
    ScheduleProblem,
)
from elections.domain.lifecycle import Phase, Schedule
from elections.extensions import db
from elections.models import (
    AuditEvent,
    AuditHead,
    BallotSeal,
    Election,
    EligibleVoter,
    Position,
)
from elections.operations import lifecycle as phases
from elections.operations.audit_log import Actor
from elections.operations.voting import cast_ballots
from tests.conftest import make_election, make_position, make_student, post_form
from tests.domain.test_lifecycle import TABLES

ACTOR = Actor("committee1", "committee", "127.0.0.1")
T0 = datetime(2031, 3, 3, 4, 0, tzinfo=UTC)  # 09:00 at the school, Asia/Almaty
T1 = T0 + timedelta(hours=8)
SECOND = timedelta(seconds=1)
ENTRY_ACTION = {
    Phase.open: "election-opened",
    Phase.closed: "election-closed",
    Phase.published: "election-published",
}


def election_with(schedule: Schedule, phase: Phase = Phase.draft, **extra: object) -> Election:
    """An election on this calendar, in this phase, with a position that has a candidate."""
    assert schedule.opens is not None
    assert schedule.closes is not None
    election = Election(
        title="Council of Leaders",
        phase=str(phase),
        nomination_starts=schedule.nomination_starts,
        campaign_starts=schedule.campaign_starts,
        silence_starts=schedule.silence_starts,
        opens_at=schedule.opens,
        closes_at=schedule.closes,
        appeals_end=schedule.appeals_end,
        **extra,
    )
    db.session.add(election)
    db.session.commit()
    # One candidate: a count with no ballots then needs no lot, so publishing can proceed.
    make_position(election, candidates=("Дана",))
    return election


def actions(election_id: int | None = None) -> list[str]:
    """Audit actions in order, optionally for one election."""
    query = select(AuditEvent.action).order_by(AuditEvent.seq)
    if election_id is not None:
        query = query.where(AuditEvent.election_id == election_id)
    return list(db.session.scalars(query))


def last_entry(action: str) -> AuditEvent:
    """The newest audit entry of an action."""
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())
    ).first()


def phase_of(election_id: int) -> str:
    """The stored phase, read fresh."""
    db.session.expire_all()
    return db.session.get(Election, election_id).phase


MOVES = [
    pytest.param(name, current, target, expected, id=f"{name}-{current}-{target}")
    for name, (_schedule, table) in TABLES.items()
    for (current, target), expected in table.items()
]


@pytest.mark.parametrize(("calendar", "current", "target", "expected"), MOVES)
def test_every_move_by_hand_is_stored_and_audited_or_refused_untouched(
    app, calendar, current, target, expected
):
    schedule = TABLES[calendar][0]
    election = election_with(schedule, current)
    now = schedule.opens + timedelta(days=30) if target == Phase.published else schedule.opens
    now -= timedelta(days=1) if target != Phase.published else timedelta(0)
    if current == Phase.draft and schedule.starts(target) is not None:
        now = schedule.starts(target)  # left by hand on the day: the calendar agrees
    before = actions()
    if expected is None:
        step = phases.advance_election(ACTOR, election.id, target, now)
        assert (step.source, step.target, step.by_schedule) == (current, target, False)
        assert phase_of(election.id) == target
        entry = last_entry(ENTRY_ACTION.get(target, "election-phase-changed"))
        assert entry.details["from"] == current
        assert entry.details["to"] == target
        assert entry.details["by"] == "hand"
        assert (entry.actor, entry.election_id) == ("committee1", election.id)
    else:
        with pytest.raises(LifecycleRefusal) as refused:
            phases.advance_election(ACTOR, election.id, target, now)
        assert refused.value.reason == expected
        db.session.rollback()
        assert phase_of(election.id) == current
        assert actions() == before


def test_opening_freezes_the_roll_with_its_digest(app):
    kept = make_student(number="1001", grade=9, class_name="9А", shanyrak="Алтай")
    make_student(number="1002", grade=11, class_name="11Б", shanyrak="Арал")
    make_student(number="1003", active=False)
    election = election_with(Schedule(opens=T0, closes=T1))
    phases.open_election(ACTOR, election.id, T0 - SECOND)
    frozen = db.session.execute(
        select(EligibleVoter.student_id, EligibleVoter.grade, EligibleVoter.class_name)
        .where(EligibleVoter.election_id == election.id)
        .order_by(EligibleVoter.student_id)
    ).all()
    assert [(g, c) for _id, g, c in frozen] == [(9, "9А"), (11, "11Б")]
    expected = eligibility.roll_digest([("1001", 9, "9А", "Алтай"), ("1002", 11, "11Б", "Арал")])
    db.session.expire_all()
    opened = db.session.get(Election, election.id)
    assert opened.roll_digest == expected
    assert opened.opened_at == T0 - SECOND
    entry = last_entry("election-opened")
    assert entry.details["roll_digest"] == expected
    assert entry.details["eligible"] == 2
    # The roll changing afterwards changes nothing for this election.
    kept.class_name, kept.grade = "10А", 10
    db.session.commit()
    assert db.session.get(EligibleVoter, (election.id, kept.id)).class_name == "9А"


def test_a_student_added_after_opening_cannot_vote(app):
    early = make_student(number="2001")
    election = election_with(Schedule(opens=T0, closes=T1))
    position = election.positions[0]
    phases.open_election(ACTOR, election.id, T0)
    late = make_student(number="2002")
    choice = (position.candidates[0].id,)
    with pytest.raises(IneligibleVoter):
        cast_ballots(ACTOR, late, election.id, {position.id: choice}, T0 + SECOND)
    db.session.rollback()
    receipts = cast_ballots(ACTOR, early, election.id, {position.id: choice}, T0 + SECOND)
    assert [r.position_id for r in receipts] == [position.id]


def test_closing_seals_every_ballot_box_in_the_same_transaction(app):
    voters = [make_student(number=f"30{i:02d}") for i in range(3)]
    election = election_with(Schedule(opens=T0, closes=T1))
    second = make_position(election, title="Secretary", candidates=("Ерасыл",))
    first = election.positions[0]
    phases.open_election(ACTOR, election.id, T0)
    for voter in voters:
        cast_ballots(ACTOR, voter, election.id, {first.id: (first.candidates[0].id,)}, T0)
    phases.close_election(ACTOR, election.id, T0 + timedelta(hours=1))
    seals = {s.position_id: s for s in db.session.scalars(select(BallotSeal))}
    assert (seals[first.id].ballot_count, seals[second.id].ballot_count) == (3, 0)
    assert actions(election.id)[-2:] == ["election-closed", "ballot-box-sealed"]
    sealed = last_entry("ballot-box-sealed").details["positions"]
    assert {(p["position_id"], p["ballots"], p["digest"]) for p in sealed} == {
        (s.position_id, s.ballot_count, s.digest) for s in seals.values()
    }
    assert db.session.get(Election, election.id).closed_at == T0 + timedelta(hours=1)


def test_publishing_records_the_audit_head_after_its_own_entry(app):
    election = election_with(Schedule(opens=T0, closes=T1), Phase.closed)
    phases.publish_election(ACTOR, election.id, T1 + SECOND)
    db.session.expire_all()
    published = db.session.get(Election, election.id)
    head = db.session.get(AuditHead, 1)
    assert (published.published_head_seq, published.published_head_hash) == (head.seq, head.hash)
    entry = last_entry("election-published")
    assert (entry.seq, entry.hash) == (head.seq, head.hash)
    assert published.published_at == T1 + SECOND


def test_publishing_during_the_appeals_window_needs_the_override(app):
    schedule = Schedule(opens=T0, closes=T1, appeals_end=T1 + timedelta(days=3))
    election = election_with(schedule, Phase.appeals)
    with pytest.raises(LifecycleRefusal) as refused:
        phases.publish_election(ACTOR, election.id, T1 + timedelta(days=1))
    assert refused.value.reason == LifecycleReason.appeals_window_open
    db.session.rollback()
    phases.publish_election(
        ACTOR, election.id, T1 + timedelta(days=1), override=True, override_reason="Board decision"
    )
    assert phase_of(election.id) == "published"
    assert last_entry("election-published").details["override"] is True
    assert last_entry("election-published").details["override_reason"] == "Board decision"


# The calendar, with a frozen clock.


def confirmed(schedule: Schedule) -> Election:
    """A draft whose calendar the committee has confirmed."""
    election = election_with(schedule)
    phases.confirm_schedule(ACTOR, election.id, schedule.opens - timedelta(days=1))
    return election


def test_the_calendar_opens_and_closes_on_the_second(app):
    make_student(number="4001")
    election = confirmed(Schedule(opens=T0, closes=T1))
    assert phases.tick(T0 - SECOND).moved == []
    assert phase_of(election.id) == "draft"
    opened = phases.tick(T0)
    assert [(s.source, s.target, s.by_schedule) for s in opened.moved] == [
        (Phase.draft, Phase.open, True)
    ]
    assert phase_of(election.id) == "open"
    assert last_entry("election-opened").details["by"] == "schedule"
    assert last_entry("election-opened").actor == "system"
    assert phases.tick(T1 - SECOND).moved == []
    assert phase_of(election.id) == "open"
    assert db.session.scalar(select(func.count()).select_from(BallotSeal)) == 0
    closed = phases.tick(T1)
    assert [(s.source, s.target) for s in closed.moved] == [(Phase.open, Phase.closed)]
    assert phase_of(election.id) == "closed"
    assert db.session.scalar(select(func.count()).select_from(BallotSeal)) == 1
    assert actions(election.id)[-2:] == ["election-closed", "ballot-box-sealed"]
    assert phases.tick(T1 + timedelta(days=365)).moved == []  # publishing is always by hand


def test_an_unconfirmed_draft_never_opens_by_itself(app):
    election = election_with(Schedule(opens=T0, closes=T1))
    assert phases.due_elections(T0 + SECOND) == []
    assert phases.tick(T0 + SECOND).moved == []
    assert phase_of(election.id) == "draft"


def test_an_election_opened_by_hand_still_closes_on_time(app):
    election = election_with(Schedule(opens=T0, closes=T1))
    phases.open_election(ACTOR, election.id, T0 - timedelta(hours=1))  # early, by hand
    assert phases.due_elections(T1 - SECOND) == []
    assert phases.due_elections(T1) == [election.id]
    phases.tick(T1)
    assert phase_of(election.id) == "closed"


def test_a_late_tick_walks_every_missed_phase_in_order(app):
    schedule = Schedule(
        nomination_starts=T0 - timedelta(days=6),
        campaign_starts=T0 - timedelta(days=4),
        silence_starts=T0 - timedelta(days=1),
        opens=T0,
        closes=T1,
        appeals_end=T1 + timedelta(days=2),
    )
    election = election_with(schedule)
    phases.confirm_schedule(ACTOR, election.id, T0 - timedelta(days=7))
    during_vote = phases.tick(T0 + SECOND)
    assert [s.target for s in during_vote.moved] == [
        Phase.nomination,
        Phase.campaign,
        Phase.silence,
        Phase.open,
    ]
    after_vote = phases.tick(T1 + SECOND)
    assert [s.target for s in after_vote.moved] == [Phase.closed, Phase.appeals]
    assert phase_of(election.id) == "appeals"


def test_a_tick_that_cannot_open_reports_why_and_leaves_the_draft(app):
    election = election_with(Schedule(opens=T0, closes=T1))
    phases.confirm_schedule(ACTOR, election.id, T0 - timedelta(days=1))
    for candidate in list(election.positions[0].candidates):
        db.session.delete(candidate)
    db.session.commit()
    report = phases.tick(T0)
    assert [(eid, e.reason) for eid, e in report.refused] == [
        (election.id, LifecycleReason.no_candidates)
    ]
    assert phase_of(election.id) == "draft"


def test_confirming_the_calendar_is_audited_and_checked(app):
    election = election_with(Schedule(opens=T0, closes=T1))
    with pytest.raises(LifecycleRefusal) as late:
        phases.confirm_schedule(ACTOR, election.id, T1)
    assert late.value.detail["problem"] == ScheduleProblem.closes_passed
    db.session.rollback()
    phases.confirm_schedule(ACTOR, election.id, T0 - timedelta(days=1))
    assert db.session.get(Election, election.id).scheduled
    assert last_entry("schedule-confirmed").details["closes"] == T1.isoformat()
    phases.open_election(ACTOR, election.id, T0)
    with pytest.raises(LifecycleRefusal) as again:
        phases.confirm_schedule(ACTOR, election.id, T0)
    assert again.value.reason == LifecycleReason.not_draft


def test_the_request_hook_applies_the_calendar(app, client):
    app.config["SCHEDULE_CHECK_SECONDS"] = 0
    election = make_election(phase="open", opens_in=timedelta(hours=-2), lasts=timedelta(hours=1))
    make_position(election)
    assert client.get("/healthz").status_code == 200
    assert phase_of(election.id) == "closed"
    assert last_entry("election-closed").details["by"] == "schedule"


def test_the_request_hook_runs_at_most_once_per_interval(app, client):
    app.config["SCHEDULE_CHECK_SECONDS"] = 3600
    client.get("/healthz")  # the first request of the process checks
    election = make_election(phase="open", opens_in=timedelta(hours=-2), lasts=timedelta(hours=1))
    make_position(election)
    client.get("/healthz")
    assert phase_of(election.id) == "open"  # the next check is an hour away


def test_the_throttle_lets_one_caller_through_per_interval():
    throttle = Throttle()
    assert throttle.claim(100.0, 1.0)
    assert not throttle.claim(100.5, 1.0)
    assert throttle.claim(101.0, 1.0)


# The same moves through the committee's pages.


def test_opening_by_hand_asks_for_confirmation_first(app, staff_client):
    browser, _user = staff_client("committee")
    make_student(number="5001")
    election = make_election(opens_in=timedelta(hours=1))
    make_position(election)
    url = f"/committee/elections/{election.id}/phase/open"
    page = browser.get(url).get_data(as_text=True)
    assert "Open voting?" in page
    assert "1 active student will be on the frozen roll" in page
    unconfirmed = post_form(browser, url, {})
    assert unconfirmed.status_code == 200
    assert phase_of(election.id) == "draft"
    response = post_form(browser, url, {"confirm": "y"})
    assert response.status_code == 302
    assert phase_of(election.id) == "open"
    assert last_entry("election-opened").actor == _user.username


def test_a_closed_poll_never_reopens_and_the_page_says_so(app, staff_client):
    browser, _user = staff_client("committee")
    election = make_election(phase="closed")
    make_position(election)
    response = post_form(
        browser, f"/committee/elections/{election.id}/phase/open", {"confirm": "y"}
    )
    assert response.status_code == 409
    assert "a closed poll never reopens" in response.get_data(as_text=True)
    assert phase_of(election.id) == "closed"


def test_an_unknown_phase_in_the_address_is_not_found(app, staff_client):
    browser, _user = staff_client("committee")
    election = make_election()
    assert browser.get(f"/committee/elections/{election.id}/phase/reopened").status_code == 404


def test_auditors_and_students_cannot_move_an_election(app, staff_client, client):
    election = make_election()
    make_position(election)
    auditor, _user = staff_client("auditor")
    url = f"/committee/elections/{election.id}/phase/open"
    assert post_form(auditor, url, {"confirm": "y"}).status_code == 403
    assert phase_of(election.id) == "draft"
    assert db.session.scalar(select(func.count()).select_from(Position)) == 1


def test_leaving_draft_by_hand_into_an_overdue_calendar_is_refused(app):
    """Confirmed by the move, the calendar would run straight on through every passed date."""
    schedule = TABLES["full"][0]
    election = election_with(schedule)
    late = schedule.starts(Phase.silence) + SECOND
    before = actions()
    with pytest.raises(LifecycleRefusal) as refused:
        phases.advance_election(ACTOR, election.id, Phase.nomination, late)
    assert refused.value.reason == LifecycleReason.calendar_overdue
    assert refused.value.detail["phase"] == Phase.silence
    assert phase_of(election.id) == Phase.draft
    assert actions() == before


def test_an_election_stuck_before_opening_can_be_deleted(app, staff_client):
    """Its closing time passed in silence: it can never open, and only deleting ends it."""
    schedule = TABLES["full"][0]
    election_id = election_with(schedule, Phase.silence).id
    report = phases.tick(schedule.closes + SECOND)
    assert [refusal.reason for _id, refusal in report.refused] == [LifecycleReason.bad_schedule]
    browser, _user = staff_client("committee")
    page = browser.get(f"/committee/elections/{election_id}").get_data(as_text=True)
    assert "Delete this election (voting never opened)" in page
    assert post_form(browser, f"/committee/elections/{election_id}/delete").status_code == 302
    assert db.session.get(Election, election_id) is None
