"""Sealing the ballot box at closing: count and digest each position, and erase what links.

Before the seal, storage itself could tie a ballot to its voter: its place might hint at
when it arrived (a heap table on PostgreSQL keeps insertion order; freed pages and WAL
frames on SQLite keep history), and on PostgreSQL every row carries the id of the
transaction that wrote it (``xmin``), which a vote shares between its participation and
its ballot. The seal rewrites the ballots (new transaction ids, the order of their
random keys) and records, per position, how many ballots there are and a SHA-256 digest
over them (``domain.ballot.seal_digest``), which anyone can recompute from the export.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Connection, select, text, update

from elections.domain.ballot import seal_digest
from elections.extensions import db
from elections.models import Ballot, BallotSeal, Election

log = logging.getLogger(__name__)


def seal_ballot_box(election: Election) -> list[BallotSeal]:
    """Inside the closing transaction: record each position's seal and rewrite the ballot table.

    On PostgreSQL the election's ballots are first updated in place, so each carries the
    closing transaction's id rather than its vote's; then ``CLUSTER`` rewrites the whole
    table into a fresh file in the order of the random primary key, in this same
    transaction. On SQLite the table is WITHOUT ROWID, so rows already live in key order.
    ``compact_ballot_storage`` finishes both once the closing transaction has committed.
    """
    now = datetime.now(UTC)
    position_ids = [p.id for p in election.positions]
    seals = []
    for position in election.positions:
        ballots = db.session.execute(
            select(Ballot.id, Ballot.tracking_code, Ballot.choices).where(
                Ballot.position_id == position.id
            )
        ).all()
        seal = BallotSeal(
            position_id=position.id,
            ballot_count=len(ballots),
            digest=seal_digest(position.id, [tuple(b) for b in ballots]),
            sealed_at=now,
        )
        db.session.add(seal)
        seals.append(seal)
    if db.session.get_bind().dialect.name == "postgresql":
        ballot = Ballot.__table__
        db.session.execute(
            update(ballot).where(ballot.c.position_id.in_(position_ids)).values(id=ballot.c.id)
        )
        db.session.execute(text("CLUSTER ballot USING pk_ballot"))
    db.session.flush()
    return seals


def _truncate_wal(connection: Connection) -> None:
    """Empty SQLite's write-ahead log; say so when readers kept it from being emptied.

    A checkpoint cannot truncate while another connection is reading: it waits for them
    (the connection's busy timeout), then reports "busy" instead of failing.
    """
    busy, _pages, _moved = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.warning(
            "the write-ahead log could not be emptied after closing (readers kept it busy);"
            " it still holds the votes in arrival order until the next checkpoint"
        )


def compact_ballot_storage() -> None:
    """After the seal commits: drop the old copies of the ballots that storage still keeps.

    SQLite: ``VACUUM`` copies every table into fresh pages in key order, so no freed page
    keeps a ballot in its arrival position; the checkpoint truncates the WAL, which held
    each insert in arrival order. PostgreSQL: ``VACUUM ballot`` removes the row versions
    the seal replaced, which still carried the votes' transaction ids (as soon as no
    transaction older than the close can see them; autovacuum does it otherwise).
    """
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("VACUUM")
            _truncate_wal(connection)
        else:
            connection.exec_driver_sql("VACUUM ballot")
