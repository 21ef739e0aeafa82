"""Sign-in limits: guessers are stopped, and no one's failures can keep a student out.

Only failed attempts count. Per address, beyond the limit, attempts are turned away before
any check; per account and address, beyond the allowance, failures are answered with a
request to slow down but the next attempt is still checked, so the right code always gets
in; per account, a ceiling that only many addresses together reach, which the committee
sees and lifts (``test_sign_in_locks.py``). The client address comes from
``X-Forwarded-For`` only when ``TRUSTED_PROXIES`` says a proxy sets it. The tests that
matter most run twice: with the counts in this process's memory and in a real Redis.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits import parse
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from config import TestingConfig
from elections import create_app
from elections.domain import codes
from elections.extensions import db
from elections.models import AuditEvent, User
from elections.operations import accounts
from elections.operations.sign_in import REACHED, Scope, account_key, address_key, count
from tests.conftest import (
    CSRF_PATTERN,
    IsolatedRequestClient,
    csrf_token,
    database_url,
    make_student,
    reset_database,
    running_app,
)
from tests.gunicorn_harness import free_port

CODE = "ABCD-EFGH"
CODE_ON_A_RUSSIAN_KEYBOARD = "АВСD-ЕFGН"  # А, В, С, Е, Н are Cyrillic
WRONG = "ZZZZ-ZZZZ"
LAB = "203.0.113.7"  # a school's computer lab, behind one NAT address
HOME = "198.51.100.23"  # the student's own phone, elsewhere
ATTACKER = "10.0.0.66"
FROM_LAB = {"REMOTE_ADDR": LAB}


def attempt(client: FlaskClient, username: str, secret: str, address: str = LAB, **headers: str):
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


def audited(action: str) -> list[AuditEvent]:
    """Every audit entry of one action, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )


def failed_sign_ins() -> list[AuditEvent]:
    """Every audited failed sign-in: each one was checked."""
    return audited("sign-in-failed")


@pytest.fixture(params=["memory", "redis"])
def limits_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The app with its sign-in counts in this process's memory, or in a real redis-server."""
    store = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    with running_app(tmp_path, RATELIMIT_STORAGE_URI=store) as app:
        yield app


def test_the_defaults_take_ten_addresses_to_lock_an_account(app):
    per_address = parse(app.config["SIGNIN_LIMIT_PER_ADDRESS"])
    per_pair = parse(app.config["SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"])
    ceiling = parse(app.config["SIGNIN_CEILING_PER_ACCOUNT"])
    assert (per_address.amount, per_pair.amount, ceiling.amount) == (600, 10, 100)
    assert per_address.get_expiry() == per_pair.get_expiry() == ceiling.get_expiry() == 15 * 60
    assert ceiling.amount // per_pair.amount == 10
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_fifty_wrong_codes_from_the_lab_lock_no_one_out(limits_app):
    student = make_student(code=CODE)
    guesser = limits_app.test_client()
    answers = [attempt(guesser, student.username, WRONG, LAB) for _ in range(50)]
    assert [answer.status_code for answer in answers] == [200] * 10 + [429] * 40
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 15 * 60
    assert "please slow down" in answers[-1].text
    assert "please slow down" not in answers[9].text
    assert len(failed_sign_ins()) == 50  # every attempt was checked: none turned away unread
    # One address adds only its allowance to the account's ceiling.
    assert count(Scope.account, account_key(student.username)).failures == 10
    # The student signs in from home, and from the very lab, each time in a fresh browser.
    assert attempt(limits_app.test_client(), student.username, CODE, HOME).status_code == 302
    lab = attempt(limits_app.test_client(), student.username, CODE_ON_A_RUSSIAN_KEYBOARD, LAB)
    assert lab.status_code == 302
    assert lab.headers["Location"] == "/vote/"


