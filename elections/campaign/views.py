"""The students' side of the calendar: nominate, endorse, read and edit campaign pages, appeal."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from elections.campaign.forms import ComplaintForm, NominationForm, ObserverForm, PageForm
from elections.domain import lifecycle
from elections.domain.roles import Role
from elections.extensions import db
from elections.i18n.language import localized_title
from elections.models import Candidate, Election, User, utcnow
from elections.operations import campaign_pages, complaints, endorsements, nominations, observers
from elections.operations.nominations import PageText
from elections.queries import campaign as pages
from elections.queries import complaints as appeals
from elections.queries.endorsements import endorsed_ids, endorsements_used
from elections.web.access import current_actor, roles_required, signed_in
from elections.web.uploads import form_photo

bp = Blueprint("campaign", __name__, url_prefix="/campaign")


def _user() -> User:
    """The signed-in account as a model object: the session, never a form, says who acts."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _election(election_id: int) -> Election:
    """The election, or 404."""
    return db.get_or_404(Election, election_id)


def _page_text(form: PageForm) -> PageText:
    """The programme and video link typed in a page form."""
    return PageText(manifesto=form.manifesto.data or "", video_url=form.video_url.data or "")


@bp.get("/")
@roles_required(Role.student)
def overview() -> str:
    """What the calendar offers the student: nominations, campaigns, their own, what they watch."""
    return render_template("campaign/overview.html", overview=pages.overview(_user(), utcnow()))


@bp.get("/<int:election_id>")
@signed_in
def election(election_id: int) -> str:
    """The registered candidates of every position the reader may vote in (all, for staff)."""
    shown = _election(election_id)
    positions = pages.visible_positions(shown, _user())
    if not positions:
        abort(404)
    return render_template(
        "campaign/election.html",
        election=shown,
        positions=[(p, pages.registered(p)) for p in positions],
        frozen=not lifecycle.can_edit_campaign_page(shown.current_phase),
    )


@bp.get("/<int:election_id>/candidates/<int:candidate_id>")
@signed_in
def candidate(election_id: int, candidate_id: int) -> str:
    """One candidate's page: photo, programme and video link."""
    shown = db.get_or_404(Candidate, candidate_id)
    if shown.position.election_id != election_id or not pages.page_visible(shown, _user()):
        abort(404)
    return render_template(
        "campaign/candidate.html",
        candidate=shown,
        position=shown.position,
        election=shown.position.election,
    )


@bp.route("/<int:election_id>/nominate", methods=["GET", "POST"])
@roles_required(Role.student)
def nominate(election_id: int) -> Response | str:
    """Nominate oneself for a position the student may stand for."""
    shown, student = _election(election_id), _user()
    standable = pages.standable_positions(shown, student)
    form = NominationForm()
    form.position.choices = [SelectChoice(p.id, localized_title(p)) for p in standable]
    filed = _file(form, student) if form.validate_on_submit() else None
    if filed is not None:
        flash(_("Your nomination is filed. The election commission will review it."), "success")
        return redirect(url_for("campaign.candidacy", candidate_id=filed.id))
    is_open = lifecycle.can_nominate(shown.current_phase)
    return render_template(
        "campaign/nominate.html", election=shown, form=form, positions=standable, is_open=is_open
    )


def _file(form: NominationForm, student: User) -> Candidate | None:
    """File the nomination the form describes; None when its photo is refused."""
    photo, usable = form_photo(form.photo)
    if not usable:
        return None
    page = _page_text(form)
    return nominations.nominate(current_actor(), student, form.position.data, page, photo)


@bp.get("/<int:election_id>/endorse")
@roles_required(Role.student)
def endorse_list(election_id: int) -> str:
    """Pending nominations the student may endorse, and which they already do."""
    shown, student = _election(election_id), _user()
    return render_template(
        "campaign/endorse.html",
        election=shown,
        positions=pages.endorsable_nominations(shown, student),
        endorsed=endorsed_ids(student, shown.id),
        used=endorsements_used(student.id, shown.id),
        is_open=lifecycle.can_nominate(shown.current_phase),
    )


@bp.post("/endorsements/<int:candidate_id>")
@roles_required(Role.student)
def endorse(candidate_id: int) -> Response:
    """Endorse a pending nomination."""
    endorsements.endorse(current_actor(), _user(), candidate_id)
    return _back_to_endorsements(candidate_id, _("Your endorsement is recorded."))


