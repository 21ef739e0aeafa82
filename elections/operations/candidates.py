"""Candidates: students from the roll or free-text options, with a photo and a manifesto.

Candidates are added and removed only while ``lifecycle.can_edit_candidates``; photos and
manifestos follow the campaign page's rule. Once the campaign page is frozen, the one
change still allowed before closing is correcting a manifesto, and the audit log keeps
the SHA-256 of the text before and after, so nobody can quietly rewrite it.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from sqlalchemy import select

from elections.domain import lifecycle
from elections.domain.errors import DomainError, LifecycleReason, LifecycleRefusal
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.files.photos import Photo
from elections.models import REGISTERED, CampaignPageVersion, Candidate, Election, User
from elections.operations.audit_log import Actor, record, sha256_text
from elections.operations.elections import (
    LookupReason,
    NotFound,
    lock_election,
    require_candidates_editable,
    require_page_editable,
)
from elections.operations.positions import PositionReason, PositionRefused, get_position
from elections.queries.eligibility import may_stand
from elections.queries.roll import active_student

MAX_NAME = 200
MAX_MANIFESTO = 20_000
# A manifesto may still be corrected (and the correction is audited) until voting closes.
CORRECTABLE_PHASES = frozenset({Phase.campaign, Phase.silence, Phase.open})

# Letters that look alike across Latin, Cyrillic and Kazakh, folded to one representative
# after upper-casing, so "Aлия" typed with a Latin A and "Алия" compare equal.
_TWINS = str.maketrans(
    {
        "A": "А",
        "B": "В",
        "C": "С",
        "E": "Е",
        "H": "Н",
        "I": "І",
        "Ӏ": "І",
        "J": "Ј",
        "K": "К",
        "M": "М",
        "O": "О",
        "P": "Р",
        "S": "Ѕ",
        "T": "Т",
        "X": "Х",
        "Y": "У",
        "Ү": "У",
        "Ё": "Е",
    }
)


class CandidateReason(StrEnum):
    """Why a candidate cannot be added or changed as asked."""

    not_on_roll = "candidate-not-on-roll"
    not_eligible = "candidate-not-eligible"
    already_standing = "candidate-already-standing"
    name_taken = "candidate-name-taken"
    no_name = "candidate-no-name"
    name_follows_roll = "candidate-name-follows-roll"


class CandidateRefused(DomainError[CandidateReason]):
    """The candidate cannot stand, or the change does not fit the position."""

    status = 409


def confusable_key(name: str) -> str:
    """A key under which look-alike names collide: NFKC, casefold, twin letters folded.

    Invisible format characters are dropped and runs of spaces made one, so a name
    padded with a zero-width space or typed with a Latin "о" still matches.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.upper().translate(_TWINS).split())


def get_candidate(candidate_id: int) -> Candidate:
    """The candidate with that id, or a 404 refusal."""
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound(LookupReason.not_found, {"candidate": candidate_id})
    return candidate


def lock_for(candidate: Candidate) -> Election:
    """Lock the candidate's election, then read the candidate again under the lock.

    So the phase checked is the phase at commit, and an edit made by someone else
    while this one waited is neither overwritten unseen nor misreported in the log.
    """
    election = lock_election(candidate.position.election_id)
    db.session.refresh(candidate)
    return election


def own_candidacy(student: User, candidate_id: int) -> tuple[Candidate, Election]:
    """The student's own candidacy with its election locked; anyone else's is "not found"."""
    candidate = get_candidate(candidate_id)
    if candidate.student_id != student.id:
        raise NotFound(LookupReason.not_found, {"candidate": candidate_id})
    return candidate, lock_for(candidate)


def _name_taken(position_id: int, name: str, except_id: int | None = None) -> bool:
    """Whether another candidate of the position already has exactly this name."""
    query = select(Candidate.id).where(Candidate.position_id == position_id, Candidate.name == name)
    if except_id is not None:
        query = query.where(Candidate.id != except_id)
    return db.session.scalar(query) is not None


def _editor_id(actor: Actor) -> int | None:
    """The account behind an actor, if it has one (a CLI operator has none)."""
    if not actor.name:
        return None
    return db.session.scalar(select(User.id).where(User.username == actor.name))


