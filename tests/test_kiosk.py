"""Kiosk mode: on a shared computer, casting ends the session before the receipt is shown."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from elections.extensions import db
from elections.models import AuditEvent, Election, User
from tests.conftest import make_student, sign_in
from tests.test_voting import (
    CODE,
    RECEIPT_CODE,
    answers,
    assert_ballot_box_consistent,
    carried_fields,
    council_election,
    positions_of,
    review,
    signed_in_student,
)


@pytest.fixture
def kiosk(app):
    """The app as installed on the computer-lab PCs."""
    app.config["KIOSK_MODE"] = True
    return app


@pytest.fixture
def election(kiosk) -> Election:
    """An open election with a President and a yes/no question."""
    return council_election()


def cast_at_kiosk(browser, election):
    """Vote through the pages; the cast's own response is the receipt."""
    president, budget = positions_of(election)
    checked = review(browser, election, answers((president, "Дана"), (budget, "yes")))
    return browser.post(f"/vote/{election.id}/cast", data=carried_fields(checked.text))


def test_the_receipt_comes_with_the_cast_and_the_session_is_over(kiosk, election):
    browser, student = signed_in_student(kiosk, election)
    cookie_before = browser.get_cookie("session").value

    shown = cast_at_kiosk(browser, election)

    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    codes = RECEIPT_CODE.findall(shown.text)
    assert len(codes) == 2
    assert '<meta http-equiv="refresh" content="120;url=/sign-in">' in shown.text
    assert "language-switcher" not in shown.text  # a switch would lose the only showing
    assert "You have been signed out" in shown.text
    assert student.full_name not in shown.text
    assert "Sign out" not in shown.text

    assert browser.get("/vote/").status_code == 302
    assert browser.get("/vote/receipt").status_code == 302
    replay = kiosk.test_client()
    replay.set_cookie("session", cookie_before)
    assert replay.get("/vote/").status_code == 302  # the old cookie opens nothing
    assert replay.get(f"/vote/{election.id}").status_code == 302
    assert_ballot_box_consistent(codes)


def test_nothing_of_the_voter_is_left_in_the_browser(kiosk, election):
    browser, _student = signed_in_student(kiosk, election)
    shown = cast_at_kiosk(browser, election)
    codes = RECEIPT_CODE.findall(shown.text)
    serializer = kiosk.session_interface.get_signing_serializer(kiosk)
    cookie = browser.get_cookie("session")
    left = serializer.loads(cookie.value) if cookie else {}
    assert not {"_user_id", "vote_receipt", "_born", "_seen"} & set(left)
    assert not any(code in str(left) for code in codes)

    nxt = make_student(code=CODE)
    assert sign_in(browser, nxt.username, CODE).status_code == 302
    page = browser.get("/vote/").text
    assert nxt.full_name in page
    assert not RECEIPT_CODE.findall(page)
    assert browser.get("/vote/receipt").status_code == 302
    assert_ballot_box_consistent(codes)


def test_the_session_ends_everywhere_and_is_audited(kiosk, election):
    browser, student = signed_in_student(kiosk, election)
    version = db.session.get(User, student.id).session_version
    cast_at_kiosk(browser, election)
    db.session.expire_all()
    assert db.session.get(User, student.id).session_version == version + 1
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions[-2:] == ["voted", "sign-out"]


def test_the_receipt_stays_in_the_voters_language(kiosk, election):
    browser, student = signed_in_student(kiosk, election)
    db.session.get(User, student.id).locale = "kk"
    db.session.commit()
    shown = cast_at_kiosk(browser, election)
    assert '<html lang="kk">' in shown.text


def test_going_back_and_casting_again_at_the_kiosk_finds_no_session(kiosk, election):
    browser, _student = signed_in_student(kiosk, election)
    president, budget = positions_of(election)
    checked = review(browser, election, answers((president, "Дана"), (budget, "yes")))
    carried = carried_fields(checked.text)
    codes = RECEIPT_CODE.findall(browser.post(f"/vote/{election.id}/cast", data=carried).text)
    replay = browser.post(f"/vote/{election.id}/cast", data=carried)
    assert replay.status_code == 400  # the session ended, and the form's token with it
    assert not RECEIPT_CODE.findall(replay.text)
    assert browser.get("/vote/").status_code == 302
    assert_ballot_box_consistent(codes)


def test_outside_kiosk_mode_the_student_stays_signed_in(app):
    election = council_election()
    browser, _student = signed_in_student(app, election)
    response = cast_at_kiosk(browser, election)
    assert response.status_code == 303
    assert browser.get("/vote/").status_code == 200


def test_a_session_left_at_the_kiosk_ends_after_a_short_idle(kiosk, election, monkeypatch):
    browser, _student = signed_in_student(kiosk, election)
    seen = time.time()
    idle = kiosk.config["KIOSK_IDLE_MINUTES"] * 60
    assert idle < kiosk.config["SESSION_IDLE_MINUTES"] * 60
    monkeypatch.setattr(
        "elections.web.security.time", SimpleNamespace(time=lambda: seen + idle - 30)
    )
    assert browser.get("/vote/").status_code == 200
    monkeypatch.setattr(
        "elections.web.security.time", SimpleNamespace(time=lambda: seen + 2 * idle)
    )
    assert browser.get("/vote/").status_code == 302


def test_the_kiosk_sign_in_asks_the_browser_to_remember_nothing(kiosk, client):
    page = client.get("/sign-in").text
    fields = re.findall(r"<input[^>]*>", page)
    typed = [f for f in fields if 'name="username"' in f or 'name="secret"' in f]
    assert len(typed) == 2
    assert all('autocomplete="off"' in f for f in typed)
