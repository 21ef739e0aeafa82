"""A candidate's campaign page: the programme, a video link and a photo, edited until silence.

Every version of the text is kept in ``CampaignPageVersion``, and each change is logged
with the SHA-256 of the text before and after, so the page a student read can be shown
again later.
"""

from __future__ import annotations

from elections.extensions import db
from elections.files.photos import Photo
from elections.models import Candidate, User
from elections.operations.audit_log import Actor, record, sha256_text
from elections.operations.candidates import keep_version, own_candidacy, set_photo
from elections.operations.elections import require_page_editable
from elections.operations.nominations import PageText, require_standing


def update_campaign_page(
    actor: Actor,
    student: User,
    candidate_id: int,
    page: PageText,
    photo: Photo | None = None,
) -> Candidate:
    """Change one's own page (programme, video link, photo) until the day of silence."""
    candidate, election = own_candidacy(student, candidate_id)
    require_standing(candidate)
    require_page_editable(election)
    manifesto, video_url = page.checked()
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
