"""Signing in and out: access codes for students, passwords for staff, and what never leaks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elections.extensions import db
from elections.models import AuditEvent, User
from tests.conftest import (
    CSRF_PATTERN,
    STAFF_PASSWORD,
    make_staff,
    make_student,
    post_form,
    sign_in,
)

FAILED = "That sign-in did not work"


def last_action() -> str:
    """The newest audit entry's action."""
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc())).first()


def main_part(page: str) -> str:
    """The page's main content, without the per-session CSRF tokens."""
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return CSRF_PATTERN.sub("", main)


def test_student_signs_in_with_number_and_code(app, client):
    student = make_student(number="1001", code="ABCD-EFGH")
    response = sign_in(client, "1001", "ABCD-EFGH")
    assert response.status_code == 302
    assert response.headers["Location"] == "/vote/"
    assert client.get("/vote/").status_code == 200
    assert last_action() == "sign-in"
    assert db.session.get(User, student.id).username == "1001"


@pytest.mark.parametrize("typed", ["abcd-efgh", "ABCDEFGH", " abcd efgh ", "AbCd–EfGh"])
def test_code_typing_is_forgiven(app, client, typed):
    make_student(number="1001", code="ABCD-EFGH")
    assert sign_in(client, "1001", typed).status_code == 302


def test_wrong_code_and_unknown_student_look_the_same(app, client):
    make_student(number="1001", code="ABCD-EFGH")
    wrong = sign_in(client, "1001", "ABCD-EFGX").get_data(as_text=True)
    unknown = sign_in(client, "9999", "ABCD-EFGH").get_data(as_text=True)
    assert FAILED in wrong
    assert FAILED in unknown
    assert main_part(wrong).replace("1001", "") == main_part(unknown).replace("9999", "")
    assert last_action() == "sign-in-failed"


def test_staff_sign_in_good_and_bad_password(app, client):
    staff = make_staff("auditor", username="auditor1")
    assert FAILED in sign_in(client, "auditor1", "wrong password").get_data(as_text=True)
    response = sign_in(client, "auditor1", STAFF_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/audit/"
    assert staff.role == "auditor"


def test_inactive_accounts_cannot_sign_in(app, client):
    make_staff("committee", username="gone", active=False)
    make_student(number="1002", code="ABCD-EFGH", active=False)
    assert FAILED in sign_in(client, "gone", STAFF_PASSWORD).get_data(as_text=True)
    assert FAILED in sign_in(client, "1002", "ABCD-EFGH").get_data(as_text=True)


def test_student_without_code_cannot_sign_in(app, client):
    make_student(number="1003", code=None)
    assert FAILED in sign_in(client, "1003", "ABCD-EFGH").get_data(as_text=True)


def test_sign_out_ends_the_session_everywhere(app, client):
    make_student(number="1001", code="ABCD-EFGH")
    sign_in(client, "1001", "ABCD-EFGH")
    cookie = client.get_cookie("session").value
    assert "Sign out" in client.get("/vote/").get_data(as_text=True)
    response = post_form(client, "/sign-out")
    assert response.status_code == 302
    assert client.get("/vote/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/vote/").status_code == 302  # the old cookie no longer opens anything


def test_replaced_code_ends_sessions_and_old_code(app, staff_client, client):
    student = make_student(number="1001", code="ABCD-EFGH")
    sign_in(client, "1001", "ABCD-EFGH")
    assert client.get("/vote/").status_code == 200
    committee, _user = staff_client("committee")
    cards = post_form(committee, "/committee/access-codes/replace", {"student_number": "1001"})
    page = cards.get_data(as_text=True)
    assert cards.status_code == 200
    assert "Access cards" in page
    assert client.get("/vote/").status_code == 302
    fresh = app.test_client()
    assert FAILED in sign_in(fresh, "1001", "ABCD-EFGH").get_data(as_text=True)
    db.session.refresh(student)
    assert student.access_code_hash
    assert "ABCD" not in student.access_code_hash
    assert last_action() == "sign-in-failed"


def test_a_field_names_its_errors_so_they_are_read_with_it(app, client):
    page = post_form(client, "/sign-in", {"username": "", "secret": "x"}).get_data(as_text=True)
    assert 'aria-describedby="username-errors"' in page
    assert 'aria-invalid="true"' in page
    assert page.count('id="username-errors" role="alert"') == 1
