"""Casting ballots: one transaction per submission, one ballot per student and position.

The participation row (primary key: position, student) and the ballot row (random key,
no voter, no time) are written together or not at all. A second submission for the
same position, from a double click, another tab or another app process, fails on the
participation key and writes nothing.

This is election day's hot path, so it reads and writes as little as it can: one
statement locks the election and reads the student's frozen roll entry, the ballot
itself comes from a per-process copy of the open election's positions (nothing on them
may change once the poll is open), and on PostgreSQL a vote's rows go in one statement.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from flask import current_app
from sqlalchemy import Integer, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from elections.domain import codes, lifecycle
from elections.domain.ballot import Choices, PositionRules, encode_ballot
from elections.domain.eligibility import Rule, StudentFacts, is_eligible
from elections.domain.errors import (
    DomainError,
    IneligibleReason,
    IneligibleVoter,
    LifecycleReason,
    LifecycleRefusal,
)
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.models import (
    REGISTERED,
    Ballot,
    Candidate,
    Election,
    EligibleVoter,
    Participation,
    Position,
    User,
)
from elections.operations.audit_log import Actor, record


class VoteReason(StrEnum):
    """Why a submission as a whole was refused."""

    already_voted = "already-voted"
    nothing_submitted = "nothing-submitted"
    unknown_position = "unknown-position"


class VoteRefused(DomainError[VoteReason]):
    """The submission cannot be taken; nothing was written."""

    status = 409


class PollReason(StrEnum):
    """Why an election takes no ballot at all."""

    not_open_yet = "voting-not-open-yet"
    unknown_election = "unknown-election"


class VotingNotOpen(DomainError[PollReason]):
    """The election takes no ballots yet: a draft, or not yet at its voting phase."""

    status = 409


class NoSuchElection(DomainError[PollReason]):
    """The address names no election."""

    status = 404


@dataclass(frozen=True)
class Receipt:
    """What the student takes away: the position and the ballot's tracking code, nothing else."""

    position_id: int
    position_title: str
    tracking_code: str


@dataclass(frozen=True)
class SheetPosition:
    """A position as the ballot box takes it: what voting needs, and nothing that can change.

    Positions, their rules and who stands are all fixed from campaign silence on, so once
    an election is open its sheet is the same for every ballot.
    """

    rules: PositionRules
    title: str
    titles: Mapping[str, str]
    voter_rule: Rule

    @property
    def id(self) -> int:
        """The position's id."""
        return self.rules.id


@dataclass(frozen=True)
class Booth:
    """One student before an open election's ballot, in the transaction that locked it."""

    election_id: int
    title: str
    titles: Mapping[str, str]
    positions: tuple[SheetPosition, ...]  # the whole ballot, in ballot order
    eligible: tuple[SheetPosition, ...]  # the part of it that is the student's
    transaction: object  # the session's, holding the lock: a vote must be cast in it


def new_ballot_id() -> str:
    """128 random bits: a key that says nothing about when or by whom a ballot was cast."""
    return secrets.token_hex(16)


def refuse_unless_voting(phase: Phase, opens: datetime, closes: datetime, now: datetime) -> None:
    """Refuse with a reason that says whether voting has not started or has ended."""
    if lifecycle.voting_allowed(phase, closes, now):
        return
    if phase in BEFORE_VOTING:
        announced = None if phase == Phase.draft else opens
        raise VotingNotOpen(PollReason.not_open_yet, {"opens": announced})
    raise LifecycleRefusal(LifecycleReason.voting_closed)


class HasVoterRule(Protocol):
    """A position as the models or the booth's sheet hold it: all eligibility looks at."""

    @property
    def voter_rule(self) -> Rule:
        """Who may vote here."""
        ...


RuledT = TypeVar("RuledT", bound=HasVoterRule)


def eligible_positions(positions: Iterable[RuledT], facts: StudentFacts | None) -> list[RuledT]:
    """The positions whose voter rule the frozen roll entry satisfies (none when off the roll)."""
    if facts is None:
        return []
    return [p for p in positions if is_eligible(p.voter_rule, facts)]


