"""Appeals: complaints filed after closing, and the commission's written answers.

A registered candidate of the election, or an observer a candidate named, may file a
complaint while the appeals window is open (the ``appeals`` phase, until
``appeals_end``). The commission answers each one in writing, once; the results are
published only when the window is over and every complaint is answered, unless the
commission overrides with a written reason (``operations.lifecycle`` asks for it).
Complaints and answers go into the published protocol (``protocol_complaints``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from elections.domain.errors import DomainError, LifecycleReason, LifecycleRefusal
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.models import Complaint, User
from elections.operations.audit_log import Actor, record, sha256_text
from elections.operations.elections import LookupReason, NotFound, lock_election
from elections.queries.complaints import appeals_open, is_candidate, may_complain

MAX_TEXT = 5_000
# The commission answers until the results are published.
ANSWERING_PHASES = frozenset({Phase.closed, Phase.appeals})


class ComplaintReason(StrEnum):
    """Why a complaint, an answer or an override cannot be accepted."""

    window_closed = "appeals-closed"
    not_a_party = "complaint-not-a-party"
    empty = "complaint-empty"
    already_answered = "complaint-already-answered"
    answer_empty = "answer-empty"
    override_reason_required = "override-reason-required"


class ComplaintRefused(DomainError[ComplaintReason]):
    """The complaint or answer breaks a rule of the appeals."""

    status = 409


def file_complaint(
    actor: Actor, author: User, election_id: int, text: str, now: datetime
) -> Complaint:
    """File a complaint in the appeals window as a candidate or an observer of the election."""
    election = lock_election(election_id)
    if not appeals_open(election, now):
        raise ComplaintRefused(ComplaintReason.window_closed, {"phase": election.phase})
    if not may_complain(author, election.id):
        raise ComplaintRefused(ComplaintReason.not_a_party)
    body = text.strip()[:MAX_TEXT]
    if not body:
        raise ComplaintRefused(ComplaintReason.empty)
    complaint = Complaint(election_id=election.id, author_id=author.id, text=body, filed_at=now)
    db.session.add(complaint)
    db.session.flush()
    record(
        actor,
        "complaint-filed",
        object_type="complaint",
        object_id=complaint.id,
        election_id=election.id,
        details={
            "author": author.username,
            "as": "candidate" if is_candidate(author, election.id) else "observer",
            "text_sha256": sha256_text(body),
        },
    )
    db.session.commit()
    return complaint


def answer_complaint(
    actor: Actor, answerer: User, complaint_id: int, answer: str, now: datetime
) -> Complaint:
    """Record the commission's written answer to a complaint, once, before publication."""
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(LookupReason.not_found, {"complaint": complaint_id})
    election = lock_election(complaint.election_id)
    db.session.refresh(complaint)
    if election.current_phase not in ANSWERING_PHASES:
        raise LifecycleRefusal(LifecycleReason.already_published, {"phase": election.phase})
    if complaint.answer is not None:
        raise ComplaintRefused(ComplaintReason.already_answered)
    body = answer.strip()[:MAX_TEXT]
    if not body:
        raise ComplaintRefused(ComplaintReason.answer_empty)
    complaint.answer = body
    complaint.answered_by_id = answerer.id
    complaint.answered_at = now
    record(
        actor,
        "complaint-answered",
        object_type="complaint",
        object_id=complaint.id,
        election_id=election.id,
        details={"text_sha256": sha256_text(complaint.text), "answer_sha256": sha256_text(body)},
    )
    db.session.commit()
    return complaint
