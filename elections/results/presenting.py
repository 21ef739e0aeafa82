"""A counted (or published) result made readable: tables, round-by-round trace, charts, words.

Works from the result as ``result_to_dict`` writes it, the same data whether it was counted
just now or read from the publication snapshot, so the page shows exactly what was (or will
be) published. Figures are exact fractions in the result; here they become decimals in the
reader's language, with the exact value kept in the cell's title.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import format_decimal, format_number, format_percent, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from elections.domain.counting import Decision, Method, StepKind
from elections.i18n.language import localized_title
from elections.models import BallotSeal, Lot, Position, Runoff
from elections.queries.tally import runoff_to_hold, tie_to_settle
from elections.results.charts import COMPACT, Bar, Marker, Tone, bar_chart

Names = Mapping[int, str]
MAX_PLACES = 6  # a share and its threshold this close are as good as equal to the eye


@dataclass(frozen=True)
class Figure:
    """A number as shown, with its exact value when the shown one is rounded."""

    shown: str
    exact: str | None = None


@dataclass(frozen=True)
class Row:
    """One line of the plain results table: a candidate or an answer."""

    label: str
    votes: Figure
    share: str
    elected: bool = False


@dataclass(frozen=True)
class Cell:
    """One candidate in one round: their votes, and whether they were elected or went out."""

    figure: Figure | None
    state: str = ""


@dataclass(frozen=True)
class RoundRow:
    """A candidate's line across the rounds."""

    label: str
    cells: tuple[Cell, ...]
    elected: bool


@dataclass(frozen=True)
class Rounds:
    """The ranked count round by round: rows are candidates, columns are rounds."""

    numbers: tuple[int, ...]
    rows: tuple[RoundRow, ...]
    exhausted: tuple[Figure | None, ...]
    actions: tuple[tuple[str, ...], ...]
    quota: Figure | None
    charts: tuple[Markup, ...]


@dataclass(frozen=True)
class LotLine:
    """A lot drawn for a tie, as the page and the protocol list it."""

    order: tuple[str, ...]
    seed: str | None
    recorded_at: datetime


@dataclass(frozen=True)
class PositionView:
    """Everything the results page shows for one position."""

    position: Position
    method: str
    state: str
    total: Figure
    valid: Figure
    blank: Figure
    rows: tuple[Row, ...]
    winners: tuple[str, ...]
    tied: tuple[tuple[int, str], ...]
    tie_for: str
    outcome: str
    steps: tuple[str, ...]
    chart: Markup | None
    rounds: Rounds | None
    lots: tuple[LotLine, ...]
    seal: BallotSeal | None
    runoff_seats: int | None
    runoff: Runoff | None

    @property
    def counted(self) -> bool:
        """Whether there is a count to show at all."""
        return self.state != "nothing"


def exact(value: str | int | Fraction | None) -> Fraction | None:
    """A figure of the result (exact text such as "7/2", or a number) as a fraction."""
    return None if value is None else Fraction(value)


def figure(value: str | int | Fraction | None) -> Figure | None:
    """A figure as the reader's language writes it: whole, or to two decimals with the exact."""
    number = exact(value)
    if number is None:
        return None
    if number.denominator == 1:
        return Figure(format_number(number.numerator))
    decimal = Decimal(number.numerator) / Decimal(number.denominator)
    return Figure(format_decimal(decimal, "#,##0.00"), str(number))


def whole(value: int) -> Figure:
    """A count of ballots."""
    return Figure(format_number(value))


def percent(part: Fraction | int, base: Fraction | int, places: int = 1) -> str:
    """Part of base as a percentage to ``places`` decimals, or a dash when the base is empty."""
    if not base:
        return "—"
    share = Fraction(part) / Fraction(base)
    pattern = "#,##0." + "0" * places + "%"
    return format_percent(Decimal(share.numerator) / Decimal(share.denominator), pattern)


