"""The commission's side of the calendar: nominations, pages, observers and complaints."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from elections.committee.blueprint import bp
from elections.committee.forms import AnswerForm, ReviewForm
from elections.committee.views import COMMITTEE, election_or_404, now
from elections.extensions import db
from elections.models import Candidate, Complaint
from elections.operations import complaints as appeal_ops
from elections.operations import nominations as ops
from elections.queries import complaints as appeals
from elections.queries.nominations import kept_versions, named_observers, nominations_to_review
from elections.web.access import current_actor, roles_required


@bp.get("/elections/<int:election_id>/nominations")
@roles_required(*COMMITTEE)
def nominations(election_id: int) -> str:
    """Every nomination by position: status, endorsements, and the review form for pending ones."""
    election = election_or_404(election_id)
    return render_template(
        "committee/nominations.html",
        election=election,
        positions=[
            (p, nominations_to_review(p)) for p in election.positions if p.method != "yesno"
        ],
        can_review=election.current_phase in ops.REVIEW_PHASES,
        form=ReviewForm(formdata=None),
    )


@bp.post("/candidates/<int:candidate_id>/review")
@roles_required(*COMMITTEE)
def review_nomination(candidate_id: int) -> Response | str:
    """Register or reject a nomination with the reason the student will read."""
    candidate = db.get_or_404(Candidate, candidate_id)
    election_id = candidate.position.election_id
    back = url_for("committee.nominations", election_id=election_id) + f"#candidate-{candidate_id}"
    form = ReviewForm()
    if form.validate():
        flash(_decide(candidate, form), "success")
    else:
        for error in (e for errors in form.errors.values() for e in errors):
            flash(f"{candidate.name}: {error}", "error")
    return redirect(back)


def _decide(candidate: Candidate, form: ReviewForm) -> str:
    """Register or reject the nomination as the form says; what the committee is told."""
    if form.decision.data == "register":
        ops.register_nomination(current_actor(), candidate.id, form.reason.data or "")
        return _("“%(name)s” is registered.", name=candidate.name)
    ops.reject_nomination(current_actor(), candidate.id, form.reason.data or "")
    return _("“%(name)s” is rejected; the student sees the reason.", name=candidate.name)


@bp.get("/candidates/<int:candidate_id>/history")
@roles_required(*COMMITTEE)
def page_history(candidate_id: int) -> str:
    """Every version of a candidate's page, newest first, with who saved it."""
    candidate = db.get_or_404(Candidate, candidate_id)
    return render_template(
        "committee/page_history.html",
        candidate=candidate,
        election=candidate.position.election,
        versions=kept_versions(candidate.id),
    )


@bp.get("/elections/<int:election_id>/observers")
@roles_required(*COMMITTEE)
def observers(election_id: int) -> str:
    """Each candidate of the election and the observer they named."""
    election = election_or_404(election_id)
    rows = named_observers(election.id)
    return render_template("committee/observers.html", election=election, rows=rows)


@bp.get("/elections/<int:election_id>/complaints")
@roles_required(*COMMITTEE)
def complaints(election_id: int) -> str:
    """The election's complaints in filing order, with a form for each one not yet answered."""
    election = election_or_404(election_id)
    return render_template(
        "committee/complaints.html",
        election=election,
        filed=appeals.election_complaints(election.id),
        can_answer=election.current_phase in appeal_ops.ANSWERING_PHASES,
        window=appeals.appeals_open(election, now()),
        form=AnswerForm(formdata=None),
    )


@bp.post("/complaints/<int:complaint_id>/answer")
@roles_required(*COMMITTEE)
def answer_complaint(complaint_id: int) -> Response:
    """Record the commission's written answer to a complaint."""
    complaint = db.get_or_404(Complaint, complaint_id)
    back = url_for("committee.complaints", election_id=complaint.election_id)
    form = AnswerForm()
    if not form.validate():
        flash(_("Write the answer first."), "error")
        return redirect(back + f"#complaint-{complaint_id}")
    member = current_user._get_current_object()
    appeal_ops.answer_complaint(
        current_actor(), member, complaint_id, form.answer.data or "", now()
    )
    flash(_("The answer is recorded."), "success")
    return redirect(back + f"#complaint-{complaint_id}")
