"""Endorsements: students' online support for a pending nomination, never a vote, never public.

Where a position requires endorsements, students its voter rule admits support pending
nominations, at most ``Election.endorsement_limit`` each per election. Only the committee
ever sees them (``queries.endorsements``).
"""

from __future__ import annotations

from enum import StrEnum

from elections.domain.errors import DomainError
from elections.extensions import db
from elections.models import Endorsement, User
from elections.operations.audit_log import Actor, record
from elections.operations.candidates import get_candidate, lock_for
from elections.operations.elections import lock_election, require_nominations_open
from elections.queries.eligibility import may_vote_for
from elections.queries.endorsements import endorsements_used


class EndorsementReason(StrEnum):
    """Why an endorsement cannot be given or withdrawn."""

    limit_reached = "endorsement-limit"
    not_a_voter = "endorsement-not-a-voter"
    own_nomination = "endorsement-own"
    not_pending = "endorsement-not-pending"
    not_needed = "endorsement-not-needed"
    already_given = "endorsement-exists"
    not_given = "endorsement-missing"


class EndorsementRefused(DomainError[EndorsementReason]):
    """The endorsement breaks the position's or the election's rule."""

    status = 409


def endorse(actor: Actor, student: User, candidate_id: int) -> Endorsement:
    """Support a pending nomination, within the election's limit; not a vote, never public."""
    candidate = get_candidate(candidate_id)
    election = lock_for(candidate)
    position = candidate.position
    require_nominations_open(election)
    if candidate.status != "nominated":
        raise EndorsementRefused(EndorsementReason.not_pending)
    if position.endorsements_required < 1:
        raise EndorsementRefused(EndorsementReason.not_needed)
    if candidate.student_id == student.id:
        raise EndorsementRefused(EndorsementReason.own_nomination)
    if not may_vote_for(position, student):
        raise EndorsementRefused(EndorsementReason.not_a_voter)
    if db.session.get(Endorsement, (candidate.id, student.id)) is not None:
        raise EndorsementRefused(EndorsementReason.already_given)
    if endorsements_used(student.id, election.id) >= election.endorsement_limit:
        raise EndorsementRefused(
            EndorsementReason.limit_reached, {"limit": election.endorsement_limit}
        )
    endorsement = Endorsement(candidate_id=candidate.id, student_id=student.id)
    db.session.add(endorsement)
    db.session.flush()
    # The actor names the endorser: the log is for staff (observers' view hides these entries).
    record(
        actor,
        "endorsement-given",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={"position_id": position.id},
    )
    db.session.commit()
    return endorsement


def withdraw_endorsement(actor: Actor, student: User, candidate_id: int) -> None:
    """Take back one's endorsement while nominations are open."""
    candidate = get_candidate(candidate_id)
    election = lock_election(candidate.position.election_id)
    require_nominations_open(election)
    endorsement = db.session.get(Endorsement, (candidate.id, student.id))
    if endorsement is None:
        raise EndorsementRefused(EndorsementReason.not_given)
    db.session.delete(endorsement)
    db.session.flush()
    record(
        actor,
        "endorsement-withdrawn",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={"position_id": candidate.position_id},
    )
    db.session.commit()
