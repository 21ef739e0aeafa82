"""Every route declares who may open it, and each role reaches only its own pages."""

from __future__ import annotations

import pytest

from elections.web.access import ACCESS_ATTRIBUTE
from tests.conftest import make_student, sign_in

STAFF_PAGES = ["/committee/", "/committee/roll"]
AUDIT_PAGES = ["/audit/"]


def test_every_route_declares_an_access_rule(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, ACCESS_ATTRIBUTE, None):
            undeclared.append(f"{rule.rule} -> {rule.endpoint}")
    assert undeclared == [], "routes without an access rule: " + ", ".join(undeclared)


def test_no_route_changes_state_on_get(app):
    """Routes that accept POST are never also GET-only actions; GET views only read."""
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"HEAD", "OPTIONS"}
        assert methods <= {"GET", "POST"}, rule


@pytest.mark.parametrize("page", STAFF_PAGES + AUDIT_PAGES + ["/vote/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("page", STAFF_PAGES + AUDIT_PAGES)
def test_students_never_reach_staff_pages(app, client, page):
    make_student(number="1001", code="ABCD-EFGH")
    sign_in(client, "1001", "ABCD-EFGH")
    assert client.get(page).status_code == 403


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_auditors_cannot_run_the_election(app, staff_client, page):
    browser, _user = staff_client("auditor")
    assert browser.get(page).status_code == 403


@pytest.mark.parametrize("role", ["committee", "auditor", "admin"])
def test_staff_cannot_open_the_student_ballot_pages(app, staff_client, role):
    browser, _user = staff_client(role)
    assert browser.get("/vote/").status_code == 403


def test_health_endpoint(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
