"""Stored hostile text: script in names, manifestos and titles; formulas in every CSV download.

The payloads go in the way a person would put them in (the committee's forms and a roll
file), the election runs through voting, closing and publication, and every page that can
show them is read: each payload must appear only as text, and no page may carry live
script, an event handler or a ``javascript:`` link.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from elections.domain.csv_safe import FORMULA_TRIGGERS
from elections.extensions import db
from elections.models import Candidate, Election, Position
from elections.operations import lifecycle as phases
from elections.operations.audit_log import Actor
from tests.conftest import STAFF_PASSWORD, make_staff, make_student, post_form, sign_in
from tests.test_hostile_access import crawl_urls
from tests.test_hostile_factories import (
    XSS_MANIFESTO,
    XSS_NAME,
    XSS_PAYLOADS,
    escaped_everywhere,
    page_problems,
    submit,
)
from tests.test_voting import CODE, RECEIPT_CODE, carried_fields

SCRIPT_TITLE = '<script>alert("title")</script> Council'
SVG_POSITION = '"><svg onload=alert(1)> President'
SCRIPT_OPTION = '<script>alert("option")</script>'
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)")


@dataclass
class Staged:
    """An election whose every text field is hostile, and the people around it."""

    election_id: int
    position_id: int
    committee: object
    voter: object
    actor: Actor


def school_time(app: Flask, moment: datetime) -> str:
    """A moment as the committee's datetime-local field takes it."""
    zone = ZoneInfo(app.config["SCHOOL_TIMEZONE"])
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def roll_file(rows: list[list[str]]) -> bytes:
    """A roll CSV written by a spreadsheet, quoting whatever needs quoting."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_number", "full_name", "grade", "class", "shanyrak"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def staged(app, staff_client) -> Staged:
    """Hostile text entered through the committee's forms and the roll, then voting opened."""
    committee, staff = staff_client("committee")
    roll = roll_file([["1001", XSS_NAME, "10", "10A", "<b>Алтай</b>"]])
    response = submit(
        committee, "/committee/roll", {"file": (io.BytesIO(roll), "roll.csv", "text/csv")}
    )
    assert response.status_code == 302, response.text
    now = datetime.now(UTC)
    created = submit(
        committee,
        "/committee/elections/new",
        {
            "title": SCRIPT_TITLE,
            "description": XSS_MANIFESTO,
            "opens_at": school_time(app, now - timedelta(hours=1)),
            "closes_at": school_time(app, now + timedelta(days=1)),
        },
    )
    assert created.status_code == 302, created.text
    election = db.session.scalar(select(Election).where(Election.title == SCRIPT_TITLE))
    added = submit(
        committee,
        f"/committee/elections/{election.id}/positions/new",
        {"title": SVG_POSITION, "description": XSS_MANIFESTO},
    )
    assert added.status_code == 302, added.text
    position = db.session.scalar(select(Position).where(Position.election_id == election.id))
    for fields in (
        {"student_number": "1001", "name": "", "manifesto": XSS_MANIFESTO},
        {"student_number": "", "name": SCRIPT_OPTION, "manifesto": XSS_MANIFESTO},
    ):
        response = submit(committee, f"/committee/positions/{position.id}/candidates/new", fields)
        assert response.status_code == 302, response.text
    names = set(db.session.scalars(select(Candidate.name)))
    assert names == {XSS_NAME, SCRIPT_OPTION}
    make_student(number="2001", name="Voter", code=CODE)
    actor = Actor(staff.username, "committee", "127.0.0.1")
    phases.open_election(actor, election.id, datetime.now(UTC))
    voter = app.test_client()
    assert sign_in(voter, "2001", CODE).status_code == 302
    return Staged(election.id, position.id, committee, voter, actor)


def assert_inert(response, where: str) -> None:
    """The page shows hostile text as text: no live payload, nothing the CSP would block."""
    page = response.get_data(as_text=True)
    assert escaped_everywhere(page, (*XSS_PAYLOADS, XSS_NAME, SCRIPT_TITLE, SVG_POSITION)) == [], (
        where
    )
    assert page_problems(response) == [], where


def crawl(app: Flask, browser, elections: list[Election]) -> int:
    """Open every GET page about these elections; each must be inert. How many were pages."""
    pages = 0
    for url in crawl_urls(app, elections):
        response = browser.get(url)
        assert response.status_code < 500, url
        if response.mimetype == "text/html":
            assert_inert(response, url)
            pages += 1
    return pages