def places_apart(share: Fraction, bar: Fraction) -> int:
    """Decimals a share and its threshold need so they do not read alike unless they are equal.

    5,001 yes to 4,999 no passes a 50% threshold and 4,999 to 5,001 does not; to one
    decimal both read "50.0%", so the page would seem to contradict its own verdict.
    """
    places = 1
    while (
        places < MAX_PLACES
        and share != bar
        and percent(share, 1, places) == percent(bar, 1, places)
    ):
        places += 1
    return places


def method_label(position: Position) -> str:
    """How the position is counted, in a few words."""
    seats = position.seats
    if position.method == Method.single:
        return _("Single choice")
    if position.method == Method.multi:
        return ngettext("Several choices, %(num)d seat", "Several choices, %(num)d seats", seats)
    if position.method == Method.ranked and seats == 1:
        return _("Ranked choice (instant-runoff)")
    if position.method == Method.ranked:
        return ngettext(
            "Ranked choice (single transferable vote), %(num)d seat",
            "Ranked choice (single transferable vote), %(num)d seats",
            seats,
        )
    return _(
        "Yes or no (passes above %(threshold)s)",
        threshold=format_percent(Decimal(position.threshold_percent) / 100),
    )


def decision_text(decision: str | None) -> str:
    """What a tie decides, for the sentence that names it."""
    if decision == Decision.elimination:
        return _("for elimination")
    if decision == Decision.transfer_order:
        return _("for which surplus is transferred first")
    return _("for a seat")


def join_names(ids: Sequence[int | str], names: Names) -> str:
    """Candidates' names in a list the reader can read."""
    return ", ".join(names.get(int(cid), "?") for cid in ids)


def _shown(value: str | int | Fraction | None, empty: str = "") -> str:
    """A figure of the trace as the reader's language writes it, or ``empty`` when it has none."""
    number = figure(value)
    return number.shown if number else empty


def _who(step: Mapping[str, Any], names: Names) -> str:
    """The candidates a step is about."""
    return join_names(step["candidates"], names)