def test_a_guesser_at_an_unknown_number_is_treated_exactly_alike(app):
    student = make_student(number="700050", code=CODE)
    known = [attempt(app.test_client(), student.username, WRONG) for _ in range(12)]
    unknown = [attempt(app.test_client(), "700051", WRONG) for _ in range(12)]
    assert (
        [r.status_code for r in known] == [r.status_code for r in unknown] == [200] * 10 + [429] * 2
    )
    assert [r.headers.get("Retry-After") is None for r in known] == [
        r.headers.get("Retry-After") is None for r in unknown
    ]
    pages = [CSRF_PATTERN.sub("", r.text.split("<main", 1)[1]) for r in (known[-1], unknown[-1])]
    assert pages[0].replace("700050", "") == pages[1].replace("700051", "")


def test_spraying_numbers_from_one_address_is_turned_away_unchecked(limits_app, monkeypatch):
    limits_app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    student = make_student(code=CODE)
    checked = Counter()
    check = accounts.authenticate

    def counting(username: str, secret: str):
        checked["secrets"] += 1
        return check(username, secret)

    monkeypatch.setattr(accounts, "authenticate", counting)
    sprayer = limits_app.test_client()
    for number in range(5):
        assert attempt(sprayer, f"9{number:04d}", WRONG, ATTACKER).status_code == 200
    refused = attempt(sprayer, student.username, CODE, ATTACKER)  # even a right code, from there
    assert refused.status_code == 429
    assert "Too many sign-ins have failed from your network" in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert checked["secrets"] == 5  # the refused attempt cost no hashing
    assert len(failed_sign_ins()) == 5
    assert [entry.details["limit"] for entry in audited(REACHED)] == ["address"]
    assert attempt(limits_app.test_client(), student.username, CODE, LAB).status_code == 302


def test_the_ceiling_takes_several_addresses_and_is_audited(limits_app):
    limits_app.config["SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "3 per 15 minutes"
    limits_app.config["SIGNIN_CEILING_PER_ACCOUNT"] = "6 per 15 minutes"
    student = make_student(number="0700050", code=CODE)
    first = [attempt(limits_app.test_client(), "0700050", WRONG, "10.0.1.1") for _ in range(8)]
    assert [r.status_code for r in first] == [200] * 3 + [429] * 5
    assert attempt(limits_app.test_client(), student.username, CODE, HOME).status_code == 302
    for _ in range(3):
        assert attempt(limits_app.test_client(), "0700050", WRONG, "10.0.1.2").status_code == 200
    locked = attempt(limits_app.test_client(), student.username, CODE, HOME)
    assert locked.status_code == 429
    assert "The election committee can unlock it" in locked.text
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    reached = audited(REACHED)
    assert [entry.details for entry in reached] == [
        {"limit": "account", "key": account_key("0700050"), "name": "0700050"}
    ]
    assert reached[0].client_addr == "10.0.1.2"


def test_a_whole_school_signs_in_from_one_lab_address(app):
    """1,500 students through one NAT address in one break, one in ten mistyping first.

    Each POST is a fresh browser's; the CSRF check is off here only to halve the run time
    (it is checked in every other test, and the limits never read it).
    """
    app.config["WTF_CSRF_ENABLED"] = False
    roll = enrol_school(1500)
    answers: Counter[int] = Counter()
    for n, (number, code) in enumerate(roll):
        typed = [code[:-2] + code[-1] + code[-2], code] if n % 10 == 0 else [code]
        for secret in typed:  # a typo first: their own code, its last two characters swapped
            form = {"username": number, "secret": secret}
            answers[
                app.test_client().post("/sign-in", data=form, environ_base=FROM_LAB).status_code
            ] += 1
    assert answers == {302: 1500, 200: 150}
    assert count(Scope.address, address_key(LAB)).failures == 150
    assert len(audited("sign-in")) == 1500


def enrol_school(size: int) -> list[tuple[str, str]]:
    """Students with distinct codes (number, code), written at once; leading zeros kept.

    No code ends in a doubled character, so swapping its last two always makes a typo.
    """
    drawn: set[str] = set()
    while len(drawn) < size:
        code = codes.new_access_code()
        if code[-1] != code[-2]:
            drawn.add(code)
    roll = [(f"{n:06d}", code) for n, code in enumerate(sorted(drawn), start=1)]
    db.session.execute(
        insert(User),
        [
            {
                "username": number,
                "full_name": "Дәулет Серікұлы",
                "role": "student",
                "grade": 9,
                "class_name": "9Ә",
                "shanyrak": "Жетісу",
                "active": True,
                "session_version": 0,
                "access_code_hash": generate_password_hash(
                    codes.normalise_code(code), method="pbkdf2:sha256:1000"
                ),
            }
            for number, code in roll
        ],
    )
    db.session.commit()
    return roll


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("::ffff:192.0.2.10", "192.0.2.10"),
        ("2001:db8:5:0:1234:5678:9abc:def0", "2001:db8:5::/64"),
        ("2001:DB8:5::1", "2001:db8:5::/64"),
        ("not-an-address", "not-an-address"),
        (None, "unknown"),
    ],
)
def test_addresses_are_counted_by_ipv4_address_or_ipv6_64(address, counted_as):
    assert address_key(address) == counted_as


