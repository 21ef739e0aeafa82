"""A student's candidacy: nominating oneself, endorsements, review, the campaign page, the observer.

* Nominating: while nominations are open, a student the position's candidate rule
  admits files a nomination with a programme, a photo and optionally a video link.
* Endorsing: where a position requires endorsements, students its voter rule admits
  support pending nominations online, at most ``Election.endorsement_limit`` each per
  election. Endorsements are not votes: only the committee ever sees them.
* Review: the commission registers a nomination (only with the endorsements required:
  short is short) or rejects it with a written reason the student reads. Nominations
  close when the campaign starts; the commission may finish checking them during the
  campaign, so a late registration still gets part of it.
* The campaign page: the candidate edits it until the day of silence; every version is
  kept in ``CampaignPageVersion``.
* The observer: each candidate names one person to watch turnout, the count and the log.

Each action locks the election row, so a check of the phase or of a count holds at commit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from elections.domain import lifecycle
from elections.domain.errors import DomainError, LifecycleReason, LifecycleRefusal
from elections.domain.lifecycle import OBSERVER_PHASES, WITHDRAW_PHASES, Phase
from elections.extensions import db
from elections.files.photos import Photo
from elections.models import (
    REGISTERED,
    STANDING,
    Candidate,
    Election,
    Endorsement,
    Observer,
    Position,
    User,
)
from elections.operations.audit_log import Actor, record, sha256_text
from elections.operations.candidates import get_candidate, keep_version, set_photo
from elections.operations.elections import LookupReason, NotFound, get_position, lock_election
from elections.queries.eligibility import may_stand, may_vote_for

MAX_MANIFESTO = 20_000
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


class ObserverReason(StrEnum):
    """Why an observer cannot be named."""

    unknown_account = "observer-unknown"
    own_observer = "observer-self"
    too_late = "observer-too-late"


class ObserverRefused(DomainError[ObserverReason]):
    """The person cannot observe for this candidate now."""

    status = 409


@dataclass(frozen=True)
class PageText:
    """What a candidate writes on their page: the programme (Markdown) and a video link."""

    manifesto: str = ""
    video_url: str = ""


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


def _own_candidacy(student: User, candidate_id: int) -> tuple[Candidate, Election]:
    """The student's own candidacy with its election locked; anyone else's is "not found"."""
    candidate = get_candidate(candidate_id)
    if candidate.student_id != student.id:
        raise NotFound(LookupReason.not_found, {"candidate": candidate_id})
    election = lock_election(candidate.position.election_id)
    db.session.refresh(candidate)
    return candidate, election


def _ballot_name(position: Position, student: User) -> str:
    """The name the ballot shows: the roll's, with the class when another candidate has it."""
    taken = db.session.scalar(
        select(Candidate.id).where(
            Candidate.position_id == position.id, Candidate.name == student.full_name
        )
    )
    return student.full_name if taken is None else f"{student.full_name} ({student.class_name})"


def nominate(
    actor: Actor, student: User, position_id: int, page: PageText, photo: Photo | None = None
) -> Candidate:
    """File the student's own nomination for a position while nominations are open."""
    position = get_position(position_id)
    election = lock_election(position.election_id)
    if not lifecycle.can_nominate(election.current_phase):
        raise LifecycleRefusal(LifecycleReason.nominations_closed, {"phase": election.phase})
    if position.method == "yesno":
        raise NominationRefused(NominationReason.question)
    if not may_stand(position, student):
        raise NominationRefused(NominationReason.not_eligible)
    video_url = check_video_url(page.video_url)
    existing = db.session.scalar(
        select(Candidate).where(
            Candidate.position_id == position.id, Candidate.student_id == student.id
        )
    )
    if existing is not None and existing.status != "withdrawn":
        raise NominationRefused(NominationReason.already_nominated, {"status": existing.status})
    candidate = existing or Candidate(
        position_id=position.id, student_id=student.id, name=_ballot_name(position, student)
    )
    candidate.status, candidate.review_reason = "nominated", None
    candidate.manifesto = page.manifesto.strip()[:MAX_MANIFESTO]
    candidate.video_url = video_url
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
    candidate, election = _own_candidacy(student, candidate_id)
    if candidate.status not in STANDING:
        raise NominationRefused(NominationReason.not_standing, {"status": candidate.status})
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


def endorse(actor: Actor, student: User, candidate_id: int) -> Endorsement:
    """Support a pending nomination, within the election's limit; not a vote, never public."""
    candidate = get_candidate(candidate_id)
    position = candidate.position
    election = lock_election(position.election_id)
    db.session.refresh(candidate)
    if not lifecycle.can_nominate(election.current_phase):
        raise LifecycleRefusal(LifecycleReason.nominations_closed, {"phase": election.phase})
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
    if not lifecycle.can_nominate(election.current_phase):
        raise LifecycleRefusal(LifecycleReason.nominations_closed, {"phase": election.phase})
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


def _pending_review(candidate_id: int) -> tuple[Candidate, Election]:
    """A nomination awaiting review, with its election locked while reviews are taken."""
    candidate = get_candidate(candidate_id)
    election = lock_election(candidate.position.election_id)
    db.session.refresh(candidate)
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


def update_campaign_page(
    actor: Actor,
    student: User,
    candidate_id: int,
    page: PageText,
    photo: Photo | None = None,
) -> Candidate:
    """Change one's own page (programme, video link, photo) until the day of silence."""
    candidate, election = _own_candidacy(student, candidate_id)
    if candidate.status not in STANDING:
        raise NominationRefused(NominationReason.not_standing, {"status": candidate.status})
    if not lifecycle.can_edit_campaign_page(election.current_phase):
        raise LifecycleRefusal(LifecycleReason.campaign_page_frozen, {"phase": election.phase})
    manifesto = page.manifesto.strip()[:MAX_MANIFESTO]
    video_url = check_video_url(page.video_url)
    text_changed = (manifesto, video_url) != (candidate.manifesto, candidate.video_url)
    if not text_changed and photo is None:
        db.session.commit()  # nothing to change: end the locking transaction
        return candidate
    details: dict[str, object] = {"position_id": candidate.position_id}
    if text_changed:
        details |= {
            "old_sha256": sha256_text(candidate.manifesto),
            "new_sha256": sha256_text(manifesto),
            "video_url": video_url,
        }
        candidate.manifesto, candidate.video_url = manifesto, video_url
        keep_version(candidate, student.id)
    if photo is not None:
        details |= {"photo_sha256": photo.digest, "previous_photo_sha256": candidate.photo_digest}
        set_photo(candidate, photo)
    record(
        actor,
        "campaign-page-updated",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details=details,
    )
    db.session.commit()
    return candidate


def name_observer(actor: Actor, student: User, candidate_id: int, who: str) -> Observer:
    """Name (or replace) the candidate's one observer: a student number or a staff username."""
    candidate, election = _own_candidacy(student, candidate_id)
    if candidate.status not in STANDING:
        raise NominationRefused(NominationReason.not_standing, {"status": candidate.status})
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
    candidate, election = _own_candidacy(student, candidate_id)
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
