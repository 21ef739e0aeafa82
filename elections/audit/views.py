"""Browse the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from elections.access import STAFF, roles_required
from elections.extensions import db
from elections.models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 100


@bp.get("/")
@roles_required(*STAFF)
def log() -> str:
    """The newest entries of the log."""
    events = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE)
    ).all()
    return render_template("audit/log.html", events=events)
