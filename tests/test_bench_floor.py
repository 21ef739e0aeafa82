"""The load benchmark's floor admits a POST exactly as the cast does, and does nothing else.

``bench/load.py`` reports the floor beside the cast as what the stack costs before the
vote's own work; that figure only means this if the floor checks the same things.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from bench.floor_app import FLOOR_PATH, create_floor_app
from config import TestingConfig
from elections.extensions import db
from elections.models import AuditEvent
from tests.conftest import (
    STAFF_PASSWORD,
    IsolatedRequestClient,
    database_url,
    make_staff,
    make_student,
    post_form,
    reset_database,
    sign_in,
)


@pytest.fixture
def floor_app(tmp_path: Path) -> Iterator[Flask]:
    """The floor's app on an empty database."""
    app = create_floor_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url(tmp_path)})
    app.test_client_class = IsolatedRequestClient
    with app.app_context():
        reset_database()
        yield app
        db.session.remove()
        db.engine.dispose()


def audit_entries() -> int:
    """How many entries the audit log holds."""
    return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_a_signed_in_student_with_a_token_gets_the_casts_answer_and_nothing_is_written(
    floor_app: Flask,
) -> None:
    browser = floor_app.test_client()
    sign_in(browser, make_student(number="S100").username, "ABCD-EFGH")
    before = audit_entries()
    response = post_form(browser, FLOOR_PATH)
    assert response.status_code == 303
    assert response.headers["Location"] == "/vote/receipt"
    assert audit_entries() == before


def test_without_a_token_the_floor_refuses_as_the_cast_does(floor_app: Flask) -> None:
    browser = floor_app.test_client()
    sign_in(browser, make_student(number="S101").username, "ABCD-EFGH")
    assert browser.post(FLOOR_PATH).status_code == 400


def test_signed_out_visitors_and_staff_are_refused(floor_app: Flask) -> None:
    anonymous = floor_app.test_client()
    response = post_form(anonymous, FLOOR_PATH)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    staff = floor_app.test_client()
    sign_in(staff, make_staff().username, STAFF_PASSWORD)
    assert post_form(staff, FLOOR_PATH).status_code == 403
