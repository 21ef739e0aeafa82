"""Roll import and access codes: how students get onto the roll and into the polling booth."""

from __future__ import annotations

from dataclasses import asdict
from io import BytesIO

import qrcode
import qrcode.image.svg
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from elections.committee.blueprint import bp
from elections.committee.forms import IssueCodesForm, ReplaceCodeForm, RollUploadForm
from elections.domain.roles import Role
from elections.extensions import db
from elections.files.roll import RollFileError, parse_roll
from elections.i18n.refusals import explain_roll_error
from elections.models import User
from elections.operations import accounts
from elections.operations.roll import import_roll
from elections.queries.roll import (
    ALL_CLASSES,
    active_student,
    roll_classes,
    roll_students,
    students_for_codes,
)
from elections.web.access import current_actor, roles_required

COMMITTEE = (Role.committee, Role.admin)


@bp.route("/roll", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def roll() -> Response | str:
    """Show the roll and take a new file; a bad file changes nothing and says which lines."""
    form = RollUploadForm()
    problems = _import(form) if form.validate_on_submit() else []
    if problems is None:
        return redirect(url_for("committee.roll"))
    return render_template(
        "committee/roll.html",
        form=form,
        problems=problems,
        students=roll_students(),
        codes_form=_codes_form(),
        replace_form=ReplaceCodeForm(),
    )


def _import(form: RollUploadForm) -> list[str] | None:
    """Import the uploaded roll and say so (None); or, when it is refused, the lines at fault."""
    upload = form.file.data
    try:
        rows = parse_roll(upload.read(), upload.filename or "")
        report = import_roll(current_actor(), rows, deactivate_missing=form.deactivate_missing.data)
    except RollFileError as error:
        db.session.rollback()
        flash(_("Nothing was imported: fix the lines below and upload the file again."), "error")
        return [explain_roll_error(e) for e in error.errors]
    flash(
        _(
            "Roll imported: %(added)d added, %(updated)d updated, %(unchanged)d unchanged,"
            " %(deactivated)d deactivated.",
            **asdict(report),
        ),
        "success",
    )
    return None


def _codes_form() -> IssueCodesForm:
    """The access-code form with the roll's classes to choose from."""
    form = IssueCodesForm()
    form.class_name.choices = [
        SelectChoice(ALL_CLASSES, _("All classes")),
        *(SelectChoice(name) for name in roll_classes()),
    ]
    return form


@bp.post("/access-codes")
@roles_required(*COMMITTEE)
def issue_codes() -> Response | str:
    """Issue codes for a class (or everyone) and show them once, as cards to print and cut."""
    form = _codes_form()
    if not form.validate_on_submit():
        flash(_("Choose a class and confirm that earlier codes will stop working."), "error")
        return redirect(url_for("committee.roll"))
    students = students_for_codes(form.class_name.data, bool(form.only_missing.data))
    issued = accounts.issue_access_codes(current_actor(), students)
    if not issued:
        flash(_("Every student in that choice already has a code."), "info")
        return redirect(url_for("committee.roll"))
    return _render_cards(issued)


@bp.post("/access-codes/replace")
@roles_required(*COMMITTEE)
def replace_code() -> Response | str:
    """Replace one student's lost code: the old code and any open session stop working."""
    form = ReplaceCodeForm()
    student = active_student(form.student_number.data) if form.validate_on_submit() else None
    if student is None:
        flash(_("No active student has that number."), "error")
        return redirect(url_for("committee.roll"))
    return _render_cards(accounts.issue_access_codes(current_actor(), [student]))


def _render_cards(issued: list[tuple[User, str]]) -> str:
    """The one and only showing of fresh codes, grouped by class, ready to print."""
    by_class: dict[str, list[tuple[User, str, Markup]]] = {}
    for student, code in issued:
        link = url_for("auth.sign_in", u=student.username, _external=True)
        by_class.setdefault(student.class_name or "", []).append((student, code, _qr_svg(link)))
    return render_template("committee/access_cards.html", by_class=by_class)


def _qr_svg(link: str) -> Markup:
    """An inline SVG QR code of the sign-in link (the link carries the number, never the code)."""
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=1)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return Markup(svg[svg.index("<svg") :])  # noqa: S704 - our own generated SVG, no user markup
