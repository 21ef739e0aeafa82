"""Candidates: students from the roll the rule admits, free-text options, look-alikes, freezing."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from elections.domain.errors import LifecycleReason, LifecycleRefusal
from elections.extensions import db
from elections.models import AuditEvent, CampaignPageVersion, Candidate
from elections.operations import candidates as ops
from elections.operations.audit_log import Actor
from elections.operations.positions import PositionReason, PositionRefused
from tests.conftest import make_election, make_position, make_student, post_form
from tests.test_photos import image_bytes, upload

ACTOR = Actor("committee1", "committee")
TOMORROW = timedelta(days=1)


def entries(action: str) -> list[AuditEvent]:
    """Audit entries of one action, oldest first."""
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    return list(db.session.scalars(query))


def sha(text: str) -> str:
    """SHA-256 of a text, as the audit log records manifestos."""
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def president(app):
    """A draft President position for grades 10-11 with no candidates yet."""
    election = make_election(opens_in=TOMORROW)
    return make_position(election, candidates=(), method="ranked", candidate_grades=[10, 11])


def test_a_student_from_the_roll_stands_by_number(president, staff_client):
    browser, _user = staff_client("committee")
    make_student(number="1001", name="Серікбаев Әли", grade=11, class_name="11А")
    response = post_form(
        browser,
        f"/committee/positions/{president.id}/candidates/new",
        {"student_number": " 1001 ", "manifesto": "**Бірге күштіміз!**"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    candidate = db.session.scalars(select(Candidate)).one()
    assert (candidate.name, candidate.student.username) == ("Серікбаев Әли", "1001")
    (entry,) = entries("candidate-added")
    assert entry.details["student"] == "1001"
    assert entry.details["manifesto_sha256"] == sha("**Бірге күштіміз!**")
    page = browser.get(f"/committee/elections/{president.election_id}").get_data(as_text=True)
    assert "<strong>Бірге күштіміз!</strong>" in page


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("9999", ops.CandidateReason.not_on_roll),
        ("2001", ops.CandidateReason.not_eligible),  # grade 8 may not stand here
        ("2002", ops.CandidateReason.not_on_roll),  # deactivated
    ],
)
def test_a_student_the_rule_does_not_admit_is_refused_clearly(president, number, reason):
    make_student(number="2001", grade=8)
    make_student(number="2002", grade=11, active=False)
    with pytest.raises(ops.CandidateRefused) as refused:
        ops.add_candidate(ACTOR, president.id, student_number=number)
    assert refused.value.reason == reason


def test_the_form_explains_an_ineligible_candidate(president, staff_client):
    browser, _user = staff_client("committee")
    make_student(number="2001", grade=8)
    response = post_form(
        browser, f"/committee/positions/{president.id}/candidates/new", {"student_number": "2001"}
    )
    assert response.status_code == 200  # a form error: what was typed stays on the form
    page = response.get_data(as_text=True)
    assert "may not stand for this position" in page
    assert 'value="2001"' in page
    assert db.session.scalar(select(func.count()).select_from(Candidate)) == 0


def test_the_same_student_cannot_stand_twice_but_namesakes_can(president):
    make_student(number="3001", name="Ким Дана", grade=10, class_name="10А")
    make_student(number="3002", name="Ким Дана", grade=11, class_name="11Б")
    ops.add_candidate(ACTOR, president.id, student_number="3001")
    with pytest.raises(ops.CandidateRefused) as refused:
        ops.add_candidate(ACTOR, president.id, student_number="3001")
    assert refused.value.reason == ops.CandidateReason.already_standing
    db.session.rollback()
    second = ops.add_candidate(ACTOR, president.id, student_number="3002")
    assert second.name == "Ким Дана (11Б)"


def test_a_free_text_option_for_a_question(app):
    election = make_election(opens_in=TOMORROW)
    question = make_position(election, title="Free-dress Friday?", method="yesno", candidates=())
    option = ops.add_candidate(ACTOR, question.id, name="  Free-dress   Friday ")
    assert (option.name, option.student_id) == ("Free-dress Friday", None)
    with pytest.raises(PositionRefused) as refused:
        ops.add_candidate(ACTOR, question.id, name="Another proposal")
    assert refused.value.reason == PositionReason.yesno_one_candidate


def test_the_form_wants_a_number_or_a_name_not_both(president, staff_client):
    browser, _user = staff_client("committee")
    url = f"/committee/positions/{president.id}/candidates/new"
    for data in ({}, {"student_number": "1", "name": "Both"}):
        response = post_form(browser, url, data)
        assert response.status_code == 200
        assert "Give either a student number or a free-text option." in response.get_data(
            as_text=True
        )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Алия Серікова", "Aлия Серікова"),  # a Latin A
        ("Максим Ким", "максим  КИМ"),  # case and spaces
        ("Дана", "Да\u200bна"),  # a zero-width space
        ("Томирис", "Toмиpиc"),  # Latin T, o, p, c
    ],
)
def test_look_alike_names_are_warned_about_not_refused(app, staff_client, first, second):
    browser, _user = staff_client("committee")
    election = make_election(opens_in=TOMORROW)
    position = make_position(election, candidates=(first,))
    url = f"/committee/positions/{position.id}/candidates/new"
    response = post_form(browser, url, {"name": second}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "looks almost the same as" in page
    assert db.session.scalar(select(func.count()).select_from(Candidate)) == 2


def test_different_names_raise_no_warning(app):
    assert ops.confusable_key("Әли") != ops.confusable_key("Али")
    assert ops.confusable_key("Дана") != ops.confusable_key("Даня")


# Freezing: after opening only a manifesto correction, and it is audited.


@pytest.fixture
def running(app):
    """An open election's position with one candidate who has a manifesto."""
    election = make_election(phase="open")
    position = make_position(election, candidates=("Дана",))
    candidate = position.candidates[0]
    candidate.manifesto = "Мен мектепті жасылдандырамын."
    db.session.commit()
    return position, candidate


