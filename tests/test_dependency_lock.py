"""requirements.lock keeps up with pyproject.toml: every dependency pinned, hashed, allowed.

The install (scripts/venv.sh) and the audit (scripts/audit-dependencies) both read the
lock, so a dependency added to pyproject.toml without re-locking would be installed by
neither, and a lock that drifted below a declared minimum would install what the project
says it cannot run on.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKED = ("test", "redis")  # the extras scripts/lock-dependencies resolves
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)")


def declared() -> list[Requirement]:
    """The project's dependencies and those of the locked extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    lines = project["dependencies"] + [r for extra in LOCKED for r in extras[extra]]
    return [Requirement(line) for line in lines]


def locked() -> dict[str, tuple[str, list[str]]]:
    """Each locked package: its pinned version and the hashes recorded for its files."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match[1])
            assert current not in pins, f"{current} is pinned twice"
            pins[current] = (match[2], [])
        elif current and (digest := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            pins[current][1].append(digest[1])
    return pins


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_every_declared_dependency_is_pinned_within_its_range(requirement: Requirement) -> None:
    pins = locked()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{name} is not in requirements.lock: run scripts/lock-dependencies"
    version, _hashes = pins[name]
    assert requirement.specifier.contains(version, prereleases=True), (
        f"{name}=={version} is outside {requirement.specifier}: run scripts/lock-dependencies"
    )


def test_every_locked_package_carries_hashes() -> None:
    pins = locked()
    assert len(pins) > len(declared())  # the transitive dependencies are locked too
    unhashed = sorted(name for name, (_version, hashes) in pins.items() if not hashes)
    assert unhashed == []
