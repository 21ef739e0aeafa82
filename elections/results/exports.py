"""The files behind the results downloads: results, turnout and each position's ballots.

CSV for spreadsheets (every cell neutralised against formulas, see ``csv_safe``) and JSON for
programs. The ballots are the sealed list exactly as stored (random id, choices as sealed,
tracking code; sorted by ballot id), read with the audit bundle's own ``ballot_rows``, so
anyone can recount them with ``domain.counting.count`` and re-check the seal's digest. A
position is described as the bundle's manifest describes it (``layout.position_header``), so
a download and a bundle cannot disagree about a position's rules, ballot paper or seal. A
ranked position's ballots also come as the bundle's BLT file and rank table (no ids or
tracking codes there), for a recount with another tool (``domain.recount_files``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from elections.bundle import layout
from elections.domain.audit_chain import ChainHead
from elections.domain.counting import Method
from elections.domain.csv_safe import csv_text
from elections.domain.lifecycle import Phase
from elections.domain.turnout import Breakdown, Row
from elections.extensions import db
from elections.models import Election, Position, Runoff
from elections.queries.audit_log import head_row
from elections.queries.export import ballot_rows, position_record
from elections.queries.tally import (
    position_result,
    runoff_to_hold,
    tie_to_settle,
)
from elections.queries.turnout import election_turnout, min_group

FORMAT = "school-elections-results"
BALLOTS_FORMAT = "school-elections-ballots"
FORMAT_VERSION = 1


def _dump(value: Any) -> str:
    """JSON as people and programs read it: indented, keys sorted, characters as themselves."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def signing_head(election: Election) -> tuple[ChainHead, bool]:
    """The audit head that signs the results, and whether it is provisional.

    Once published, the head recorded at publication; before, the log's current head.
    """
    if election.published_head_seq is not None and election.published_head_hash is not None:
        return ChainHead(election.published_head_seq, election.published_head_hash), False
    return head_row(), True


def election_header(election: Election) -> dict[str, Any]:
    """What every results file says about the election it comes from."""
    head, provisional = signing_head(election)
    runoff = db.session.get(Runoff, election.id)
    return {
        "id": election.id,
        "title": election.title,
        "phase": election.phase,
        "published": election.current_phase == Phase.published,
        "published_at": None
        if election.published_at is None
        else election.published_at.isoformat(),
        "audit_head": {"seq": head.seq, "hash": head.hash, "provisional": provisional},
        "runoff_of_position": None if runoff is None else runoff.source_position_id,
        "counting_rules": election.counting_rules.to_dict(),
    }


def results_data(election: Election) -> dict[str, Any]:
    """Every position's result as data: the published snapshot, or a count made now."""
    positions = []
    for position in election.positions:
        entry = layout.position_header(position_record(position, published=False))
        entry["result"] = position_result(position, election)
        positions.append(entry)
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "election": election_header(election),
        "positions": positions,
    }


def results_json(election: Election) -> str:
    """The results as JSON, every figure exact (fractions as "num/den" text)."""
    return _dump(results_data(election))


def _share(part: int, base: int) -> str:
    """A share of the valid ballots as a plain percentage with two decimals."""
    if not base:
        return ""
    return f"{float(Fraction(part * 100, base)):.2f}"


RESULT_COLUMNS = (
    "position_id",
    "position",
    "method",
    "seats",
    "status",
    "option_id",
    "option",
    "votes",
    "percent_of_valid",
    "elected",
)


def _result_rows(election: Election) -> Iterator[list[object]]:
    """One row per candidate (or yes, no) and one for blank ballots, per position."""
    yield list(RESULT_COLUMNS)
    for entry in results_data(election)["positions"]:
        result = entry["result"]
        start = [entry["id"], entry["title"], entry["method"], entry["seats"]]
        if result is None:
            yield [*start, "nothing-to-count", "", "", "", "", ""]
            continue
        status = "counted"
        if tie_to_settle(result):
            status = "lot-required"
        elif runoff_to_hold(result):
            status = "runoff-required"
        valid = result["valid_ballots"]
        if result["method"] == Method.yesno:
            for answer in ("yes", "no"):
                votes = result[answer] or 0
                passed = "yes" if answer == "yes" and result["passed"] else "no"
                yield [*start, status, "", answer, votes, _share(votes, valid), passed]
        else:
            names = {c["id"]: c["name"] for c in entry["candidates"]}
            for cid in result["candidates"]:
                votes = result["first_counts"].get(str(cid), 0)
                elected = "yes" if cid in result["elected"] else "no"
                yield [
                    *start,
                    status,
                    cid,
                    names.get(cid, ""),
                    votes,
                    _share(votes, valid),
                    elected,
                ]
        yield [*start, status, "", "blank", result["blank_ballots"], "", ""]


