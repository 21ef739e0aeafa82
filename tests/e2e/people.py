"""A person at a browser, and what everyone there does: sign in, read messages, find a position."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
"""How long an action or an assertion waits for the page: generous, for a busy 2-core CI."""

expect.set_options(timeout=TIMEOUT_MS)


def new_person(browser: Browser, base_url: str, *, phone: bool = False, **options: Any) -> Page:
    """A page in a browser context of its own (cookies, cache and history of its own).

    A desktop by default; ``phone=True`` for a phone held upright (390 x 844, touch).
    """
    screen: dict[str, Any] = (
        {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
        if phone
        else {"viewport": DESKTOP, "device_scale_factor": 1}
    )
    context = browser.new_context(
        base_url=base_url, locale="en-GB", accept_downloads=True, **{**screen, **options}
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def sign_in(page: Page, username: str, secret: str) -> None:
    """Sign in through the form, whatever the page's language."""
    if "/sign-in" not in page.url:
        page.goto("/sign-in")
    page.locator("#username").fill(username)
    page.locator("#secret").fill(secret)
    page.locator("main form[action$='/sign-in'] button[type=submit]").click()
    expect(page.locator("#secret")).to_have_count(0)


def expect_flash(page: Page, text: str) -> None:
    """Wait for the next page to say, in its success message, what was done."""
    expect(page.locator(".flash-success").filter(has_text=text)).to_have_count(1)


def ballot_position(page: Page, title: str) -> Locator:
    """One position's fieldset on the ballot, found by its legend."""
    return page.locator("fieldset.position").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )
