"""Brute force on sign-in: limited per account and per address, never by a whole school's NAT.

Only failed attempts count (a sign-in that works is a redirect, and is not deducted), so a
school behind one address signs in all morning while a guesser is stopped. The client
address comes from ``X-Forwarded-For`` only when ``TRUSTED_PROXIES`` says a proxy sets it.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config import TestingConfig
from elections import create_app
from elections.extensions import db, limiter
from elections.models import AuditEvent
from tests.conftest import (
    IsolatedRequestClient,
    csrf_token,
    database_url,
    make_student,
    reset_database,
)

CODE = "ABCD-EFGH"
WRONG = "ZZZZ-ZZZZ"
ATTACKER = "10.0.0.66"
SCHOOL_NAT = "203.0.113.7"


def attempt(
    client: FlaskClient, username: str, secret: str, address: str = SCHOOL_NAT, **headers: str
):
    """One sign-in attempt from an address (as the socket sees it), with its own CSRF token."""
    environ = {"REMOTE_ADDR": address}
    token_page = client.get("/sign-in", environ_base=environ, headers=headers)
    token = token_page.text.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"')[0]
    return client.post(
        "/sign-in",
        data={"csrf_token": token, "username": username, "secret": secret},
        environ_base=environ,
        headers=headers,
    )


def failed_sign_ins() -> list[AuditEvent]:
    """Every audited failed sign-in, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sign-in-failed").order_by(AuditEvent.seq)
        )
    )


def test_the_limits_are_strict_per_account_and_generous_per_address(app):
    per_account = app.config["SIGNIN_LIMIT_PER_ACCOUNT"]
    per_address = app.config["SIGNIN_LIMIT_PER_ADDRESS"]
    assert per_account == "10 per 15 minutes"
    assert per_address == "600 per 15 minutes"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_guessing_one_account_trips_the_limit_but_not_for_classmates(app):
    victim = make_student(code=CODE)
    classmate = make_student(code=CODE)
    guesser = app.test_client()
    for _ in range(10):
        assert attempt(guesser, victim.username, WRONG).status_code == 200
    blocked = attempt(guesser, victim.username, CODE)  # even the right code, for now
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    assert int(blocked.headers["Retry-After"]) > 0
    # Case and spaces do not make a fresh account key.
    assert attempt(guesser, f"  {victim.username.lower()} ", WRONG).status_code == 429
    # A classmate on the same school address signs in at once.
    assert attempt(app.test_client(), classmate.username, CODE).status_code == 302
    assert len(failed_sign_ins()) == 10  # refused attempts reach no check and no log line


def test_a_whole_school_behind_one_address_signs_in(app):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    students = [make_student(code=CODE) for _ in range(20)]
    for student in students:
        browser = app.test_client()
        assert attempt(browser, student.username, CODE).status_code == 302
    # A few typos from the same address still leave room for everyone else.
    for student in students[:4]:
        assert attempt(app.test_client(), student.username, WRONG).status_code == 200
    assert attempt(app.test_client(), students[5].username, CODE).status_code == 302


def test_spraying_many_accounts_from_one_address_trips_the_address_limit(app):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    student = make_student(code=CODE)
    sprayer = app.test_client()
    for number in range(5):
        assert attempt(sprayer, f"9{number:04d}", WRONG, ATTACKER).status_code == 200
    assert attempt(sprayer, "90099", WRONG, ATTACKER).status_code == 429
    # Elsewhere the student still signs in.
    assert attempt(app.test_client(), student.username, CODE, SCHOOL_NAT).status_code == 302


def test_a_spoofed_forwarded_for_changes_nothing_without_a_trusted_proxy(app):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    assert app.config["TRUSTED_PROXIES"] == 0
    sprayer = app.test_client()
    for number in range(3):
        spoof = {"X-Forwarded-For": f"198.51.100.{number}"}
        assert attempt(sprayer, f"8{number:04d}", WRONG, ATTACKER, **spoof).status_code == 200
    spoof = {"X-Forwarded-For": "198.51.100.200", "X-Real-IP": "198.51.100.201"}
    assert attempt(sprayer, "80099", WRONG, ATTACKER, **spoof).status_code == 429
    assert {event.client_addr for event in failed_sign_ins()} == {ATTACKER}


@pytest.fixture
def proxied_app(tmp_path: Path):
    """The app as deployed behind one reverse proxy that sets X-Forwarded-For."""
    app = create_app(
        TestingConfig,
        {"SQLALCHEMY_DATABASE_URI": database_url(tmp_path), "TRUSTED_PROXIES": 1},
    )
    app.test_client_class = IsolatedRequestClient
    with app.app_context():
        reset_database()
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(proxied_app: Flask):
    proxied_app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "2 per 15 minutes"
    proxy = "127.0.0.1"
    browser = proxied_app.test_client()
    forged_then_real = {"X-Forwarded-For": "1.2.3.4, 192.0.2.10"}
    assert attempt(browser, "70001", WRONG, proxy, **forged_then_real).status_code == 200
    assert attempt(browser, "70002", WRONG, proxy, **forged_then_real).status_code == 200
    assert attempt(browser, "70003", WRONG, proxy, **forged_then_real).status_code == 429
    # The proxy appends the real client; a client's own prefix does not move its key.
    other = {"X-Forwarded-For": "192.0.2.11"}
    assert attempt(browser, "70004", WRONG, proxy, **other).status_code == 200
    addresses = [event.client_addr for event in failed_sign_ins()]
    assert addresses == ["192.0.2.10", "192.0.2.10", "192.0.2.11"]


def test_the_limit_window_ends(app, monkeypatch):
    """After the window the account may try again (the limiter's clock, moved on)."""
    app.config["SIGNIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    student = make_student(code=CODE)
    guesser = app.test_client()
    attempt(guesser, student.username, WRONG)
    attempt(guesser, student.username, WRONG)
    assert attempt(guesser, student.username, CODE).status_code == 429
    later = time.time() + timedelta(minutes=16).total_seconds()
    # The limiter's storage and strategy read the module-level clock: move it for everyone.
    monkeypatch.setattr(time, "time", lambda: later)
    assert attempt(app.test_client(), student.username, CODE).status_code == 302


def test_sign_in_page_views_are_not_limited(app, client):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "1 per 15 minutes"
    for _ in range(5):
        assert client.get("/sign-in").status_code == 200
    assert csrf_token(client)
