"""The auditors' actions: verify, export the log, export a bundle. Each one is audit-logged."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError

from elections.bundle import layout
from elections.domain.audit_chain import AuditEntry, ChainHead
from elections.domain.csv_safe import csv_text
from elections.domain.verification import Report, verify
from elections.extensions import db
from elections.models import Election
from elections.operations.audit_log import Actor, hmac_key, record
from elections.queries.audit_log import LogFilter, audit_entries, head_row, matching_entries
from elections.queries.export import (
    BundleWriter,
    CountedEntries,
    election_record,
    exportable_elections,
    write_bundle,
)

log = logging.getLogger(__name__)

LogFormat = Literal["csv", "jsonl"]
CSV_COLUMNS = (
    "seq",
    "occurred_at",
    "actor",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "election_id",
    "details",
    "client_addr",
    "prev_hash",
    "hash",
)


def _start_snapshot() -> None:
    """Begin a transaction that sees one consistent state of the whole database.

    The request's own transaction (which loaded the signed-in account) ends first. On
    PostgreSQL the new one is REPEATABLE READ, so the head row, the log and the ballots
    are read as of one moment however many appends happen meanwhile; on SQLite every
    transaction already holds the write lock from its start.
    """
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify_database(
    election: Election | None = None, expected_head: ChainHead | None = None
) -> Report:
    """Check the chain, its head row and every closed election (or one), writing nothing.

    ``expected_head`` is a head kept outside the database (the paper protocol's).
    """
    _start_snapshot()
    try:
        elections = [election] if election is not None else exportable_elections()
        records = [election_record(e) for e in elections]
        return verify(
            audit_entries(),
            records,
            key=hmac_key(),
            log_head=head_row(),
            expected_head=expected_head,
        )
    finally:
        db.session.commit()


def _verdict_details(report: Report) -> dict[str, object]:
    """What a verification found, as audit details: the head, or the first failure."""
    details: dict[str, object] = {"ok": report.ok, "entries": report.entries}
    if report.head is not None:
        details.update(head_seq=report.head.seq, head_hash=report.head.hash)
    failure = report.first_failure
    if failure is not None:
        details["failure"] = {
            "check": str(failure.kind),
            "problem": str(failure.problem),
            "seq": failure.seq,
            "election_id": failure.election_id,
            "position_id": failure.position_id,
        }
    return details


@dataclass(frozen=True)
class Verification:
    """A verification's report, and whether the log took the entry recording it.

    It does not when a row already sits beyond the chain head (someone wrote to the log
    behind the app's back): the report says so too, and must still be shown.
    """

    report: Report
    recorded: bool


def _record_last(actor: Actor, action: str, **fields: Any) -> bool:
    """Append an auditor's entry and commit; False when the log refuses it, rolled back."""
    try:
        record(actor, action, **fields)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.warning("the audit log refused %s: a row sits beyond its head", action)
        return False
    return True


def run_verification(
    actor: Actor, election: Election | None = None, expected_head: ChainHead | None = None
) -> Verification:
    """Verify everything (or one election) and log that it was done and what it found."""
    report = verify_database(election, expected_head)
    recorded = _record_last(
        actor,
        "audit-verified",
        object_type=None if election is None else "election",
        object_id=None if election is None else election.id,
        election_id=None if election is None else election.id,
        details=_verdict_details(report),
    )
    return Verification(report, recorded)


def _csv_rows(entries: Iterable[AuditEntry]) -> Iterator[list[object]]:
    """The header, then each entry's cells: details as one line of JSON."""
    yield list(CSV_COLUMNS)
    for entry in entries:
        values = {**entry.hashed_fields(), "hash": entry.hash}
        values["details"] = json.dumps(
            entry.details, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        yield [values[column] for column in CSV_COLUMNS]


def export_log(actor: Actor, log_filter: LogFilter, fmt: LogFormat) -> str:
    """The filtered log as CSV (for spreadsheets) or JSON Lines (as stored, for verifiers)."""
    entries = CountedEntries(matching_entries(log_filter))
    if fmt == "csv":
        text = csv_text(_csv_rows(entries))
    else:
        text = "".join(map(layout.entry_line, entries))
    details: dict[str, object] = {"format": fmt, "entries": entries.count}
    details.update(filters=log_filter.as_details())
    if entries.count:
        details.update(last_seq=entries.head.seq, last_hash=entries.head.hash)
    _record_last(actor, "audit-exported", election_id=log_filter.election_id, details=details)
    return text


def export_bundle(actor: Actor, election: Election | None, writer: BundleWriter) -> ChainHead:
    """Write the bundle (the log alone when no election is given) and log the export.

    An election still open, or not yet open, is refused before anything is written.
    """
    head = write_bundle(writer, election)
    _record_last(
        actor,
        "audit-exported",
        object_type=None if election is None else "election",
        object_id=None if election is None else election.id,
        election_id=None if election is None else election.id,
        details={"format": "bundle", "head_seq": head.seq, "head_hash": head.hash},
    )
    return head