def _elected(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """A seat won: at the quota, by a yes/no proposal passing, or at the end of the count."""
    votes = _shown(step["value"], "0")
    if step["bar"] is not None:
        return _(
            "%(name)s reaches the quota of %(quota)s with %(votes)s votes and is elected.",
            name=_who(step, names),
            quota=_shown(step["bar"]),
            votes=votes,
        )
    if result["method"] == Method.yesno:
        return _("The proposal passes with %(votes)s yes votes.", votes=votes)
    return _("%(name)s is elected with %(votes)s votes.", name=_who(step, names), votes=votes)


def _majority(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """A seat won by more than half of the continuing votes."""
    return _(
        "%(name)s has %(votes)s of the %(total)s continuing votes, more than half, and is elected.",
        name=_who(step, names),
        votes=_shown(step["value"], "0"),
        total=_shown(step["total"], "0"),
    )


def _elected_remaining(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """Seats filled because no more candidates remain than seats."""
    return _(
        "%(name)s is elected: no more candidates remain than seats to fill.",
        name=_who(step, names),
    )


def _transfer(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """A surplus passed on at a fraction of each ballot's value."""
    return _(
        "The surplus of %(name)s (%(votes)s votes) is transferred: each of their ballots "
        "passes to its next preference at %(weight)s of its value.",
        name=_who(step, names),
        votes=_shown(step["value"], "0"),
        weight=_shown(step["weight"]),
    )


def _eliminated(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """The lowest candidates out, their ballots passed on."""
    return ngettext(
        "%(names)s is eliminated with %(votes)s votes; the ballots pass to their next preference.",
        "%(names)s are eliminated with %(votes)s votes each; the ballots pass to their "
        "next preference.",
        len(step["candidates"]),
        names=_who(step, names),
        votes=_shown(step["value"], "0"),
    )


def _threshold(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """A yes/no proposal's share of yes against its threshold."""
    share = exact(step["value"])
    if share is None:
        return _("No yes or no votes were cast, so the proposal does not pass.")
    bar = exact(step["bar"]) or Fraction(0)
    places = places_apart(share, bar)
    return _(
        "Yes is %(share)s of the %(total)s yes and no votes; the proposal needs more "
        "than %(threshold)s.",
        share=percent(share, 1, places),
        total=_shown(step["total"], "0"),
        threshold=percent(bar, 1, places),
    )


def _tie_backwards(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """A tie settled by the counts of an earlier round."""
    return _(
        "%(names)s are tied %(decision)s; the counts of round %(round)s tell them "
        "apart and single out %(chosen)s.",
        names=_who(step, names),
        decision=decision_text(step["decision"]),
        round=step["earlier_round"],
        chosen=join_names(step["chosen"], names),
    )


def _tie_lot(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """A tie settled by the lot recorded for it."""
    return _(
        "%(names)s are tied %(decision)s; the lot drawn (order: %(order)s) picks %(chosen)s.",
        names=_who(step, names),
        decision=decision_text(step["decision"]),
        order=join_names(step["order"], names),
        chosen=join_names(step["chosen"], names),
    )


def _tie_immaterial(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """A tie whose settling changes nobody's seat."""
    return _(
        "%(names)s are tied %(decision)s, but however the tie is settled the same "
        "candidates are elected, so no lot is needed (%(chosen)s taken first).",
        names=_who(step, names),
        decision=decision_text(step["decision"]),
        chosen=join_names(step["chosen"], names),
    )


def _lot_required(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """A tie nothing in the count settles: the count waits for a lot."""
    return _(
        "%(names)s are tied %(decision)s and nothing in the count tells them apart: "
        "the count stops until a lot is drawn.",
        names=_who(step, names),
        decision=decision_text(step["decision"]),
    )


def _runoff_required(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str:
    """A tie for the last seats that the election's tie rule sends to a runoff election."""
    return _(
        "%(names)s are tied for the last seats; under this election's tie rule a runoff "
        "election among them decides, so the count stops here.",
        names=_who(step, names),
    )


Sentence = Callable[[Mapping[str, Any], Names, Mapping[str, Any]], str]
SENTENCES: dict[str, Sentence] = {
    StepKind.elected: _elected,
    StepKind.majority: _majority,
    StepKind.elected_remaining: _elected_remaining,
    StepKind.transfer: _transfer,
    StepKind.eliminated: _eliminated,
    StepKind.threshold: _threshold,
    StepKind.tie_backwards: _tie_backwards,
    StepKind.tie_lot: _tie_lot,
    StepKind.tie_immaterial: _tie_immaterial,
    StepKind.lot_required: _lot_required,
    StepKind.runoff_required: _runoff_required,
}
"""How each kind of step is told; the count steps are not, as the tables show them."""


def step_sentence(step: Mapping[str, Any], names: Names, result: Mapping[str, Any]) -> str | None:
    """One step of the trace in words; None for the count steps, which the tables show."""
    sentence = SENTENCES.get(step["kind"])
    return None if sentence is None else sentence(step, names, result)


def _short_action(step: Mapping[str, Any], names: Names) -> str | None:
    """A step as a few words in the round table's last row."""
    kind = step["kind"]
    who = join_names(step["candidates"], names)
    if kind in (StepKind.elected, StepKind.majority, StepKind.elected_remaining):
        return _("Elected: %(names)s", names=who)
    if kind == StepKind.transfer:
        weight = figure(step["weight"])
        return _(
            "Surplus of %(name)s transferred (× %(weight)s)",
            name=who,
            weight=weight.shown if weight else "",
        )
    if kind == StepKind.eliminated:
        return _("Eliminated: %(names)s", names=who)
    if kind in (StepKind.tie_backwards, StepKind.tie_lot, StepKind.tie_immaterial):
        return _("Tie settled: %(names)s", names=join_names(step["chosen"], names))
    if kind == StepKind.lot_required:
        return _("Lot required: %(names)s", names=who)
    if kind == StepKind.runoff_required:
        return _("Runoff required: %(names)s", names=who)
    return None


def _ident(position: Position, part: str) -> str:
    """A chart id unique on the page."""
    return f"chart-{position.id}-{part}"


def _plain_rows(result: Mapping[str, Any], names: Names) -> list[Row]:
    """Candidates by votes, most first (equal ones in ballot-paper order), or yes then no."""
    valid = result["valid_ballots"]
    if result["method"] == Method.yesno:
        yes, no = result["yes"] or 0, result["no"] or 0
        bar = exact(result["threshold"]) or Fraction(0)
        places = places_apart(Fraction(yes, valid), bar) if valid else 1
        return [
            Row(_("Yes"), whole(yes), percent(yes, valid, places), bool(result["passed"])),
            Row(_("No"), whole(no), percent(no, valid, places)),
        ]
    counts = result["first_counts"]
    paper = result["candidates"]
    ordered = sorted(paper, key=lambda cid: -counts.get(str(cid), 0))
    elected = set(result["elected"])
    return [
        Row(
            names.get(cid, "?"),
            whole(counts.get(str(cid), 0)),
            percent(counts.get(str(cid), 0), valid),
            cid in elected,
        )
        for cid in ordered
    ]


def _main_chart(position: Position, result: Mapping[str, Any], rows: Sequence[Row]) -> Markup:
    """Bars for the counts in the table (first preferences for a ranked count)."""
    counts = result["first_counts"]
    if result["method"] == Method.yesno:
        values = [result["yes"] or 0, result["no"] or 0]
        threshold = exact(result["threshold"]) or Fraction(1, 2)
        base = sum(values)
        marker = Marker(threshold * base, _("threshold")) if base else None
    else:
        paper = result["candidates"]
        ordered = sorted(paper, key=lambda cid: -counts.get(str(cid), 0))
        values = [counts.get(str(cid), 0) for cid in ordered]
        marker = None
        if result["quota"] is not None:
            quota = figure(result["quota"])
            marker = Marker(exact(result["quota"]) or 0, _("quota %(num)s", num=quota.shown))
    bars = [
        Bar(row.label, value, f"{row.votes.shown} ({row.share})", _tone(row.elected))
        for row, value in zip(rows, values, strict=True)
    ]
    if result["method"] == Method.ranked:
        title = _("First preferences: %(position)s", position=localized_title(position))
    else:
        title = _("Votes: %(position)s", position=localized_title(position))
    desc = "; ".join(f"{row.label}: {row.votes.shown} ({row.share})" for row in rows)
    blank = result["blank_ballots"]
    desc += ". " + ngettext(
        "%(num)d blank ballot, not counted in any share.",
        "%(num)d blank ballots, not counted in any share.",
        blank,
    )
    chart = bar_chart(bars, title=title, desc=desc, ident=_ident(position, "main"), marker=marker)
    return Markup(chart)  # noqa: S704 - built by charts.bar_chart, which escapes every text


def _tone(elected: bool) -> Tone:
    """Winners' bars stand out."""
    return Tone.winner if elected else Tone.normal


Fates = tuple[dict[int, int], dict[int, int]]
"""The round each candidate was elected in, and the round each went out in."""


def _fates(trace: Sequence[Mapping[str, Any]]) -> Fates:
    """When each candidate was elected or eliminated, by the trace's rounds."""
    elected_in: dict[int, int] = {}
    out_in: dict[int, int] = {}
    for step in trace:
        if step["kind"] in (StepKind.elected, StepKind.majority, StepKind.elected_remaining):
            for cid in step["candidates"]:
                elected_in.setdefault(cid, step["round"])
        if step["kind"] == StepKind.eliminated:
            for cid in step["candidates"]:
                out_in.setdefault(cid, step["round"])
    return elected_in, out_in


def _rounds(position: Position, result: Mapping[str, Any], names: Names) -> Rounds | None:
    """The ranked count's rounds as a table and small multiples; None for other methods."""
    if result["method"] != Method.ranked:
        return None
    trace = result["trace"]
    counts = {s["round"]: s for s in trace if s["kind"] == StepKind.count}
    numbers = tuple(sorted(counts))
    happened: dict[int, list[Mapping[str, Any]]] = {n: [] for n in numbers}
    for step in trace:
        if step["kind"] != StepKind.count and step["round"] in happened:
            happened[step["round"]].append(step)
    fates = _fates(trace)
    first = result["first_counts"]
    paper = sorted(result["candidates"], key=lambda cid: -first.get(str(cid), 0))
    actions = tuple(
        tuple(a for a in (_short_action(s, names) for s in happened[n]) if a) for n in numbers
    )
    return Rounds(
        numbers=numbers,
        rows=tuple(_round_row(cid, names, counts, fates) for cid in paper),
        exhausted=tuple(figure(counts[n]["exhausted"]) for n in numbers),
        actions=actions,
        quota=figure(exact(result["quota"])),
        charts=_round_charts(position, result, names, paper, counts, fates),
    )


def _round_row(
    cid: int, names: Names, counts: Mapping[int, Mapping[str, Any]], fates: Fates
) -> RoundRow:
    """A candidate's votes in each round, marked where they were elected or went out."""
    elected_in, out_in = fates
    cells = []
    for number in sorted(counts):
        state = ""
        if elected_in.get(cid) == number:
            state = "elected"
        elif out_in.get(cid) == number:
            state = "eliminated"
        cells.append(Cell(figure(counts[number]["tallies"].get(str(cid))), state))
    return RoundRow(names.get(cid, "?"), tuple(cells), cid in elected_in)


def _round_charts(
    position: Position,
    result: Mapping[str, Any],
    names: Names,
    paper: Sequence[int],
    counts: Mapping[int, Mapping[str, Any]],
    fates: Fates,
) -> tuple[Markup, ...]:
    """One small chart per round on one shared scale, so the rounds compare at a glance."""
    quota = exact(result["quota"])
    largest = max(
        (exact(v) or 0 for step in counts.values() for v in step["tallies"].values()), default=0
    )
    scale = max(largest, quota or 0)
    charts = []
    for number, step in sorted(counts.items()):
        tallies = step["tallies"]
        bars = [_round_bar(cid, names, number, tallies.get(str(cid)), fates) for cid in paper]
        if quota is not None:
            marker = Marker(quota, _("quota"))
        else:
            continuing = sum((exact(v) or 0 for v in tallies.values()), Fraction(0))
            marker = Marker(continuing / 2, _("half"))
        title = _("Round %(num)d: %(position)s", num=number, position=localized_title(position))
        desc = "; ".join(f"{bar.label}: {bar.figure}" for bar in bars)
        chart = bar_chart(
            bars,
            title=title,
            desc=desc,
            ident=_ident(position, f"round-{number}"),
            scale=scale,
            marker=marker,
            layout=COMPACT,
        )
        charts.append(Markup(chart))  # noqa: S704 - charts.bar_chart escapes every text
    return tuple(charts)


def _round_bar(cid: int, names: Names, number: int, tally: str | None, fates: Fates) -> Bar:
    """A candidate's bar in one round: a winner's from their round on, out in their round."""
    elected_in, out_in = fates
    value = exact(tally)
    shown = figure(value)
    if elected_in.get(cid, number + 1) <= number:
        tone = Tone.winner
    elif out_in.get(cid) == number:
        tone = Tone.out
    elif value is None:
        tone = Tone.muted
    else:
        tone = Tone.normal
    return Bar(names.get(cid, "?"), value or 0, shown.shown if shown else "—", tone)


def _outcome(result: Mapping[str, Any], names: Names) -> str:
    """The result in one sentence."""
    tied = tie_to_settle(result)
    if tied:
        return _(
            "A lot is required: %(names)s are tied and the count cannot go on without one.",
            names=join_names(tied, names),
        )
    runoff = runoff_to_hold(result)
    if runoff:
        return _(
            "A runoff election decides the last seats: %(names)s are tied for them. "
            "Elected before the tie: %(elected)s.",
            names=join_names(runoff, names),
            elected=join_names(result["elected"], names) or "—",
        )
    if not result["valid_ballots"] and result["method"] != Method.yesno:
        return _("No valid ballots were cast, so nobody is elected.")
    if result["method"] == Method.yesno:
        return _("The proposal passes.") if result["passed"] else _("The proposal does not pass.")
    if not result["elected"]:
        return _("Nobody is elected.")
    return ngettext(
        "Elected: %(names)s.",
        "Elected: %(names)s.",
        len(result["elected"]),
        names=join_names(result["elected"], names),
    )


def lot_lines(lots: Sequence[Lot], names: Names) -> tuple[LotLine, ...]:
    """The lots recorded for a position, oldest first."""
    return tuple(
        LotLine(tuple(names.get(cid, "?") for cid in lot.drawn_order), lot.seed, lot.recorded_at)
        for lot in lots
    )


def tie_decision(result: Mapping[str, Any]) -> str:
    """What the tie that stopped the count decides."""
    for step in reversed(result["trace"]):
        if step["kind"] == StepKind.lot_required:
            return decision_text(step["decision"])
    return ""


def _nothing_counted(
    position: Position,
    stored: bool,
    lots: tuple[LotLine, ...],
    seal: BallotSeal | None,
    runoff: Runoff | None,
) -> PositionView:
    """A position with no count to show, and why: nobody stood, or nothing was stored."""
    zero = whole(0)
    if stored:
        why = _("Nothing to count: nobody stood for this position.")
    else:
        why = _("No result was stored for this position when the results were published.")
    return PositionView(
        position, method_label(position), "nothing", zero, zero, zero, (), (), (), "",
        why, (), None, None, lots, seal, None, runoff,
    )  # fmt: skip


def position_view(
    position: Position,
    result: Mapping[str, Any] | None,
    *,
    names: Names,
    lots: Sequence[Lot],
    seal: BallotSeal | None,
    runoff_seats: int | None,
    runoff: Runoff | None,
    stored: bool = True,
) -> PositionView:
    """The page's view of one position's result (or of there being nothing to show).

    ``stored`` False means the election is published but no result was stored for a
    position that could have been counted, which the page says rather than recounting.
    """
    lines = lot_lines(lots, names)
    if result is None:
        return _nothing_counted(position, stored, lines, seal, runoff)
    rows = _plain_rows(result, names)
    tied = tuple((cid, names.get(cid, "?")) for cid in tie_to_settle(result) or ())
    steps = tuple(s for s in (step_sentence(x, names, result) for x in result["trace"]) if s)
    return PositionView(
        position=position,
        method=method_label(position),
        state="lot-required"
        if tied
        else "runoff-required"
        if runoff_to_hold(result)
        else "counted",
        total=whole(result["total_ballots"]),
        valid=whole(result["valid_ballots"]),
        blank=whole(result["blank_ballots"]),
        rows=tuple(rows),
        winners=tuple(names.get(cid, "?") for cid in result["elected"]),
        tied=tied,
        tie_for=tie_decision(result),
        outcome=_outcome(result, names),
        steps=steps,
        chart=_main_chart(position, result, rows),
        rounds=_rounds(position, result, names),
        lots=lines,
        seal=seal,
        runoff_seats=runoff_seats,
        runoff=runoff,
    )
