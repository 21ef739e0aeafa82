"""Every role against every other role's pages, and a crawl proving GET never changes state.

The crawl opens every GET route of the URL map, with every election, position and candidate
of a school in every phase, as every role. After each role's crawl the row counts of every
table (the audit log included) are what they were, no page is a server error, and every
HTML page carries the security headers and keeps to the CSP and the CSRF rule.
"""

from __future__ import annotations

import io
import itertools
import logging
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from PIL import Image

from elections.extensions import db
from elections.files.photos import clean_photo
from elections.models import Candidate, Election, Observer
from tests.conftest import (
    STAFF_PASSWORD,
    enrol,
    make_election,
    make_position,
    make_staff,
    post_form,
    sign_in,
)
from tests.test_hostile_factories import page_problems, row_counts
from tests.test_results_factories import Poll, open_poll, poll_with
from tests.test_security_headers import assert_locked_down
from tests.test_voting import RECEIPT_CODE, answers, signed_in_student

# "observer": a student on the running poll's roll whom candidates of the running and the
# closed election named as their observer.
ROLES = ("anonymous", "student", "observer", "committee", "auditor", "admin")
ANSWERED = frozenset({200, 302, 400, 403, 404, 405, 409})
PHASE_NAMES = ("nomination", "campaign", "open", "closed", "appeals", "published", "bogus")


@dataclass
class School:
    """Elections in every phase that matters, with ballots where voting has happened."""

    draft: Election
    campaign: Election
    running: Poll
    closed: Poll
    published: Poll

    @property
    def elections(self) -> list[Election]:
        """Every election of the school."""
        return [
            self.draft,
            self.campaign,
            self.running.election,
            self.closed.election,
            self.published.election,
        ]


def with_photo(candidate: Candidate) -> None:
    """Give a candidate a real, cleaned photo."""
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (20, 90, 160)).save(out, "PNG")
    photo = clean_photo(out.getvalue(), max_bytes=10**6, max_pixels=10**6)
    candidate.photo, candidate.photo_type = photo.data, photo.media_type
    candidate.photo_digest = photo.digest
    db.session.commit()


@pytest.fixture
def school(app) -> School:
    """A school mid-year: a draft, a campaign, a poll running, one closed, one published."""
    draft = make_election(title="Draft", opens_in=timedelta(days=20))
    make_position(draft)
    campaign = make_election(title="Campaign", phase="campaign", opens_in=timedelta(days=3))
    make_position(campaign)
    running = open_poll(
        {"President": {}, "Council": {"method": "ranked", "seats": 2}}, voters=3, title="Open"
    )
    running.cast([["Әли"], ["Дана"]], "President")
    closed = poll_with([["Әли"], ["Дана"], ["Әли"]], phase="closed")
    published = poll_with([["Дана"], ["Дана"], ["Әли"]], phase="published")
    with_photo(published.position().candidates[0])
    with_photo(draft.positions[0].candidates[0])
    return School(draft, campaign, running, closed, published)


def browser_for(app: Flask, role: str, school: School) -> FlaskClient:
    """A browser signed in as ``role`` (a student on the running poll's roll), or signed out."""
    browser = app.test_client()
    if role in ("student", "observer"):
        browser, student = signed_in_student(app, db.session.get(Election, school.running.id))
        if role == "observer":
            for poll in (school.running, school.closed):
                candidate = poll.position().candidates[0]
                db.session.add(
                    Observer(election_id=poll.id, candidate_id=candidate.id, user_id=student.id)
                )
            db.session.commit()
    elif role != "anonymous":
        staff = make_staff(role)
        assert sign_in(browser, staff.username, STAFF_PASSWORD).status_code == 302
    return browser


def crawl_urls(app: Flask, elections: list[Election]) -> list[str]:
    """Every GET route, filled with every election, position and candidate it can name."""
    positions = {e.id: [p.id for p in e.positions][:2] for e in elections}
    candidates = {e.id: [c.id for p in e.positions for c in p.candidates][:2] for e in elections}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        names = sorted(rule.arguments)
        choices: list[list[dict[str, object]]] = [[{}]]
        if "election_id" in names:
            choices = [[{"election_id": e.id} for e in elections]]
        for name in names:
            if name == "election_id":
                continue
            per_election = {"position_id": positions, "candidate_id": candidates}.get(name)
            if per_election is not None and "election_id" in names:
                choices = [
                    [{**c, name: v} for c in choice for v in per_election[c["election_id"]]]  # type: ignore[index]
                    for choice in choices
                ]
            elif per_election is not None:
                every = [v for values in per_election.values() for v in values]
                choices = [[{**c, name: v} for c in choice for v in every] for choice in choices]
            elif name == "name":
                choices = [
                    [{**c, name: v} for c in choice for v in PHASE_NAMES] for choice in choices
                ]
            else:
                choices = [[{**c, name: 1} for c in choice] for choice in choices]
        for values in itertools.chain.from_iterable(choices):
            with app.test_request_context():
                urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls))


