"""The app under the deployment guide's own database role: a whole election, no more rights.

``docs/app-role.sql`` grants the app's role what the app needs and keeps the audit log
out of its reach: it owns nothing but the ballot table, so it can neither change audit
entries nor switch off the triggers that refuse it. This runs an election from opening
to verified publication as that role, then tries what it must not do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from config import TestingConfig
from elections import create_app
from elections.extensions import db
from elections.operations.auditing import verify_database
from tests.conftest import ON_POSTGRES, require
from tests.test_audit_scenario import run_election

pytestmark = pytest.mark.postgres

GRANTS = Path(__file__).resolve().parent.parent / "docs" / "app-role.sql"
DOCUMENTED_ROLE = "elections_app"


@pytest.fixture
def as_app_role(app: Flask) -> Iterator[Flask]:
    """The app connected as a fresh role holding exactly the documented grants.

    Set up as the deployment guide says: an owner role (not a superuser) owns the database
    and its tables and is a member of the app's role; it runs the grants, twice, as it does
    after every upgrade.
    """
    require(ON_POSTGRES, "database roles are PostgreSQL's (set TEST_DATABASE_URL)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    role, owner = f"elections_app_{worker}", f"elections_owner_{worker}"
    grants = GRANTS.read_text(encoding="utf-8").replace(DOCUMENTED_ROLE, role)
    db.session.commit()
    with db.engine.begin() as admin:
        for stale in (role, owner):
            admin.exec_driver_sql(f"DROP ROLE IF EXISTS {stale}")
        admin.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        admin.exec_driver_sql(f"CREATE ROLE {owner}")
        admin.exec_driver_sql(f"GRANT {role} TO {owner}")
        admin.exec_driver_sql(f'ALTER DATABASE "{db.engine.url.database}" OWNER TO {owner}')
        for table in db.metadata.sorted_tables:
            admin.exec_driver_sql(f'ALTER TABLE "{table.name}" OWNER TO {owner}')
    with db.engine.begin() as admin:  # the database's new owner counts from the next one
        admin.exec_driver_sql(f"SET ROLE {owner}")
        admin.exec_driver_sql(grants)
        admin.exec_driver_sql(grants)  # after an upgrade: the owner still manages ballot
        admin.exec_driver_sql("RESET ROLE")
    url = make_url(db.engine.url).set(username=role, password=None)
    limited = create_app(
        TestingConfig, {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)}
    )
    try:
        with limited.app_context():
            yield limited
            db.session.remove()
            db.engine.dispose()
    finally:
        with db.engine.begin() as admin:
            for created in (role, owner):
                admin.exec_driver_sql(f"REASSIGN OWNED BY {created} TO CURRENT_USER")
                admin.exec_driver_sql(f"DROP OWNED BY {created}")
            admin.exec_driver_sql(f"DROP ROLE {role}")
            admin.exec_driver_sql(f"DROP ROLE {owner}")


def refused(statement: str) -> str:
    """Run a statement as the current role; the database's refusal, or fail if it ran."""
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    except DBAPIError as error:
        return str(error.orig)
    pytest.fail(f"the app's role could run: {statement}")


def test_a_whole_election_runs_and_verifies_under_the_documented_grants(as_app_role):
    election = run_election()  # opening, twelve votes, the seal (CLUSTER, VACUUM), publication
    assert election.phase == "published"
    report = verify_database()
    assert report.ok, [check for check in report.checks if check.failed]


@pytest.mark.parametrize(
    ("statement", "because"),
    [
        ("UPDATE audit_event SET actor = 'someone' WHERE seq = 1", "permission denied"),
        ("DELETE FROM audit_event", "permission denied"),
        ("TRUNCATE audit_event", "permission denied"),
        ("ALTER TABLE audit_event DISABLE TRIGGER ALL", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("CREATE TABLE planted (id integer)", "permission denied"),
    ],
    ids=["update", "delete", "truncate", "disable-triggers", "replica-mode", "create"],
)
def test_the_app_role_cannot_touch_the_audit_log(as_app_role, statement, because):
    assert because in refused(statement)
