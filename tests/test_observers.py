"""Candidates' observers: what they may see in each phase, of their election only, never acting.

The access matrix walks a real election through every phase with the operations, and
checks each page an observer might open: turnout from opening, the count and the audit
log from closing, nothing of any other election, and no committee page or action ever.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from elections.domain.lifecycle import Phase, next_phases
from elections.extensions import db
from elections.models import AuditEvent, Candidate, Election, Observer, User
from elections.operations import lifecycle as phases
from elections.operations import nominations
from elections.operations import observers as ops
from elections.operations.observers import ObserverReason, ObserverRefused
from elections.operations.voting import cast_ballots
from elections.queries.observers import is_observer, observed_elections
from tests.conftest import make_staff, post_form
from tests.test_nominations import (
    COMMITTEE,
    actor_for,
    calendar_election,
    endorse_by,
    nominated,
    president,
    signed_in,
    student,
)

ORDER = list(Phase)
TURNOUT_FROM = Phase.open
COUNT_FROM = Phase.closed


def walk_to(election: Election, target: Phase) -> None:
    """Move the election by hand, one recorded step at a time, up to ``target``."""
    while db.session.get(Election, election.id).current_phase != target:
        current = db.session.get(Election, election.id)
        (step,) = next_phases(current.current_phase, current.schedule)
        phases.advance_election(
            COMMITTEE,
            election.id,
            step,
            datetime.now(UTC),
            override=step == Phase.published,
            override_reason="Test calendar: publish before the window ends.",
        )
        db.session.expire_all()


@pytest.fixture
def watched(app):
    """A draft election with a candidate (1001) who named an observer (5001), and a voter."""
    election = calendar_election(Phase.draft)
    position = president(election, required=1)
    candidate_user = student("1001")
    student("5001", grade=9, name="Бақылаушы Оқушы")
    candidate = Candidate(
        position=position,
        student_id=candidate_user.id,
        name=candidate_user.full_name,
        status="registered",
    )
    db.session.add(candidate)
    db.session.commit()
    ops.name_observer(actor_for(candidate_user), candidate_user, candidate.id, "5001")
    return election


@pytest.fixture
def elsewhere(app):
    """Another election, closed, that nobody named 5001 to observe."""
    election = calendar_election(Phase.closed, closes_in=-timedelta(hours=1), title="Other poll")
    president(election, required=0)
    return election


def pages(election_id: int) -> dict[str, str]:
    """The observer's pages of an election."""
    return {
        "turnout": f"/committee/elections/{election_id}/turnout",
        "turnout.json": f"/committee/elections/{election_id}/turnout.json",
        "results": f"/results/{election_id}",
        "log": f"/audit/elections/{election_id}",
    }


@pytest.mark.parametrize("phase", ORDER, ids=[str(p) for p in ORDER])
def test_the_observer_access_matrix(app, watched, elsewhere, phase):
    walk_to(watched, phase)
    observer = signed_in(app, "5001")
    rank = ORDER.index(phase)
    mine = pages(watched.id)

    turnout = observer.get(mine["turnout"])
    assert turnout.status_code == 200
    numbers_shown = "Whole election" in turnout.get_data(as_text=True)
    assert numbers_shown == (rank >= ORDER.index(TURNOUT_FROM))
    data = observer.get(mine["turnout.json"]).get_json()
    assert data["available"] == (rank >= ORDER.index(TURNOUT_FROM))

    counted = rank >= ORDER.index(COUNT_FROM)
    assert observer.get(mine["results"]).status_code == (200 if counted else 403)
    assert observer.get(mine["log"]).status_code == (200 if counted else 403)

    # Never any other election, whatever its phase allows officials.
    for page, address in pages(elsewhere.id).items():
        assert observer.get(address).status_code == 403, page

    # Never a committee page or action, and never the auditors' workspace.
    for address in (
        f"/committee/elections/{watched.id}",
        f"/committee/elections/{watched.id}/nominations",
        f"/committee/elections/{watched.id}/observers",
        f"/committee/elections/{watched.id}/complaints",
        f"/committee/elections/{watched.id}/phase/published",
        "/committee/",
        "/audit/",
    ):
        assert observer.get(address).status_code == 403, address
    position_id = watched.positions[0].id
    for address in (
        f"/committee/elections/{watched.id}/phase/published",
        f"/results/{watched.id}/positions/{position_id}/lot/draw",
        f"/results/{watched.id}/positions/{position_id}/runoff",
        "/audit/verify",
        "/audit/bundle",
    ):
        response = post_form(observer, address, {"confirm": "y"})
        assert response.status_code == 403, address
    assert db.session.get(Election, watched.id).current_phase == phase


@pytest.mark.parametrize("phase", [Phase.open, Phase.closed, Phase.published])
def test_a_student_who_observes_nothing_sees_nothing_before_publication(app, watched, phase):
    walk_to(watched, phase)
    student("6001", grade=9)
    browser = signed_in(app, "6001")
    mine = pages(watched.id)
    assert browser.get(mine["turnout"]).status_code == 403
    assert browser.get(mine["log"]).status_code == 403
    assert browser.get(mine["results"]).status_code == (200 if phase == Phase.published else 403)


def test_an_unregistered_candidates_observer_has_no_access(app):
    election = calendar_election(Phase.nomination)
    nominee_user = student("1001")
    nominee = nominated(nominee_user, president(election, required=0))
    student("5001", grade=9)
    ops.name_observer(actor_for(nominee_user), nominee_user, nominee.id, "5001")
    observer_user = db.session.scalar(select(User).where(User.username == "5001"))
    assert not is_observer(observer_user, election.id)
    nominations.register_nomination(COMMITTEE, nominee.id)
    assert is_observer(observer_user, election.id)
    assert [e.id for e in observed_elections(observer_user)] == [election.id]


