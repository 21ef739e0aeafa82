"""Closing the poll while a vote is in flight, on PostgreSQL's row locks.

A vote locks its election row shared from the first statement to its commit; closing
updates that row. So a close that arrives mid-vote waits, and then seals a box that
holds the vote; a vote that starts after the close is refused. Nothing is lost either
way, and no ballot slips in after the seal.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from elections.domain.errors import LifecycleReason, LifecycleRefusal
from elections.extensions import db
from elections.models import Ballot, BallotSeal, Election, Participation, User
from elections.operations.audit_log import Actor
from elections.operations.lifecycle import close_election
from elections.operations.voting import cast_ballots, cast_in_booth, enter_booth
from tests.conftest import ON_POSTGRES, enrol, make_election, make_position, make_student, require
from tests.test_voting import VOTER

pytestmark = pytest.mark.postgres
COMMITTEE = Actor("committee", "committee", "127.0.0.1")


def waiting_on_a_lock() -> bool:
    """Whether another session of this database is blocked on a row lock right now."""
    with db.engine.connect() as probe:
        return bool(
            probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            )
        )


def test_a_close_waits_for_the_vote_in_flight_and_seals_it(app):
    require(ON_POSTGRES, "row locks are tested on PostgreSQL (set TEST_DATABASE_URL)")
    election = make_election(phase="open")
    position = make_position(election)
    voter, latecomer = make_student(code=None), make_student(code=None)
    enrol(election, voter, latecomer)
    election_id, position_id, voter_id, latecomer_id = (
        election.id,
        position.id,
        voter.id,
        latecomer.id,
    )
    choice = {position_id: (position.candidates[0].id,)}
    db.session.commit()
    db.session.close()
    in_booth, close_started = threading.Event(), threading.Event()
    finished: dict[str, float] = {}

    def vote() -> list:
        with app.app_context():
            booth = enter_booth(election_id, voter_id, datetime.now(UTC))
            in_booth.set()
            assert close_started.wait(10)
            deadline = time.monotonic() + 10
            while not waiting_on_a_lock():  # the close is queued behind this vote
                assert time.monotonic() < deadline, "the close never waited for the vote"
                time.sleep(0.02)
            receipts = cast_in_booth(VOTER, voter_id, booth, choice)
            finished["vote"] = time.monotonic()
            db.session.remove()
            return receipts

    def close() -> None:
        with app.app_context():
            assert in_booth.wait(10)
            close_started.set()
            close_election(COMMITTEE, election_id, datetime.now(UTC))
            finished["close"] = time.monotonic()
            db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        voted, closed = pool.submit(vote), pool.submit(close)
        (receipt,) = voted.result(timeout=30)
        closed.result(timeout=30)

    assert finished["vote"] < finished["close"]
    db.session.expire_all()
    assert db.session.get(Election, election_id).phase == "closed"
    seal = db.session.get(BallotSeal, position_id)
    assert seal.ballot_count == 1
    stored = db.session.scalars(select(Ballot.tracking_code)).all()
    assert stored == [receipt.tracking_code]

    late = db.session.get(User, latecomer_id)
    with pytest.raises(LifecycleRefusal) as refused:
        cast_ballots(VOTER, late, election_id, choice, datetime.now(UTC))
    assert refused.value.reason == LifecycleReason.voting_closed
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
