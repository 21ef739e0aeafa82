"""A student votes with the keyboard alone: Tab and Shift+Tab, Space and Enter, arrow keys.

Nothing here clicks. The test only types a web address, presses keys, and reads where
the focus is, as a screen-reader or switch user's browser would report it. Every control
it lands on must show the focus ring.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.people import ballot_position, new_person
from tests.e2e.school import pupil

pytestmark = pytest.mark.browser

VOTER = pupil("700125")
MAX_TABS = 60


def has_focus(control: Locator) -> bool:
    """Whether the control holds the keyboard focus."""
    return control.evaluate("(element) => element === document.activeElement")


def tab_to(page: Page, control: Locator, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focus reaches the control; it must show a focus ring."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if has_focus(control):
            ring = control.evaluate("(element) => getComputedStyle(element).outlineStyle")
            assert ring != "none", f"no visible focus on {control}"
            return
    raise AssertionError(f"{key} never reached {control} ({MAX_TABS} presses)")


def test_a_student_votes_with_the_keyboard_alone(chromium, polling_station):
    page = new_person(chromium, polling_station.base_url)
    page.goto("/sign-in")
    tab_to(page, page.locator("#username"))
    page.keyboard.type(VOTER.number)
    page.keyboard.press("Tab")
    assert has_focus(page.locator("#secret"))
    page.keyboard.type(polling_station.station.code(VOTER.number))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My elections")).to_be_visible()

    tab_to(page, page.get_by_role("link", name="Vote now"))
    page.keyboard.press("Enter")
    expect(page.locator("form.ballot")).to_be_visible()

    # Single choice: Tab enters the radio group, Space chooses, arrows move the choice.
    president = ballot_position(page, "President")
    first, second = "Әбілқайыр Дана", "Қасымов Дәурен"
    tab_to(page, president.get_by_label(first, exact=True))
    page.keyboard.press("Space")
    expect(president.get_by_label(first, exact=True)).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(president.get_by_label(second, exact=True)).to_be_checked()
    expect(president.get_by_label(first, exact=True)).not_to_be_checked()

    # Several choices: Space ticks a box; once the seats are filled the other boxes stay
    # in the Tab order but do not tick, and the count says why.
    council = ballot_position(page, "Council")
    boxes = council.locator('input[type="checkbox"]')
    for index in range(3):
        tab_to(page, boxes.nth(index))
        page.keyboard.press("Space")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).to_be_checked()
    expect(boxes.nth(2)).not_to_be_checked()
    expect(boxes.nth(2)).to_have_attribute("aria-disabled", "true")
    expect(council.locator(".chosen-count")).to_have_text("Chosen: 2 of 2.")
    tab_to(page, boxes.nth(1), backwards=True)
    page.keyboard.press("Space")
    expect(boxes.nth(1)).not_to_be_checked()
    expect(council.locator(".chosen-count")).to_have_text("Chosen: 1 of 2.")

    # Ranked: arrow keys pick the rank in each candidate's select.
    ranked = ballot_position(page, "Vice president")
    for name, presses in (("Соколов Артём", 1), ("Лебедева Екатерина", 2)):
        tab_to(page, ranked.get_by_label(name))
        for _ in range(presses):
            page.keyboard.press("ArrowDown")
        expect(ranked.get_by_label(name)).to_have_value(str(presses))

    # Yes or no: the group's first stop is "Yes"; Space answers.
    answer = ballot_position(page, "A new sports hall").get_by_label("Yes", exact=True)
    tab_to(page, answer)
    page.keyboard.press("Space")
    expect(answer).to_be_checked()

    tab_to(page, page.get_by_role("button", name="Review my ballot"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your ballot")).to_be_visible()
    expect(page.locator("dd strong").first).to_have_text(second)
    expect(page.locator("ol.ranking li")).to_have_text(["Соколов Артём", "Лебедева Екатерина"])

    # One Tab too far, to "Change"; Shift+Tab comes back to "Cast my ballot".
    tab_to(page, page.get_by_role("button", name="Change"))
    tab_to(page, page.get_by_role("button", name="Cast my ballot"), backwards=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/vote/receipt$"))
    expect(page.locator(".receipt-code")).to_have_count(4)
    page.context.close()
