"""The lock files keep up with pyproject.toml: every dependency pinned, hashed, allowed.

The install (scripts/venv.sh) and the audit (scripts/audit-dependencies) read
requirements-dev.lock, a deployment requirements.lock; a dependency added to
pyproject.toml without re-locking would be installed by none of them, a lock that drifted
below a declared minimum would install what the project says it cannot run on, and a
deployment lock that differed from the tested one would run versions nobody tested.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DEV_LOCK, DEPLOY_LOCK = "requirements-dev.lock", "requirements.lock"
BOOTSTRAP_LOCK = "requirements-bootstrap.lock"
EXTRAS = {DEV_LOCK: ("test", "redis"), DEPLOY_LOCK: ("redis",)}  # as scripts/lock-dependencies
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[a-z0-9,_-]+\])?==([^\s\\;]+)")


def declared(lock: str) -> list[Requirement]:
    """The project's dependencies and those of the extras a lock file resolves."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    lines = project["dependencies"] + [r for extra in EXTRAS[lock] for r in extras[extra]]
    return [Requirement(line) for line in lines]


def locked(lock: str) -> dict[str, tuple[str, list[str]]]:
    """Each package of a lock file: its pinned version and the hashes recorded for its files."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match[1])
            assert current not in pins, f"{current} is pinned twice"
            pins[current] = (match[2], [])
        elif current and (digest := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            pins[current][1].append(digest[1])
    return pins


@pytest.mark.parametrize(
    ("lock", "requirement"),
    [(lock, requirement) for lock in EXTRAS for requirement in declared(lock)],
    ids=lambda value: str(value),
)
def test_every_declared_dependency_is_pinned_within_its_range(
    lock: str, requirement: Requirement
) -> None:
    pins = locked(lock)
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{name} is not in {lock}: run scripts/lock-dependencies"
    version, _hashes = pins[name]
    assert requirement.specifier.contains(version, prereleases=True), (
        f"{name}=={version} is outside {requirement.specifier}: run scripts/lock-dependencies"
    )


@pytest.mark.parametrize("lock", [*EXTRAS, BOOTSTRAP_LOCK])
def test_every_locked_package_carries_hashes(lock: str) -> None:
    pins = locked(lock)
    if lock in EXTRAS:
        assert len(pins) > len(declared(lock))  # the transitive dependencies are locked too
    unhashed = sorted(name for name, (_version, hashes) in pins.items() if not hashes)
    assert unhashed == []


def test_a_deployment_installs_the_versions_the_tests_ran_on() -> None:
    deployed, tested = locked(DEPLOY_LOCK), locked(DEV_LOCK)
    assert {name: pin[0] for name, pin in deployed.items()} == {
        name: tested[name][0] for name in deployed
    }
    assert "pytest" not in deployed  # the test tools stay out of production


def test_the_installer_that_installs_the_locks_is_locked_too() -> None:
    bootstrap = locked(BOOTSTRAP_LOCK)
    assert {"pip", "setuptools", "wheel"} <= set(bootstrap)
    tested = locked(DEV_LOCK)
    assert {name: tested[name][0] for name in bootstrap if name in tested} == {
        name: bootstrap[name][0] for name in bootstrap if name in tested
    }


def test_extras_stay_in_the_pins() -> None:
    """A pip older than 23.3 resolves an extra'd dependency without its own pin to the newest
    release, which the hash check then refuses: so the lock keeps `name[extra]==version`."""
    text = (ROOT / DEV_LOCK).read_text(encoding="utf-8")
    assert re.search(r"^psycopg\[binary\]==", text, re.MULTILINE)