@pytest.mark.parametrize("role", ROLES)
def test_no_get_changes_anything_and_every_page_is_locked_down(app, school, role):
    browser = browser_for(app, role, school)
    urls = crawl_urls(app, school.elections)
    assert len(urls) > 40
    before = row_counts()
    failures = []
    for url in urls:
        response = browser.get(url)
        if response.status_code not in ANSWERED:
            failures.append(f"{url}: {response.status_code}")
            continue
        assert_locked_down(response)
        if role != "anonymous" and response.mimetype != "image/webp":
            assert response.headers.get("Cache-Control") == "no-store", url
        if response.mimetype == "text/html":
            failures.extend(f"{url}: {problem}" for problem in page_problems(response))
    assert failures == []
    assert row_counts() == before, "a GET request wrote to the database"


# Every role opening the others' pages.


def expectations(school: School) -> dict[str, dict[str, int]]:
    """What each role gets for each page: the exact status."""
    running, closed, published = school.running, school.closed, school.published
    closed_position = closed.position().id
    staff_pages = [
        "/committee/",
        "/committee/roll",
        "/committee/elections/new",
        f"/committee/elections/{running.id}",
        f"/committee/elections/{school.draft.id}/edit",
        f"/committee/elections/{school.draft.id}/positions/new",
        f"/committee/positions/{school.draft.positions[0].id}/edit",
        f"/committee/candidates/{school.draft.positions[0].candidates[0].id}/edit",
        f"/committee/elections/{running.id}/phase/closed",
    ]
    return {
        "anonymous": {
            **dict.fromkeys(staff_pages, 302),
            "/audit/": 302,
            f"/committee/elections/{running.id}/turnout": 302,
            "/vote/": 302,
            "/vote/receipt": 302,
            f"/vote/{running.id}": 302,
            f"/results/{running.id}": 404,
            f"/results/{closed.id}": 404,
            f"/results/{closed.id}/positions/{closed_position}": 404,
            f"/results/{published.id}": 200,
            f"/board/{closed.id}": 404,
            f"/board/{published.id}": 200,
        },
        "student": {
            **dict.fromkeys(staff_pages, 403),
            "/audit/": 403,
            f"/audit/elections/{closed.id}": 403,
            f"/committee/elections/{running.id}/turnout": 403,
            f"/committee/elections/{running.id}/turnout.json": 403,
            f"/results/{running.id}": 403,
            f"/results/{closed.id}": 403,
            f"/results/{closed.id}/positions/{closed_position}": 403,
            f"/results/{published.id}": 200,
            f"/vote/{running.id}": 200,
        },
        "observer": {
            **dict.fromkeys(staff_pages, 403),
            "/audit/": 403,
            f"/audit/elections/{running.id}": 403,
            f"/audit/elections/{closed.id}": 200,
            f"/audit/elections/{published.id}": 403,
            f"/committee/elections/{running.id}/turnout": 200,
            f"/committee/elections/{running.id}/turnout.json": 200,
            f"/committee/elections/{closed.id}/turnout": 200,
            f"/committee/elections/{published.id}/turnout": 403,
            f"/results/{running.id}": 403,
            f"/results/{closed.id}": 200,
            f"/results/{closed.id}/positions/{closed_position}": 200,
            f"/results/{published.id}": 200,
            f"/vote/{running.id}": 200,
        },
        "auditor": {
            **dict.fromkeys(staff_pages, 403),
            "/audit/": 200,
            f"/committee/elections/{running.id}/turnout": 200,
            f"/results/{running.id}": 403,
            f"/results/{closed.id}": 200,
            "/vote/": 403,
            f"/vote/{running.id}": 403,
        },
        "committee": {
            **dict.fromkeys(staff_pages, 200),
            "/audit/": 200,
            f"/results/{running.id}": 403,
            f"/results/{closed.id}": 200,
            "/vote/": 403,
            f"/vote/{running.id}": 403,
            "/vote/receipt": 403,
        },
        "admin": {
            **dict.fromkeys(staff_pages, 200),
            f"/results/{running.id}": 403,
            f"/results/{closed.id}": 200,
            "/vote/": 403,
        },
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_own_pages(app, school, role):
    browser = browser_for(app, role, school)
    wrong = []
    for url, status in expectations(school)[role].items():
        response = browser.get(url)
        if response.status_code != status:
            wrong.append(f"{url}: {response.status_code}, expected {status}")
        if status == 302:
            assert response.headers["Location"].startswith("/sign-in"), url
    assert wrong == []


def state_changing_posts(school: School) -> list[str]:
    """Committee and audit actions, each of which must refuse anyone but its roles."""
    running, closed = school.running, school.closed
    position = closed.position().id
    draft_position = school.draft.positions[0]
    candidate = draft_position.candidates[0].id
    return [
        "/committee/elections/new",
        f"/committee/elections/{school.draft.id}/edit",
        f"/committee/elections/{school.draft.id}/delete",
        f"/committee/elections/{running.id}/phase/closed",
        f"/committee/elections/{school.campaign.id}/schedule/confirm",
        f"/committee/elections/{school.draft.id}/positions/new",
        f"/committee/elections/{school.draft.id}/positions/per-shanyrak",
        f"/committee/positions/{draft_position.id}/edit",
        f"/committee/positions/{draft_position.id}/delete",
        f"/committee/positions/{draft_position.id}/candidates/new",
        f"/committee/candidates/{candidate}/edit",
        f"/committee/candidates/{candidate}/review",
        f"/committee/candidates/{candidate}/delete",
        f"/committee/candidates/{candidate}/photo/delete",
        "/committee/complaints/1/answer",
        "/committee/access-codes",
        "/committee/access-codes/replace",
        "/committee/roll",
        "/committee/sign-in-limits/lift",
        f"/results/{closed.id}/positions/{position}/lot",
        f"/results/{closed.id}/positions/{position}/lot/draw",
        f"/results/{closed.id}/positions/{position}/runoff",
    ]


# Anyone may ask for these; each decides what the reader may have (tested with the results).
OPEN_POSTS = {"results.export", "results.protocol"}


def test_every_committee_action_is_in_the_list_above(app, school):
    routes = app.url_map.bind("localhost")
    listed = {routes.match(url, method="POST")[0] for url in state_changing_posts(school)}
    actions = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
        and rule.rule.startswith(("/committee/", "/results/"))
        and rule.endpoint not in OPEN_POSTS
    }
    assert actions - listed == set()


