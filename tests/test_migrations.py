"""Migrations alone build the whole schema, and models and migrations never drift apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from config import TestingConfig
from elections import create_app
from elections.extensions import db
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL


@pytest.fixture
def empty_database_url(tmp_path: Path):
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = "elections_migrations"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_builds_the_schema_and_check_finds_no_drift(empty_database_url):
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    runner = app.test_cli_runner()
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    checked = runner.invoke(args=["db", "check"])
    assert checked.exit_code == 0, checked.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        head = db.session.execute(text("SELECT seq, hash FROM audit_head")).one()
        assert head == (0, "0" * 64)
        db.engine.dispose()


def test_elections_made_before_the_tie_rule_keep_the_rule_they_were_counted_by(
    empty_database_url,
):
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    runner = app.test_cli_runner()
    before = runner.invoke(args=["db", "upgrade", "b858edaccead"])
    assert before.exit_code == 0, before.output
    with app.app_context():
        db.session.execute(
            text(
                "INSERT INTO election (title, titles, description, phase, scheduled, opens_at,"
                " closes_at, endorsement_limit, created_at) VALUES ('Council 2030', '{}', '',"
                " 'published', false, '2030-03-03 04:00:00', '2030-03-03 12:00:00', 3,"
                " '2030-03-01 04:00:00')"
            )
        )
        db.session.commit()
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    with app.app_context():
        assert db.session.scalar(text("SELECT tie_rule FROM election")) == "earlier-rounds"
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE election SET tie_rule = 'coin'"))
        db.session.rollback()
        db.engine.dispose()
    downgraded = runner.invoke(args=["db", "downgrade", "b858edaccead"])
    assert downgraded.exit_code == 0, downgraded.output
