"""The public bulletin board: every tracking code of a published election, so students find theirs.

Codes only, never the choices beside them: the exported bundle carries the choices for
recounting, but a public page that showed them would let anyone standing next to a
student ask for the code and see the vote.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from elections.audit.forms import BoardSearchForm
from elections.domain import codes
from elections.domain.lifecycle import Phase
from elections.errors import error_page
from elections.extensions import db
from elections.models import Ballot, BallotSeal, Election, Position
from elections.web.access import public

bp = Blueprint("board", __name__, url_prefix="/board")
TRACKING_CODE_GROUPS = (4, 4, 2)


@dataclass(frozen=True)
class PositionCodes:
    """One position's tracking codes, sorted, with its seal for those who check."""

    position: Position
    codes: list[str]
    seal: BallotSeal | None


def printed_code(typed: str) -> str | None:
    """The code as printed on receipts (``XXXX-XXXX-XX``) from what a student typed, if it fits."""
    plain = codes.normalise_code(typed)
    if len(plain) != sum(TRACKING_CODE_GROUPS) or any(ch not in codes.ALPHABET for ch in plain):
        return None
    first, second, _rest = TRACKING_CODE_GROUPS
    return f"{plain[:first]}-{plain[first : first + second]}-{plain[first + second :]}"


def find_code(election: Election, typed: str) -> Position | None:
    """The position of the election whose box holds the typed code, if any."""
    code = printed_code(typed)
    if code is None:
        return None
    return db.session.scalar(
        select(Position)
        .join(Ballot, Ballot.position_id == Position.id)
        .where(Position.election_id == election.id, Ballot.tracking_code == code)
    )


def position_codes(position: Position) -> PositionCodes:
    """A position's codes in sorted order (the order says nothing about who voted when)."""
    found = db.session.scalars(
        select(Ballot.tracking_code)
        .where(Ballot.position_id == position.id)
        .order_by(Ballot.tracking_code)
    )
    return PositionCodes(position, list(found), db.session.get(BallotSeal, position.id))


@bp.get("/")
@public
def index() -> str:
    """Every published election, each with its board."""
    elections = db.session.scalars(
        select(Election)
        .where(Election.phase == str(Phase.published))
        .order_by(Election.published_at.desc())
    ).all()
    return render_template("audit/board_index.html", elections=elections)


@bp.route("/<int:election_id>", methods=["GET", "POST"])
@public
def show(election_id: int) -> str | tuple[str, int]:
    """The tracking codes of a published election, and (POST) a search for one code."""
    election = db.get_or_404(Election, election_id)
    if election.current_phase != Phase.published:
        return error_page(404, _("This election's results are not published yet."))
    form = BoardSearchForm()
    searched = bool(form.validate_on_submit() and (form.code.data or "").strip())
    found = find_code(election, form.code.data) if searched else None
    if request.method == "POST":
        g.no_store = True  # the answer names the code: keep it out of every cache
    return render_template(
        "audit/board.html",
        election=election,
        form=form,
        searched=searched,
        found=found,
        positions=[position_codes(p) for p in election.positions],
    )
