"""The public bulletin board: every tracking code of a published election, so students find theirs.

What it shows is ``queries.board``'s: the codes, never the choices beside them.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _

from elections.audit.forms import BoardSearchForm
from elections.domain.lifecycle import Phase
from elections.errors import error_page
from elections.extensions import db
from elections.models import Election
from elections.queries.board import find_code, position_codes, published_elections
from elections.web.access import public

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.get("/")
@public
def index() -> str:
    """Every published election, each with its board."""
    return render_template("audit/board_index.html", elections=published_elections())


@bp.route("/<int:election_id>", methods=["GET", "POST"])
@public
def show(election_id: int) -> str | tuple[str, int]:
    """The tracking codes of a published election, and (POST) a search for one code."""
    election = db.get_or_404(Election, election_id)
    if election.current_phase != Phase.published:
        return error_page(404, _("This election's results are not published yet."))
    form = BoardSearchForm()
    searched = bool(form.validate_on_submit() and (form.code.data or "").strip())
    g.no_store = request.method == "POST"  # a search's answer names the code: cache none of it
    return render_template(
        "audit/board.html",
        election=election,
        form=form,
        searched=searched,
        found=find_code(election, form.code.data) if searched else None,
        positions=[position_codes(p) for p in election.positions],
    )
