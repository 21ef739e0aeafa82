"""Sessions: renewed at sign-in, ended on the server, bounded in time, and never redirected away.

The session lives in a signed cookie, so "ending it on the server" means the account's
session version moves on: every copy of an older cookie stops opening anything. The idle
and absolute limits are read from the server's clock, never from the cookie's expiry.
"""

from __future__ import annotations

import io
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from elections.extensions import db
from elections.models import User
from tests.conftest import (
    STAFF_PASSWORD,
    csrf_token,
    make_staff,
    make_student,
    post_form,
    sign_in,
)

CODE = "ABCD-EFGH"
SESSION = "session"


def cookie(client: FlaskClient) -> str | None:
    """The browser's session cookie, if it holds one."""
    found = client.get_cookie(SESSION)
    return found.value if found else None


def browser_with(app: Flask, value: str) -> FlaskClient:
    """A fresh browser holding the given session cookie (stolen, planted or replayed)."""
    other = app.test_client()
    other.set_cookie(SESSION, value)
    return other


def signed_cookie(app: Flask, data: dict) -> str:
    """A session cookie signed with the app's own key, holding exactly ``data``."""
    return app.session_interface.get_signing_serializer(app).dumps(data)  # type: ignore[attr-defined]


def signed_out(response) -> bool:
    """Whether the response sends the visitor to sign in."""
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.fixture
def student(app) -> User:
    """A student with an access code."""
    return make_student(number="1001", code=CODE)


# Fixation, replay and tampering.


def test_a_cookie_planted_before_sign_in_is_not_the_one_after(app, student):
    attacker = app.test_client()
    attacker.get("/sign-in")
    planted = cookie(attacker)
    assert planted
    victim = browser_with(app, planted)
    assert sign_in(victim, "1001", CODE).status_code == 302
    assert cookie(victim) != planted
    assert signed_out(attacker.get("/vote/"))  # the attacker's copy opens nothing
    assert signed_out(browser_with(app, planted).get("/vote/"))
    assert victim.get("/vote/").status_code == 200


def test_sign_in_keeps_nothing_planted_in_the_session_but_the_language(app, student):
    planted = signed_cookie(app, {"lang": "kk", "vote_receipt": {"codes": [["X", "FAKE"]]}})
    victim = browser_with(app, planted)
    sign_in(victim, "1001", CODE)
    session = app.session_interface.get_signing_serializer(app).loads(cookie(victim))  # type: ignore[attr-defined]
    assert "vote_receipt" not in session
    assert session["lang"] == "kk"
    assert "FAKE" not in victim.get("/vote/receipt", follow_redirects=True).text


@pytest.mark.parametrize("role", ["student", "committee"])
def test_a_cookie_replayed_after_sign_out_opens_nothing(app, student, staff_client, role):
    if role == "student":
        browser = app.test_client()
        sign_in(browser, "1001", CODE)
        home = "/vote/"
    else:
        browser, _user = staff_client("committee")
        home = "/committee/"
    token = csrf_token(browser, home)
    stolen = cookie(browser)
    assert post_form(browser, "/sign-out").status_code == 302
    replay = browser_with(app, stolen)  # type: ignore[arg-type]
    assert signed_out(replay.get(home))
    # Nor can the replayed cookie post a form with the token it carried.
    response = replay.post("/committee/elections/new", data={"csrf_token": token, "title": "x"})
    assert signed_out(response)


def test_signing_out_ends_every_session_of_the_account(app, student):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, "1001", CODE)
    sign_in(laptop, "1001", CODE)
    post_form(phone, "/sign-out")
    assert signed_out(laptop.get("/vote/"))


def test_a_deactivated_student_loses_their_session(app, student, staff_client):
    browser = app.test_client()
    sign_in(browser, "1001", CODE)
    committee, _user = staff_client("committee")
    roll = b"student_number,full_name,grade,class,shanyrak\n2002,Other Student,10,10A,Altai\n"
    response = post_form(
        committee,
        "/committee/roll",
        {"file": (io.BytesIO(roll), "roll.csv"), "deactivate_missing": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert signed_out(browser.get("/vote/"))


def changed_signature(value: str) -> str:
    """The cookie with its signature's first character changed.

    Not the last one: in base64 the last character of a signature also carries unused
    bits, and changing only those leaves the signature valid (a flaky test, once).
    """
    head, signature = value.rsplit(".", 1)
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(changed_signature, id="signature-changed"),
        pytest.param(lambda v: "x" + v, id="payload-changed"),
        pytest.param(lambda v: v.split(".")[0], id="signature-removed"),
        pytest.param(lambda v: "garbage", id="garbage"),
    ],
)
def test_a_tampered_cookie_is_a_signed_out_visitor_not_an_error(app, student, tamper):
    browser = app.test_client()
    sign_in(browser, "1001", CODE)
    forged = browser_with(app, tamper(cookie(browser)))
    assert signed_out(forged.get("/vote/"))


def test_a_cookie_signed_with_another_key_is_refused(app, student):
    admin = make_staff("admin")
    other_key = Flask("elsewhere")
    other_key.secret_key = "dev-only-not-secret"  # the development fallback
    forged = signed_cookie(other_key, {"_user_id": f"{admin.id}:0", "_born": 2**40})
    assert signed_out(browser_with(app, forged).get("/committee/"))


def test_a_well_signed_cookie_with_an_old_session_version_is_refused(app, student):
    student.session_version = 3
    db.session.commit()
    for version in ("2", "0", "4", "3x", "²", "-1"):
        stale = signed_cookie(app, {"_user_id": f"{student.id}:{version}", "_born": 2**40})
        assert signed_out(browser_with(app, stale).get("/vote/")), version


