"""Candidates: add from the roll or as free text, photos and manifestos, and serving the photos."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from elections.committee.blueprint import bp
from elections.committee.forms import CandidateEditForm, CandidateForm
from elections.committee.views import COMMITTEE, to_election
from elections.domain import lifecycle
from elections.extensions import db
from elections.files.markdown import render_manifesto
from elections.i18n.refusals import explain
from elections.models import Candidate, Position
from elections.operations import candidates as ops
from elections.queries.campaign import page_visible
from elections.web.access import current_actor, public, roles_required
from elections.web.uploads import form_photo

PHOTO_MAX_AGE = 365 * 24 * 3600

bp.add_app_template_filter(render_manifesto, "manifesto")


def _warn_look_alikes(candidate: Candidate) -> None:
    """Flash a warning when another candidate's name could be mistaken for this one's."""
    others = ops.look_alikes(candidate)
    if others:
        flash(
            _(
                "“%(name)s” looks almost the same as %(others)s on this position. "
                "Check that this is not a mistake; voters may confuse them.",
                name=candidate.name,
                others=", ".join(f"“{o}”" for o in others),
            ),
            "warning",
        )


@bp.route("/positions/<int:position_id>/candidates/new", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def new_candidate(position_id: int) -> Response | str:
    """Add a student from the roll (by number) or a free-text option."""
    position = db.get_or_404(Position, position_id)
    form = CandidateForm()
    candidate = _add(position_id, form) if form.validate_on_submit() else None
    if candidate is not None:
        flash(_("Candidate “%(name)s” added.", name=candidate.name), "success")
        _warn_look_alikes(candidate)
        return redirect(url_for("committee.election", election_id=position.election_id))
    return render_template(
        "committee/candidate_form.html", form=form, position=position, candidate=None
    )


def _add(position_id: int, form: CandidateForm) -> Candidate | None:
    """Add the candidate the form describes; None, with the reason under its field, if refused.

    Shown on the form, so the committee keeps what it typed and can fix it.
    """
    photo, usable = form_photo(form.photo)
    if not usable:
        return None
    try:
        return ops.add_candidate(
            current_actor(),
            position_id,
            student_number=form.student_number.data,
            name=form.name.data,
            manifesto=form.manifesto.data or "",
            photo=photo,
        )
    except ops.CandidateRefused as refusal:
        db.session.rollback()
        by_number = bool((form.student_number.data or "").strip())
        field = form.student_number if by_number else form.name
        field.errors = [explain(refusal)]
        return None


@bp.route("/candidates/<int:candidate_id>/edit", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def edit_candidate(candidate_id: int) -> Response | str:
    """Edit a manifesto, a free-text option's name or the photo; while open, correct a typo."""
    candidate = db.get_or_404(Candidate, candidate_id)
    election_id = candidate.position.election_id
    form = CandidateEditForm()
    if not form.is_submitted():
        form.name.data, form.manifesto.data = candidate.name, candidate.manifesto
    saved = _save(candidate, form) if form.validate_on_submit() else None
    if saved is not None:
        flash(_("Candidate saved."), "success")
        _warn_look_alikes(saved)
        return redirect(url_for("committee.election", election_id=election_id))
    return _edit_page(form, candidate)


def _save(candidate: Candidate, form: CandidateEditForm) -> Candidate | None:
    """Save the form's changes; None, with the reason under the field, if the photo is refused."""
    photo, usable = form_photo(form.photo)
    if not usable:
        return None
    return ops.update_candidate(
        current_actor(),
        candidate.id,
        manifesto=form.manifesto.data or "",
        name=form.name.data if candidate.student_id is None else None,
        photo=photo,
    )


def _edit_page(form: CandidateEditForm, candidate: Candidate) -> str:
    """The edit form, offering what the election's phase still lets change."""
    phase = candidate.position.election.current_phase
    return render_template(
        "committee/candidate_form.html",
        form=form,
        position=candidate.position,
        candidate=candidate,
        correcting=not lifecycle.can_edit_campaign_page(phase),
        can_rename=lifecycle.can_edit_candidates(phase) and candidate.student_id is None,
        can_change_photo=lifecycle.can_edit_campaign_page(phase),
    )


def _election_of(candidate_id: int) -> int:
    """The election a candidate stands in, or a 404 page."""
    return db.get_or_404(Candidate, candidate_id).position.election_id


@bp.post("/candidates/<int:candidate_id>/delete")
@roles_required(*COMMITTEE)
def delete_candidate(candidate_id: int) -> Response:
    """Take a candidate off the position."""
    election_id = _election_of(candidate_id)
    ops.remove_candidate(current_actor(), candidate_id)
    return to_election(election_id, _("Candidate removed."))


@bp.post("/candidates/<int:candidate_id>/photo/delete")
@roles_required(*COMMITTEE)
def delete_photo(candidate_id: int) -> Response:
    """Remove a candidate's photo."""
    election_id = _election_of(candidate_id)
    ops.remove_candidate_photo(current_actor(), candidate_id)
    return to_election(election_id, _("Photo removed."))


def _photo_visible(candidate: Candidate) -> bool:
    """Whoever may read the candidate's page: staff, the candidate, students who may vote
    for them. Never a signed-out visitor: these are pupils' photos, not the public's."""
    return bool(current_user.is_authenticated) and page_visible(candidate, current_user)


@bp.get("/candidates/<int:candidate_id>/photo")
@public
def candidate_photo(candidate_id: int) -> Response:
    """A candidate's cleaned photo, cached by its digest (the page links with ``?v=digest``)."""
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or candidate.photo_digest is None or not _photo_visible(candidate):
        raise NotFound()
    response = Response(candidate.photo, mimetype=candidate.photo_type or "image/webp")
    response.set_etag(candidate.photo_digest)
    response.headers["Content-Disposition"] = "inline"
    if request.args.get("v") == candidate.photo_digest[:16]:
        # The address names the content: it may be kept as long as the browser likes.
        response.headers["Cache-Control"] = f"private, max-age={PHOTO_MAX_AGE}, immutable"
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    g.cache_allowed = True  # the security hook otherwise marks signed-in responses no-store
    return response.make_conditional(request)


def photo_url(candidate: Candidate) -> str | None:
    """The cache-friendly address of a candidate's photo, or None without one."""
    if candidate.photo_digest is None:
        return None
    return url_for(
        "committee.candidate_photo", candidate_id=candidate.id, v=candidate.photo_digest[:16]
    )


@bp.app_context_processor
def photo_helpers() -> dict[str, object]:
    """Let every template link a candidate's photo (the ballot and results pages too)."""
    return {"candidate_photo_url": photo_url}
