"""Secrecy: nothing stored, logged or kept in a cookie ties a student or an arrival to a ballot.

Forty students vote one after another through the real pages, in a known order. The
ballot box must not give that order back, whether read by key, read plainly, or (on
SQLite) by physical row id, before or after the box is sealed at closing.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from itertools import combinations

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError

from elections.extensions import db
from elections.models import AuditEvent, Ballot, BallotSeal, Election, Participation, Position
from elections.operations.audit_log import Actor
from elections.operations.lifecycle import close_election, open_election
from elections.operations.sealing import compact_ballot_storage, seal_ballot_box
from tests.conftest import ON_POSTGRES, make_election, make_position, require
from tests.test_voting import (
    answers,
    assert_ballot_box_consistent,
    carried_fields,
    cast_through_pages,
    review,
    signed_in_student,
)

VOTERS = 40
COMMITTEE = Actor("committee1", "committee", "127.0.0.1")
RANDOM_ID = re.compile(r"[0-9a-f]{32}")
# Words that would name a voter, a session, a moment or a position in a queue.
TELLING = re.compile(r"student|user|voter|session|time|date|_at$|seq|order|created|serial|rowid")


def vote_in_turn(browsers: list, election: Election, position: Position) -> list[str]:
    """Each browser's student votes in turn, alternating candidates; codes in arrival order."""
    arrival: list[str] = []
    for turn, browser in enumerate(browsers):
        choice = answers((position, "Әли" if turn % 2 else "Дана"))
        [code] = cast_through_pages(browser, election, choice)
        arrival.append(code)
    return arrival


@pytest.fixture
def voted_in_order(app):
    """Forty students vote in turn through the pages; the codes in arrival order."""
    election = make_election(phase="open")
    position = make_position(election, title="President", candidates=("Әли", "Дана"))
    browsers = [signed_in_student(app, election)[0] for _ in range(VOTERS)]
    arrival = vote_in_turn(browsers, election, position)
    return db.session.get(Election, election.id), arrival


def arrival_ranks(codes_in_row_order: list[str], arrival: list[str]) -> list[int]:
    """For each row as read, the turn at which its ballot arrived."""
    turn = {code: index for index, code in enumerate(arrival)}
    return [turn[code] for code in codes_in_row_order]


def kendall_tau(ranks: list[int]) -> float:
    """Rank correlation between reading order and arrival order: 1 same, -1 reversed, ~0 none."""
    pairs = list(combinations(range(len(ranks)), 2))
    concordant = sum(1 if ranks[i] < ranks[j] else -1 for i, j in pairs)
    return concordant / len(pairs)


def assert_not_arrival_order(codes_in_row_order: list[str], arrival: list[str]) -> None:
    """The rows as read are not in voting order, nor reversed, nor close to either.

    For 40 rows in random order, |tau| has a standard deviation of about 0.11, so the
    bound of 0.6 fails by chance about once in twenty million runs.
    """
    ranks = arrival_ranks(codes_in_row_order, arrival)
    assert sorted(ranks) == list(range(len(arrival)))
    assert ranks != sorted(ranks)
    assert ranks != sorted(ranks, reverse=True)
    assert abs(kendall_tau(ranks)) < 0.6, ranks


def codes_by_key() -> list[str]:
    """Tracking codes in primary-key order."""
    return list(db.session.scalars(select(Ballot.tracking_code).order_by(Ballot.id)))


def codes_as_stored() -> list[str]:
    """Tracking codes in whatever order a plain ``SELECT *`` returns the rows."""
    rows = db.session.execute(text("SELECT * FROM ballot")).mappings().all()
    return [row["tracking_code"] for row in rows]


def seal(election: Election) -> None:
    """Close the box as the committee's closing does: seal, commit, then compact storage."""
    seal_ballot_box(election)
    db.session.commit()
    compact_ballot_storage()


def test_the_ballot_table_names_no_voter_time_or_sequence(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns("ballot")}
    assert columns == {"id", "position_id", "choices", "tracking_code"}
    assert not [name for name in columns if TELLING.search(name)]
    targets = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("ballot")}
    assert targets == {"position"}
    assert [
        c for c in inspect(db.engine).get_columns("ballot") if c.get("autoincrement") is True
    ] == []


def test_participation_says_only_who_voted_where(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns("participation")}
    assert columns == {"position_id", "student_id"}
    pk = inspect(db.engine).get_pk_constraint("participation")["constrained_columns"]
    assert sorted(pk) == ["position_id", "student_id"]


def test_no_table_points_at_a_ballot(app):
    inspector = inspect(db.engine)
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            assert fk["referred_table"] != "ballot", table


