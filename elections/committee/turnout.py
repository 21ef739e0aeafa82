"""Live turnout while the poll is open (and after): who has voted, never what anyone chose.

The page is complete without JavaScript (with a refresh link); ``static/js/turnout.js``
polls the JSON twin every few seconds and swaps the numbers in place. Both come from
the same rows, keyed the same way, so they cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import jsonify, render_template
from flask_babel import format_datetime
from werkzeug.wrappers import Response

from elections.committee.blueprint import bp
from elections.committee.views import election_or_404
from elections.domain import lifecycle
from elections.domain.roles import STAFF
from elections.models import Election
from elections.queries.turnout import Line, min_group, shown_tables
from elections.web.access import observer_or_roles, viewing_role

REFRESH_SECONDS = 10


def _visible(election: Election) -> bool:
    """Officials (and the election's observers) watch turnout from opening on."""
    return lifecycle.turnout_visible(election.current_phase, viewing_role(election.id))


def _freshness(election: Election) -> dict[str, object]:
    """When the numbers were read, and whether they still change (the poll is open)."""
    return {
        "updated": format_datetime(datetime.now(UTC), "medium"),
        "live": election.current_phase == lifecycle.Phase.open,
    }


@bp.get("/elections/<int:election_id>/turnout")
@observer_or_roles(*STAFF)
def turnout(election_id: int) -> str:
    """The turnout dashboard: eligible, voted and percentage, overall and by group."""
    election = election_or_404(election_id)
    if not _visible(election):
        return render_template("committee/turnout.html", election=election, overall=None)
    overall, tables = shown_tables(election)
    return render_template(
        "committee/turnout.html",
        election=election,
        overall=overall,
        tables=tables,
        min_group=min_group(),
        refresh_seconds=REFRESH_SECONDS,
        **_freshness(election),
    )


@bp.get("/elections/<int:election_id>/turnout.json")
@observer_or_roles(*STAFF)
def turnout_data(election_id: int) -> Response:
    """The same numbers as JSON for the page's script: text by key, meter values by key."""
    election = election_or_404(election_id)
    if not _visible(election):
        return jsonify(available=False, phase=election.phase)
    overall, tables = shown_tables(election)
    lines = [overall, *(line for table in tables for line in table.lines)]
    meters = {line.key: line.per_mille for line in lines if line.per_mille is not None}
    return jsonify(
        available=True,
        phase=election.phase,
        values=_values(lines),
        meters=meters,
        **_freshness(election),
    )


def _values(lines: list[Line]) -> dict[str, object]:
    """Each line's figures under the keys the page marks them with."""
    values: dict[str, object] = {}
    for line in lines:
        values |= {
            f"{line.key}.eligible": line.eligible,
            f"{line.key}.voted": line.voted,
            f"{line.key}.percent": line.percent,
        }
    return values
