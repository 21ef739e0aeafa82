"""Nominations as the commission reviews them: endorsements, page versions and observers.

Endorsements are shown here and nowhere else: they are the committee's to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, func, select

from elections.extensions import db
from elections.models import (
    CANDIDATE_STATUSES,
    CampaignPageVersion,
    Candidate,
    Observer,
    Position,
    User,
)
from elections.queries.endorsements import endorsers

STATUS_ORDER = {status: rank for rank, status in enumerate(CANDIDATE_STATUSES)}


@dataclass(frozen=True)
class Nomination:
    """A candidate as the review page shows them: with endorsements and page versions."""

    candidate: Candidate
    endorsers: list[User]
    counted: int
    versions: int


def nominations_to_review(position: Position) -> list[Nomination]:
    """The position's candidates, pending first, with who endorses each."""
    listed = []
    for candidate in sorted(position.candidates, key=lambda c: (STATUS_ORDER[c.status], c.name)):
        supporters = endorsers(candidate.id)
        counted = sum(1 for user in supporters if user.active)
        listed.append(Nomination(candidate, supporters, counted, version_count(candidate.id)))
    return listed


def version_count(candidate_id: int) -> int:
    """How many versions of a candidate's page are kept."""
    count = select(func.count()).select_from(CampaignPageVersion)
    return db.session.scalar(count.where(CampaignPageVersion.candidate_id == candidate_id)) or 0


def kept_versions(candidate_id: int) -> list[Row[tuple[CampaignPageVersion, User | None]]]:
    """Every version of a candidate's page, newest first, with who saved it."""
    return list(
        db.session.execute(
            select(CampaignPageVersion, User)
            .outerjoin(User, User.id == CampaignPageVersion.edited_by_id)
            .where(CampaignPageVersion.candidate_id == candidate_id)
            .order_by(CampaignPageVersion.edited_at.desc(), CampaignPageVersion.id.desc())
        )
    )


def named_observers(election_id: int) -> list[Row[tuple[Candidate, Position, User]]]:
    """Each candidate of the election who named an observer, with the position and observer."""
    return list(
        db.session.execute(
            select(Candidate, Position, User)
            .join(Position, Position.id == Candidate.position_id)
            .join(Observer, Observer.candidate_id == Candidate.id)
            .join(User, User.id == Observer.user_id)
            .where(Position.election_id == election_id)
            .order_by(Position.sort_order, Position.id, Candidate.name)
        )
    )
