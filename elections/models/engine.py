"""Engine settings that make SQLite safe under concurrent writers, plus the chain head seed."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import Engine, event

from elections.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000


def init_app(app: Flask) -> None:
    """Tune the engine once the app's database is bound."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _serialise_sqlite_writers(engine)


def _serialise_sqlite_writers(engine: Engine) -> None:
    """Start every SQLite transaction with BEGIN IMMEDIATE.

    A deferred transaction that reads and then writes can fail with
    SQLITE_BUSY when another writer got there first; taking the write lock at
    BEGIN makes writers queue instead (busy_timeout), which is what keeps the
    audit chain linear and one-ballot-per-student races clean on SQLite.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
