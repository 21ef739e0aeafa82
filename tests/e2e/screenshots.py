"""Regenerate the README's screenshots by playing the browser journeys with a camera.

    python -m tests.e2e.screenshots [--out docs/screenshots]

(or ``scripts/screenshots``). It builds a fresh site exactly as ``test_journeys.py``
does, plays the four chapters of ``tests/e2e/story.py`` in Debian's Chromium, and saves
the pictures the story takes along the way: sign-in, the access cards, the ballot on a
phone, the turnout dashboard, the results, and the audit verification (passed and failed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.e2e.site import browser_missing, build_empty_school, launch_chromium, new_site, running
from tests.e2e.story import Camera, Story
from tests.gunicorn_harness import ROOT

OUT = ROOT / "docs" / "screenshots"
LARGEST_BYTES = 300 * 1024


def take(out: Path) -> list[Path]:
    """Play the whole story on a fresh site and return the screenshots it saved."""
    from playwright.sync_api import sync_playwright

    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="screenshots-") as scratch:
        work = Path(scratch)
        site = new_site(build_empty_school(work / "empty"), work / "site")
        with sync_playwright() as playwright, running(site):
            browser = launch_chromium(playwright)
            story = Story(browser, site, work, camera=Camera(out))
            try:
                story.play(max(story.chapters))
            finally:
                story.close()
                browser.close()
    return sorted(out.glob("*.png"))


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots and list them with their sizes; warn about any too large."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default {OUT})")
    args = parser.parse_args(argv)
    missing = browser_missing()
    if missing:
        print(f"cannot take screenshots: {missing}", file=sys.stderr)
        return 1
    too_large = 0
    for path in take(args.out):
        size = path.stat().st_size
        too_large += size > LARGEST_BYTES
        flag = "  (over 300 KB: use a smaller viewport)" if size > LARGEST_BYTES else ""
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{shown}  {size // 1024} KB{flag}")
    return 1 if too_large else 0


if __name__ == "__main__":
    sys.exit(main())
