"""Nominations: a student stands, students endorse, the commission registers or rejects.

Endorsements are not votes: only the committee sees them, and registration is refused
while they are short. Every version of a candidate's page is kept.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select

from elections.domain.errors import LifecycleReason
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.i18n.refusals import REASONS
from elections.models import (
    AuditEvent,
    CampaignPageVersion,
    Candidate,
    Election,
    EligibleVoter,
    Endorsement,
    Observer,
    Position,
    User,
)
from elections.operations import endorsements
from elections.operations import nominations as ops
from elections.operations.audit_log import Actor
from elections.operations.endorsements import EndorsementReason, EndorsementRefused
from elections.operations.nominations import NominationReason, NominationRefused, PageText
from elections.queries.endorsements import endorsements_used
from elections.vote.ballot_page import load_student_ballot, standing_candidates
from tests.conftest import ON_POSTGRES, make_position, make_student, post_form, require, sign_in

COMMITTEE = Actor("committee1", "committee")
CODE = "ABCD-EFGH"
PROGRAMME = "### Бәріміз бір командамыз!\n\n- Ашық кеңес\n- **Кітапхана** кешке"


def calendar_election(
    phase: Phase = Phase.nomination,
    *,
    closes_in: timedelta = timedelta(days=8),
    appeals_for: timedelta = timedelta(days=2),
    endorsement_limit: int = 2,
    title: str = "Council of Leaders 2026",
) -> Election:
    """An election using every phase of the calendar, stored in ``phase``.

    Voting lasts eight hours and closes ``closes_in`` from now; nominations, the
    campaign and silence come before, the appeals window after.
    """
    closes = datetime.now(UTC) + closes_in
    opens = closes - timedelta(hours=8)
    election = Election(
        title=title,
        phase=str(phase),
        scheduled=True,
        nomination_starts=opens - timedelta(days=7),
        campaign_starts=opens - timedelta(days=5),
        silence_starts=opens - timedelta(days=1),
        opens_at=opens,
        closes_at=closes,
        appeals_end=closes + appeals_for,
        endorsement_limit=endorsement_limit,
    )
    db.session.add(election)
    db.session.commit()
    return election


def president(election: Election, *, required: int = 2, title: str = "President") -> Position:
    """A position voted by grades 9-11, stood for by grades 10-11, needing endorsements."""
    return make_position(
        election,
        title=title,
        candidates=(),
        voter_grades=[9, 10, 11],
        candidate_grades=[10, 11],
        endorsements_required=required,
    )


def student(number: str, *, grade: int = 10, name: str | None = None) -> User:
    """A student on the roll with the standard access code."""
    return make_student(number=number, grade=grade, name=name or f"Оқушы {number}", code=CODE)


def signed_in(app, number: str):
    """A browser signed in as the student with that number."""
    browser = app.test_client()
    response = sign_in(browser, number, CODE)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def actor_for(user: User) -> Actor:
    """The audit actor of an account."""
    return Actor(user.username, user.role)


def nominated(user: User, position: Position, text: str = PROGRAMME) -> Candidate:
    """File the user's nomination through the operation."""
    return ops.nominate(actor_for(user), user, position.id, PageText(manifesto=text))


def endorse_by(candidate: Candidate, *numbers: str) -> None:
    """Endorse the nomination by fresh eligible students with these numbers."""
    for number in numbers:
        supporter = student(number, grade=9)
        endorsements.endorse(actor_for(supporter), supporter, candidate.id)


