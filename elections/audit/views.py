"""The auditors' workspace: browse and filter the log, export it, verify everything."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from elections.audit.forms import BundleForm, ExportLogForm, LogFilterForm, VerifyForm
from elections.audit.messages import check_name, explain_check, summary
from elections.domain.roles import STAFF, Role
from elections.extensions import db
from elections.models import AuditEvent, Election
from elections.operations import auditing as operations
from elections.operations.auditing import Verification
from elections.queries.audit_log import LogFilter, known_actions, page, position_titles
from elections.queries.export import ZipWriter, exportable_elections
from elections.queries.observers import HIDDEN_FROM_OBSERVERS, audit_log_visible
from elections.web.access import current_actor, observer_or_roles, roles_required, viewing_role

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTER_FIELDS = ("since", "before", "actor", "action", "election")
DETAILS_PREVIEW = 160


def _elections() -> list[tuple[int, str]]:
    """Every election, for the filter's choice list."""
    return [(e.id, e.title) for e in db.session.scalars(select(Election).order_by(Election.id))]


def _bundle_form() -> BundleForm:
    """The bundle form, offering the elections whose voting has closed."""
    form = BundleForm()
    form.set_choices([(e.id, e.title) for e in exportable_elections()])
    return form


def occurred(event: AuditEvent) -> datetime:
    """An entry's time as an aware instant, for showing in the school's time zone."""
    return datetime.fromisoformat(event.occurred_at)


def details_preview(details: object) -> str:
    """An entry's details as one line of JSON, shortened for the table."""
    text = json.dumps(details, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= DETAILS_PREVIEW else text[: DETAILS_PREVIEW - 1] + "…"


@bp.context_processor
def entry_helpers() -> dict[str, object]:
    """How the log's pages show an entry's time and details."""
    return {"occurred": occurred, "preview": details_preview}


def _filter_form() -> LogFilterForm:
    """The filter as the address gives it, checked against the log's actions and elections."""
    form = LogFilterForm(request.args)
    form.set_choices(known_actions(), _elections())
    form.validate()
    return form


def _kept_filters(form: LogFilterForm) -> dict[str, str]:
    """The filters given and valid, for the links that page on through the log."""
    return {
        name: request.args[name]
        for name in FILTER_FIELDS
        if request.args.get(name) and not form[name].errors
    }


@bp.get("/")
@roles_required(*STAFF)
def log() -> str:
    """The log, newest first, filtered and paged by sequence number."""
    form = _filter_form()
    cursor = request.args.get("cursor", type=int)
    return render_template(
        "audit/log.html",
        form=form,
        entries=page(form.log_filter(), cursor),
        filters=_kept_filters(form),
        export_form=ExportLogForm(formdata=None),
        verify_form=VerifyForm(),
        bundle_form=_bundle_form(),
        cursor=cursor,
    )


@bp.post("/export")
@roles_required(*STAFF)
def export_log() -> Response:
    """Download the filtered log as CSV or JSON Lines."""
    form = ExportLogForm()
    form.set_choices(known_actions(), _elections())
    if not form.validate():
        abort(400)
    fmt = "csv" if form.format.data == "csv" else "jsonl"
    text = operations.export_log(current_actor(), form.log_filter(), fmt)
    # Werkzeug adds "; charset=utf-8" to a text/* type itself.
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson; charset=utf-8"
    return send_file(
        io.BytesIO(text.encode("utf-8")),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"audit-log.{fmt}",
    )


@bp.post("/verify")
@roles_required(*STAFF)
def verify() -> str | Response:
    """Verify the chain and every closed election, and show every check."""
    form = VerifyForm()
    if not form.validate():
        abort(400)
    try:
        expected_head = form.head()
    except ValidationError as error:
        flash(str(error), "error")
        return redirect(url_for("audit.log"))
    verification = operations.run_verification(current_actor(), expected_head=expected_head)
    return _verification_page(verification)


def _verification_page(verification: Verification) -> str:
    """Every check of a verification, named with the titles of what it checked."""
    report = verification.report
    position_ids = {c.position_id for c in report.checks if c.position_id is not None}
    return render_template(
        "audit/verification.html",
        report=report,
        recorded=verification.recorded,
        summary=summary(report),
        check_name=check_name,
        explain=lambda check: explain_check(check, report),
        titles=dict(_elections()),
        positions=position_titles(position_ids),
    )


@bp.post("/bundle")
@roles_required(*STAFF)
def bundle() -> Response:
    """Download an export bundle as a .zip: a closed election with its ballots, or the log."""
    form = _bundle_form()
    if not form.validate():
        abort(400)
    chosen = form.election.data or ""
    election = db.get_or_404(Election, int(chosen)) if chosen.isdigit() else None
    buffer = io.BytesIO()
    name = f"election-{election.id}-bundle.zip" if election else "audit-log-bundle.zip"
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        operations.export_bundle(current_actor(), election, ZipWriter(archive))
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name=name)


# One election's entries: the workspace for staff, and the window its observers watch through.


@bp.get("/elections/<int:election_id>")
@observer_or_roles(*STAFF)
def election_log(election_id: int) -> str:
    """One election's entries, newest first; its observers see them once voting has closed."""
    election = db.get_or_404(Election, election_id)
    role = viewing_role(election.id)
    if not audit_log_visible(election.current_phase, role):
        abort(403)
    cursor = request.args.get("cursor", type=int)
    return render_template(
        "audit/election_log.html",
        election=election,
        entries=page(LogFilter(election_id=election.id), cursor),
        hidden=HIDDEN_FROM_OBSERVERS if role == Role.observer else frozenset(),
        cursor=cursor,
    )
