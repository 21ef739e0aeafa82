"""Observers: the one person each candidate names to watch turnout, the count and the log.

An observer is named (or replaced, or removed) before voting opens, so nobody joins to
watch a count under way; what an observer may then see is ``queries.observers``'s.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from elections.domain.errors import DomainError
from elections.domain.lifecycle import OBSERVER_PHASES
from elections.extensions import db
from elections.models import Observer, User
from elections.operations.audit_log import Actor, record
from elections.operations.candidates import own_candidacy
from elections.operations.nominations import require_standing


class ObserverReason(StrEnum):
    """Why an observer cannot be named."""

    unknown_account = "observer-unknown"
    own_observer = "observer-self"
    too_late = "observer-too-late"


class ObserverRefused(DomainError[ObserverReason]):
    """The person cannot observe for this candidate now."""

    status = 409


def name_observer(actor: Actor, student: User, candidate_id: int, who: str) -> Observer:
    """Name (or replace) the candidate's one observer: a student number or a staff username."""
    candidate, election = own_candidacy(student, candidate_id)
    require_standing(candidate)
    if election.current_phase not in OBSERVER_PHASES:
        raise ObserverRefused(ObserverReason.too_late, {"phase": election.phase})
    person = db.session.scalar(
        select(User).where(User.username == who.strip(), User.active.is_(True))
    )
    if person is None:
        raise ObserverRefused(ObserverReason.unknown_account, {"who": who.strip()[:64]})
    if person.id == student.id:
        raise ObserverRefused(ObserverReason.own_observer)
    observer = db.session.scalar(select(Observer).where(Observer.candidate_id == candidate.id))
    previous = None
    if observer is None:
        observer = Observer(election_id=election.id, candidate_id=candidate.id, user_id=person.id)
        db.session.add(observer)
    else:
        previous = db.session.get(User, observer.user_id)
        observer.user_id = person.id
    db.session.flush()
    record(
        actor,
        "observer-named",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={
            "observer": person.username,
            "role": person.role,
            "replaces": None if previous is None else previous.username,
        },
    )
    db.session.commit()
    return observer


def remove_observer(actor: Actor, student: User, candidate_id: int) -> None:
    """Stop having an observer, before voting opens."""
    candidate, election = own_candidacy(student, candidate_id)
    if election.current_phase not in OBSERVER_PHASES:
        raise ObserverRefused(ObserverReason.too_late, {"phase": election.phase})
    observer = db.session.scalar(select(Observer).where(Observer.candidate_id == candidate.id))
    if observer is None:
        db.session.commit()
        return
    person = db.session.get(User, observer.user_id)
    db.session.delete(observer)
    db.session.flush()
    record(
        actor,
        "observer-removed",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={"observer": None if person is None else person.username},
    )
    db.session.commit()
