"""Positions of an election: method, seats and who may vote and stand, while still editable."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from elections.committee.blueprint import bp
from elections.committee.forms import PositionForm
from elections.committee.views import COMMITTEE, election_or_404, to_election
from elections.domain.eligibility import parse_grades, parse_names
from elections.extensions import db
from elections.models import Position
from elections.operations import positions as ops
from elections.queries.roll import roll_shanyraks
from elections.web.access import current_actor, roles_required


def _spec(form: PositionForm) -> ops.PositionSpec:
    """The checked form as a position spec (the rule fields were parsed by the validators)."""
    return ops.PositionSpec(
        title=form.title.data or "",
        description=form.description.data or "",
        seats=form.seats.data or 1,
        method=form.method.data,
        allow_blank=bool(form.allow_blank.data),
        shuffle_candidates=bool(form.shuffle_candidates.data),
        threshold_percent=form.threshold_percent.data or 50,
        voter_grades=parse_grades(form.voter_grades.data or ""),
        voter_classes=parse_names(form.voter_classes.data or ""),
        voter_shanyraks=parse_names(form.voter_shanyraks.data or ""),
        candidate_grades=parse_grades(form.candidate_grades.data or ""),
        candidate_classes=parse_names(form.candidate_classes.data or ""),
        candidate_shanyraks=parse_names(form.candidate_shanyraks.data or ""),
        endorsements_required=form.endorsements_required.data or 0,
        titles=form.titles(),
    )


def _grades_text(grades: list[int]) -> str:
    """Stored grades as the committee would type them: "8-11, 12"."""
    spans: list[list[int]] = []
    for grade in sorted(grades):
        if spans and spans[-1][1] == grade - 1:
            spans[-1][1] = grade
        else:
            spans.append([grade, grade])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _fill(form: PositionForm, position: Position) -> None:
    """Show a stored position's titles per language, and its rules as text."""
    form.fill_titles(position.titles)
    form.voter_grades.data = _grades_text(position.voter_grades)
    form.voter_classes.data = ", ".join(position.voter_classes)
    form.voter_shanyraks.data = ", ".join(position.voter_shanyraks)
    form.candidate_grades.data = _grades_text(position.candidate_grades)
    form.candidate_classes.data = ", ".join(position.candidate_classes)
    form.candidate_shanyraks.data = ", ".join(position.candidate_shanyraks)


@bp.route("/elections/<int:election_id>/positions/new", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def new_position(election_id: int) -> Response | str:
    """Add a position to an election."""
    election = election_or_404(election_id)
    form = PositionForm()
    if form.validate_on_submit():
        position = ops.create_position(current_actor(), election_id, _spec(form))
        return to_election(election_id, _("Position “%(title)s” added.", title=position.title))
    return render_template(
        "committee/position_form.html", form=form, election=election, position=None
    )


@bp.route("/positions/<int:position_id>/edit", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def edit_position(position_id: int) -> Response | str:
    """Change a position while the election's structure is editable."""
    position = db.get_or_404(Position, position_id)
    form = PositionForm(obj=position)
    if not form.is_submitted():
        _fill(form, position)
    if form.validate_on_submit():
        ops.update_position(current_actor(), position_id, _spec(form))
        return to_election(position.election_id, _("Position saved."))
    return render_template(
        "committee/position_form.html", form=form, election=position.election, position=position
    )


@bp.post("/positions/<int:position_id>/delete")
@roles_required(*COMMITTEE)
def delete_position(position_id: int) -> Response:
    """Remove a position and its candidates."""
    position = db.get_or_404(Position, position_id)
    election_id = position.election_id
    ops.delete_position(current_actor(), position_id)
    return to_election(election_id, _("Position removed."))


@bp.post("/elections/<int:election_id>/positions/per-shanyrak")
@roles_required(*COMMITTEE)
def shanyrak_positions(election_id: int) -> Response:
    """One leader position per shanyrak on the roll, each voted and stood for by its own."""
    election_or_404(election_id)
    titles = [(name, _("Leader of %(shanyrak)s", shanyrak=name)) for name in roll_shanyraks()]
    created = ops.create_shanyrak_positions(current_actor(), election_id, titles)
    if created:
        flash(
            ngettext(
                "%(num)d leader position added.", "%(num)d leader positions added.", len(created)
            ),
            "success",
        )
    else:
        flash(_("Every shanyrak already has its leader position."), "info")
    return redirect(url_for("committee.election", election_id=election_id))