def test_ballot_ids_are_random_and_rows_come_back_out_of_voting_order(app, voted_in_order):
    election, arrival = voted_in_order
    ids = list(db.session.scalars(select(Ballot.id)))
    assert len(ids) == VOTERS
    assert len(set(ids)) == VOTERS
    assert all(RANDOM_ID.fullmatch(ballot_id) for ballot_id in ids)
    assert_not_arrival_order(codes_by_key(), arrival)
    if db.engine.dialect.name == "sqlite":
        assert_not_arrival_order(codes_as_stored(), arrival)  # WITHOUT ROWID: key order
    seal(election)
    assert_not_arrival_order(codes_by_key(), arrival)
    assert_not_arrival_order(codes_as_stored(), arrival)  # after the seal, on every database
    assert_ballot_box_consistent(arrival)


def test_opened_and_closed_by_the_committee_the_box_keeps_no_order(app):
    """End to end: the committee's opening freezes the roll, its closing seals the box."""
    election = make_election(phase="draft")
    position = make_position(election, title="President", candidates=("Әли", "Дана"))
    browsers = [signed_in_student(app)[0] for _ in range(VOTERS)]  # on the roll, not frozen
    open_election(COMMITTEE, election.id, datetime.now(UTC))
    arrival = vote_in_turn(browsers, election, position)
    close_election(COMMITTEE, election.id, datetime.now(UTC))
    [sealed] = db.session.scalars(select(BallotSeal)).all()
    assert sealed.ballot_count == VOTERS
    assert_not_arrival_order(codes_by_key(), arrival)
    assert_not_arrival_order(codes_as_stored(), arrival)
    assert_ballot_box_consistent(arrival)


def test_sqlite_keeps_no_hidden_row_number(app, voted_in_order):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("rowid is SQLite's; PostgreSQL's heap order is rewritten by the seal")
    with pytest.raises(OperationalError, match="rowid"):
        db.session.execute(text("SELECT rowid FROM ballot")).all()
    db.session.rollback()
    create = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ballot'"))
    assert "WITHOUT ROWID" in create.upper()


def test_the_audit_log_of_the_votes_holds_no_code_and_no_choice(app, voted_in_order):
    election, arrival = voted_in_order
    events = db.session.scalars(select(AuditEvent)).all()
    voted = [e for e in events if e.action == "voted"]
    assert len(voted) == VOTERS
    assert all(e.details == {} for e in voted)
    assert all(e.object_id == str(election.id) for e in voted)
    everything = json.dumps(
        [[e.action, e.object_type, e.object_id, e.details] for e in events], ensure_ascii=False
    )
    for code in arrival:
        assert code not in everything
    for name in ("Әли", "Дана"):
        assert name not in json.dumps([e.details for e in voted], ensure_ascii=False)


def test_forty_voters_leave_forty_participations_ballots_and_receipts(app, voted_in_order):
    _election, arrival = voted_in_order
    rows = db.session.execute(select(Participation.position_id, Participation.student_id)).all()
    assert len(rows) == len(arrival)
    assert_ballot_box_consistent(arrival)


def test_the_session_cookie_forgets_the_receipt_once_the_student_moves_on(app):
    election = make_election(phase="open")
    position = make_position(election, title="President")
    browser, _student = signed_in_student(app, election)
    checked = review(browser, election, answers((position, "Дана")))
    browser.post(f"/vote/{election.id}/cast", data=carried_fields(checked.text))
    serializer = app.session_interface.get_signing_serializer(app)
    carried = serializer.loads(browser.get_cookie("session").value)
    [code] = carried["vote_receipt"]["codes"][0][1:]
    assert "Дана" not in json.dumps(carried, ensure_ascii=False)  # a code, never a choice
    browser.get("/vote/receipt")
    browser.get("/vote/")
    after = serializer.loads(browser.get_cookie("session").value)
    assert "vote_receipt" not in after
    assert code not in json.dumps(after)
    assert_ballot_box_consistent([code])


def transaction_links() -> int:
    """Ballots whose writing transaction (PostgreSQL's xmin) is also some participation's."""
    return db.session.scalar(
        text("SELECT count(*) FROM ballot b JOIN participation p ON p.xmin = b.xmin")
    )


@pytest.mark.postgres
def test_after_the_seal_no_transaction_id_joins_a_ballot_to_its_voter(app):
    require(ON_POSTGRES, "transaction ids on rows are PostgreSQL's (set TEST_DATABASE_URL)")
    election = make_election(phase="draft")
    position = make_position(election, title="President", candidates=("Әли", "Дана"))
    browsers = [signed_in_student(app)[0] for _ in range(VOTERS)]
    open_election(COMMITTEE, election.id, datetime.now(UTC))
    vote_in_turn(browsers, election, position)
    # A vote writes its participation and its ballot in one transaction, so until the
    # seal each ballot shares its writer's id with its voter's participation.
    assert transaction_links() == VOTERS

    close_election(COMMITTEE, election.id, datetime.now(UTC))

    assert transaction_links() == 0
    writers = db.session.scalars(text("SELECT DISTINCT xmin::text FROM ballot")).all()
    assert len(writers) == 1  # the close's, shared by every ballot
