"""The committee's commands: list, open, close, publish, the cron tick, and the demo election."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from elections.domain.eligibility import StudentFacts, is_eligible
from elections.extensions import db
from elections.models import AuditEvent, BallotSeal, Election, EligibleVoter, User
from tests.conftest import make_election, make_position


def phase_of(election_id: int) -> str:
    """The stored phase, read fresh."""
    db.session.expire_all()
    return db.session.get(Election, election_id).phase


def test_list_shows_every_election(app, runner):
    make_election(title="Council of Leaders 2031")
    make_election(title="Class 9А captain", phase="open")
    result = runner.invoke(args=["election", "list"])
    assert result.exit_code == 0, result.output
    assert "draft" in result.output
    assert "Council of Leaders 2031" in result.output
    assert "open" in result.output
    assert "Class 9А captain" in result.output


def test_open_close_and_publish_from_the_shell(app, runner):
    election = make_election(opens_in=timedelta(minutes=5))
    make_position(election, candidates=("Дана",))  # uncontested: no lot needed to publish
    for command, phase in (("open", "open"), ("close", "closed"), ("publish", "published")):
        result = runner.invoke(args=["election", command, str(election.id)])
        assert result.exit_code == 0, result.output
        assert phase_of(election.id) == phase
        assert f"-> {phase}" in result.output
    actor = db.session.scalars(
        select(AuditEvent.actor).where(AuditEvent.action == "election-opened")
    ).one()
    assert actor.startswith("cli:")
    assert db.session.scalar(select(func.count()).select_from(BallotSeal)) == 1


def test_a_refused_command_exits_non_zero_with_the_reason(app, runner):
    closed = make_election(phase="closed")
    empty = make_election()
    reopen = runner.invoke(args=["election", "open", str(closed.id)])
    assert reopen.exit_code == 1
    assert "refused (already-closed)" in reopen.output
    assert "never reopens" in reopen.output
    no_ballot = runner.invoke(args=["election", "open", str(empty.id)])
    assert no_ballot.exit_code == 1
    assert "no-positions" in no_ballot.output
    missing = runner.invoke(args=["election", "close", "999"])
    assert missing.exit_code == 1
    assert "not-found" in missing.output
    assert (phase_of(closed.id), phase_of(empty.id)) == ("closed", "draft")


def test_tick_closes_what_is_due_and_says_so(app, runner):
    due = make_election(phase="open", opens_in=timedelta(hours=-3), lasts=timedelta(hours=1))
    make_position(due)
    running = make_election(phase="open", title="Still running")
    make_position(running)
    result = runner.invoke(args=["polls", "tick"])
    assert result.exit_code == 0, result.output
    assert f"Election {due.id}" in result.output
    assert "open -> closed" in result.output
    assert (phase_of(due.id), phase_of(running.id)) == ("closed", "open")
    again = runner.invoke(args=["polls", "tick"])
    assert again.exit_code == 0
    assert "Nothing due." in again.output


def test_tick_exits_non_zero_when_a_due_election_cannot_move(app, runner):
    stuck = make_election(opens_in=timedelta(minutes=-1))
    stuck.scheduled = True
    db.session.commit()
    result = runner.invoke(args=["polls", "tick"])
    assert result.exit_code == 1
    assert "no-positions" in result.output
    assert phase_of(stuck.id) == "draft"


def test_the_demo_seeds_a_realistic_open_election(app, runner, tmp_path):
    app.instance_path = str(tmp_path)  # the demo writes its access codes there
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo election" in result.output
    election = db.session.scalars(select(Election).where(Election.phase == "open")).one()
    assert election.roll_digest is not None
    assert timedelta(days=6, hours=23) < election.closes_at - election.opens_at <= timedelta(days=7)
    students = db.session.scalar(
        select(func.count()).select_from(User).where(User.role == "student")
    )
    frozen = db.session.scalar(
        select(func.count())
        .select_from(EligibleVoter)
        .where(EligibleVoter.election_id == election.id)
    )
    assert frozen == students > 0
    by_method = {}
    for position in election.positions:
        by_method.setdefault(position.method, []).append(position)

    (president,) = by_method["ranked"]
    assert president.seats == 1
    assert president.voter_grades == [8, 9, 10, 11]
    assert len(president.candidates) >= 3
    for candidate in president.candidates:
        assert candidate.student is not None
        assert 8 <= candidate.student.grade <= 11
        assert candidate.manifesto

    leaders = by_method["single"]
    shanyraks = set(
        db.session.scalars(select(User.shanyrak).where(User.role == "student").distinct())
    )
    assert {tuple(p.voter_shanyraks) for p in leaders} == {(s,) for s in shanyraks}
    for position in leaders:
        assert 2 <= len(position.candidates) <= 3
        for candidate in position.candidates:
            student = candidate.student
            facts = StudentFacts(student.grade, student.class_name, student.shanyrak)
            assert student.shanyrak == position.voter_shanyraks[0]
            assert is_eligible(position.candidate_rule, facts)

    (question,) = by_method["yesno"]
    (proposal,) = question.candidates
    assert proposal.student_id is None
    assert question.voter_grades == []
    assert question.voter_shanyraks == []

    photos = [c for p in election.positions for c in p.candidates if c.photo_digest]
    assert photos
    assert all(c.photo_type == "image/webp" for c in photos)
    assert "election-opened" in db.session.scalars(select(AuditEvent.action)).all()