def keep_version(candidate: Candidate, editor_id: int | None) -> None:
    """Keep the candidate's page as it now stands, so every version stays readable later."""
    db.session.add(
        CampaignPageVersion(
            candidate_id=candidate.id,
            manifesto=candidate.manifesto,
            video_url=candidate.video_url,
            edited_by_id=editor_id,
        )
    )


def set_photo(candidate: Candidate, photo: Photo) -> None:
    """Store a photo already cleaned by the photo pipeline."""
    candidate.photo, candidate.photo_type = photo.data, photo.media_type
    candidate.photo_digest = photo.digest


def _student_candidate(position_id: int, number: str) -> tuple[User, str]:
    """The roll student standing, and the name the ballot shows for them."""
    student = active_student(number)
    if student is None:
        raise CandidateRefused(CandidateReason.not_on_roll, {"number": number.strip()[:64]})
    if not may_stand(get_position(position_id), student):
        raise CandidateRefused(CandidateReason.not_eligible, {"number": student.username})
    if candidacy_of(position_id, student.id) is not None:
        raise CandidateRefused(CandidateReason.already_standing, {"number": student.username})
    return student, ballot_name(position_id, student)


def candidacy_of(position_id: int, student_id: int) -> Candidate | None:
    """The student's candidacy for the position, whatever its status, if there is one."""
    return db.session.scalar(
        select(Candidate).where(
            Candidate.position_id == position_id, Candidate.student_id == student_id
        )
    )


def ballot_name(position_id: int, student: User) -> str:
    """The name the ballot shows: the roll's, with the class when another candidate has it.

    Two students may share a name; the class tells them apart on the ballot.
    """
    if _name_taken(position_id, student.full_name):
        return f"{student.full_name} ({student.class_name})"
    return student.full_name


def _standing_as(
    position_id: int, student_number: str | None, name: str | None
) -> tuple[User | None, str]:
    """Who stands, and the name the ballot shows: a roll student by number, or free text."""
    student: User | None = None
    if student_number and student_number.strip():
        student, shown = _student_candidate(position_id, student_number)
    else:
        shown = " ".join((name or "").split())
        if not shown:
            raise CandidateRefused(CandidateReason.no_name)
    shown = shown[:MAX_NAME]
    if _name_taken(position_id, shown):
        raise CandidateRefused(CandidateReason.name_taken, {"name": shown})
    return student, shown


def add_candidate(
    actor: Actor,
    position_id: int,
    *,
    student_number: str | None = None,
    name: str | None = None,
    manifesto: str = "",
    photo: Photo | None = None,
) -> Candidate:
    """Add a roll student (by number) or a free-text option to a position."""
    position = get_position(position_id)
    election = lock_election(position.election_id)
    require_candidates_editable(election)
    if position.method == "yesno" and position.candidates:
        raise PositionRefused(PositionReason.yesno_one_candidate)
    student, shown = _standing_as(position.id, student_number, name)
    candidate = Candidate(
        position_id=position.id,
        student_id=None if student is None else student.id,
        name=shown,
        manifesto=manifesto.strip()[:MAX_MANIFESTO],
        status=REGISTERED,
    )
    if photo is not None:
        set_photo(candidate, photo)
    db.session.add(candidate)
    db.session.flush()
    if candidate.manifesto:
        keep_version(candidate, _editor_id(actor))
    record(
        actor,
        "candidate-added",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={
            "position_id": position.id,
            "name": candidate.name,
            "student": None if student is None else student.username,
            "manifesto_sha256": sha256_text(candidate.manifesto),
            "photo_sha256": candidate.photo_digest,
        },
    )
    db.session.commit()
    return candidate


def look_alikes(candidate: Candidate) -> list[str]:
    """Names of other candidates of the same position that look like this one's."""
    key = confusable_key(candidate.name)
    others = db.session.scalars(
        select(Candidate.name).where(
            Candidate.position_id == candidate.position_id, Candidate.id != candidate.id
        )
    )
    return [other for other in others if confusable_key(other) == key]


