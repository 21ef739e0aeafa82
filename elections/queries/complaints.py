"""Appeals: when they may be filed, by whom, and how many still wait for an answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.models import REGISTERED, Candidate, Complaint, Election, Position, User
from elections.queries.observers import is_observer


def appeals_open(election: Election, now: datetime) -> bool:
    """Whether complaints may be filed now: in the appeals phase, before its end."""
    return (
        election.current_phase == Phase.appeals
        and election.appeals_end is not None
        and now < election.appeals_end
    )


def is_candidate(user: User, election_id: int) -> bool:
    """Whether the account stands as a registered candidate in this election."""
    return (
        db.session.scalar(
            select(Candidate.id)
            .join(Position, Position.id == Candidate.position_id)
            .where(
                Position.election_id == election_id,
                Candidate.student_id == user.id,
                Candidate.status == REGISTERED,
            )
            .limit(1)
        )
        is not None
    )


def may_complain(user: User, election_id: int) -> bool:
    """Candidates and their observers are the parties who may appeal."""
    return is_candidate(user, election_id) or is_observer(user, election_id)


def unanswered_complaints(election_id: int) -> int:
    """Complaints of an election still waiting for the commission's answer."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Complaint)
            .where(Complaint.election_id == election_id, Complaint.answer.is_(None))
        )
        or 0
    )


@dataclass(frozen=True)
class ComplaintRecord:
    """A complaint as the protocol and the pages show it."""

    id: int
    author: str
    capacity: str  # "candidate" or "observer"
    text: str
    filed_at: datetime
    answer: str | None
    answered_at: datetime | None


def election_complaints(election_id: int, author_id: int | None = None) -> list[ComplaintRecord]:
    """An election's complaints in filing order (or only one author's), with their answers."""
    query = (
        select(Complaint, User)
        .join(User, User.id == Complaint.author_id)
        .where(Complaint.election_id == election_id)
        .order_by(Complaint.filed_at, Complaint.id)
    )
    if author_id is not None:
        query = query.where(Complaint.author_id == author_id)
    records = []
    for complaint, author in db.session.execute(query).all():
        capacity = "candidate" if is_candidate(author, election_id) else "observer"
        records.append(
            ComplaintRecord(
                complaint.id,
                author.full_name,
                capacity,
                complaint.text,
                complaint.filed_at,
                complaint.answer,
                complaint.answered_at,
            )
        )
    return records
