"""Sealing the ballot box at closing: count and digest each position, and erase arrival order.

Before the seal, a ballot's place in storage might hint at when it arrived (a heap
table on PostgreSQL keeps insertion order; freed pages and WAL frames on SQLite keep
history). The seal rewrites the ballots into the order of their random keys and
records, per position, how many ballots there are and a SHA-256 digest over them
(``domain.ballot.seal_digest``), which anyone can recompute from the exported ballots.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from elections.domain.ballot import seal_digest
from elections.extensions import db
from elections.models import Ballot, BallotSeal, Election


def seal_ballot_box(election: Election) -> list[BallotSeal]:
    """Inside the closing transaction: record each position's seal and rewrite the ballot table.

    On PostgreSQL, ``CLUSTER`` rewrites the whole table into a fresh file in the order of
    the random primary key, in this same transaction. On SQLite the table is WITHOUT
    ROWID, so rows already live in key order; ``compact_ballot_storage`` then rebuilds
    the file once the closing transaction has committed.
    """
    now = datetime.now(UTC)
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
        db.session.execute(text("CLUSTER ballot USING pk_ballot"))
    db.session.flush()
    return seals


def compact_ballot_storage() -> None:
    """After the seal commits: on SQLite, rebuild the file and empty the write-ahead log.

    ``VACUUM`` copies every table into fresh pages in key order, so no freed page
    keeps a ballot in its arrival position; the checkpoint truncates the WAL, which
    held each insert in arrival order. PostgreSQL needs nothing more here.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