@bp.post("/endorsements/<int:candidate_id>/withdraw")
@roles_required(Role.student)
def withdraw_endorsement(candidate_id: int) -> Response:
    """Take an endorsement back."""
    endorsements.withdraw_endorsement(current_actor(), _user(), candidate_id)
    return _back_to_endorsements(candidate_id, _("Your endorsement is withdrawn."))


def _back_to_endorsements(candidate_id: int, message: str) -> Response:
    """Flash and return to the endorsement list of the nomination's election."""
    flash(message, "success")
    endorsed = db.get_or_404(Candidate, candidate_id)
    return redirect(url_for("campaign.endorse_list", election_id=endorsed.position.election_id))


def _own(candidate_id: int) -> Candidate:
    """One of the signed-in student's own candidacies, or 404."""
    own = db.get_or_404(Candidate, candidate_id)
    if own.student_id != current_user.id:
        abort(404)
    return own


@bp.route("/candidacies/<int:candidate_id>", methods=["GET", "POST"])
@roles_required(Role.student)
def candidacy(candidate_id: int) -> Response | str:
    """The student's own nomination: its status, the commission's reason, the page and observer."""
    own = _own(candidate_id)
    form = PageForm()
    if not form.is_submitted():
        form.manifesto.data, form.video_url.data = own.manifesto, own.video_url
    if form.validate_on_submit() and _save_page(form, own) is not None:
        flash(_("Your page is saved. Every version is kept."), "success")
        return redirect(url_for("campaign.candidacy", candidate_id=own.id))
    return render_template(
        "campaign/candidacy.html",
        item=pages.own_candidacy(_user(), own.id),
        form=form,
        observer_form=ObserverForm(formdata=None),
    )


def _save_page(form: PageForm, own: Candidate) -> Candidate | None:
    """Save the page as the form has it; None when its photo is refused."""
    photo, usable = form_photo(form.photo)
    if not usable:
        return None
    page = _page_text(form)
    return campaign_pages.update_campaign_page(current_actor(), _user(), own.id, page, photo)


@bp.post("/candidacies/<int:candidate_id>/withdraw")
@roles_required(Role.student)
def withdraw(candidate_id: int) -> Response:
    """Withdraw one's own nomination or candidacy."""
    nominations.withdraw_nomination(current_actor(), _user(), _own(candidate_id).id)
    flash(_("Your nomination is withdrawn."), "success")
    return redirect(url_for("campaign.candidacy", candidate_id=candidate_id))


@bp.post("/candidacies/<int:candidate_id>/observer")
@roles_required(Role.student)
def name_observer(candidate_id: int) -> Response:
    """Name the candidacy's observer."""
    form = ObserverForm()
    if not form.validate():
        flash(_("Give the observer's student number or username."), "error")
    else:
        observers.name_observer(current_actor(), _user(), _own(candidate_id).id, form.who.data)
        flash(_("Your observer is named."), "success")
    return redirect(url_for("campaign.candidacy", candidate_id=candidate_id))


@bp.post("/candidacies/<int:candidate_id>/observer/remove")
@roles_required(Role.student)
def remove_observer(candidate_id: int) -> Response:
    """Stop having an observer."""
    observers.remove_observer(current_actor(), _user(), _own(candidate_id).id)
    flash(_("You no longer have an observer."), "success")
    return redirect(url_for("campaign.candidacy", candidate_id=candidate_id))


@bp.route("/<int:election_id>/complaints", methods=["GET", "POST"])
@signed_in
def complaints_page(election_id: int) -> Response | str:
    """A candidate's or observer's complaints in this election, and a form in the window."""
    shown, user, now = _election(election_id), _user(), utcnow()
    if not appeals.may_complain(user, shown.id):
        abort(403)
    window = appeals.appeals_open(shown, now)
    form = ComplaintForm()
    if window and form.validate_on_submit():
        complaints.file_complaint(current_actor(), user, shown.id, form.text.data or "", now)
        flash(_("Your complaint is filed. The commission will answer it in writing."), "success")
        return redirect(url_for("campaign.complaints_page", election_id=shown.id))
    filed = appeals.election_complaints(shown.id, author_id=user.id)
    return render_template(
        "campaign/complaints.html", election=shown, form=form, window=window, filed=filed
    )


@bp.app_template_global()
def protocol_complaints(election: Election) -> list[appeals.ComplaintRecord]:
    """The complaints and answers the published protocol lists (the results pages call this)."""
    return appeals.election_complaints(election.id)
