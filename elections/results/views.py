"""Results pages: visible to officials after closing and to everyone after publication.

Nobody sees a count while the poll is open or before. After closing the committee,
auditors and admins see the count made from the sealed ballots, marked as not yet
published, and the committee settles ties there (a lot, or a runoff). After publication
everyone sees the snapshot stored at publication. A results page that is not visible is
"not found" to visitors who are signed out and "forbidden" to accounts without access.

Downloads (results, turnout, ballots) and the printed protocol are POST actions, because
each one is written to the audit log and nothing changes state on GET.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from elections.domain import lifecycle
from elections.domain.lifecycle import Phase
from elections.domain.roles import Role
from elections.extensions import db, limiter
from elections.models import BallotSeal, Election, Position, Runoff
from elections.operations import results as ops
from elections.queries.export import require_exportable
from elections.queries.observers import observed_with_results
from elections.queries.tally import (
    LOT_PHASES,
    countable,
    position_result,
    recorded_lots,
    runoff_seats,
)
from elections.queries.turnout import Line, Table, min_group, shown_tables
from elections.results import exports
from elections.results.charts import Bar, Tone, bar_chart
from elections.results.forms import ActionForm, ExportForm, RoomLotForm, room_lot_form
from elections.results.presenting import PositionView, position_view
from elections.web.access import current_actor, public, roles_required, viewing_role

bp = Blueprint("results", __name__, url_prefix="/results")

COMMITTEE = (Role.committee, Role.admin)
EXPORT_LIMIT = "60 per minute"
"""Downloads write to the audit log, so one address cannot flood it."""
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "blt": "text/plain; charset=utf-8",
    "ranks": "text/csv; charset=utf-8",
}


# Ballot by ballot, with tracking codes: for the officials who recount and check the seals.
# Not for the public, students or observers: a tracking code beside its choices would let
# anyone a student shows their receipt to (or who buys it) learn the vote, and a full
# ranking can serve as a signature even without the code. They read the counts and traces.
BALLOT_READERS = frozenset({Role.committee, Role.auditor, Role.admin})


def may_read_ballots() -> bool:
    """Whether the reader may download the ballots themselves."""
    return viewer_role() in BALLOT_READERS


@bp.context_processor
def ballot_access() -> dict[str, object]:
    """Let the results templates offer the ballot downloads only to those who may have them."""
    return {"may_read_ballots": may_read_ballots}


def viewer_role() -> Role:
    """Whose eyes the page is for: the account's role, or the public when signed out."""
    return Role(current_user.role) if current_user.is_authenticated else Role.public


def visible_election(election_id: int) -> Election:
    """The election whose results the reader may see; else 404 (signed out) or 403."""
    election = db.session.get(Election, election_id)
    if election is None:
        abort(404)
    if not lifecycle.results_visible(election.current_phase, viewing_role(election.id)):
        abort(403 if current_user.is_authenticated else 404)
    return election


def election_position(election: Election, position_id: int) -> Position:
    """A position of this election, or 404."""
    position = db.session.get(Position, position_id)
    if position is None or position.election_id != election.id:
        abort(404)
    return position


def may_settle_ties(election: Election) -> bool:
    """Whether the reader may record a lot or call a runoff now."""
    return (
        current_user.is_authenticated
        and current_user.role in COMMITTEE
        and election.current_phase in LOT_PHASES
    )


def build_position(election: Election, position: Position) -> PositionView:
    """One position's result, ready for the page."""
    result = position_result(position, election)
    settle = may_settle_ties(election)
    return position_view(
        position,
        result,
        names={c.id: c.name for c in position.candidates},
        lots=recorded_lots(position.id),
        seal=db.session.get(BallotSeal, position.id),
        runoff_seats=runoff_seats(result) if settle and result else None,
        runoff=db.session.scalar(select(Runoff).where(Runoff.source_position_id == position.id)),
        stored=result is not None or not countable(position),
    )


@dataclass(frozen=True)
class TurnoutSection:
    """The turnout tables of the page, and a chart beside each breakdown."""

    overall: Line
    tables: list[Table]
    charts: dict[str, Markup]
    min_group: int


def turnout_section(election: Election) -> TurnoutSection:
    """Turnout as the committee's dashboard computes it, small groups withheld the same way."""
    overall, tables = shown_tables(election)
    charts = {}
    for table in tables:
        bars = [
            Bar(
                line.label,
                line.per_mille or 0,
                line.percent,
                Tone.muted if line.per_mille is None else Tone.normal,
            )
            for line in table.lines
        ]
        desc = "; ".join(f"{line.label}: {line.voted} / {line.eligible}" for line in table.lines)
        svg = bar_chart(
            bars,
            title=_("Turnout: %(group)s", group=table.title),
            desc=desc,
            ident=f"turnout-{table.key}",
            scale=1000,
        )
        charts[table.key] = Markup(svg)  # noqa: S704 - charts.bar_chart escapes every text
    return TurnoutSection(overall, tables, charts, min_group())


def page_context(election: Election) -> dict[str, object]:
    """What the results page and the protocol share."""
    head, provisional = exports.signing_head(election)
    return {
        "election": election,
        "published": election.current_phase == Phase.published,
        "positions": [build_position(election, p) for p in election.positions],
        "turnout": turnout_section(election),
        "head": head,
        "provisional": provisional,
        "runoff_of": db.session.get(Runoff, election.id),
        "export_form": ExportForm(),
    }


