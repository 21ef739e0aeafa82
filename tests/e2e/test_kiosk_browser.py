"""Kiosk mode in a real browser: a computer-lab PC that one student after another votes at.

After casting, the session ends before the receipt is shown, the receipt is never stored,
and every page of the vote is marked ``Cache-Control: no-store``. So the next person at
the same browser finds the sign-in page, and the Back button brings back neither the
previous student's name, nor their ballot, nor their receipt.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error, Page, expect

from tests.e2e.people import ballot_position, new_person, sign_in
from tests.e2e.school import OPEN_TITLE, pupil

pytestmark = pytest.mark.browser

FIRST, NEXT = pupil("700121"), pupil("700122")


def vote(page: Page) -> list[str]:
    """Mark the kiosk ballot and cast it; return the tracking codes the receipt shows."""
    page.get_by_role("link", name="Vote now").click()
    ballot_position(page, "President").get_by_label("Сейітқызы Айгерім").check()
    ballot_position(page, "A new sports hall").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Review my ballot").click()
    with page.expect_response(re.compile(r"/cast$")) as cast:
        page.get_by_role("button", name="Cast my ballot").click()
    assert cast.value.headers["cache-control"] == "no-store"
    expect(page.get_by_role("heading", name="Your ballot has been cast")).to_be_visible()
    return page.locator(".receipt-code").all_inner_texts()


def back(page: Page) -> bool:
    """Press Back; True when Chromium asks to resend a form instead of showing a page.

    A page that answered a form (the review, the receipt) never comes back: Chromium can
    only offer to send the form again. A page reached by a link (the ballot, the home page)
    would come back from the browser's caches if it were not marked no-store; instead it is
    asked for again, and the server, its session over, answers with the sign-in page. A
    page restored from the back-forward cache fires no load event, so this waits for the
    navigation to commit and then for the page to show.
    """
    try:
        page.go_back(wait_until="commit")
    except Error as error:
        if "ERR_CACHE_MISS" not in error.message:
            raise
        expect(page.locator("body")).to_contain_text("Confirm Form Resubmission")
        return True
    if page.url != "about:blank":  # where the tab's history began
        expect(page.locator("body")).to_contain_text(re.compile(r"\S"))
    return False


def shows_nothing_of(page: Page, name: str, codes: list[str]) -> None:
    """The page, whatever it is, names nobody and shows no ballot and no receipt."""
    text = page.locator("body").inner_text()
    assert name not in text, f"{name} is still on {page.url}"
    assert not any(code in text for code in codes), f"a tracking code is still on {page.url}"
    expect(page.locator("form.ballot, form.review, .receipt-code")).to_have_count(0)


def test_the_next_student_finds_sign_in_and_no_trace_of_the_last(chromium, kiosk_station):
    page = new_person(chromium, kiosk_station.base_url)
    sign_in(page, FIRST.number, kiosk_station.station.code(FIRST.number))
    expect(page.locator(".who")).to_have_text(FIRST.name)
    expect(page.get_by_role("heading", name=OPEN_TITLE)).to_be_visible()
    codes = vote(page)
    assert len(codes) == 4, codes
    # The receipt is shown to a session that has already ended, and goes back by itself.
    expect(page.get_by_text("You have been signed out.")).to_be_visible()
    expect(page.locator(".who")).to_have_count(0)
    refresh = page.locator('meta[http-equiv="refresh"]').get_attribute("content") or ""
    assert refresh.endswith("url=/sign-in"), refresh

    page.get_by_role("link", name="Done").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    shows_nothing_of(page, FIRST.name, codes)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # Back, step by step: the receipt and the review are gone, the ballot and the home
    # page ask for a sign-in again, and the history ends at the first sign-in page.
    resent, pages = 0, []
    while len(pages) < 8:
        resent += back(page)
        if page.url == "about:blank":
            break
        pages.append(page.url)
        shows_nothing_of(page, FIRST.name, codes)
    assert resent == 2, pages
    assert any(url.endswith("/sign-in?next=/vote/") for url in pages), pages
    page.goto("/vote/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))

    sign_in(page, NEXT.number, kiosk_station.station.code(NEXT.number))
    expect(page.locator(".who")).to_have_text(NEXT.name)
    assert FIRST.name not in page.locator("body").inner_text()
    page.context.close()