def entries(action: str) -> list[AuditEvent]:
    """Audit entries of one action, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )


def png() -> bytes:
    """A small real PNG."""
    buffer = BytesIO()
    Image.new("RGB", (40, 40), "#0b5cab").save(buffer, "PNG")
    return buffer.getvalue()


# Nominating.


def test_a_student_nominates_themselves_with_programme_photo_and_video(app):
    election = calendar_election()
    position = president(election)
    student("1001", name="Серікбаев Әли")
    browser = signed_in(app, "1001")
    response = post_form(
        browser,
        f"/campaign/{election.id}/nominate",
        {
            "position": str(position.id),
            "manifesto": PROGRAMME,
            "video_url": "https://video.example.kz/ali",
            "photo": (BytesIO(png()), "me.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    candidate = db.session.scalars(select(Candidate)).one()
    assert (candidate.name, candidate.status) == ("Серікбаев Әли", "nominated")
    assert candidate.video_url == "https://video.example.kz/ali"
    assert candidate.photo_type == "image/webp"
    (entry,) = entries("nomination-filed")
    assert entry.actor == "1001"
    assert entry.details["manifesto_sha256"] == hashlib.sha256(PROGRAMME.encode()).hexdigest()
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "waiting for the election commission" in page


@pytest.mark.parametrize(
    ("grade", "method", "reason"),
    [
        pytest.param(9, "single", NominationReason.not_eligible, id="grade-may-not-stand"),
        pytest.param(10, "yesno", NominationReason.question, id="a-question-takes-none"),
    ],
)
def test_a_nomination_the_position_does_not_admit_is_refused(app, grade, method, reason):
    election = calendar_election()
    position = make_position(
        election, method=method, candidates=(), candidate_grades=[10, 11], title="Q"
    )
    user = student("1001", grade=grade)
    with pytest.raises(NominationRefused) as refused:
        nominated(user, position)
    assert refused.value.reason == reason


def test_a_student_is_nominated_once_per_position_and_may_refile_after_withdrawing(app):
    position = president(calendar_election())
    user = student("1001")
    first = nominated(user, position)
    with pytest.raises(NominationRefused) as refused:
        nominated(user, position)
    assert refused.value.reason == NominationReason.already_nominated
    db.session.rollback()
    ops.withdraw_nomination(actor_for(user), user, first.id)
    again = nominated(user, position, "Екінші әрекет")
    assert (again.id, again.status, again.manifesto) == (first.id, "nominated", "Екінші әрекет")
    assert entries("nomination-filed")[-1].details["refiled"] is True


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.kz/video",
        "//evil.example/video",
        "https://school.kz@evil.example/video",
        "https://user:pass@video.example.kz/",
        "https:\\\\evil.example",
        "https://video.example.kz/a b",
        "https://video.example.kz/\u202egpj.exe",
        "https://video.example.kz:99999/",
        "https://",
        "video.example.kz/ali",
        "https://example.kz/" + "a" * 600,
    ],
)
def test_hostile_video_links_are_refused(app, link):
    with pytest.raises(NominationRefused) as refused:
        ops.check_video_url(link)
    assert refused.value.reason == NominationReason.bad_video_url


@pytest.mark.parametrize(
    "link", ["https://youtu.be/dQw4w9WgXcQ", "http://video.example.kz/a?t=1#x", "  HTTPS://A.KZ  "]
)
def test_ordinary_video_links_are_kept(link):
    assert ops.check_video_url(link) == link.strip()


def test_the_form_explains_a_bad_video_link_and_keeps_the_text(app):
    election = calendar_election()
    position = president(election)
    student("1001")
    browser = signed_in(app, "1001")
    response = post_form(
        browser,
        f"/campaign/{election.id}/nominate",
        {
            "position": str(position.id),
            "manifesto": "Менің бағдарламам",
            "video_url": "javascript:x",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert str(REASONS["video-url-invalid"]) in page
    assert "Менің бағдарламам" in page
    assert db.session.scalar(select(Candidate.id)) is None


def test_the_video_is_a_plain_link_never_embedded(app):
    election = calendar_election(Phase.campaign)
    position = president(election, required=0)
    candidate = Candidate(
        position=position,
        name="Дана",
        status="registered",
        video_url="https://video.example.kz/dana?a=1&b=2",
    )
    db.session.add(candidate)
    db.session.commit()
    student("1001", grade=9)
    page = (
        signed_in(app, "1001")
        .get(f"/campaign/{election.id}/candidates/{candidate.id}")
        .get_data(as_text=True)
    )
    link = 'href="https://video.example.kz/dana?a=1&amp;b=2" rel="noopener noreferrer nofollow ugc"'
    assert link in page
    assert "<iframe" not in page
    assert "<video" not in page


# Endorsements.


def test_endorsements_count_towards_registration_and_short_is_short(app):
    position = president(calendar_election(), required=2)
    nominee = nominated(student("1001"), position)
    endorse_by(nominee, "2001")
    with pytest.raises(NominationRefused) as refused:
        ops.register_nomination(COMMITTEE, nominee.id, "Толық")
    assert refused.value.reason == NominationReason.endorsements_short
    assert dict(refused.value.detail) == {"have": 1, "need": 2}
    db.session.rollback()
    endorse_by(nominee, "2002")
    registered = ops.register_nomination(COMMITTEE, nominee.id, "Қолдау жеткілікті.")
    assert registered.status == "registered"
    (entry,) = entries("nomination-registered")
    assert (entry.details["endorsements"], entry.details["required"]) == (2, 2)


def test_an_endorser_who_left_the_roll_no_longer_counts(app):
    position = president(calendar_election(), required=2)
    nominee = nominated(student("1001"), position)
    endorse_by(nominee, "2001", "2002")
    db.session.scalar(select(User).where(User.username == "2002")).active = False
    db.session.commit()
    with pytest.raises(NominationRefused) as refused:
        ops.register_nomination(COMMITTEE, nominee.id)
    assert refused.value.reason == NominationReason.endorsements_short


def test_each_student_endorses_at_most_the_election_limit(app):
    election = calendar_election(endorsement_limit=2)
    position = president(election)
    other = president(election, title="Secretary")
    nominees = [
        nominated(student("1001"), position),
        nominated(student("1002"), position),
        nominated(student("1003"), other),
    ]
    supporter = student("2001", grade=9)
    endorsements.endorse(actor_for(supporter), supporter, nominees[0].id)
    endorsements.endorse(actor_for(supporter), supporter, nominees[2].id)
    with pytest.raises(EndorsementRefused) as refused:
        endorsements.endorse(actor_for(supporter), supporter, nominees[1].id)
    assert refused.value.reason == EndorsementReason.limit_reached
    db.session.rollback()
    endorsements.withdraw_endorsement(actor_for(supporter), supporter, nominees[0].id)
    endorsements.endorse(actor_for(supporter), supporter, nominees[1].id)
    assert endorsements_used(supporter.id, election.id) == 2
    assert [e.action for e in entries("endorsement-withdrawn")] == ["endorsement-withdrawn"]


@pytest.mark.parametrize(
    ("who", "required", "reason"),
    [
        pytest.param("8001", 2, EndorsementReason.not_a_voter, id="grade-8-may-not-vote-here"),
        pytest.param("1001", 2, EndorsementReason.own_nomination, id="own-nomination"),
        pytest.param("2001", 0, EndorsementReason.not_needed, id="position-needs-none"),
    ],
)
def test_endorsements_the_rules_do_not_allow_are_refused(app, who, required, reason):
    position = president(calendar_election(), required=required)
    nominee = nominated(student("1001"), position)
    student("8001", grade=8)
    student("2001", grade=9)
    endorser = db.session.scalar(select(User).where(User.username == who))
    with pytest.raises(EndorsementRefused) as refused:
        endorsements.endorse(actor_for(endorser), endorser, nominee.id)
    assert refused.value.reason == reason
    db.session.rollback()
    assert db.session.scalar(select(Endorsement.student_id)) is None


def test_the_same_endorsement_twice_is_refused(app):
    nominee = nominated(student("1001"), president(calendar_election()))
    endorse_by(nominee, "2001")
    supporter = db.session.scalar(select(User).where(User.username == "2001"))
    with pytest.raises(EndorsementRefused) as refused:
        endorsements.endorse(actor_for(supporter), supporter, nominee.id)
    assert refused.value.reason == EndorsementReason.already_given


def test_endorsing_a_registered_candidate_is_refused(app):
    nominee = nominated(student("1001"), president(calendar_election(), required=0))
    ops.register_nomination(COMMITTEE, nominee.id)
    supporter = student("2001", grade=9)
    with pytest.raises(EndorsementRefused) as refused:
        endorsements.endorse(actor_for(supporter), supporter, nominee.id)
    assert refused.value.reason == EndorsementReason.not_pending


def test_a_student_endorses_through_the_page_and_sees_only_their_own(app):
    election = calendar_election()
    position = president(election)
    first = nominated(student("1001", name="Әли Серікбаев"), position)
    second = nominated(student("1002", name="Дана Иванова"), position)
    endorse_by(second, "2002", "2003")
    student("2001", grade=9)
    browser = signed_in(app, "2001")
    listing = browser.get(f"/campaign/{election.id}/endorse").get_data(as_text=True)
    assert "Әли Серікбаев" in listing
    assert "Дана Иванова" in listing
    assert "You have used 0 of your 2 endorsements." in listing
    response = post_form(browser, f"/campaign/endorsements/{first.id}")
    assert response.status_code == 302
    listing = browser.get(f"/campaign/{election.id}/endorse").get_data(as_text=True)
    assert "You have used 1 of your 2 endorsements." in listing
    assert listing.count("You endorse this nomination") == 1
    # Other students' endorsements and every count stay with the committee.
    assert "2002" not in listing
    assert "2003" not in listing


def test_nobody_but_the_committee_sees_endorsements(app, staff_client):
    election = calendar_election()
    position = president(election)
    nominee = nominated(student("1001"), position)
    endorse_by(nominee, "2001", "2002")
    supporter_names = [u.full_name for u in db.session.scalars(select(User).where(User.grade == 9))]
    nominee_browser = signed_in(app, "1001")
    for page in (
        f"/campaign/candidacies/{nominee.id}",
        f"/campaign/{election.id}/candidates/{nominee.id}",
        "/campaign/",
        "/vote/",
    ):
        text = nominee_browser.get(page).get_data(as_text=True)
        assert not any(name in text for name in supporter_names), page
        assert "Endorsements:" not in text
    committee, _user = staff_client("committee")
    review = committee.get(f"/committee/elections/{election.id}/nominations").get_data(as_text=True)
    assert all(name in review for name in supporter_names)
    assert "Endorsements: 2 of 2 needed" in review
    auditor, _user = staff_client("auditor")
    assert auditor.get(f"/committee/elections/{election.id}/nominations").status_code == 403
    assert nominee_browser.get(f"/committee/elections/{election.id}/nominations").status_code == 403


# Review by the commission.


def test_registration_and_rejection_reasons_are_shown_to_the_student(app, staff_client):
    election = calendar_election()
    position = president(election, required=0)
    accepted = nominated(student("1001"), position)
    refused = nominated(student("1002"), position)
    committee, _user = staff_client("committee")
    base = "/committee/candidates/{}/review"
    response = post_form(
        committee,
        base.format(accepted.id),
        {"decision": "register", "reason": "Барлық талап орындалды."},
    )
    assert response.status_code == 302
    response = post_form(
        committee,
        base.format(refused.id),
        {"decision": "reject", "reason": "Бағдарлама мектеп ережесіне қайшы."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (
        db.session.get(Candidate, accepted.id).status,
        db.session.get(Candidate, refused.id).status,
    ) == (
        "registered",
        "rejected",
    )
    own = signed_in(app, "1001").get(f"/campaign/candidacies/{accepted.id}").get_data(as_text=True)
    assert "Барлық талап орындалды." in own
    assert "You are a registered candidate" in own
    other = signed_in(app, "1002").get(f"/campaign/candidacies/{refused.id}").get_data(as_text=True)
    assert "Бағдарлама мектеп ережесіне қайшы." in other
    assert "Your nomination was rejected." in other
    assert (
        entries("nomination-rejected")[0].details["reason"] == "Бағдарлама мектеп ережесіне қайшы."
    )


def test_a_rejection_needs_a_written_reason(app, staff_client):
    nominee = nominated(student("1001"), president(calendar_election(), required=0))
    with pytest.raises(NominationRefused) as refused:
        ops.reject_nomination(COMMITTEE, nominee.id, "   ")
    assert refused.value.reason == NominationReason.reason_required
    db.session.rollback()
    committee, _user = staff_client("committee")
    response = post_form(
        committee, f"/committee/candidates/{nominee.id}/review", {"decision": "reject"}
    )
    assert response.status_code == 302
    assert db.session.get(Candidate, nominee.id).status == "nominated"
    page = committee.get(response.headers["Location"]).get_data(as_text=True)
    assert "Write why the nomination is rejected." in page


def test_a_nomination_is_reviewed_once(app):
    nominee = nominated(student("1001"), president(calendar_election(), required=0))
    ops.reject_nomination(COMMITTEE, nominee.id, "Кеш берілді.")
    with pytest.raises(NominationRefused) as refused:
        ops.register_nomination(COMMITTEE, nominee.id)
    assert refused.value.reason == NominationReason.not_pending


def test_students_never_review_nominations(app):
    nominee = nominated(student("1001"), president(calendar_election(), required=0))
    browser = signed_in(app, "1001")
    response = post_form(
        browser, f"/committee/candidates/{nominee.id}/review", {"decision": "register"}
    )
    assert response.status_code == 403
    assert db.session.get(Candidate, nominee.id).status == "nominated"


# Campaign pages and their versions.


def test_every_version_of_a_page_is_kept_and_the_committee_reads_them(app, staff_client):
    election = calendar_election()
    position = president(election, required=0)
    user = student("1001")
    nominee = nominated(user, position, "Бірінші нұсқа")
    ops.register_nomination(COMMITTEE, nominee.id)
    browser = signed_in(app, "1001")
    for text in ("Екінші нұсқа", "Үшінші нұсқа"):
        response = post_form(
            browser,
            f"/campaign/candidacies/{nominee.id}",
            {"manifesto": text, "video_url": ""},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    versions = db.session.scalars(
        select(CampaignPageVersion.manifesto)
        .where(CampaignPageVersion.candidate_id == nominee.id)
        .order_by(CampaignPageVersion.id)
    ).all()
    assert versions == ["Бірінші нұсқа", "Екінші нұсқа", "Үшінші нұсқа"]
    assert len(entries("campaign-page-updated")) == 2
    committee, _user = staff_client("committee")
    history = committee.get(f"/committee/candidates/{nominee.id}/history").get_data(as_text=True)
    assert all(text in history for text in versions)
    assert history.index("Үшінші нұсқа") < history.index("Бірінші нұсқа")
    assert browser.get(f"/committee/candidates/{nominee.id}/history").status_code == 403


def test_a_student_cannot_edit_someone_elses_page(app):
    position = president(calendar_election(), required=0)
    nominee = nominated(student("1001"), position, "Менікі")
    student("1002")
    browser = signed_in(app, "1002")
    response = post_form(
        browser, f"/campaign/candidacies/{nominee.id}", {"manifesto": "Басып алу", "video_url": ""}
    )
    assert response.status_code == 404
    assert db.session.get(Candidate, nominee.id).manifesto == "Менікі"


def test_pages_are_for_the_students_who_may_vote_for_the_candidate(app):
    election = calendar_election(Phase.campaign)
    position = president(election, required=0)
    shown = Candidate(position=position, name="Дана", status="registered", manifesto="Дана")
    pending = Candidate(position=position, name="Максим", status="nominated")
    db.session.add_all([shown, pending])
    db.session.commit()
    student("9001", grade=9)
    student("8001", grade=8)
    voter = signed_in(app, "9001")
    listing = voter.get(f"/campaign/{election.id}").get_data(as_text=True)
    assert "Дана" in listing
    assert "Максим" not in listing
    assert voter.get(f"/campaign/{election.id}/candidates/{shown.id}").status_code == 200
    assert voter.get(f"/campaign/{election.id}/candidates/{pending.id}").status_code == 404
    outsider = signed_in(app, "8001")
    assert outsider.get(f"/campaign/{election.id}").status_code == 404
    assert outsider.get(f"/campaign/{election.id}/candidates/{shown.id}").status_code == 404


def test_only_registered_candidates_are_on_the_ballot(app):
    election = calendar_election(Phase.open, closes_in=timedelta(hours=4))
    position = president(election, required=0)
    for name, status in (
        ("Әли", "registered"),
        ("Дана", "nominated"),
        ("Максим", "rejected"),
        ("Ирина", "withdrawn"),
    ):
        db.session.add(Candidate(position=position, name=name, status=status))
    voter = student("9001", grade=9)
    db.session.add(
        EligibleVoter(
            election_id=election.id, student_id=voter.id, grade=9, class_name="9A", shanyrak="Алтай"
        )
    )
    db.session.commit()
    ballot = load_student_ballot(election.id, voter, datetime.now(UTC))
    (only,) = ballot.positions
    assert [c.name for c in standing_candidates(only)] == ["Әли"]
    page = signed_in(app, "9001").get(f"/vote/{election.id}").get_data(as_text=True)
    assert "Әли" in page
    assert not any(name in page for name in ("Дана", "Максим", "Ирина"))


def test_the_student_home_links_to_nominations_and_campaigns(app):
    nominating = calendar_election(title="Nominations 2026")
    president(nominating)
    campaigning = calendar_election(Phase.campaign, title="Campaign 2026")
    position = president(campaigning, required=0)
    db.session.add(Candidate(position=position, name="Дана", status="registered"))
    db.session.commit()
    student("1001")
    home = signed_in(app, "1001").get("/vote/").get_data(as_text=True)
    assert f"/campaign/{nominating.id}/nominate" in home
    assert f"/campaign/{nominating.id}/endorse" in home
    assert f"/campaign/{campaigning.id}" in home


def test_every_calendar_refusal_has_a_sentence():
    from elections.operations.complaints import ComplaintReason
    from elections.operations.observers import ObserverReason

    for reasons in (NominationReason, EndorsementReason, ObserverReason, ComplaintReason):
        for reason in reasons:
            assert str(reason) in REASONS, reason
    for reason in (LifecycleReason.nominations_closed, LifecycleReason.campaign_page_frozen):
        assert str(reason) in REASONS


def test_withdrawing_releases_the_endorsements(app):
    position = president(calendar_election())
    user = student("1001")
    nominee = nominated(user, position)
    endorse_by(nominee, "2001", "2002")
    ops.withdraw_nomination(actor_for(user), user, nominee.id)
    assert db.session.scalar(select(Endorsement.student_id)) is None
    (entry,) = entries("nomination-withdrawn")
    assert entry.details["endorsements_released"] == 2


def test_a_position_already_nominated_for_is_not_offered_again(app):
    election = calendar_election()
    position = president(election)
    nominated(student("1001"), position)
    page = signed_in(app, "1001").get(f"/campaign/{election.id}/nominate").get_data(as_text=True)
    assert "There is no position in this election that you may stand for." in page


@pytest.mark.postgres
def test_simultaneous_endorsements_never_pass_the_limit(app):
    """Many endorsements by one student at the same instant: the election lock lets one in."""
    require(ON_POSTGRES, "row locks are tested on PostgreSQL (set TEST_DATABASE_URL)")
    election = calendar_election(endorsement_limit=1)
    position = president(election)
    nominees = [nominated(student(f"10{i:02d}"), position).id for i in range(8)]
    supporter_id = student("2001", grade=9).id
    start = threading.Barrier(len(nominees))

    def attempt(candidate_id: int) -> str:
        with app.app_context():
            supporter = db.session.get(User, supporter_id)
            start.wait()
            try:
                endorsements.endorse(actor_for(supporter), supporter, candidate_id)
            except EndorsementRefused as refused:
                db.session.rollback()
                return str(refused.reason)
            finally:
                db.session.remove()
            return "ok"

    with ThreadPoolExecutor(len(nominees)) as pool:
        outcomes = sorted(pool.map(attempt, nominees))
    assert outcomes == ["endorsement-limit"] * (len(nominees) - 1) + ["ok"]
    db.session.expire_all()
    assert len(db.session.scalars(select(Endorsement)).all()) == 1


def test_another_student_cannot_act_on_someone_elses_candidacy(app, staff_client):
    election = calendar_election()
    position = president(election)
    candidate = nominated(student("1001"), position)
    student("1002")
    intruder = signed_in(app, "1002")
    staff, _user = staff_client("committee")
    page = f"/campaign/candidacies/{candidate.id}"
    actions = {
        page: {"manifesto": "Taken over", "video_url": ""},
        f"{page}/withdraw": {},
        f"{page}/observer": {"who": "1002"},
        f"{page}/observer/remove": {},
    }
    before = (candidate.manifesto, candidate.status)
    for url, form in actions.items():
        assert post_form(intruder, url, form).status_code in (403, 404), url
        assert post_form(staff, url, form).status_code == 403, url  # candidacies are students'
    db.session.expire_all()
    kept = db.session.get(Candidate, candidate.id)
    assert (kept.manifesto, kept.status) == before
    assert db.session.scalars(select(Observer)).all() == []
