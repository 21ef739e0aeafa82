"""Live turnout while the poll is open (and after): who has voted, never what anyone chose.

The page is complete without JavaScript (with a refresh link); ``static/js/turnout.js``
polls the JSON twin every few seconds and swaps the numbers in place. Both come from
the same rows, keyed the same way, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from flask import current_app, jsonify, render_template
from flask_babel import format_datetime, format_number, format_percent, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from elections.committee.blueprint import bp
from elections.committee.views import election_or_404
from elections.domain import lifecycle
from elections.domain.roles import Role
from elections.domain.turnout import Breakdown, Cell, Row, Turnout, summarise
from elections.extensions import db
from elections.i18n import localized_title
from elections.models import Election, EligibleVoter, Participation, Position
from elections.observers import observer_or_roles, viewing_role

OFFICIALS = (Role.committee, Role.admin, Role.auditor)
REFRESH_SECONDS = 10


def election_turnout(election: Election, min_group: int) -> Turnout:
    """Count the frozen roll by grade, class and shanyrak against who has voted, in two queries.

    A student has voted in the election when they have a participation in any of its
    positions; the counts come from GROUP BY, so a school of thousands stays cheap.
    """
    voted = (
        select(Participation.student_id)
        .join(Position, Position.id == Participation.position_id)
        .where(Position.election_id == election.id)
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        select(
            EligibleVoter.grade,
            EligibleVoter.class_name,
            EligibleVoter.shanyrak,
            func.count(),
            func.count(voted.c.student_id),
        )
        .select_from(EligibleVoter)
        .outerjoin(voted, voted.c.student_id == EligibleVoter.student_id)
        .where(EligibleVoter.election_id == election.id)
        .group_by(EligibleVoter.grade, EligibleVoter.class_name, EligibleVoter.shanyrak)
    ).all()
    per_position = dict(
        db.session.execute(
            select(Participation.position_id, func.count())
            .join(Position, Position.id == Participation.position_id)
            .where(Position.election_id == election.id)
            .group_by(Participation.position_id)
        ).all()
    )
    cells = [Cell(g, c, s, int(e), int(v)) for g, c, s, e, v in rows]
    positions = [(p.id, p.voter_rule) for p in election.positions]
    return summarise(cells, positions, per_position, min_group)


@dataclass(frozen=True)
class Line:
    """One displayed row: a stable key for the script, a label and the formatted numbers."""

    key: str
    label: str
    eligible: str
    voted: str
    percent: str
    per_mille: int | None
    merged: bool = False


@dataclass(frozen=True)
class Table:
    """A titled table of lines."""

    key: str
    title: str
    lines: tuple[Line, ...]


def _line(key: str, label: str, row: Row, min_group: int, merged: bool = False) -> Line:
    """Format a row; a withheld row says "fewer than N" and shows no other number."""
    if row.suppressed:
        fewer = _("fewer than %(num)s", num=format_number(min_group))
        return Line(key, label, fewer, "—", "—", None, merged)
    per_mille = row.per_mille
    percent = "—" if per_mille is None else format_percent(Decimal(per_mille) / 1000, "#,##0.0%")
    return Line(
        key,
        label,
        format_number(row.eligible),
        format_number(row.voted),
        percent,
        per_mille,
        merged,
    )


def _table(
    key: str, title: str, part: Breakdown, label: Callable[[str | None], str], min_group: int
) -> Table:
    """A breakdown as a table, the merged smaller groups last."""
    lines = [_line(f"{key}-{i}", label(r.label), r, min_group) for i, r in enumerate(part.rows)]
    if part.merged is not None:
        merged_label = ngettext(
            "Smaller groups together (%(num)d group)",
            "Smaller groups together (%(num)d groups)",
            part.merged.groups,
        )
        lines.append(_line(f"{key}-merged", merged_label, part.merged, min_group, merged=True))
    return Table(key, title, tuple(lines))


def turnout_tables(election: Election, turnout: Turnout) -> tuple[Line, list[Table]]:
    """The overall line and the tables, formatted for the reader's language."""
    n = turnout.min_group
    titles = {p.id: localized_title(p) for p in election.positions}
    positions = Table(
        "position",
        _("By position"),
        tuple(
            _line(f"position-{p.position_id}", titles.get(p.position_id, "?"), p.row, n)
            for p in turnout.positions
        ),
    )
    return _line("overall", _("Whole election"), turnout.overall, n), [
        positions,
        _table(
            "grade", _("By grade"), turnout.by_grade, lambda g: _("Grade %(grade)s", grade=g), n
        ),
        _table("class", _("By class"), turnout.by_class, str, n),
        _table("shanyrak", _("By shanyrak"), turnout.by_shanyrak, str, n),
    ]


def _visible(election: Election) -> bool:
    """Officials (and the election's observers) watch turnout from opening on."""
    return lifecycle.turnout_visible(election.current_phase, viewing_role(election.id))


@bp.get("/elections/<int:election_id>/turnout")
@observer_or_roles(*OFFICIALS)
def turnout(election_id: int) -> str:
    """The turnout dashboard: eligible, voted and percentage, overall and by group."""
    election = election_or_404(election_id)
    if not _visible(election):
        return render_template("committee/turnout.html", election=election, overall=None)
    min_group = current_app.config["TURNOUT_MIN_GROUP"]
    overall, tables = turnout_tables(election, election_turnout(election, min_group))
    return render_template(
        "committee/turnout.html",
        election=election,
        overall=overall,
        tables=tables,
        min_group=min_group,
        refresh_seconds=REFRESH_SECONDS,
        updated=format_datetime(datetime.now(UTC), "medium"),
        live=election.current_phase == lifecycle.Phase.open,
    )


@bp.get("/elections/<int:election_id>/turnout.json")
@observer_or_roles(*OFFICIALS)
def turnout_data(election_id: int) -> Response:
    """The same numbers as JSON for the page's script: text by key, meter values by key."""
    election = election_or_404(election_id)
    if not _visible(election):
        return jsonify(available=False, phase=election.phase)
    min_group = current_app.config["TURNOUT_MIN_GROUP"]
    overall, tables = turnout_tables(election, election_turnout(election, min_group))
    lines = [overall, *(line for table in tables for line in table.lines)]
    values = {}
    for line in lines:
        values |= {
            f"{line.key}.eligible": line.eligible,
            f"{line.key}.voted": line.voted,
            f"{line.key}.percent": line.percent,
        }
    return jsonify(
        available=True,
        phase=election.phase,
        live=election.current_phase == lifecycle.Phase.open,
        updated=format_datetime(datetime.now(UTC), "medium"),
        values=values,
        meters={line.key: line.per_mille for line in lines if line.per_mille is not None},
    )