def test_hostile_text_is_inert_on_every_page_through_the_whole_election(app, staged):
    election = db.session.get(Election, staged.election_id)
    voter, committee = staged.voter, staged.committee

    ballot = voter.get(f"/vote/{election.id}")
    assert ballot.status_code == 200
    assert_inert(ballot, "ballot")
    assert "&lt;script&gt;alert(&#34;option&#34;)&lt;/script&gt;" in ballot.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in ballot.text
    option = db.session.scalar(select(Candidate).where(Candidate.name == SCRIPT_OPTION))
    reviewed = post_form(
        voter,
        f"/vote/{election.id}/review",
        {"position": str(staged.position_id), f"p{staged.position_id}": str(option.id)},
    )
    assert reviewed.status_code == 200
    assert_inert(reviewed, "review")
    assert "&lt;script&gt;alert(&#34;option&#34;)&lt;/script&gt;" in reviewed.text
    cast = voter.post(f"/vote/{election.id}/cast", data=carried_fields(reviewed.text))
    assert cast.status_code == 303
    receipt = voter.get("/vote/receipt")
    assert_inert(receipt, "receipt")
    assert RECEIPT_CODE.findall(receipt.text)
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in receipt.text

    for browser in (voter, committee, app.test_client()):
        assert crawl(app, browser, [election]) > 0
    edit = committee.get(f"/committee/candidates/{option.id}/edit")
    assert_inert(edit, "candidate edit")

    phases.close_election(staged.actor, election.id, datetime.now(UTC))
    closed = committee.get(f"/results/{election.id}")
    assert closed.status_code == 200
    assert_inert(closed, "results (closed)")
    phases.publish_election(staged.actor, election.id, datetime.now(UTC))
    db.session.expire_all()
    election = db.session.get(Election, staged.election_id)

    auditor = app.test_client()
    sign_in(auditor, make_staff("auditor").username, STAFF_PASSWORD)
    for browser in (voter, committee, auditor, app.test_client()):
        assert crawl(app, browser, [election]) > 0
    published = app.test_client().get(f"/results/{election.id}")
    assert "&lt;img src=x onerror=alert(1)&gt;" in published.text
    board = app.test_client().get(f"/board/{election.id}")
    assert board.status_code == 200
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in board.text
    protocol = post_form(app.test_client(), f"/results/{election.id}/protocol")
    assert protocol.status_code == 200
    assert_inert(protocol, "protocol")
    assert "&lt;script&gt;" in protocol.text
    roll = committee.get("/committee/roll")
    assert_inert(roll, "roll")
    assert "&lt;b&gt;Алтай&lt;/b&gt;" in roll.text
    audit = auditor.get("/audit/")
    assert_inert(audit, "audit log")


def test_a_manifesto_shows_markup_as_text_and_links_no_javascript(app, staged):
    response = staged.voter.get(f"/vote/{staged.election_id}")
    assert page_problems(response) == []  # no javascript: href, no handler, no inline script
    manifesto = response.text.split('class="manifesto"', 1)[1][:3000]
    assert "&lt;script&gt;alert(" in manifesto
    assert "&lt;a href=" in manifesto
    assert "[click me](javascript:alert(1))" in manifesto  # Markdown refused the link


def test_the_sign_in_form_reflects_no_markup(client):
    hostile = '"><script>alert(1)</script>'
    response = client.get("/sign-in", query_string={"u": hostile, "next": hostile})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert page_problems(response) == []


# CSV and formula injection.


def csv_cells(response) -> list[list[str]]:
    """A CSV download as a spreadsheet reads it."""
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_no_live_formula(rows: list[list[str]], where: str) -> None:
    """No cell starts as a formula would; a hostile one is kept as text behind a quote."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS), f"{where}: {cell!r}"


def test_every_csv_download_neutralises_formulas(app, staff_client):
    committee, staff = staff_client("committee")
    # Six students in a class and a shanyrak named like formulas: enough to be shown in turnout.
    roll = roll_file(
        [[f"30{i}", FORMULAS[i % len(FORMULAS)], "10", "=1+1", "@SUM(A1)"] for i in range(6)]
    )
    uploaded = submit(
        committee, "/committee/roll", {"file": (io.BytesIO(roll), "roll.csv", "text/csv")}
    )
    assert uploaded.status_code == 302
    now = datetime.now(UTC)
    election = Election(
        title="=cmd|' /C calc'!A0",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    db.session.add(election)
    db.session.flush()
    position = Position(election=election, title="@President", method="single", seats=1)
    db.session.add(position)
    for name in FORMULAS:
        db.session.add(Candidate(position=position, name=name))
    db.session.commit()
    actor = Actor(staff.username, "committee", "127.0.0.1")
    make_student(number="5001", code=CODE, class_name="=1+1", shanyrak="@SUM(A1)")
    phases.open_election(actor, election.id, now)
    browser = app.test_client()
    sign_in(browser, "5001", CODE)
    choice = db.session.scalars(select(Candidate.id).where(Candidate.name == FORMULAS[0])).first()
    post_form(
        browser,
        f"/vote/{election.id}/cast",
        {"position": str(position.id), f"p{position.id}": str(choice)},
    )
    phases.close_election(actor, election.id, datetime.now(UTC))
    phases.publish_election(actor, election.id, datetime.now(UTC))
    post_form(app.test_client(), "/sign-in", {"username": "=HYPERLINK(1)", "secret": "x"})

    public = app.test_client()
    downloads = {
        "results": post_form(
            public, f"/results/{election.id}/export", {"kind": "results", "format": "csv"}
        ),
        "turnout": post_form(
            public, f"/results/{election.id}/export", {"kind": "turnout", "format": "csv"}
        ),
        "ballots": post_form(
            committee,  # the ballots themselves are for the officials only
            f"/results/{election.id}/export",
            {"kind": "ballots", "format": "csv", "position": position.id},
        ),
        "audit": post_form(committee, "/audit/export", {"format": "csv"}),
    }
    for kind, response in downloads.items():
        assert response.status_code == 200, kind
        rows = csv_cells(response)
        assert_no_live_formula(rows, kind)
    results = [cell for row in csv_cells(downloads["results"]) for cell in row]
    assert "'" + FORMULAS[0] in results
    turnout = [cell for row in csv_cells(downloads["turnout"]) for cell in row]
    assert {"'=1+1", "'@SUM(A1)"} <= set(turnout)
    audit = [cell for row in csv_cells(downloads["audit"]) for cell in row]
    assert any(cell.startswith("{") and "=HYPERLINK(1)" in cell for cell in audit)
