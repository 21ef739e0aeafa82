"""The student's side of the polling station."""

from __future__ import annotations

from flask import Blueprint, render_template

from elections.access import roles_required
from elections.domain.roles import Role

bp = Blueprint("vote", __name__, url_prefix="/vote")


@bp.get("/")
@roles_required(Role.student)
def home() -> str:
    """The student's open elections and where they have already voted."""
    return render_template("vote/home.html", elections=[])
