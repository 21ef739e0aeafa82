"""Endorsements as the committee reads them, and a student's own: never shown to anyone else."""

from __future__ import annotations

from sqlalchemy import func, select

from elections.extensions import db
from elections.models import Candidate, Endorsement, Position, User


def endorsement_count(candidate_id: int) -> int:
    """Endorsements a nomination holds from students still active on the roll."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Endorsement)
            .join(User, User.id == Endorsement.student_id)
            .where(Endorsement.candidate_id == candidate_id, User.active.is_(True))
        )
        or 0
    )


def endorsements_used(student_id: int, election_id: int) -> int:
    """How many nominations of an election the student endorses."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Endorsement)
            .join(Candidate, Candidate.id == Endorsement.candidate_id)
            .join(Position, Position.id == Candidate.position_id)
            .where(Endorsement.student_id == student_id, Position.election_id == election_id)
        )
        or 0
    )


def endorsed_ids(student: User, election_id: int) -> set[int]:
    """The nominations of an election the student endorses."""
    return set(
        db.session.scalars(
            select(Endorsement.candidate_id)
            .join(Candidate, Candidate.id == Endorsement.candidate_id)
            .join(Position, Position.id == Candidate.position_id)
            .where(Endorsement.student_id == student.id, Position.election_id == election_id)
        )
    )


def endorsers(candidate_id: int) -> list[User]:
    """The students endorsing a nomination, by class and name: for the committee's eyes."""
    return list(
        db.session.scalars(
            select(User)
            .join(Endorsement, Endorsement.student_id == User.id)
            .where(Endorsement.candidate_id == candidate_id)
            .order_by(User.class_name, User.full_name)
        )
    )