def test_the_observers_audit_log_withholds_who_endorsed(app):
    election = calendar_election(Phase.nomination)
    nominee_user = student("1001")
    nominee = nominated(nominee_user, president(election, required=1))
    endorse_by(nominee, "endorser-77")
    nominations.register_nomination(COMMITTEE, nominee.id)
    student("5001", grade=9)
    ops.name_observer(actor_for(nominee_user), nominee_user, nominee.id, "5001")
    walk_to(election, Phase.closed)
    page = signed_in(app, "5001").get(f"/audit/elections/{election.id}").get_data(as_text=True)
    assert "endorsement-given" in page
    assert "withheld" in page
    assert "endorser-77" not in page
    assert "nomination-registered" in page


def test_observers_see_who_voted_never_how(app, watched):
    walk_to(watched, Phase.open)
    voter = db.session.scalar(select(User).where(User.username == "5001"))
    position = watched.positions[0]
    (receipt,) = cast_ballots(
        actor_for(voter),
        voter,
        watched.id,
        {position.id: (position.candidates[0].id,)},
        datetime.now(UTC),
    )
    walk_to(watched, Phase.closed)
    observer = signed_in(app, "5001")
    for address in pages(watched.id).values():
        assert receipt.tracking_code not in observer.get(address).get_data(as_text=True)


def test_a_candidate_names_replaces_and_removes_an_observer(app):
    election = calendar_election(Phase.campaign)
    position = president(election, required=0)
    candidate_user = student("1001")
    candidate = Candidate(
        position=position, student_id=candidate_user.id, name="Әли", status="registered"
    )
    db.session.add(candidate)
    db.session.commit()
    student("5001", grade=9)
    teacher = make_staff("auditor", username="teacher.aliya")
    browser = signed_in(app, "1001")
    address = f"/campaign/candidacies/{candidate.id}/observer"
    assert post_form(browser, address, {"who": "5001"}).status_code == 302
    assert post_form(browser, address, {"who": "teacher.aliya"}).status_code == 302
    observer = db.session.scalars(select(Observer)).one()
    assert observer.user_id == teacher.id
    named = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "observer-named").order_by(AuditEvent.seq)
    ).all()
    assert [e.details["observer"] for e in named] == ["5001", "teacher.aliya"]
    assert named[-1].details["replaces"] == "5001"
    page = browser.get(f"/campaign/candidacies/{candidate.id}").get_data(as_text=True)
    assert "teacher.aliya" in page
    assert post_form(browser, f"{address}/remove").status_code == 302
    assert db.session.scalar(select(Observer.id)) is None


@pytest.mark.parametrize(
    ("who", "phase", "reason"),
    [
        pytest.param("nobody", Phase.campaign, ObserverReason.unknown_account, id="unknown"),
        pytest.param("1001", Phase.campaign, ObserverReason.own_observer, id="self"),
        pytest.param("5001", Phase.open, ObserverReason.too_late, id="voting-open"),
        pytest.param("5001", Phase.closed, ObserverReason.too_late, id="after-closing"),
    ],
)
def test_observers_that_cannot_be_named(app, who, phase, reason):
    election = calendar_election(phase, closes_in=timedelta(hours=4))
    candidate_user = student("1001")
    candidate = Candidate(
        position=president(election, required=0),
        student_id=candidate_user.id,
        name="Әли",
        status="registered",
    )
    db.session.add(candidate)
    db.session.commit()
    student("5001", grade=9)
    with pytest.raises(ObserverRefused) as refused:
        ops.name_observer(actor_for(candidate_user), candidate_user, candidate.id, who)
    assert refused.value.reason == reason


def test_only_the_candidate_names_their_observer(app):
    election = calendar_election(Phase.campaign)
    candidate_user = student("1001")
    candidate = Candidate(
        position=president(election, required=0),
        student_id=candidate_user.id,
        name="Әли",
        status="registered",
    )
    db.session.add(candidate)
    db.session.commit()
    student("1002")
    intruder = signed_in(app, "1002")
    response = post_form(
        intruder, f"/campaign/candidacies/{candidate.id}/observer", {"who": "1002"}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(Observer.id)) is None


def test_the_committee_lists_the_observers(app, watched, staff_client):
    committee, _user = staff_client("committee")
    page = committee.get(f"/committee/elections/{watched.id}/observers").get_data(as_text=True)
    assert "Бақылаушы Оқушы" in page
    assert "5001" in page


def test_the_student_home_lists_the_elections_they_observe(app, watched):
    walk_to(watched, Phase.open)
    home = signed_in(app, "5001").get("/campaign/").get_data(as_text=True)
    assert "Elections you observe" in home
    assert f"/committee/elections/{watched.id}/turnout" in home
    assert f"/audit/elections/{watched.id}" not in home  # not before closing
    assert "You observe" in signed_in(app, "5001").get("/vote/").get_data(as_text=True)


def test_the_audit_entries_of_observer_naming(app, watched):
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "observer-named")
    ).one()
    assert (entry.actor, entry.election_id, entry.details["observer"]) == (
        "1001",
        watched.id,
        "5001",
    )


@pytest.mark.parametrize("phase", [Phase.open, Phase.closed, Phase.published])
def test_the_results_index_lists_what_the_observer_may_open(app, watched, elsewhere, phase):
    walk_to(watched, phase)
    index = signed_in(app, "5001").get("/results/").get_data(as_text=True)
    listed = f'href="/results/{watched.id}"' in index
    assert listed == (phase != Phase.open)  # from closing, like the count itself
    assert f'href="/results/{elsewhere.id}"' not in index  # closed, but not theirs