def test_one_ipv6_64_is_one_address(app):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for host in ("1", "2", "3"):
        assert attempt(app.test_client(), "90001", WRONG, f"2001:db8:5::{host}").status_code == 200
    assert attempt(app.test_client(), "90002", WRONG, "2001:db8:5::beef").status_code == 429
    assert attempt(app.test_client(), "90003", WRONG, "2001:db8:6::1").status_code == 200


@pytest.mark.parametrize("typed", ["s00777", "  S00777", "S00777 ", "\ts00777"])
def test_case_and_spaces_make_no_fresh_allowance(app, typed):
    app.config["SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "2 per 15 minutes"
    make_student(number="S00777", code=CODE)
    for _ in range(2):
        assert attempt(app.test_client(), "S00777", WRONG).status_code == 200
    assert attempt(app.test_client(), typed, WRONG).status_code == 429


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
def proxied_app(tmp_path: Path) -> Iterator[Flask]:
    """The app as deployed behind one reverse proxy that sets X-Forwarded-For."""
    with running_app(tmp_path, TRUSTED_PROXIES=1) as app:
        yield app


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


def test_the_limit_windows_end(app, monkeypatch):
    """After the window the address may try again (the limiter's clock, moved on)."""
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "2 per 15 minutes"
    student = make_student(code=CODE)
    attempt(app.test_client(), student.username, WRONG)
    attempt(app.test_client(), student.username, WRONG)
    assert attempt(app.test_client(), student.username, CODE).status_code == 429
    later = time.time() + timedelta(minutes=16).total_seconds()
    # The limiter's storage and strategy read the module-level clock: move it for everyone.
    monkeypatch.setattr(time, "time", lambda: later)
    assert attempt(app.test_client(), student.username, CODE).status_code == 302


def test_sign_in_page_views_are_not_limited(app, client):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "1 per 15 minutes"
    for _ in range(5):
        assert client.get("/sign-in").status_code == 200
    assert csrf_token(client)


def test_a_store_that_fails_leaves_sign_in_working_and_counting(tmp_path, caplog):
    """Redis gone mid-election: sign-in goes on, counting in each process's memory meanwhile."""
    nothing_listens = f"redis://127.0.0.1:{free_port()}/0"
    settings = {"SQLALCHEMY_DATABASE_URI": database_url(tmp_path)}
    app = create_app(TestingConfig, {**settings, "RATELIMIT_STORAGE_URI": nothing_listens})
    app.config["SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "2 per 15 minutes"
    app.test_client_class = IsolatedRequestClient
    caplog.set_level(logging.ERROR)
    with app.app_context():
        reset_database()
        student = make_student(code=CODE)
        answers = [attempt(app.test_client(), student.username, WRONG).status_code for _ in "abc"]
        assert answers == [200, 200, 429]
        assert attempt(app.test_client(), student.username, CODE).status_code == 302
        db.session.remove()
        db.engine.dispose()
    assert "the sign-in limits' store failed" in caplog.text
