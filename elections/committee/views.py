"""The committee's elections: the dashboard listing every election and its phase."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from elections.access import roles_required
from elections.committee.blueprint import bp
from elections.domain.roles import Role
from elections.extensions import db
from elections.models import Election

COMMITTEE = (Role.committee, Role.admin)


@bp.get("/")
@roles_required(*COMMITTEE)
def dashboard() -> str:
    """Every election, newest first, with its phase."""
    elections = db.session.scalars(select(Election).order_by(Election.opens_at.desc())).all()
    return render_template("committee/dashboard.html", elections=elections)
