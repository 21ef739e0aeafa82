"""Fixtures for the browser tests: Debian's Chromium, the empty school, live sites.

Every module here is marked ``browser``: test.sh runs them in the SQLite pass and leaves
them out of the PostgreSQL pass. Without Chromium or Playwright they skip on a laptop and
fail in CI (``REQUIRE_FULL_SUITE=1``), through ``require`` from ``tests/conftest.py``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from tests.conftest import require
from tests.e2e.school import PollingStation, seed_polling_station
from tests.e2e.site import (
    EmptySchool,
    LiveSite,
    browser_missing,
    build_empty_school,
    launch_chromium,
    new_site,
    running,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Without Playwright the browser modules cannot even be imported: leave them out, and let
# test_browser_available.py say so (a skip on a laptop, a failure in CI).
if importlib.util.find_spec("playwright") is None:
    collect_ignore_glob = ["test_[!b]*.py"]


@dataclass(frozen=True)
class SeededSite:
    """A running site and what was seeded into it."""

    site: LiveSite
    station: PollingStation

    @property
    def base_url(self) -> str:
        """Where the browser finds it."""
        return self.site.base_url


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium, one for the whole run; each person gets a context of it."""
    missing = browser_missing()
    require(missing is None, missing or "")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def empty_school(chromium, tmp_path_factory: pytest.TempPathFactory) -> EmptySchool:
    """A migrated database with the staff accounts, built once and copied for every site."""
    return build_empty_school(tmp_path_factory.mktemp("empty-school"))


def seeded_site(
    school: EmptySchool, factory: pytest.TempPathFactory, name: str, **settings: str
) -> Iterator[SeededSite]:
    """Seed a polling station into a new site and serve it until the block ends."""
    site = new_site(school, factory.mktemp(name), **settings)
    station = seed_polling_station(site.database_url, school.audit_key)
    with running(site, workers=1):  # one browser at a time: one process is plenty
        yield SeededSite(site, station)


@pytest.fixture(scope="session")
def polling_station(
    empty_school: EmptySchool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededSite]:
    """An ordinary site with an open and a published election (accessibility, keyboard)."""
    yield from seeded_site(empty_school, tmp_path_factory, "polling-station")


@pytest.fixture(scope="module")
def kiosk_station(
    empty_school: EmptySchool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeededSite]:
    """The same, served in kiosk mode, as on a computer-lab PC."""
    yield from seeded_site(empty_school, tmp_path_factory, "kiosk", KIOSK_MODE="1")