def update_candidate(
    actor: Actor,
    candidate_id: int,
    *,
    manifesto: str,
    name: str | None = None,
    photo: Photo | None = None,
) -> Candidate:
    """Change a candidate's manifesto, a free-text option's name or the photo, as the phase allows.

    Until the campaign page freezes this is an ordinary edit. From then until voting
    closes only the manifesto may change, recorded as ``manifesto-corrected`` with the
    SHA-256 of the old and the new text; after closing nothing changes. The whole edit
    is one transaction: a part the phase refuses leaves the rest unsaved too.
    """
    candidate = get_candidate(candidate_id)
    election = lock_for(candidate)
    if photo is not None:
        require_page_editable(election)
    _change_text(actor, candidate, election, manifesto, name)
    if photo is not None:
        _store_photo(actor, candidate, election, photo)
    db.session.commit()
    return candidate


def _change_text(
    actor: Actor, candidate: Candidate, election: Election, manifesto: str, name: str | None
) -> None:
    """Apply and log a manifesto or name change, if there is one (see ``update_candidate``)."""
    phase = election.current_phase
    new_text = manifesto.strip()[:MAX_MANIFESTO]
    new_name = None if name is None else " ".join(name.split())[:MAX_NAME]
    renaming = new_name is not None and new_name != candidate.name
    if renaming:
        if candidate.student_id is not None:
            raise CandidateRefused(CandidateReason.name_follows_roll)
        require_candidates_editable(election)
        if not new_name:
            raise CandidateRefused(CandidateReason.no_name)
        if _name_taken(candidate.position_id, new_name, except_id=candidate.id):
            raise CandidateRefused(CandidateReason.name_taken, {"name": new_name})
    if not renaming and new_text == candidate.manifesto:
        return  # nothing to change
    old_text = candidate.manifesto
    if lifecycle.can_edit_campaign_page(phase):
        action = "candidate-updated"
    elif phase in CORRECTABLE_PHASES and not renaming:
        action = "manifesto-corrected"
    else:
        raise LifecycleRefusal(LifecycleReason.campaign_page_frozen, {"phase": election.phase})
    details: dict[str, object] = {"position_id": candidate.position_id}
    if renaming:
        details |= {"old_name": candidate.name, "name": new_name}
        candidate.name = new_name  # type: ignore[assignment]
    if new_text != old_text:
        details |= {"old_sha256": sha256_text(old_text), "new_sha256": sha256_text(new_text)}
        candidate.manifesto = new_text
        keep_version(candidate, _editor_id(actor))
    record(
        actor,
        action,
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details=details,
    )


def remove_candidate(actor: Actor, candidate_id: int) -> None:
    """Take a candidate off a position while the candidate list may still change."""
    candidate = get_candidate(candidate_id)
    election = lock_for(candidate)
    require_candidates_editable(election)
    details = {"position_id": candidate.position_id, "name": candidate.name}
    db.session.delete(candidate)
    db.session.flush()
    record(
        actor,
        "candidate-removed",
        object_type="candidate",
        object_id=candidate_id,
        election_id=election.id,
        details=details,
    )
    db.session.commit()


def set_candidate_photo(actor: Actor, candidate_id: int, photo: Photo) -> Candidate:
    """Store a cleaned photo for the candidate, replacing any earlier one."""
    candidate = get_candidate(candidate_id)
    election = lock_for(candidate)
    require_page_editable(election)
    _store_photo(actor, candidate, election, photo)
    db.session.commit()
    return candidate


def _store_photo(actor: Actor, candidate: Candidate, election: Election, photo: Photo) -> None:
    """Replace the candidate's photo and log it, in the caller's transaction."""
    previous = candidate.photo_digest
    set_photo(candidate, photo)
    record(
        actor,
        "photo-uploaded",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={
            "sha256": photo.digest,
            "previous_sha256": previous,
            "bytes": len(photo.data),
            "width": photo.width,
            "height": photo.height,
        },
    )


def remove_candidate_photo(actor: Actor, candidate_id: int) -> Candidate:
    """Remove the candidate's photo."""
    candidate = get_candidate(candidate_id)
    election = lock_for(candidate)
    require_page_editable(election)
    previous = candidate.photo_digest
    if previous is None:
        db.session.commit()  # nothing to remove: end the locking transaction
        return candidate
    candidate.photo = candidate.photo_type = candidate.photo_digest = None
    record(
        actor,
        "photo-removed",
        object_type="candidate",
        object_id=candidate.id,
        election_id=election.id,
        details={"previous_sha256": previous},
    )
    db.session.commit()
    return candidate