def test_there_is_no_remember_me(app, student):
    browser = app.test_client()
    response = post_form(browser, "/sign-in", {"username": "1001", "secret": CODE, "remember": "y"})
    assert response.status_code == 302
    assert browser.get_cookie("remember_token") is None
    assert "remember_token" not in str(response.headers.getlist("Set-Cookie"))
    assert app.config["REMEMBER_COOKIE_DURATION"].total_seconds() == 0


# Idle timeout and absolute lifetime, on the server's clock.


class Clock:
    """A settable stand-in for ``time.time`` in the session code."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        """Let time pass."""
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze the session clock at a known instant."""
    fake = Clock(1_900_000_000.0)
    # Only the session code's clock: the rest of the app keeps the real time.
    monkeypatch.setattr("elections.web.security.time", SimpleNamespace(time=fake))
    return fake


def test_an_idle_session_ends_and_says_so(app, student, clock):
    browser = app.test_client()
    sign_in(browser, "1001", CODE)
    clock.advance(app.config["SESSION_IDLE_MINUTES"] - 1)
    assert browser.get("/vote/").status_code == 200
    clock.advance(app.config["SESSION_IDLE_MINUTES"] + 1)
    response = browser.get("/vote/")
    assert signed_out(response)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"next": ["/vote/"], "expired": ["1"]}
    page = browser.get(response.headers["Location"]).text
    assert "Your session ended. Please sign in again." in page
    clock.advance(1)
    assert signed_out(browser.get("/vote/"))  # and it stays ended


def test_a_page_whose_reader_is_busy_keeps_the_session_alive(app, student, clock):
    browser = app.test_client()
    sign_in(browser, "1001", CODE)
    page = browser.get("/vote/").text
    idle = app.config["SESSION_IDLE_MINUTES"]
    assert f'data-idle-seconds="{idle * 60}" data-alive-url="/session/alive"' in page
    assert "js/session.js" in page
    for _ in range(3):  # reading one page for three idle limits, typing now and then
        clock.advance(idle - 1)
        alive = browser.get("/session/alive")
        assert (alive.status_code, alive.text) == (200, "ok")
        assert alive.headers["Cache-Control"] == "no-store"
    clock.advance(idle + 1)  # then nobody touches it
    assert signed_out(browser.get("/session/alive"))


def test_signed_out_pages_carry_no_idle_clock(client):
    page = client.get("/sign-in").text
    assert "data-idle-seconds" not in page
    assert "js/session.js" not in page


def test_activity_does_not_stretch_a_session_past_its_absolute_lifetime(app, student, clock):
    browser = app.test_client()
    sign_in(browser, "1001", CODE)
    step = app.config["SESSION_IDLE_MINUTES"] - 1
    lifetime = app.config["SESSION_MAX_HOURS"] * 60
    elapsed = 0.0
    while elapsed + step < lifetime:
        clock.advance(step)
        elapsed += step
        assert browser.get("/vote/").status_code == 200, elapsed
    clock.advance(step + 1)
    assert signed_out(browser.get("/vote/"))


def test_a_form_posted_after_the_session_expired_changes_nothing(app, clock, staff_client):
    browser, _user = staff_client("committee")
    token = csrf_token(browser, "/committee/")
    clock.advance(app.config["SESSION_IDLE_MINUTES"] + 1)
    response = browser.post(
        "/committee/elections/new",
        data={"csrf_token": token, "title": "Late", "opens_at": "2031-01-01T09:00"},
    )
    assert signed_out(response)
    assert "expired=1" in response.headers["Location"]


# Open redirects through ?next=.

HOSTILE_NEXT = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/vote/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "%2F%2Fevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "\t//evil.example",
    "///evil.example",
    "https:evil.example",
    "//evil.example@localhost",
]


def stays_here(location: str) -> bool:
    """A redirect that a browser resolves to this site (browsers drop tabs and newlines)."""
    cleaned = "".join(ch for ch in location if ch not in "\t\r\n")
    parts = urlsplit(cleaned)
    return (
        not parts.scheme
        and not parts.netloc
        and cleaned.startswith("/")
        and not cleaned.startswith("//")
        and "\\" not in cleaned
    )


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_never_sends_anyone_to_another_site(app, student, target):
    browser = app.test_client()
    page = browser.get("/sign-in", query_string={"next": target})
    assert page.status_code == 200
    token = csrf_token(browser)
    hidden = page.text.split('name="next"', 1)[1].split(">", 1)[0]
    response = browser.post(
        "/sign-in",
        data={"csrf_token": token, "username": "1001", "secret": CODE, "next": target},
    )
    assert response.status_code == 302
    assert stays_here(response.headers["Location"]), hidden
    assert "evil.example" not in urlsplit(response.headers["Location"]).netloc
    if not target.startswith("/%"):  # "/%2F..." is a path on this site, and harmless
        assert response.headers["Location"] == "/vote/"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_the_language_switcher_never_sends_anyone_to_another_site(client, target):
    response = post_form(client, "/language", {"language": "ru", "next": target})
    assert response.status_code == 302
    assert stays_here(response.headers["Location"])
    if not target.startswith("/%"):
        assert response.headers["Location"] == "/"


def test_a_local_next_page_is_honoured(app, student):
    browser = app.test_client()
    response = post_form(
        browser, "/sign-in", {"username": "1001", "secret": CODE, "next": "/board/?x=1"}
    )
    assert response.headers["Location"] == "/board/?x=1"


def test_staff_sign_in_follows_a_local_next_page(app):
    make_staff("auditor", username="auditor1")
    browser = app.test_client()
    response = post_form(
        browser,
        "/sign-in",
        {"username": "auditor1", "secret": STAFF_PASSWORD, "next": "/audit/?action=sign-in"},
    )
    assert response.headers["Location"] == "/audit/?action=sign-in"
