"""Casting ballots: one transaction per submission, one ballot per student and position.

The participation row (primary key: position, student) and the ballot row (random key,
no voter, no time) are written together or not at all. A second submission for the
same position, from a double click, another tab or another app process, fails on the
participation key and writes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from elections.domain import codes, lifecycle
from elections.domain.ballot import Choices, encode_ballot
from elections.domain.eligibility import is_eligible
from elections.domain.errors import (
    DomainError,
    IneligibleReason,
    IneligibleVoter,
    LifecycleReason,
    LifecycleRefusal,
)
from elections.extensions import db
from elections.models import Ballot, Election, EligibleVoter, Participation, Position, User
from elections.operations.audit_log import Actor, record


class VoteReason(StrEnum):
    """Why a submission as a whole was refused."""

    already_voted = "already-voted"
    nothing_submitted = "nothing-submitted"
    unknown_position = "unknown-position"


class VoteRefused(DomainError[VoteReason]):
    """The submission cannot be taken; nothing was written."""

    status = 409


@dataclass(frozen=True)
class Receipt:
    """What the student takes away: the position and the ballot's tracking code, nothing else."""

    position_id: int
    position_title: str
    tracking_code: str


def new_ballot_id() -> str:
    """128 random bits: a key that says nothing about when or by whom a ballot was cast."""
    return secrets.token_hex(16)


def lock_election_for_voting(election_id: int) -> Election:
    """Lock the election row shared, so a concurrent close waits for this vote or refuses it.

    On PostgreSQL, closing updates the election row and so waits for every voting
    transaction holding this lock; a vote that starts after the close sees the new
    phase. On SQLite, BEGIN IMMEDIATE already serialises the two.
    """
    locked = db.session.execute(_LOCK_FOR_VOTING, {"election_id": election_id}).one_or_none()
    if locked is None:
        raise VoteRefused(VoteReason.unknown_position)
    # The caller usually has the election and its positions loaded already: keep them,
    # and let the phase and closing time read under the lock be the ones that count.
    election = db.session.get_one(Election, election_id)
    set_committed_value(election, "phase", locked.phase)
    set_committed_value(election, "closes_at", locked.closes_at)
    return election


def eligible_positions(election: Election, voter: EligibleVoter | None) -> list[Position]:
    """The positions of the election whose voter rule the frozen roll entry satisfies."""
    if voter is None:
        return []
    return [p for p in election.positions if is_eligible(p.voter_rule, voter.facts)]


def cast_ballots(
    actor: Actor,
    student: User,
    election_id: int,
    choices: Mapping[int, Choices],
    now: datetime,
) -> list[Receipt]:
    """Record the student's ballots for the given positions, all in one transaction.

    ``choices`` maps position id to validated, canonical choices. Refusals raise a
    ``DomainError`` with nothing written; the caller logs the rejected attempt.
    """
    if not choices:
        raise VoteRefused(VoteReason.nothing_submitted)
    election = lock_election_for_voting(election_id)
    if not lifecycle.voting_allowed(election.current_phase, election.closes_at, now):
        raise LifecycleRefusal(LifecycleReason.voting_closed)
    voter = db.session.get(EligibleVoter, (election.id, student.id))
    allowed = {p.id: p for p in eligible_positions(election, voter)}
    for position_id in choices:
        if position_id not in allowed:
            raise IneligibleVoter(IneligibleReason.not_eligible, {"position": position_id})
    ballots = [
        {
            "id": new_ballot_id(),
            "position_id": position_id,
            "choices": encode_ballot(chosen),
            "tracking_code": codes.new_tracking_code(),
        }
        for position_id, chosen in sorted(choices.items())
    ]
    # Plain table INSERTs (one multi-row statement each): nothing here needs the ORM.
    try:
        db.session.execute(
            insert(Participation.__table__),
            [{"position_id": pid, "student_id": student.id} for pid in sorted(choices)],
        )
    except IntegrityError:
        db.session.rollback()
        raise VoteRefused(VoteReason.already_voted) from None
    db.session.execute(insert(Ballot.__table__), ballots)
    receipts = [  # before the commit, which expires the positions
        Receipt(b["position_id"], allowed[b["position_id"]].title, b["tracking_code"])
        for b in ballots
    ]
    record(actor, "voted", object_type="election", object_id=election_id, election_id=election_id)
    db.session.commit()
    return receipts


def record_rejected_vote(actor: Actor, election_id: int | None, reason: str) -> None:
    """Log a refused submission by its reason only, never its choices, in its own transaction."""
    db.session.rollback()
    record(
        actor,
        "vote-rejected",
        object_type="election",
        object_id=election_id,
        election_id=election_id,
        details={"reason": reason},
    )
    db.session.commit()


def positions_voted(student_id: int, position_ids: list[int]) -> set[int]:
    """Which of these positions the student has already voted in."""
    if not position_ids:
        return set()
    found = db.session.execute(_VOTED, {"student_id": student_id, "position_ids": position_ids})
    return set(found.scalars())


# Built once, on the tables: both run on every cast, and need nothing of the ORM.
_ELECTION = Election.__table__.c
_LOCK_FOR_VOTING = (
    select(_ELECTION.phase, _ELECTION.closes_at)
    .where(_ELECTION.id == bindparam("election_id"))
    .with_for_update(read=True)
)
_PARTICIPATION = Participation.__table__.c
_VOTED = select(_PARTICIPATION.position_id).where(
    _PARTICIPATION.student_id == bindparam("student_id"),
    _PARTICIPATION.position_id.in_(bindparam("position_ids", expanding=True)),
)
