"""Sealing the ballot box: counts and digests per position, storage rewritten in key order."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from elections.domain.ballot import encode_ballot, seal_digest
from elections.extensions import db
from elections.models import Ballot, BallotSeal
from elections.operations.audit_log import Actor
from elections.operations.sealing import compact_ballot_storage, seal_ballot_box
from elections.operations.voting import cast_ballots
from tests.conftest import enrol, make_election, make_position, make_student

VOTER = Actor("tester", "student", "127.0.0.1")


def open_election_with_voters(count: int):
    """An open election with one position and ``count`` students on its frozen roll."""
    election = make_election(phase="open")
    position = make_position(election, candidates=("Әли", "Дана"))
    students = [make_student(code=None) for _ in range(count)]
    enrol(election, *students)
    return election, position, students


def test_seal_records_count_and_recomputable_digest(app):
    election, position, students = open_election_with_voters(12)
    first, second = (c.id for c in position.candidates)
    for index, student in enumerate(students):
        chosen = (first,) if index % 3 else (second,)
        cast_ballots(VOTER, student, election.id, {position.id: chosen}, datetime.now(UTC))
    seals = seal_ballot_box(election)
    db.session.commit()
    compact_ballot_storage()
    [seal] = seals
    assert seal.ballot_count == 12
    stored = db.session.execute(select(Ballot.id, Ballot.tracking_code, Ballot.choices)).all()
    assert seal.digest == seal_digest(position.id, [tuple(b) for b in stored])
    assert db.session.get(BallotSeal, position.id).digest == seal.digest
    assert sorted(b.choices for b in stored).count(encode_ballot((second,))) == 4


def test_a_changed_ballot_no_longer_matches_the_seal(app):
    election, position, students = open_election_with_voters(3)
    first, second = (c.id for c in position.candidates)
    for student in students:
        cast_ballots(VOTER, student, election.id, {position.id: (first,)}, datetime.now(UTC))
    [seal] = seal_ballot_box(election)
    db.session.commit()
    one = db.session.scalars(select(Ballot)).first()
    one.choices = encode_ballot((second,))
    db.session.commit()
    stored = db.session.execute(select(Ballot.id, Ballot.tracking_code, Ballot.choices)).all()
    assert seal_digest(position.id, [tuple(b) for b in stored]) != seal.digest


def test_sqlite_storage_is_rebuilt_after_the_seal(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's file layout; PostgreSQL is rewritten by CLUSTER in the seal itself")
    election, position, students = open_election_with_voters(5)
    for student in students:
        cast_ballots(
            VOTER,
            student,
            election.id,
            {position.id: (position.candidates[0].id,)},
            datetime.now(UTC),
        )
    seal_ballot_box(election)
    db.session.commit()
    compact_ballot_storage()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        frames = connection.exec_driver_sql("PRAGMA wal_checkpoint").fetchone()
        assert frames[1] in (0, -1)  # the log holds no frames of the voting any more
        free = connection.execute(text("PRAGMA freelist_count")).scalar()
        assert free == 0


def test_a_reader_holding_the_write_ahead_log_is_reported(app, monkeypatch, caplog):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    monkeypatch.setattr("elections.models.engine.SQLITE_BUSY_TIMEOUT_MS", 50)  # not 15 s, here
    db.engine.dispose()  # new connections take the shorter wait
    election, position, students = open_election_with_voters(3)
    for student in students:
        choice = {position.id: (position.candidates[0].id,)}
        cast_ballots(VOTER, student, election.id, choice, datetime.now(UTC))
    seal_ballot_box(election)
    db.session.commit()
    reader = sqlite3.connect(db.engine.url.database)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM ballot").fetchone()  # holds a snapshot of the log

    compact_ballot_storage()

    assert "write-ahead log could not be emptied" in caplog.text
    reader.rollback()
    reader.close()
    caplog.clear()
    compact_ballot_storage()
    assert "write-ahead log" not in caplog.text
