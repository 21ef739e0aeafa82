"""The audit log under load and under attack: one chain however many write at once, append-only.

The concurrency test runs on SQLite (every transaction is BEGIN IMMEDIATE) and, with
``TEST_DATABASE_URL``, on PostgreSQL (the head row is locked FOR UPDATE).
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from elections.domain.audit_chain import verify_chain
from elections.extensions import db
from elections.models import AuditEvent
from elections.operations.audit_log import Actor, record
from elections.queries.audit_log import audit_entries, head_row
from tests.conftest import ON_POSTGRES, require

THREADS = 8
APPENDS_EACH = 25


def append_from_threads(app, threads: int, appends: int) -> list[BaseException]:
    """Start ``threads`` workers together, each appending ``appends`` entries in its own context."""
    db.session.commit()  # the test's own session must hold no lock while the workers run
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(appends):
                    record(Actor(f"worker{worker}", "admin"), "load-test", details={"i": i})
                    db.session.commit()
        except BaseException as error:  # any failure is reported by the test
            errors.append(error)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    return errors


def test_concurrent_appends_leave_one_unbroken_chain(app):
    errors = append_from_threads(app, THREADS, APPENDS_EACH)
    assert errors == []
    entries = list(audit_entries())
    total = THREADS * APPENDS_EACH
    assert [e.seq for e in entries] == list(range(1, total + 1))  # no gap, no fork
    report = verify_chain(entries)
    assert report.ok, report
    assert head_row() == report.head == (total, entries[-1].hash)
    per_worker = db.session.execute(
        select(AuditEvent.actor, func.count()).group_by(AuditEvent.actor)
    ).all()
    assert sorted(count for _actor, count in per_worker) == [APPENDS_EACH] * THREADS


def test_concurrent_appends_under_a_chain_key(app):
    app.config["AUDIT_HMAC_KEY"] = "kept-outside-the-database"
    assert append_from_threads(app, 4, 10) == []
    entries = list(audit_entries())
    assert verify_chain(entries, key=b"kept-outside-the-database").ok
    assert not verify_chain(entries).ok  # without the key the hashes cannot be recomputed


def test_an_entry_stores_exactly_what_was_hashed(app):
    entry = record(
        Actor("Әлия", "committee", "2001:db8::1"),
        "candidate-added",
        object_type="candidate",
        object_id=42,
        election_id=3,
        details={"name": 'Ерлан "Ер" \\ Нұр', "list": [1, None, True], "nested": {"b": 1, "a": 2}},
    )
    db.session.commit()
    db.session.expire_all()
    [stored] = list(audit_entries())
    assert stored == entry
    assert verify_chain([stored]).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'intruder' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 1",
        "TRUNCATE audit_event",
    ],
    ids=["update", "delete", "truncate"],
)
@pytest.mark.postgres
def test_postgres_refuses_to_change_the_log(app, statement):
    require(ON_POSTGRES, "the append-only triggers exist on PostgreSQL (set TEST_DATABASE_URL)")
    record(Actor("committee1", "committee"), "election-created")
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.actor).where(AuditEvent.seq == 1)) == "committee1"


@pytest.mark.postgres
def test_postgres_still_appends_under_the_triggers(app):
    require(ON_POSTGRES, "the append-only triggers exist on PostgreSQL (set TEST_DATABASE_URL)")
    for _ in range(3):
        record(Actor("committee1", "committee"), "election-created")
        db.session.commit()
    assert verify_chain(audit_entries()).head.seq == 3


def wait_for_growth_beyond(seq: int, seconds: float = 30) -> None:
    """Wait until another session has appended past ``seq``."""
    deadline = time.monotonic() + seconds
    while head_row().seq <= seq:
        db.session.commit()  # end this read, so the next one sees the newest head
        assert time.monotonic() < deadline, "no append landed"
        time.sleep(0.01)
    db.session.commit()


def test_verifying_while_others_append_reads_one_consistent_moment(app):
    """The head row, the log and the boxes are read as of one instant: no false alarm."""
    from elections.operations.auditing import verify_database

    for _ in range(20):
        record(Actor("committee1", "committee"), "warm-up")
    db.session.commit()
    stop = threading.Event()

    def keep_appending() -> None:
        with app.app_context():
            while not stop.is_set():
                record(Actor("busy", "admin"), "load-test")
                db.session.commit()

    writers = [threading.Thread(target=keep_appending) for _ in range(3)]
    for thread in writers:
        thread.start()
    reports = []
    try:
        for _ in range(8):
            reports.append(verify_database())
            wait_for_growth_beyond(reports[-1].head.seq)
    finally:
        stop.set()
        for thread in writers:
            thread.join(timeout=60)
    assert [r.first_failure for r in reports] == [None] * len(reports)
    assert len({r.head.seq for r in reports}) == len(reports)  # the log grew every time
