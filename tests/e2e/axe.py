"""Run axe-core (vendored in ``vendor/``) on a page and read out what it finds.

The site's Content-Security-Policy allows no script it did not serve, so pages are
audited in a browser context made with ``bypass_csp=True``: that context is for the
audits only, never for the journeys, which must work under the real policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = frozenset({"serious", "critical"})
"""Impacts that fail a test; minor and moderate findings are only reported."""


@dataclass(frozen=True)
class Violation:
    """One rule broken on one page, with the elements that break it."""

    rule: str
    impact: str
    summary: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        """One line per violation, naming the first few elements."""
        shown = ", ".join(self.targets[:4]) + (" …" if len(self.targets) > 4 else "")
        return f"[{self.impact}] {self.rule}: {self.summary} ({shown})"


def audit(page: Page) -> list[Violation]:
    """Every axe violation on the page as it is now (WCAG 2.x A/AA and best practices)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                rule: v.id,
                impact: v.impact || "minor",
                summary: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
            }));
        }"""
    )
    return [
        Violation(item["rule"], item["impact"], item["summary"], tuple(item["targets"]))
        for item in found
    ]


def blocking(violations: list[Violation]) -> list[Violation]:
    """The serious and critical violations: the ones a test does not let through."""
    return [v for v in violations if v.impact in BLOCKING]
