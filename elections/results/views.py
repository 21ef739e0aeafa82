"""Results pages: visible to staff after closing and to everyone after publication."""

from __future__ import annotations

from flask import Blueprint, render_template

from elections.access import public

bp = Blueprint("results", __name__, url_prefix="/results")


@bp.get("/")
@public
def index() -> str:
    """Every election whose results the reader may see."""
    return render_template("results/index.html", elections=[])