def enter_booth(election_id: int, student_id: int, now: datetime) -> Booth:
    """Lock the election for this vote and lay out the student's part of its ballot.

    The election row is locked shared: closing updates it, so a close waits for every
    vote holding the lock, and a vote that starts after the close sees the new phase
    (on SQLite, BEGIN IMMEDIATE serialises the two). The same statement reads the
    student's frozen roll entry, and the ballot itself comes from this process's copy.
    """
    row = db.session.execute(
        _LOCK_FOR_VOTING, {"election_id": election_id, "student_id": student_id}
    ).one_or_none()
    if row is None:
        raise NoSuchElection(PollReason.unknown_election)
    refuse_unless_voting(Phase(row.phase), row.opens_at, row.closes_at, now)
    positions = ballot_sheet(election_id, row.opened_at)
    on_roll = row.on_roll is not None
    facts = StudentFacts(row.grade, row.class_name, row.shanyrak) if on_roll else None
    eligible = tuple(eligible_positions(positions, facts))
    if not eligible:
        raise IneligibleVoter(IneligibleReason.not_eligible)
    return Booth(
        election_id,
        row.title,
        MappingProxyType(row.titles or {}),
        positions,
        eligible,
        db.session().get_transaction(),
    )


def ballot_sheet(election_id: int, opened_at: datetime | None) -> tuple[SheetPosition, ...]:
    """An open election's positions, read once per process and opening, then shared.

    Only an open election comes here, and nothing on its positions can change any more
    (the operations refuse from silence on). Keyed by the opening time too, so no copy
    outlives the poll it was read in. A change made by hand in the database during the
    poll is not seen until the app processes restart.
    """
    sheets: dict[tuple[int, datetime | None], tuple[SheetPosition, ...]]
    sheets = current_app.extensions.setdefault(SHEETS_KEY, {})
    key = (election_id, opened_at)
    sheet = sheets.get(key)
    if sheet is None:
        if len(sheets) >= MAX_SHEETS:
            sheets.clear()
        sheet = sheets[key] = _read_sheet(election_id)
    return sheet


def _read_sheet(election_id: int) -> tuple[SheetPosition, ...]:
    """The positions of an election with their registered candidates, in ballot order."""
    standing: dict[int, set[int]] = {}
    for position_id, candidate_id in db.session.execute(_CANDIDATES, {"election_id": election_id}):
        standing.setdefault(position_id, set()).add(candidate_id)
    return tuple(
        SheetPosition(
            rules=PositionRules(
                row.id, row.method, row.seats, row.allow_blank, frozenset(standing.get(row.id, ()))
            ),
            title=row.title,
            titles=MappingProxyType(row.titles or {}),
            voter_rule=Rule.of(row.voter_grades, row.voter_classes, row.voter_shanyraks),
        )
        for row in db.session.execute(_POSITIONS, {"election_id": election_id})
    )


def cast_in_booth(
    actor: Actor, student_id: int, booth: Booth, choices: Mapping[int, Choices]
) -> list[Receipt]:
    """Record the student's ballots for the given positions and commit, all at once.

    ``choices`` maps position id to validated, canonical choices. Refusals raise a
    ``DomainError`` with nothing written; the caller logs the rejected attempt.
    """
    if db.session().get_transaction() is not booth.transaction:
        raise RuntimeError("a vote must be cast in the transaction that locked its election")
    if not choices:
        raise VoteRefused(VoteReason.nothing_submitted)
    eligible = {p.id: p for p in booth.eligible}
    for position_id in choices:
        if position_id not in eligible:
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
    try:
        _write_vote(student_id, ballots)
    except IntegrityError as error:
        db.session.rollback()
        if not _repeats_a_vote(error):
            raise  # a tracking code drawn twice: nothing was written, trying again works
        raise VoteRefused(VoteReason.already_voted) from None
    election_id = booth.election_id
    record(actor, "voted", object_type="election", object_id=election_id, election_id=election_id)
    db.session.commit()
    return [
        Receipt(b["position_id"], eligible[b["position_id"]].title, b["tracking_code"])
        for b in ballots
    ]


def cast_ballots(
    actor: Actor,
    student: User,
    election_id: int,
    choices: Mapping[int, Choices],
    now: datetime,
) -> list[Receipt]:
    """Record the student's ballots for the given positions, all in one transaction."""
    return cast_in_booth(actor, student.id, enter_booth(election_id, student.id, now), choices)


