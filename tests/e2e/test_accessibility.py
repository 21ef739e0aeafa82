"""axe-core on the main pages of every role: no serious or critical violation anywhere.

The pages are audited as each role reaches them, in a context that bypasses the site's
CSP (axe is a script the site did not serve); the journeys themselves run under the real
policy. Minor and moderate findings are printed, not failed.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import Violation, audit, blocking
from tests.e2e.people import ballot_position, new_person, sign_in
from tests.e2e.school import OPEN_TITLE, PUBLISHED_TITLE
from tests.e2e.site import AUDITOR, COMMITTEE, STAFF_PASSWORD

pytestmark = pytest.mark.browser

STUDENT = "700126"
LOST_CARD = "700130"


class Auditor:
    """Audits pages one after another and reports every finding at the end."""

    def __init__(self, page: Page) -> None:
        """Audit what ``page`` shows."""
        self.page = page
        self.findings: dict[str, list[Violation]] = {}

    def check(self, name: str, heading: str) -> None:
        """Audit the page once it shows its main heading, under a name for the report."""
        expect(self.page.locator("h1").filter(has_text=heading)).to_be_visible()
        self.findings[name] = audit(self.page)

    def report(self) -> str:
        """Every finding, page by page."""
        lines = [
            f"{name} ({self.page.url if not found else len(found)}):\n"
            + "\n".join(f"  {v}" for v in found)
            for name, found in self.findings.items()
            if found
        ]
        return "\n".join(lines) or "no findings"

    def assert_clean(self) -> None:
        """No serious or critical violation on any page audited."""
        print(self.report())
        serious = {name: blocking(found) for name, found in self.findings.items()}
        assert not any(serious.values()), self.report()


@pytest.fixture
def axe_page(chromium, polling_station):
    """A desktop browser whose pages may run axe despite the CSP."""
    page = new_person(chromium, polling_station.base_url, bypass_csp=True)
    yield page
    page.context.close()


def test_public_pages(axe_page, polling_station):
    pages = Auditor(axe_page)
    published = polling_station.station.published_election
    axe_page.goto("/sign-in")
    pages.check("sign-in", "Sign in")
    axe_page.get_by_role("button", name="Қазақша").click()
    expect(axe_page.locator("html")).to_have_attribute("lang", "kk")
    pages.check("sign-in in Kazakh", "")
    axe_page.get_by_role("button", name="English").click()
    expect(axe_page.locator("html")).to_have_attribute("lang", "en")
    axe_page.goto(f"/results/{published}")
    pages.check("results", PUBLISHED_TITLE)
    axe_page.goto("/board/")
    pages.check("bulletin board index", "Bulletin board")
    axe_page.goto(f"/board/{published}")
    axe_page.get_by_label("Your tracking code").fill("AAAA-BBBB-CC")
    axe_page.get_by_role("button", name="Find my code").click()
    pages.check("bulletin board, code not found", PUBLISHED_TITLE)
    pages.assert_clean()


def test_student_pages(axe_page, polling_station):
    pages = Auditor(axe_page)
    sign_in(axe_page, STUDENT, polling_station.station.code(STUDENT))
    pages.check("student home", "My elections")
    axe_page.get_by_role("link", name="Vote now").click()
    pages.check("ballot", OPEN_TITLE)
    ballot_position(axe_page, "President").locator("input[type=radio]").first.check()
    axe_page.get_by_role("button", name="Review my ballot").click()
    pages.check("review", "Check your ballot")
    axe_page.get_by_role("button", name="Cast my ballot").click()
    pages.check("receipt", "Your ballot has been cast")
    axe_page.goto(f"/results/{polling_station.station.published_election}")
    pages.check("results, as a student", PUBLISHED_TITLE)
    pages.assert_clean()


def test_committee_pages(axe_page, polling_station):
    pages = Auditor(axe_page)
    election = polling_station.station.open_election
    sign_in(axe_page, COMMITTEE, STAFF_PASSWORD)
    pages.check("committee dashboard", "Elections")
    axe_page.goto(f"/committee/elections/{election}")
    pages.check("election page", OPEN_TITLE)
    axe_page.goto(f"/committee/elections/{election}/turnout")
    pages.check("turnout", "Turnout")
    axe_page.goto(f"/committee/elections/{election}/phase/closed")
    pages.check("close confirmation", "Close voting?")
    axe_page.goto("/committee/roll")
    pages.check("student roll", "Student roll")
    axe_page.get_by_label("Student number", exact=True).fill(LOST_CARD)
    axe_page.get_by_role("button", name="Replace code").click()
    pages.check("access cards", "Access cards")
    expect(axe_page.locator("article.access-card")).to_have_count(1)
    axe_page.goto("/committee/elections/new")
    pages.check("new election form", "New election")
    pages.assert_clean()


def test_auditor_pages(axe_page, polling_station):
    pages = Auditor(axe_page)
    sign_in(axe_page, AUDITOR, STAFF_PASSWORD)
    pages.check("audit log", "Audit log")
    axe_page.get_by_role("button", name="Verify now").click()
    pages.check("verification", "Verification")
    axe_page.goto(f"/results/{polling_station.station.published_election}")
    pages.check("results, as an auditor", PUBLISHED_TITLE)
    pages.assert_clean()