def test_candidates_cannot_be_added_or_removed_once_open(running, staff_client):
    position, candidate = running
    browser, _user = staff_client("committee")
    url = f"/committee/positions/{position.id}/candidates/new"
    assert post_form(browser, url, {"name": "Late entry"}).status_code == 409
    assert post_form(browser, f"/committee/candidates/{candidate.id}/delete").status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Candidate)) == 1
    with pytest.raises(LifecycleRefusal) as refused:
        ops.add_candidate(ACTOR, position.id, name="Late entry")
    assert refused.value.reason == LifecycleReason.candidates_frozen


def test_a_free_text_option_cannot_be_renamed_once_open(running):
    _position, candidate = running
    with pytest.raises(LifecycleRefusal) as refused:
        ops.update_candidate(ACTOR, candidate.id, manifesto=candidate.manifesto, name="Дания")
    assert refused.value.reason == LifecycleReason.candidates_frozen


def test_photos_cannot_change_once_open(running):
    from elections.files.photos import clean_photo
    from tests.test_photos import LIMITS, image_bytes

    _position, candidate = running
    with pytest.raises(LifecycleRefusal) as refused:
        ops.set_candidate_photo(ACTOR, candidate.id, clean_photo(image_bytes(), **LIMITS))
    assert refused.value.reason == LifecycleReason.campaign_page_frozen


def test_a_manifesto_typo_may_be_fixed_while_open_and_is_audited(running, staff_client):
    _position, candidate = running
    old = candidate.manifesto
    fixed = "Мен мектепті жасылдандырамын!"
    browser, _user = staff_client("committee")
    form = browser.get(f"/committee/candidates/{candidate.id}/edit").get_data(as_text=True)
    assert "You may only correct a mistake in the manifesto" in form
    response = post_form(
        browser, f"/committee/candidates/{candidate.id}/edit", {"manifesto": fixed}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Candidate, candidate.id).manifesto == fixed
    (entry,) = entries("manifesto-corrected")
    assert entry.details["old_sha256"] == sha(old)
    assert entry.details["new_sha256"] == sha(fixed)
    assert entry.actor == _user.username
    versions = db.session.scalars(select(CampaignPageVersion.manifesto)).all()
    assert versions == [fixed]


def test_an_edit_reads_the_candidate_again_under_the_lock(running):
    """Another member's edit, committed after this one's copy was loaded, is what gets replaced.

    The log must name the text actually replaced, not the one this session read earlier.
    """
    _position, candidate = running
    db.session().expire_on_commit = False
    try:
        stale = db.session.get(Candidate, candidate.id)
        old = stale.manifesto
        theirs = "Their correction, committed meanwhile"
        # Written past this session's copy, as another member's request would be.
        db.session.execute(
            update(Candidate.__table__)
            .where(Candidate.__table__.c.id == candidate.id)
            .values(manifesto=theirs)
        )
        db.session.commit()
        assert stale.manifesto == old  # this session still holds the old text
        ops.update_candidate(ACTOR, candidate.id, manifesto="Mine")
    finally:
        db.session().expire_on_commit = True
    (entry,) = entries("manifesto-corrected")
    assert entry.details["old_sha256"] == sha(theirs)
    assert entry.details["new_sha256"] == sha("Mine")


def test_no_manifesto_changes_after_closing(app):
    election = make_election(phase="closed")
    candidate = make_position(election, candidates=("Дана",)).candidates[0]
    with pytest.raises(LifecycleRefusal) as refused:
        ops.update_candidate(ACTOR, candidate.id, manifesto="Rewritten after the vote")
    assert refused.value.reason == LifecycleReason.campaign_page_frozen


def test_an_ordinary_edit_in_draft_is_audited_as_an_update(app):
    election = make_election(opens_in=TOMORROW)
    candidate = make_position(election, candidates=("Дана",)).candidates[0]
    ops.update_candidate(ACTOR, candidate.id, manifesto="New plan", name="Дана Ли")
    (entry,) = entries("candidate-updated")
    assert entry.details["name"] == "Дана Ли"
    assert entry.details["new_sha256"] == sha("New plan")
    ops.remove_candidate(ACTOR, candidate.id)
    assert [e.details["name"] for e in entries("candidate-removed")] == ["Дана Ли"]


def test_a_text_and_photo_edit_while_open_is_refused_whole(running, staff_client):
    _position, candidate = running
    before = candidate.manifesto
    browser, _user = staff_client("committee")
    photo = upload(image_bytes(), "a.png", "image/png")
    form = {"manifesto": "A typo fixed, and a new photo", **photo}
    response = post_form(
        browser,
        f"/committee/candidates/{candidate.id}/edit",
        form,
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Candidate, candidate.id).manifesto == before  # nothing half-saved
    assert entries("manifesto-corrected") == []
