"""The public bulletin board's reads: published elections, their tracking codes, one code's box.

Codes only, never the choices beside them: the exported bundle carries the choices for
recounting, but a public page that showed them would let anyone standing next to a
student ask for the code and see the vote.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from elections.domain.codes import printed_code
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.models import Ballot, BallotSeal, Election, Position


@dataclass(frozen=True)
class PositionCodes:
    """One position's tracking codes, sorted, with its seal for those who check."""

    position: Position
    codes: list[str]
    seal: BallotSeal | None


def published_elections() -> list[Election]:
    """Every published election, the latest publication first."""
    return list(
        db.session.scalars(
            select(Election)
            .where(Election.phase == str(Phase.published))
            .order_by(Election.published_at.desc())
        )
    )


def find_code(election: Election, typed: str) -> Position | None:
    """The position of the election whose box holds the typed code, if any."""
    code = printed_code(typed)
    if code is None:
        return None
    return db.session.scalar(
        select(Position)
        .join(Ballot, Ballot.position_id == Position.id)
        .where(Position.election_id == election.id, Ballot.tracking_code == code)
    )


def position_codes(position: Position) -> PositionCodes:
    """A position's codes in sorted order (the order says nothing about who voted when)."""
    found = db.session.scalars(
        select(Ballot.tracking_code)
        .where(Ballot.position_id == position.id)
        .order_by(Ballot.tracking_code)
    )
    return PositionCodes(position, list(found), db.session.get(BallotSeal, position.id))
