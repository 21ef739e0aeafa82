"""The browser tests can run here: Debian's Chromium and Playwright are both installed.

This module imports neither, so it still runs (and says what is missing) where the
other browser modules are left out for want of Playwright.
"""

import pytest

from tests.conftest import require
from tests.e2e.site import CHROMIUM, browser_missing

pytestmark = pytest.mark.browser


def test_chromium_and_playwright_are_installed():
    missing = browser_missing()
    require(missing is None, f"{missing}; the browser tests need {CHROMIUM} and playwright")
