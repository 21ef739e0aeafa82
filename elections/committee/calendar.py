"""The commission's side of the calendar: nominations, endorsements, pages, observers, complaints.

Endorsements are shown here and nowhere else: they are the committee's to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from elections.committee.blueprint import bp
from elections.committee.forms import AnswerForm, ReviewForm
from elections.committee.views import COMMITTEE, election_or_404, now
from elections.extensions import db
from elections.models import (
    CANDIDATE_STATUSES,
    CampaignPageVersion,
    Candidate,
    Complaint,
    Endorsement,
    Observer,
    Position,
    User,
)
from elections.operations import complaints as appeal_ops
from elections.operations import nominations as ops
from elections.queries import complaints as appeals
from elections.web.access import current_actor, roles_required


@dataclass(frozen=True)
class Nomination:
    """A candidate as the review page shows them: with endorsements and page versions."""

    candidate: Candidate
    endorsers: list[User]
    counted: int
    versions: int


STATUS_ORDER = {status: rank for rank, status in enumerate(CANDIDATE_STATUSES)}


def _nominations(position: Position) -> list[Nomination]:
    """The position's candidates, pending first, with who endorses each."""
    listed = []
    for candidate in sorted(position.candidates, key=lambda c: (STATUS_ORDER[c.status], c.name)):
        endorsers = list(
            db.session.scalars(
                select(User)
                .join(Endorsement, Endorsement.student_id == User.id)
                .where(Endorsement.candidate_id == candidate.id)
                .order_by(User.class_name, User.full_name)
            )
        )
        versions = db.session.scalar(
            select(func.count())
            .select_from(CampaignPageVersion)
            .where(CampaignPageVersion.candidate_id == candidate.id)
        )
        counted = sum(1 for user in endorsers if user.active)
        listed.append(Nomination(candidate, endorsers, counted, versions or 0))
    return listed


@bp.get("/elections/<int:election_id>/nominations")
@roles_required(*COMMITTEE)
def nominations(election_id: int) -> str:
    """Every nomination by position: status, endorsements, and the review form for pending ones."""
    election = election_or_404(election_id)
    return render_template(
        "committee/nominations.html",
        election=election,
        positions=[(p, _nominations(p)) for p in election.positions if p.method != "yesno"],
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
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(f"{candidate.name}: {error}", "error")
        return redirect(back)
    if form.decision.data == "register":
        ops.register_nomination(current_actor(), candidate_id, form.reason.data or "")
        flash(_("“%(name)s” is registered.", name=candidate.name), "success")
    else:
        ops.reject_nomination(current_actor(), candidate_id, form.reason.data or "")
        flash(
            _("“%(name)s” is rejected; the student sees the reason.", name=candidate.name),
            "success",
        )
    return redirect(back)


@bp.get("/candidates/<int:candidate_id>/history")
@roles_required(*COMMITTEE)
def page_history(candidate_id: int) -> str:
    """Every version of a candidate's page, newest first, with who saved it."""
    candidate = db.get_or_404(Candidate, candidate_id)
    versions = db.session.execute(
        select(CampaignPageVersion, User)
        .outerjoin(User, User.id == CampaignPageVersion.edited_by_id)
        .where(CampaignPageVersion.candidate_id == candidate.id)
        .order_by(CampaignPageVersion.edited_at.desc(), CampaignPageVersion.id.desc())
    ).all()
    return render_template(
        "committee/page_history.html",
        candidate=candidate,
        election=candidate.position.election,
        versions=versions,
    )


@bp.get("/elections/<int:election_id>/observers")
@roles_required(*COMMITTEE)
def observers(election_id: int) -> str:
    """Each candidate of the election and the observer they named."""
    election = election_or_404(election_id)
    rows = db.session.execute(
        select(Candidate, Position, User)
        .join(Position, Position.id == Candidate.position_id)
        .join(Observer, Observer.candidate_id == Candidate.id)
        .join(User, User.id == Observer.user_id)
        .where(Position.election_id == election.id)
        .order_by(Position.sort_order, Position.id, Candidate.name)
    ).all()
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
