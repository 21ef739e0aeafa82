"""Building the export bundle from the database: the records the verifier checks, and the files.

The bundle's layout and file formats belong to ``elections.bundle.layout`` (docs/export-bundle.md);
this module reads the database into the verifier's plain records and writes them out, to a
directory (``flask audit export``) or a .zip (the auditors' page). Ballots are exported only
once voting has closed: before then they would give away running counts.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select

from elections.bundle import layout
from elections.domain.audit_chain import GENESIS_HASH, AuditEntry, ChainHead, format_time
from elections.domain.errors import BallotInvalid, DomainError
from elections.domain.lifecycle import AFTER_CLOSING, Phase
from elections.domain.recount_files import RecountFile, RecountFormat
from elections.domain.verification import (
    BallotRecord,
    CandidateRecord,
    ElectionRecord,
    LotRecord,
    PositionRecord,
    SealRecord,
    recount_texts,
)
from elections.extensions import db
from elections.models import (
    Ballot,
    BallotSeal,
    Election,
    Participation,
    Position,
    PublishedResult,
)
from elections.queries.audit_log import audit_entries, chain_keyed
from elections.queries.tally import paper_candidates, recorded_lots


class ExportReason(StrEnum):
    """Why an election's ballots cannot be exported now."""

    not_closed = "export-not-closed"


class ExportRefused(DomainError[ExportReason]):
    """The ballots of an election still open (or not yet open) stay inside."""

    status = 409


def ballot_rows(position_id: int) -> list[BallotRecord]:
    """A position's ballots as sealed: id, choices and tracking code, sorted by ballot id.

    Shared with the per-position ballot downloads of the results pages; call it only for
    a position whose election is exportable (``require_exportable``).
    """
    rows = db.session.execute(
        select(Ballot.id, Ballot.choices, Ballot.tracking_code)
        .where(Ballot.position_id == position_id)
        .order_by(Ballot.id)
    )
    return [BallotRecord(r.id, r.choices, r.tracking_code) for r in rows]


def participation_count(position_id: int) -> int:
    """How many students took part in a position: the count only, never who."""
    count = select(func.count()).select_from(Participation)
    return db.session.scalar(count.where(Participation.position_id == position_id)) or 0


def require_exportable(election: Election) -> None:
    """Refuse an election whose voting has not closed."""
    if election.current_phase not in AFTER_CLOSING:
        raise ExportRefused(ExportReason.not_closed, {"phase": election.phase})


def exportable_elections() -> list[Election]:
    """Elections whose records may be exported and verified, oldest first."""
    phases = [str(phase) for phase in AFTER_CLOSING]
    return list(
        db.session.scalars(select(Election).where(Election.phase.in_(phases)).order_by(Election.id))
    )


def _iso(moment: datetime | None) -> str | None:
    """A stored instant as the log writes times, or None."""
    return None if moment is None else format_time(moment)


def position_record(position: Position, published: bool) -> PositionRecord:
    """Everything verifying one position needs, read from the database.

    A ranked position's recount files are made here from its ballots, so the database's
    records and an exported bundle's go through the very same checks.
    """
    seal = db.session.get(BallotSeal, position.id)
    result = db.session.get(PublishedResult, position.id) if published else None
    lots = recorded_lots(position.id)
    record = PositionRecord(
        id=position.id,
        title=position.title,
        method=position.method,
        seats=position.seats,
        allow_blank=position.allow_blank,
        threshold_percent=position.threshold_percent,
        candidates=tuple(CandidateRecord(c.id, c.name) for c in paper_candidates(position)),
        participation=participation_count(position.id),
        ballots=tuple(ballot_rows(position.id)),
        seal=None
        if seal is None
        else SealRecord(seal.ballot_count, seal.digest, _iso(seal.sealed_at)),
        lots=tuple(LotRecord(tuple(lot.tied), tuple(lot.drawn_order), lot.seed) for lot in lots),
        result=None if result is None else result.result,
    )
    return replace(record, recount_files=recount_files(position.election.title, record))


def recount_files(election_title: str, position: PositionRecord) -> tuple[RecountFile, ...]:
    """A ranked position's BLT file and rank table, named as the bundle places them."""
    if layout.recount_files(position) is None:
        return ()
    try:
        texts = recount_texts(election_title, position)
    except (BallotInvalid, KeyError):
        # A stored ballot that cannot be read (corrupt or tampered): no file can be made
        # from the box, and the recount-files check names that ballot. Empty files keep
        # the bundle's shape so the verifier reaches that check.
        texts = dict.fromkeys(RecountFormat, "")
    return tuple(
        RecountFile(layout.recount_file(position.id, fmt), fmt, text) for fmt, text in texts.items()
    )


def election_record(election: Election) -> ElectionRecord:
    """An exportable election's records, or a refusal while its voting has not closed."""
    require_exportable(election)
    published = election.current_phase == Phase.published
    head = None
    if election.published_head_seq is not None and election.published_head_hash is not None:
        head = ChainHead(election.published_head_seq, election.published_head_hash)
    return ElectionRecord(
        id=election.id,
        title=election.title,
        phase=election.phase,
        positions=tuple(position_record(p, published) for p in election.positions),
        published_head=head,
        opened_at=_iso(election.opened_at),
        closed_at=_iso(election.closed_at),
        published_at=_iso(election.published_at),
        counting_rules=election.counting_rules,
    )


class BundleWriter(Protocol):
    """Where a bundle's files go: a directory or a zip archive."""

    def write(self, name: str, lines: Iterable[str]) -> None:
        """Write one file of the bundle from its text, piece by piece."""
        ...


class DirectoryWriter:
    """Writes a bundle's files under a directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, lines: Iterable[str]) -> None:
        """Write one file, creating its folder."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as out:
            out.writelines(lines)


class ZipWriter:
    """Writes a bundle's files into a zip archive, with the directory's layout."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive

    def write(self, name: str, lines: Iterable[str]) -> None:
        """Write one file into the archive."""
        with self.archive.open(name, "w") as out:
            for line in lines:
                out.write(line.encode("utf-8"))


class CountedEntries:
    """Passes audit entries through, counting them and keeping the last one as the head."""

    def __init__(self, entries: Iterable[AuditEntry]) -> None:
        self.entries = entries
        self.count = 0
        self.head = ChainHead(0, GENESIS_HASH)

    def __iter__(self) -> Iterator[AuditEntry]:
        for entry in self.entries:
            self.count += 1
            self.head = ChainHead(entry.seq, entry.hash)
            yield entry


def write_bundle(writer: BundleWriter, election: Election | None) -> ChainHead:
    """Write the audit log, and the election's ballots and results if given; return the head.

    A ranked position's ballots go out in the formats other tools count too (BLT, and the
    rank table as CSV), made from the same sealed ballots. The head is the log's last
    exported entry, as the manifest records it.
    """
    record = None if election is None else election_record(election)
    exported = CountedEntries(audit_entries())
    writer.write(layout.AUDIT_LOG, map(layout.entry_line, exported))
    for position in record.positions if record else ():
        writer.write(
            layout.ballots_file(position.id),
            map(layout.ballot_line, position.ballots),
        )
        for file in position.recount_files:
            writer.write(file.name, [file.text])
        if position.result is not None:
            writer.write(layout.result_file(position.id), [layout.result_text(position.result)])
    manifest = layout.manifest_text(
        generated_at=format_time(datetime.now(UTC)),
        entries=exported.count,
        head=exported.head,
        keyed=chain_keyed(),
        election=record,
    )
    writer.write(layout.MANIFEST, [manifest])
    return exported.head
