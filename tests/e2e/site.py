"""A live site for the browser: a fresh SQLite database, staff accounts and gunicorn on loopback.

The first database of a run is built as an operator builds one: ``flask db upgrade``, then
``flask user create --password-stdin`` for a committee member and an auditor. Every site
starts from a copy of it (building costs seconds, copying nothing), and is served by the
performance engineer's ``GunicornServer`` (``tests/gunicorn_harness.py``) in production
settings. Chromium is Debian's (``/usr/bin/chromium``): no browser is ever downloaded.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.gunicorn_harness import ROOT, GunicornServer, migrate, server_environment

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
STAFF_PASSWORD = "correct horse battery staple"
COMMITTEE = "committee"
AUDITOR = "auditor"
STAFF = (
    (COMMITTEE, "committee", "Айгерім Сейітқызы"),
    (AUDITOR, "auditor", "Дмитрий Ковалев"),
)
"""(username, role, full name) of the staff every site starts with; all use STAFF_PASSWORD."""


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium and Playwright are present."""
    if not os.path.exists(CHROMIUM):
        return f"Debian's Chromium is not installed at {CHROMIUM}"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed"
    return None


def launch_chromium(playwright: Playwright) -> Browser:
    """Start headless Debian Chromium (never a downloaded build).

    Playwright switches the back-forward cache off by default; a student's browser has it
    on, and the kiosk test must show that Back brings nothing back even so.
    """
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=list(CHROMIUM_ARGS),
        ignore_default_args=["--disable-back-forward-cache"],
    )


@dataclass(frozen=True)
class EmptySchool:
    """A migrated database holding only the staff, and the audit key its chain is signed with."""

    database: Path
    audit_key: str

    def environment(self, database: Path, **settings: str) -> dict[str, str]:
        """The environment of every process of a site on ``database``: server and commands."""
        return server_environment(
            f"sqlite:///{database}", AUDIT_HMAC_KEY=self.audit_key, **settings
        )


def build_empty_school(directory: Path) -> EmptySchool:
    """Migrate a new database and create the staff with the CLI, as an operator would."""
    directory.mkdir(parents=True, exist_ok=True)
    school = EmptySchool(directory / "empty.db", secrets.token_hex(32))
    migrate(f"sqlite:///{school.database}")
    env = school.environment(school.database)
    # Each command starts the app (about two seconds); the accounts are made side by side.
    commands = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "flask", "--app", "wsgi", "user", "create", username),
                *("--role", role, "--name", name, "--password-stdin"),
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for username, role, name in STAFF
    ]
    for command in commands:
        output, _ = command.communicate(STAFF_PASSWORD + "\n", timeout=60)
        if command.returncode:
            raise RuntimeError(f"flask user create failed:\n{output}")
    return school


@dataclass
class LiveSite:
    """A running server, the database file behind it and the environment its processes share."""

    directory: Path
    database: Path
    env: dict[str, str]
    server: GunicornServer | None = None

    @property
    def database_url(self) -> str:
        """SQLAlchemy's address of the database file."""
        return f"sqlite:///{self.database}"

    @property
    def base_url(self) -> str:
        """Where the browser finds the site."""
        assert self.server is not None, "the site is not started"
        return f"http://127.0.0.1:{self.server.port}"

    def log_tail(self) -> str:
        """The end of the server's log, for failure messages."""
        return self.server.log_tail() if self.server else "(not started)"


def new_site(school: EmptySchool, directory: Path, **settings: str) -> LiveSite:
    """A site of its own on a copy of the empty school; ``settings`` such as ``KIOSK_MODE="1"``."""
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "elections.db"
    with (
        closing(sqlite3.connect(school.database)) as source,
        closing(sqlite3.connect(database)) as copy,
    ):
        source.backup(copy)
    return LiveSite(directory, database, school.environment(database, **settings))


@contextmanager
def running(site: LiveSite, workers: int = 2) -> Iterator[LiveSite]:
    """Serve the site with gunicorn on a free loopback port for the duration of the block."""
    site.server = GunicornServer(
        env=site.env, workers=workers, log_path=site.directory / "gunicorn.log"
    )
    with site.server:
        yield site
