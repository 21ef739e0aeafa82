"""A student's nomination: filing it, withdrawing it, and the commission's review.

* Nominating: while nominations are open, a student the position's candidate rule
  admits files a nomination with a programme, a photo and optionally a video link.
* Review: the commission registers a nomination (only with the endorsements required:
  short is short) or rejects it with a written reason the student reads. Nominations
  close when the campaign starts; the commission may finish checking them during the
  campaign, so a late registration still gets part of it.

The candidacy's page, its endorsements and its observer have their own modules
(``campaign_pages``, ``endorsements``, ``observers``). Each action locks the election
row, so a check of the phase or of a count holds at commit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy import delete

from elections.domain.errors import DomainError, LifecycleReason, LifecycleRefusal
from elections.domain.lifecycle import WITHDRAW_PHASES, Phase
from elections.extensions import db
from elections.files.photos import Photo
from elections.models import REGISTERED, STANDING, Candidate, Election, Endorsement, User
from elections.operations.audit_log import Actor, record, sha256_text
from elections.operations.candidates import (
    MAX_MANIFESTO,
    ballot_name,
    candidacy_of,
    get_candidate,
    keep_version,
    lock_for,
    own_candidacy,
    set_photo,
)
from elections.operations.elections import lock_election, require_nominations_open
from elections.operations.positions import get_position
from elections.queries.eligibility import may_stand
from elections.queries.endorsements import endorsement_count

MAX_VIDEO_URL = 500
MAX_REASON = 2_000
VIDEO_SCHEMES = ("http", "https")
# Nominations close when the campaign starts; the commission may finish reviewing during it.
REVIEW_PHASES = frozenset({Phase.nomination, Phase.campaign})


class NominationReason(StrEnum):
    """Why a nomination, its review or its page change cannot go ahead."""

    not_eligible = "nomination-not-eligible"
    already_nominated = "nomination-exists"
    question = "nomination-question"
    not_pending = "nomination-already-reviewed"
    review_closed = "nomination-review-closed"
    reason_required = "review-reason-required"
    endorsements_short = "endorsements-short"
    bad_video_url = "video-url-invalid"
    not_standing = "nomination-not-standing"


class NominationRefused(DomainError[NominationReason]):
    """The nomination or its review breaks a rule of the calendar."""

    status = 409


@dataclass(frozen=True)
class PageText:
    """What a candidate writes on their page: the programme (Markdown) and a video link."""

    manifesto: str = ""
    video_url: str = ""

    def checked(self) -> tuple[str, str | None]:
        """The programme trimmed to its limit, and the video link checked (None when empty)."""
        return self.manifesto.strip()[:MAX_MANIFESTO], check_video_url(self.video_url)


def check_video_url(text: str | None) -> str | None:
    """The video link as given when it is an absolute http(s) address, None when empty.

    It is only ever shown as a plain link (never embedded), but a link a school page
    shows must not carry a script (``javascript:``), credentials that disguise the host
    (``https://school.kz@evil.example``), spaces, backslashes or control characters.
    """
    value = (text or "").strip()
    if not value:
        return None
    refused = NominationRefused(NominationReason.bad_video_url)
    if len(value) > MAX_VIDEO_URL or "\\" in value:
        raise refused
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value):
        raise refused
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise refused from None
    if parts.scheme.lower() not in VIDEO_SCHEMES or not parts.hostname or "@" in parts.netloc:
        raise refused
    return value


def require_standing(candidate: Candidate) -> None:
    """Refuse changes to a candidacy that was rejected or withdrawn."""
    if candidate.status not in STANDING:
        raise NominationRefused(NominationReason.not_standing, {"status": candidate.status})


def nominate(
    actor: Actor, student: User, position_id: int, page: PageText, photo: Photo | None = None
) -> Candidate:
    """File the student's own nomination for a position while nominations are open."""
    position = get_position(position_id)
    election = lock_election(position.election_id)
    require_nominations_open(election)
    if position.method == "yesno":
        raise NominationRefused(NominationReason.question)
    if not may_stand(position, student):
        raise NominationRefused(NominationReason.not_eligible)
    manifesto, video_url = page.checked()
    existing = candidacy_of(position.id, student.id)
    if existing is not None and existing.status != "withdrawn":
        raise NominationRefused(NominationReason.already_nominated, {"status": existing.status})
    candidate = existing or Candidate(
        position_id=position.id, student_id=student.id, name=ballot_name(position.id, student)
    )
    candidate.status, candidate.review_reason = "nominated", None
    candidate.manifesto, candidate.video_url = manifesto, video_url
    if photo is not None:
        set_photo(candidate, photo)
    db.session.add(candidate)
    db.session.flush()
    keep_version(candidate, student.id)
    record(
        actor,
        "nomination-filed",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={
            "position_id": position.id,
            "student": student.username,
            "name": candidate.name,
            "manifesto_sha256": sha256_text(candidate.manifesto),
            "video_url": video_url,
            "photo_sha256": candidate.photo_digest,
            "refiled": existing is not None,
        },
    )
    db.session.commit()
    return candidate


def withdraw_nomination(actor: Actor, student: User, candidate_id: int) -> Candidate:
    """Withdraw one's own nomination or candidacy before the campaign ends.

    Its endorsements are released, so the students who gave them may support others.
    """
    candidate, election = own_candidacy(student, candidate_id)
    require_standing(candidate)
    if election.current_phase not in WITHDRAW_PHASES:
        raise LifecycleRefusal(LifecycleReason.candidates_frozen, {"phase": election.phase})
    previous = candidate.status
    released = db.session.execute(
        delete(Endorsement).where(Endorsement.candidate_id == candidate.id)
    ).rowcount
    candidate.status = "withdrawn"
    record(
        actor,
        "nomination-withdrawn",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={
            "position_id": candidate.position_id,
            "was": previous,
            "endorsements_released": released,
        },
    )
    db.session.commit()
    return candidate


def _pending_review(candidate_id: int) -> tuple[Candidate, Election]:
    """A nomination awaiting review, with its election locked while reviews are taken."""
    candidate = get_candidate(candidate_id)
    election = lock_for(candidate)
    if election.current_phase not in REVIEW_PHASES:
        raise NominationRefused(NominationReason.review_closed, {"phase": election.phase})
    if candidate.status != "nominated":
        raise NominationRefused(NominationReason.not_pending, {"status": candidate.status})
    return candidate, election


def register_nomination(actor: Actor, candidate_id: int, note: str = "") -> Candidate:
    """Register a nomination: it then appears on the campaign pages and the ballot.

    Refused while the position's endorsements are short: there is no override.
    """
    candidate, election = _pending_review(candidate_id)
    position = candidate.position
    if candidate.student is None or not may_stand(position, candidate.student):
        raise NominationRefused(NominationReason.not_eligible)
    have = endorsement_count(candidate.id)
    if have < position.endorsements_required:
        raise NominationRefused(
            NominationReason.endorsements_short,
            {"have": have, "need": position.endorsements_required},
        )
    candidate.status = REGISTERED
    candidate.review_reason = note.strip()[:MAX_REASON] or None
    record(
        actor,
        "nomination-registered",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={
            "position_id": position.id,
            "name": candidate.name,
            "endorsements": have,
            "required": position.endorsements_required,
            "note": candidate.review_reason,
        },
    )
    db.session.commit()
    return candidate


def reject_nomination(actor: Actor, candidate_id: int, reason: str) -> Candidate:
    """Reject a nomination with a written reason the student reads."""
    text = reason.strip()[:MAX_REASON]
    if not text:
        raise NominationRefused(NominationReason.reason_required)
    candidate, election = _pending_review(candidate_id)
    candidate.status = "rejected"
    candidate.review_reason = text
    record(
        actor,
        "nomination-rejected",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={
            "position_id": candidate.position_id,
            "name": candidate.name,
            "endorsements": endorsement_count(candidate.id),
            "reason": text,
        },
    )
    db.session.commit()
    return candidate