@pytest.mark.parametrize("role", ["anonymous", "student", "observer", "auditor"])
def test_committee_actions_refuse_every_other_role(app, school, role):
    browser = browser_for(app, role, school)
    before = row_counts()
    for url in state_changing_posts(school):
        response = post_form(browser, url, {"title": "x", "confirm": "y", "student_number": "1"})
        expected = 302 if role == "anonymous" else 403
        assert response.status_code == expected, url
    assert row_counts() == before


@pytest.mark.parametrize("role", ["anonymous", "student", "observer"])
def test_the_audit_workspace_refuses_students_and_visitors(app, school, role):
    browser = browser_for(app, role, school)
    before = row_counts()
    for url in ("/audit/export", "/audit/verify", "/audit/bundle"):
        response = post_form(browser, url, {"format": "csv"})
        assert response.status_code == (302 if role == "anonymous" else 403), url
    assert row_counts() == before


@pytest.mark.parametrize("role", ROLES)
def test_no_count_leaves_before_closing_by_any_download(app, school, role):
    browser = browser_for(app, role, school)
    before = row_counts()
    for kind in ("results", "turnout", "ballots"):
        data = {"kind": kind, "format": "csv", "position": school.running.position().id}
        response = post_form(browser, f"/results/{school.running.id}/export", data)
        assert response.status_code in (403, 404), kind
        assert "text/csv" not in response.content_type
    assert post_form(browser, f"/results/{school.running.id}/protocol").status_code in (403, 404)
    assert row_counts() == before


def test_no_student_sees_another_students_receipt(app, school):
    running = db.session.get(Election, school.running.id)
    voter, _student = signed_in_student(app, running)
    nosy, _other = signed_in_student(app, running)
    council = next(p for p in running.positions if p.title == "Council")
    cast = post_form(voter, f"/vote/{running.id}/cast", answers((council, ["Дана", "Әли"])))
    assert cast.status_code == 303
    stolen = nosy.get("/vote/receipt")
    assert stolen.status_code == 302
    assert stolen.headers["Location"] == "/vote/"
    assert RECEIPT_CODE.findall(nosy.get("/vote/", follow_redirects=True).text) == []
    codes = RECEIPT_CODE.findall(voter.get("/vote/receipt").text)
    assert len(codes) == 1
    voter.get("/vote/")
    assert voter.get("/vote/receipt").status_code == 302  # gone once the voter moved on
    # Nor does any receipt address exist to guess: the receipt has no id at all.
    assert nosy.get(f"/vote/receipt/{codes[0]}").status_code == 404


def test_a_student_on_one_roll_cannot_vote_in_another_election(app, school):
    elsewhere = make_election(title="Another school", phase="open")
    position = make_position(elsewhere)
    browser, student = signed_in_student(app, db.session.get(Election, school.running.id))
    assert browser.get(f"/vote/{elsewhere.id}").status_code == 403
    before = row_counts()
    response = post_form(browser, f"/vote/{elsewhere.id}/cast", answers((position, "Дана")))
    assert response.status_code == 403
    after = row_counts()
    assert after["ballot"] == before["ballot"]
    assert after["participation"] == before["participation"]
    enrol(elsewhere, student)
    assert browser.get(f"/vote/{elsewhere.id}").status_code == 200


def test_a_refused_page_is_noted_in_the_application_log(app, school, caplog):
    browser = browser_for(app, "student", school)
    caplog.set_level(logging.WARNING, logger="elections.errors")
    assert browser.get("/audit/%0d%0aINFO%20forged").status_code == 404
    assert browser.get("/committee/roll").status_code == 403
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    assert "'/committee/roll'" in line
    assert "(student)" in line
    assert "\n" not in line
