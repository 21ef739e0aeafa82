"""Turnout read from the roll and the participations: who has voted, never what anyone chose.

``election_turnout`` counts; ``turnout_tables`` lays the counts out for the committee's live
dashboard and the results pages alike, keyed the same way for the page and its JSON twin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import format_number, format_percent, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from elections.domain.turnout import Breakdown, Cell, Row, Turnout, summarise
from elections.extensions import db
from elections.i18n.language import localized_title
from elections.models import Election, EligibleVoter, Participation, Position


def min_group() -> int:
    """The smallest group whose turnout is shown on its own; smaller ones are merged."""
    return int(current_app.config["TURNOUT_MIN_GROUP"])


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


def shown_tables(election: Election) -> tuple[Line, list[Table]]:
    """Turnout as the pages show it: the election's line, and tables with small groups merged."""
    return turnout_tables(election, election_turnout(election, min_group()))
