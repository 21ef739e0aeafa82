"""The export bundle's format (docs/export-bundle.md): its files, and the text of each.

The app writes bundles with these functions and the verifier reads them back against the
same names, so the writer and the verifier cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from elections.domain.audit_chain import AuditEntry, ChainHead
from elections.domain.counting import Method
from elections.domain.recount_files import RecountFormat
from elections.domain.verification import BallotRecord, ElectionRecord, PositionRecord

FORMAT = "school-elections-bundle"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
"""Version 1 came before the counting rules and the recount files; the verifier reads both."""
MANIFEST = "manifest.json"
AUDIT_LOG = "audit_log.jsonl"


def ballots_file(position_id: int) -> str:
    """Where a position's ballots are in a bundle."""
    return f"ballots/position-{position_id}.jsonl"


def recount_file(position_id: int, fmt: RecountFormat) -> str:
    """Where a ranked position's BLT file or rank table is in a bundle."""
    if fmt is RecountFormat.blt:
        return f"ballots/position-{position_id}.blt"
    return f"ballots/position-{position_id}-ranks.csv"


def recount_files(position: PositionRecord) -> dict[str, str] | None:
    """The manifest's map of a position's recount files (format to name); None unless ranked."""
    if position.method != Method.ranked:
        return None
    return {str(fmt): recount_file(position.id, fmt) for fmt in RecountFormat}


def result_file(position_id: int) -> str:
    """Where a position's published result is in a bundle."""
    return f"results/position-{position_id}.json"


def _line(value: Mapping[str, object]) -> str:
    """One JSON Lines record: compact, keys sorted, UTF-8 characters as themselves."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def entry_line(entry: AuditEntry) -> str:
    """An audit entry exactly as stored, every field including ``hash``."""
    return _line({**entry.hashed_fields(), "hash": entry.hash})


def ballot_data(ballot: BallotRecord) -> dict[str, object]:
    """A ballot: its random id, its choices as stored (and sealed), its tracking code."""
    return {"id": ballot.id, "choices": ballot.choices, "tracking_code": ballot.tracking_code}


def ballot_line(ballot: BallotRecord) -> str:
    """A ballot as one line of a position's ballots file."""
    return _line(ballot_data(ballot))


def result_text(result: Mapping[str, object]) -> str:
    """A published result exactly as stored, indented for people to read."""
    return json.dumps(result, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _head(head: ChainHead | None) -> dict[str, object] | None:
    """A chain head as manifest data."""
    return None if head is None else {"seq": head.seq, "hash": head.hash}


def position_header(position: PositionRecord) -> dict[str, object]:
    """A position's rules, ballot paper, lots and seal: what recounting its ballots needs.

    The manifest and the results downloads both describe a position with it, so what a
    download says about a position is what the verifier reads from a bundle.
    """
    seal = position.seal
    return {
        "id": position.id,
        "title": position.title,
        "method": position.method,
        "seats": position.seats,
        "allow_blank": position.allow_blank,
        "threshold_percent": position.threshold_percent,
        "candidates": [{"id": c.id, "name": c.name} for c in position.candidates],
        "lots": [
            {"tied": list(lot.tied), "drawn_order": list(lot.drawn_order), "seed": lot.seed}
            for lot in position.lots
        ],
        "seal": None
        if seal is None
        else {
            "ballot_count": seal.ballot_count,
            "digest": seal.digest,
            "sealed_at": seal.sealed_at,
        },
    }


def _position_manifest(position: PositionRecord) -> dict[str, object]:
    """One position's entry in the manifest: its header, participation, and its files."""
    return {
        **position_header(position),
        "participation": position.participation,
        "ballots": ballots_file(position.id),
        "recount_files": recount_files(position),
        "result": None if position.result is None else result_file(position.id),
    }


def manifest_text(
    *,
    generated_at: str,
    entries: int,
    head: ChainHead,
    keyed: bool,
    election: ElectionRecord | None,
) -> str:
    """The manifest: format, the log's size and head, and the election's records if any."""
    manifest: dict[str, object] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": generated_at,
        "audit_log": {"file": AUDIT_LOG, "entries": entries, "head": _head(head), "keyed": keyed},
        "election": None
        if election is None
        else {
            "id": election.id,
            "title": election.title,
            "phase": election.phase,
            "opened_at": election.opened_at,
            "closed_at": election.closed_at,
            "published_at": election.published_at,
            "published_head": _head(election.published_head),
            "counting_rules": election.counting_rules.to_dict(),
            "positions": [_position_manifest(p) for p in election.positions],
        },
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
