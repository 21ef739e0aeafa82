"""A realistic election run through the real operations, which the audit tests tamper with.

``run_election`` opens, votes, closes (sealing) and publishes with the lifecycle
operations; the tests here show that an honest run verifies everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from elections.bundle.verify import verify_bundle
from elections.domain.verification import CheckKind, Status, verify
from elections.extensions import db
from elections.models import Election, Position, PublishedResult, User
from elections.operations import lifecycle
from elections.operations.audit_log import Actor
from elections.operations.auditing import verify_database
from elections.operations.voting import cast_ballots
from elections.queries.export import election_record
from tests.conftest import make_election, make_position, make_staff, make_student

COMMITTEE = Actor("committee1", "committee", "192.0.2.10")


def _choices(index: int, positions: dict[str, Position]) -> dict[int, tuple]:
    """Student ``index``'s ballots: varied, some blank, some positions skipped.

    With the default twelve voters no count ties, so every result is complete.
    """
    president, council, captain, question = (
        positions[k] for k in ("president", "council", "captain", "question")
    )
    p = [c.id for c in sorted(president.candidates, key=lambda c: c.name)]
    c = [c.id for c in sorted(council.candidates, key=lambda c: c.name)]
    r = [c.id for c in sorted(captain.candidates, key=lambda c: c.name)]
    chosen: dict[int, tuple] = {
        president.id: ((p[0],), (p[0],), (p[1],), (p[2],), ())[index % 5],
        council.id: tuple(sorted(((c[0], c[1]), (c[0], c[1]), (c[0], c[2]), (c[3],))[index % 4])),
        question.id: (("yes",), ("yes",), ("no",))[index % 3],
    }
    if index % 4 != 3:  # every fourth student skips the ranked position
        rankings = ((r[0], r[1]), (r[1], r[2], r[0]), (r[2], r[0]), (r[0],), (r[1], r[0]))
        chosen[captain.id] = rankings[index % 5]
    return chosen


def run_election(*, voters: int = 12, publish: bool = True) -> Election:
    """An election with four positions (single, multi, ranked, yes/no), voted and closed.

    When ``publish``, the publication stores each position's result, records their digests
    in its audit entry and keeps the log's head on the election.
    """
    election = make_election(title="Council of Leaders 2026")
    positions = {
        "president": make_position(election, title="President"),
        "council": make_position(
            election, title="Council", method="multi", seats=2, candidates=("А", "Б", "В", "Г")
        ),
        "captain": make_position(
            election, title="Captain", method="ranked", candidates=("Ерлан", "Жанна", "Зере")
        ),
        "question": make_position(
            election, title="Uniform", method="yesno", candidates=("A new uniform",)
        ),
    }
    students = [make_student(code=None) for _ in range(voters)]
    make_staff("committee", username="committee1")
    now = datetime.now(UTC)
    lifecycle.open_election(COMMITTEE, election.id, now)
    for index, student in enumerate(students):
        voter = Actor(student.username, "student", "192.0.2.50")
        cast_ballots(voter, student, election.id, _choices(index, positions), now)
    lifecycle.close_election(COMMITTEE, election.id, now)
    if publish:
        lifecycle.publish_election(COMMITTEE, election.id, now)
    db.session.expire_all()
    return db.session.get(Election, election.id)


def position_titled(election: Election, title: str) -> Position:
    """One of the scenario's positions by title."""
    return next(p for p in election.positions if p.title == title)


def test_an_honest_published_election_verifies_in_the_database(app):
    election = run_election()
    report = verify_database()
    assert report.ok, [c for c in report.checks if c.failed]
    kinds = {(c.kind, c.position_id) for c in report.checks if c.status == Status.ok}
    for position in election.positions:
        for kind in (CheckKind.participation, CheckKind.seal, CheckKind.recount):
            assert (kind, position.id) in kinds
        # The ``ballot-box-sealed`` and ``election-published`` entries anchor every seal
        # and every result in the chain.
        assert (CheckKind.seal_recorded, position.id) in kinds
        assert (CheckKind.result_recorded, position.id) in kinds
    published = next(c for c in report.checks if c.kind == CheckKind.published_head)
    assert published.status == Status.ok
    assert published.seq == election.published_head_seq


def test_a_closed_election_verifies_without_a_recount(app):
    run_election(publish=False)
    report = verify_database()
    assert report.ok
    kinds = {c.kind for c in report.checks}
    assert CheckKind.recount not in kinds
    assert CheckKind.published_head not in kinds
    assert CheckKind.seal in kinds


def test_participation_is_counted_per_position(app):
    election = run_election(voters=8, publish=False)
    record = election_record(election)
    captain = next(p for p in record.positions if p.title == "Captain")
    president = next(p for p in record.positions if p.title == "President")
    assert president.participation == 8
    assert captain.participation == 6  # students 3 and 7 skipped it
    assert len(captain.ballots) == 6
    assert [b.id for b in captain.ballots] == sorted(b.id for b in captain.ballots)


def test_the_scenario_is_realistic(app):
    election = run_election()
    assert election.phase == "published"
    assert election.published_head_seq is not None
    results = db.session.scalars(select(PublishedResult)).all()
    assert len(results) == 4
    assert all(r.result["complete"] for r in results)
    assert db.session.scalar(select(User).where(User.username == "committee1")) is not None


def test_records_verify_the_same_through_the_pure_core_and_a_bundle(app, tmp_path):
    from elections.operations.auditing import export_bundle
    from elections.queries.audit_log import audit_entries, head_row
    from elections.queries.export import DirectoryWriter

    election = run_election()
    direct = verify(list(audit_entries()), [election_record(election)], log_head=head_row())
    export_bundle(COMMITTEE, election, DirectoryWriter(tmp_path / "bundle"))
    from_bundle = verify_bundle(tmp_path / "bundle")
    assert direct.ok
    assert from_bundle.ok, [c for c in from_bundle.checks if c.failed]
    assert [(c.kind, c.position_id) for c in direct.checks] == [
        (c.kind, c.position_id) for c in from_bundle.checks
    ]
