"""A student reading the ballot is warned before the idle limit, and typing keeps them in.

Playwright's clock stands in for the page's time, so the twenty minutes pass at once; the
server's own idle clock is tested in tests/test_sessions.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.people import new_person, sign_in
from tests.e2e.school import pupil

pytestmark = pytest.mark.browser

READER = pupil("700127")
WARNING = "You will be signed out in a minute unless you carry on."


def test_an_idle_reader_is_warned_and_a_key_keeps_them_signed_in(chromium, polling_station):
    page = new_person(chromium, polling_station.base_url)
    page.clock.install()
    sign_in(page, READER.number, polling_station.station.code(READER.number))
    ballot = page.get_by_role("link", name="Vote now").get_attribute("href") or ""
    page.goto(ballot)  # waits for "load": the page's scripts run before the clock moves
    warning = page.locator("[data-idle-banner]")
    expect(warning).to_be_hidden()
    idle = int(page.locator("body").get_attribute("data-idle-seconds") or 0)
    assert idle > 60

    page.clock.run_for((idle - 70) * 1000)
    expect(warning).to_be_hidden()
    page.clock.run_for(15_000)  # now within the last minute
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(WARNING)

    with page.expect_request("**/session/alive") as asked:
        page.keyboard.press("Tab")
    assert asked.value.response().status == 200
    expect(warning).to_be_hidden()
    page.context.close()
