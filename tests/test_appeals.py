"""Appeals: complaints in the window by candidates and observers, written answers, publication.

Results are published only after the window ends and every complaint is answered, or
when the commission overrides with a written reason that the audit log keeps.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from elections.domain.errors import LifecycleReason, LifecycleRefusal
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.models import AuditEvent, Candidate, Complaint, Election, User
from elections.operations import complaints as ops
from elections.operations import lifecycle as phases
from elections.operations import nominations, observers
from elections.operations.complaints import ComplaintReason, ComplaintRefused
from tests.conftest import make_staff, post_form
from tests.test_nominations import (
    COMMITTEE,
    actor_for,
    calendar_election,
    president,
    signed_in,
    student,
)
from tests.test_observers import walk_to

SECOND = timedelta(seconds=1)


@pytest.fixture
def closed(app):
    """An election just closed and in its appeals window, with candidate 1001 and observer 5001.

    Student 1002 stood too but was rejected; student 6001 only voted.
    """
    election = calendar_election(Phase.nomination)
    position = president(election, required=0)
    candidate_user = student("1001", name="Әли Серікбаев")
    registered = nominations.nominate(
        actor_for(candidate_user), candidate_user, position.id, nominations.PageText("Бағдарлама")
    )
    nominations.register_nomination(COMMITTEE, registered.id)
    loser = student("1002")
    rejected = nominations.nominate(
        actor_for(loser), loser, position.id, nominations.PageText("Басқа")
    )
    nominations.reject_nomination(COMMITTEE, rejected.id, "Құжат жоқ.")
    student("5001", grade=9, name="Бақылаушы Дана")
    student("6001", grade=9)
    observers.name_observer(actor_for(candidate_user), candidate_user, registered.id, "5001")
    walk_to(election, Phase.appeals)
    return db.session.get(Election, election.id)


def user(number: str) -> User:
    """The account with that number."""
    return db.session.scalar(select(User).where(User.username == number))


def complain(number: str, election: Election, text: str, now: datetime | None = None):
    """File a complaint through the operation."""
    author = user(number)
    return ops.file_complaint(
        actor_for(author), author, election.id, text, now or datetime.now(UTC)
    )


def actions() -> list[str]:
    """Audit actions in order."""
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


@pytest.mark.parametrize("number", ["1001", "5001"])
def test_candidates_and_observers_complain_in_the_window(closed, number):
    complaint = complain(number, closed, "  Кабинет 12-де кезек ұзақ болды.  ")
    assert complaint.text == "Кабинет 12-де кезек ұзақ болды."
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "complaint-filed")
    ).one()
    assert entry.details["as"] == ("candidate" if number == "1001" else "observer")


@pytest.mark.parametrize("number", ["6001", "1002"], ids=["a-voter", "a-rejected-nominee"])
def test_others_cannot_complain(closed, number):
    with pytest.raises(ComplaintRefused) as refused:
        complain(number, closed, "Маған ұнамады.")
    assert refused.value.reason == ComplaintReason.not_a_party


def test_the_complaint_page_is_for_parties_only(app, closed):
    assert signed_in(app, "6001").get(f"/campaign/{closed.id}/complaints").status_code == 403
    browser = signed_in(app, "1001")
    response = post_form(
        browser, f"/campaign/{closed.id}/complaints", {"text": "Бюллетеньде қате бар."}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Complaint.text)) == "Бюллетеньде қате бар."


@pytest.mark.parametrize(
    ("phase", "after_window"),
    [
        pytest.param(Phase.open, False, id="voting-open"),
        pytest.param(Phase.closed, False, id="closed-before-appeals"),
        pytest.param(Phase.appeals, True, id="window-over"),
        pytest.param(Phase.published, False, id="published"),
    ],
)
def test_complaints_outside_the_window_are_refused(app, phase, after_window):
    election = calendar_election(Phase.nomination)
    candidate_user = student("1001")
    candidate = nominations.nominate(
        actor_for(candidate_user),
        candidate_user,
        president(election, required=0).id,
        nominations.PageText("Бағдарлама"),
    )
    nominations.register_nomination(COMMITTEE, candidate.id)
    walk_to(election, phase)
    election = db.session.get(Election, election.id)
    now = election.appeals_end + SECOND if after_window else datetime.now(UTC)
    with pytest.raises(ComplaintRefused) as refused:
        complain("1001", election, "Кеш.", now)
    assert refused.value.reason == ComplaintReason.window_closed
    db.session.rollback()
    assert db.session.scalar(select(Complaint.id)) is None


def test_an_empty_complaint_is_refused(closed):
    with pytest.raises(ComplaintRefused) as refused:
        complain("1001", closed, " \n ")
    assert refused.value.reason == ComplaintReason.empty


def test_the_commission_answers_once_and_the_author_reads_it(app, closed, staff_client):
    complaint = complain("5001", closed, "Бақылаушыны кіргізбеді.")
    committee, member = staff_client("committee")
    listing = committee.get(f"/committee/elections/{closed.id}/complaints").get_data(as_text=True)
    assert "Бақылаушыны кіргізбеді." in listing
    assert "Бақылаушы Дана" in listing
    response = post_form(
        committee,
        f"/committee/complaints/{complaint.id}/answer",
        {"answer": "Тексерілді: бақылаушы 09:10-да кірді."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Complaint, complaint.id)
    assert (stored.answer, stored.answered_by_id) == (
        "Тексерілді: бақылаушы 09:10-да кірді.",
        member.id,
    )
    with pytest.raises(ComplaintRefused) as refused:
        ops.answer_complaint(COMMITTEE, member, complaint.id, "Басқа жауап", datetime.now(UTC))
    assert refused.value.reason == ComplaintReason.already_answered
    db.session.rollback()
    own = signed_in(app, "5001").get(f"/campaign/{closed.id}/complaints").get_data(as_text=True)
    assert "Тексерілді: бақылаушы 09:10-да кірді." in own
    observer = signed_in(app, "5001")
    response = post_form(observer, f"/committee/complaints/{complaint.id}/answer", {"answer": "x"})
    assert response.status_code == 403


def test_publication_waits_for_the_window_and_every_answer(closed):
    complaint = complain("1001", closed, "Санау кезінде терезе жабық болды.")
    during = datetime.now(UTC)
    after = closed.appeals_end + SECOND
    with pytest.raises(LifecycleRefusal) as refused:
        phases.publish_election(COMMITTEE, closed.id, during)
    assert refused.value.reason == LifecycleReason.appeals_window_open
    db.session.rollback()
    with pytest.raises(LifecycleRefusal) as refused:
        phases.publish_election(COMMITTEE, closed.id, after)
    assert refused.value.reason == LifecycleReason.appeals_pending
    assert refused.value.detail["count"] == 1
    db.session.rollback()
    member = make_staff("committee")
    ops.answer_complaint(COMMITTEE, member, complaint.id, "Терезе ашық болды.", after)
    phases.publish_election(COMMITTEE, closed.id, after)
    assert db.session.get(Election, closed.id).current_phase == Phase.published
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "election-published")
    ).one()
    assert entry.details["override"] is False
    assert "override_reason" not in entry.details


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_needs_a_written_reason(closed, reason):
    complain("1001", closed, "Жауап күтемін.")
    with pytest.raises(ComplaintRefused) as refused:
        phases.publish_election(
            COMMITTEE, closed.id, datetime.now(UTC), override=True, override_reason=reason
        )
    assert refused.value.reason == ComplaintReason.override_reason_required
    db.session.rollback()
    assert db.session.get(Election, closed.id).current_phase == Phase.appeals


def test_an_override_with_a_reason_publishes_over_the_window_and_complaints(closed, staff_client):
    complain("1001", closed, "Жауап күтемін.")
    committee, _member = staff_client("committee")
    address = f"/committee/elections/{closed.id}/phase/published"
    confirm = committee.get(address).get_data(as_text=True)
    assert "1 complaint is not answered yet." in confirm
    response = post_form(committee, address, {"confirm": "y", "override": "y"})
    assert response.status_code == 200
    assert "Write why the results are published over the appeals." in response.get_data(
        as_text=True
    )
    assert db.session.get(Election, closed.id).current_phase == Phase.appeals
    reason = "Мектеп кеңесінің 14 мамырдағы шешімі: нәтиже бітіру кешіне дейін керек."
    response = post_form(
        committee, address, {"confirm": "y", "override": "y", "override_reason": reason}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Election, closed.id).current_phase == Phase.published
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "election-published")
    ).one()
    assert (entry.details["override"], entry.details["override_reason"]) == (True, reason)


def test_the_published_protocol_lists_complaints_and_answers(app, closed, staff_client):
    answered = complain("1001", closed, "Бірінші шағым.")
    complain("5001", closed, "Екінші шағым.")
    committee, member = staff_client("committee")
    ops.answer_complaint(COMMITTEE, member, answered.id, "Бірінші жауап.", datetime.now(UTC))
    phases.publish_election(
        COMMITTEE, closed.id, datetime.now(UTC), override=True, override_reason="Шешім №3."
    )
    protocol = post_form(committee, f"/results/{closed.id}/protocol").get_data(as_text=True)
    assert "Complaints and answers" in protocol
    for text in ("Бірінші шағым.", "Бірінші жауап.", "Екінші шағым.", "Not answered."):
        assert text in protocol
    assert "Әли Серікбаев" in protocol
    assert "Бақылаушы Дана" in protocol
    assert protocol.index("Бірінші шағым.") < protocol.index("Екінші шағым.")


def test_a_quick_poll_protocol_has_no_appeals_section(app, staff_client):
    election = calendar_election(Phase.nomination)
    election.nomination_starts = election.campaign_starts = election.silence_starts = None
    election.appeals_end = None
    election.phase = "draft"
    db.session.commit()
    president(election, required=0)
    db.session.add(Candidate(position=election.positions[0], name="Дана", status="registered"))
    db.session.commit()
    walk_to(election, Phase.closed)
    committee, _member = staff_client("committee")
    protocol = post_form(committee, f"/results/{election.id}/protocol").get_data(as_text=True)
    assert "Complaints and answers" not in protocol
    assert "complaint-filed" not in actions()