@bp.get("/")
@public
def index() -> str:
    """Every election whose results the reader may see: published, or closed and watched."""
    role = viewer_role()
    phases = [str(phase) for phase in Phase if lifecycle.results_visible(phase, role)]
    elections = set(db.session.scalars(select(Election).where(Election.phase.in_(phases))))
    if current_user.is_authenticated:
        elections.update(observed_with_results(current_user))
    newest_first = sorted(elections, key=lambda e: (e.closed_at or e.opens_at, e.id), reverse=True)
    return render_template("results/index.html", elections=newest_first)


@bp.get("/<int:election_id>")
@public
def election(election_id: int) -> str:
    """An election's results: every position, the trace of each count, turnout, downloads."""
    shown = visible_election(election_id)
    return render_template("results/election.html", **page_context(shown))


@bp.get("/<int:election_id>/positions/<int:position_id>")
@public
def position(election_id: int, position_id: int) -> str:
    """One position's result in full, with the committee's tie actions while they are open."""
    shown = visible_election(election_id)
    view = build_position(shown, election_position(shown, position_id))
    lot_form = room_lot_form(view.tied) if view.tied and may_settle_ties(shown) else None
    return _position_page(shown, view, lot_form)


def _position_page(election: Election, view: PositionView, lot_form: RoomLotForm | None) -> str:
    """One position's page, with the form for a lot drawn in the room when one is wanted."""
    return render_template(
        "results/position.html",
        election=election,
        published=election.current_phase == Phase.published,
        view=view,
        lot_form=lot_form,
        action_form=ActionForm(),
        export_form=ExportForm(),
        may_settle=may_settle_ties(election),
    )


def _tied_position(election_id: int, position_id: int) -> tuple[Election, PositionView]:
    """The position whose tie the committee is settling, as the page showed it."""
    shown = visible_election(election_id)
    return shown, build_position(shown, election_position(shown, position_id))


@bp.post("/<int:election_id>/positions/<int:position_id>/lot")
@roles_required(*COMMITTEE)
def record_lot(election_id: int, position_id: int) -> BaseResponse | tuple[str, int]:
    """Record the order of a lot drawn in the room for the tied candidates."""
    shown, view = _tied_position(election_id, position_id)
    back = url_for("results.position", election_id=shown.id, position_id=position_id)
    if not view.tied:
        flash(_("No lot is needed for this position."), "warning")
        return redirect(back)
    form = room_lot_form(view.tied)
    if not form.validate():
        return _position_page(shown, view, form), 400
    ops.record_room_lot(current_actor(), position_id, form.order())
    flash(_("The lot is recorded, and the count now uses it."), "success")
    return redirect(back)


@bp.post("/<int:election_id>/positions/<int:position_id>/lot/draw")
@roles_required(*COMMITTEE)
def draw_lot(election_id: int, position_id: int) -> BaseResponse:
    """Have the app draw the lot from a fresh random seed, published with the order."""
    shown, view = _tied_position(election_id, position_id)
    back = url_for("results.position", election_id=shown.id, position_id=position_id)
    if not ActionForm().validate():
        abort(400)
    if not view.tied:
        flash(_("No lot is needed for this position."), "warning")
        return redirect(back)
    lot = ops.draw_lot(current_actor(), position_id)
    flash(_("The lot is drawn with seed %(seed)s.", seed=lot.seed), "success")
    return redirect(back)


@bp.post("/<int:election_id>/positions/<int:position_id>/runoff")
@roles_required(*COMMITTEE)
def create_runoff(election_id: int, position_id: int) -> BaseResponse:
    """Create a draft runoff election among the tied candidates."""
    shown, view = _tied_position(election_id, position_id)
    if not ActionForm().validate():
        abort(400)
    title = _(
        "Runoff: %(position)s (%(election)s)",
        position=view.position.title,
        election=shown.title,
    )
    runoff = ops.create_runoff(current_actor(), position_id, title, datetime.now(UTC))
    flash(_("The runoff election is created as a draft. Set its dates, then open it."), "success")
    return redirect(url_for("committee.election", election_id=runoff.id))


@bp.post("/<int:election_id>/export")
@public
@limiter.limit(EXPORT_LIMIT)
def export(election_id: int) -> Response:
    """Download the results, the turnout or a position's ballots (CSV, JSON; BLT and ranks)."""
    shown = visible_election(election_id)
    form = ExportForm()
    if not form.validate():
        abort(400)
    content, name, position_id = _download(shown, form)
    ops.record_export(current_actor(), shown, form.kind.data, form.format.data, position_id)
    return Response(
        content,
        mimetype=MIMETYPES[form.format.data],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


ELECTION_FILES = {
    "results": {"csv": exports.results_csv, "json": exports.results_json},
    "turnout": {"csv": exports.turnout_csv, "json": exports.turnout_json},
}


def _download(election: Election, form: ExportForm) -> tuple[str, str, int | None]:
    """The file the form asks for, its name, and its position when it holds ballots."""
    kind, fmt = form.kind.data, form.format.data
    if kind != "ballots":
        write = ELECTION_FILES[kind].get(fmt) or abort(404)
        return write(election), f"election-{election.id}-{kind}.{fmt}", None
    if not may_read_ballots():
        abort(403)
    require_exportable(election)
    chosen = election_position(election, form.position.data)
    content, name = exports.ballots_file(chosen, fmt) or abort(404)
    return content, name, chosen.id


@bp.post("/<int:election_id>/protocol")
@public
@limiter.limit(EXPORT_LIMIT)
def protocol(election_id: int) -> str:
    """The results protocol to print and sign, closed by the audit log's head hash."""
    shown = visible_election(election_id)
    if not ActionForm().validate():
        abort(400)
    context = page_context(shown)
    ops.record_export(current_actor(), shown, "protocol", "html")
    return render_template("results/protocol.html", printed=datetime.now(UTC), **context)