def results_csv(election: Election) -> str:
    """The results as CSV; ranked counts give first preferences (the JSON has every round)."""
    return csv_text(_result_rows(election))


def _row_data(label: str | None, row: Row) -> dict[str, Any]:
    """One turnout line as data; a withheld line has no numbers."""
    return {
        "label": label,
        "eligible": row.eligible,
        "voted": row.voted,
        "suppressed": row.suppressed,
        "groups": row.groups,
    }


def _breakdown_data(part: Breakdown) -> dict[str, Any]:
    """A breakdown's shown rows and the merged smaller groups."""
    return {
        "rows": [_row_data(row.label, row) for row in part.rows],
        "smaller_groups": None if part.merged is None else _row_data(None, part.merged),
    }


def turnout_data(election: Election) -> dict[str, Any]:
    """Turnout overall, per position and by grade, class and shanyrak (small groups merged)."""
    turnout = election_turnout(election, min_group())
    titles = {p.id: p.title for p in election.positions}
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "election": election_header(election),
        "min_group": min_group(),
        "overall": _row_data(None, turnout.overall),
        "positions": [
            {"position_id": p.position_id, **_row_data(titles.get(p.position_id), p.row)}
            for p in turnout.positions
        ],
        "by_grade": _breakdown_data(turnout.by_grade),
        "by_class": _breakdown_data(turnout.by_class),
        "by_shanyrak": _breakdown_data(turnout.by_shanyrak),
    }


def turnout_json(election: Election) -> str:
    """Turnout as JSON."""
    return _dump(turnout_data(election))


TURNOUT_COLUMNS = ("group", "label", "eligible", "voted", "percent", "suppressed")


def _turnout_line(group: str, data: dict[str, Any]) -> list[object]:
    """One turnout line as CSV cells."""
    eligible, voted = data["eligible"], data["voted"]
    share = _share(voted, eligible) if eligible else ""
    return [
        group,
        data["label"] or "",
        eligible,
        voted,
        share,
        "yes" if data["suppressed"] else "no",
    ]


def _turnout_rows(election: Election) -> Iterator[list[object]]:
    """The turnout lines, the merged smaller groups of each breakdown labelled as such."""
    data = turnout_data(election)
    yield list(TURNOUT_COLUMNS)
    yield _turnout_line("election", data["overall"])
    for line in data["positions"]:
        yield _turnout_line("position", line)
    for group in ("by_grade", "by_class", "by_shanyrak"):
        part = data[group]
        name = group.removeprefix("by_")
        for line in part["rows"]:
            yield _turnout_line(name, line)
        if part["smaller_groups"] is not None:
            merged = dict(
                part["smaller_groups"], label=f"smaller groups ({part['smaller_groups']['groups']})"
            )
            yield _turnout_line(name, merged)


def turnout_csv(election: Election) -> str:
    """Turnout as CSV."""
    return csv_text(_turnout_rows(election))


BALLOT_COLUMNS = ("ballot_id", "choices", "tracking_code")


def ballots_csv(position: Position) -> str:
    """The position's sealed ballots, one per line, sorted by ballot id."""
    rows = ([b.id, b.choices, b.tracking_code] for b in ballot_rows(position.id))
    return csv_text([list(BALLOT_COLUMNS), *rows])


def ballots_json(position: Position) -> str:
    """The sealed ballots with everything a recount needs: ballot paper, seats, lots, seal.

    ``choices`` is the ballot's text exactly as stored and sealed (compact JSON such as
    ``[3,1,2]`` or ``["yes"]``); parse it to count, or hash it to re-check the seal.
    """
    election = position.election
    record = position_record(position, published=False)
    return _dump(
        {
            "format": BALLOTS_FORMAT,
            "version": FORMAT_VERSION,
            "election": election_header(election),
            "position": layout.position_header(record),
            "ballots": [layout.ballot_data(ballot) for ballot in record.ballots],
        }
    )


RECOUNT_NAMES = {"blt": "ballots.blt", "ranks": "ranks.csv"}
"""How a ranked position's recount files are named when downloaded, by format."""


def ballots_file(position: Position, fmt: str) -> tuple[str, str] | None:
    """A position's ballots in a download format, with the file's name; None if not offered.

    CSV and JSON for every position; BLT and the rank table for a ranked one.
    """
    stem = f"election-{position.election_id}-position-{position.id}"
    if fmt == "csv":
        return ballots_csv(position), f"{stem}-ballots.csv"
    if fmt == "json":
        return ballots_json(position), f"{stem}-ballots.json"
    record = position_record(position, published=False)
    made = {str(file.format): file.text for file in record.recount_files}
    if fmt not in made:
        return None
    return made[fmt], f"{stem}-{RECOUNT_NAMES[fmt]}"