def _repeats_a_vote(error: IntegrityError) -> bool:
    """Whether a refused write met the participation key: the student voted there already."""
    diagnostics = getattr(error.orig, "diag", None)  # psycopg names the constraint
    if diagnostics is not None:
        return diagnostics.constraint_name == PARTICIPATION_KEY
    return "UNIQUE constraint failed: participation." in str(error.orig)  # SQLite


def _write_vote(student_id: int, ballots: list[dict[str, Any]]) -> None:
    """Insert the participations and the ballots of one vote; IntegrityError on a repeat.

    On PostgreSQL it is one statement whatever the number of positions (arrays, unnested),
    so a vote's writes cost one round trip; elsewhere one executemany each.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        columns = {name: [b[name] for b in ballots] for name in _BALLOT_COLUMNS}
        session.execute(_WRITE_VOTE, {"student_id": student_id, **columns})
        return
    session.execute(
        insert(Participation.__table__),
        [{"position_id": b["position_id"], "student_id": student_id} for b in ballots],
    )
    session.execute(insert(Ballot.__table__), ballots)


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


SHEETS_KEY = "elections.ballot_sheets"
MAX_SHEETS = 64  # open elections at once, per process; more just means reading again
BEFORE_VOTING = frozenset({Phase.draft, Phase.nomination, Phase.campaign, Phase.silence})
PARTICIPATION_KEY = "pk_participation"

# Built once, on the tables: these run on every vote, and need nothing of the ORM.
_ELECTION = Election.__table__
_VOTER = EligibleVoter.__table__
_LOCK_FOR_VOTING = (
    select(
        _ELECTION.c.phase,
        _ELECTION.c.opens_at,
        _ELECTION.c.closes_at,
        _ELECTION.c.opened_at,
        _ELECTION.c.title,
        _ELECTION.c.titles,
        _VOTER.c.student_id.label("on_roll"),
        _VOTER.c.grade,
        _VOTER.c.class_name,
        _VOTER.c.shanyrak,
    )
    .select_from(
        _ELECTION.outerjoin(
            _VOTER,
            (_VOTER.c.election_id == _ELECTION.c.id)
            & (_VOTER.c.student_id == bindparam("student_id")),
        )
    )
    .where(_ELECTION.c.id == bindparam("election_id"))
    .with_for_update(read=True, of=_ELECTION)
)
_POSITION = Position.__table__.c
_POSITIONS = (
    select(
        _POSITION.id,
        _POSITION.title,
        _POSITION.titles,
        _POSITION.method,
        _POSITION.seats,
        _POSITION.allow_blank,
        _POSITION.voter_grades,
        _POSITION.voter_classes,
        _POSITION.voter_shanyraks,
    )
    .where(_POSITION.election_id == bindparam("election_id"))
    .order_by(_POSITION.sort_order, _POSITION.id)
)
_CANDIDATE = Candidate.__table__.c
_CANDIDATES = (
    select(_CANDIDATE.position_id, _CANDIDATE.id)
    .join(Position.__table__, _POSITION.id == _CANDIDATE.position_id)
    .where(_POSITION.election_id == bindparam("election_id"), _CANDIDATE.status == REGISTERED)
)
_BALLOT_COLUMNS = ("id", "position_id", "choices", "tracking_code")
_BALLOT = Ballot.__table__.c
_VOTED_IN = (
    insert(Participation.__table__)
    .from_select(
        ["position_id", "student_id"],
        select(
            func.unnest(bindparam("position_id", type_=ARRAY(Integer))),
            bindparam("student_id", type_=Integer),
        ),
    )
    .cte("voted_in")
)
_WRITE_VOTE = (
    insert(Ballot.__table__)
    .from_select(
        list(_BALLOT_COLUMNS),
        select(
            func.unnest(
                *(bindparam(name, type_=ARRAY(_BALLOT[name].type)) for name in _BALLOT_COLUMNS)
            )
            .table_valued(*_BALLOT_COLUMNS)
            .render_derived()
        ),
    )
    .add_cte(_VOTED_IN)
)
_PARTICIPATION = Participation.__table__.c
_VOTED = select(_PARTICIPATION.position_id).where(
    _PARTICIPATION.student_id == bindparam("student_id"),
    _PARTICIPATION.position_id.in_(bindparam("position_ids", expanding=True)),
)
