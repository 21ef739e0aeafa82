"""The layout holds: each folder of ``elections`` is one kind of thing, and imports point down.

Layers, lowest first (a package may import its own modules and those it lists):

    domain, bundle, files      pure: the standard library and domain (files: format libraries)
    extensions, models, i18n   the database's shape; the reader's language
    queries                    read models
    operations                 one function per user action (may read through queries)
    web, errors                what every request shares: access rules, security, error pages
    auth, vote, committee, ... one blueprint per audience, never importing another
    cli, app                   commands and the factory

The same rules run over every module of the package here, so a wrong import fails the suite.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "elections"
ROOT_MODULES = {"__init__", "app", "extensions", "errors", "verify"}
BLUEPRINTS = {"auth", "vote", "committee", "audit", "results", "campaign"}
PURE = {"domain", "bundle"}
FOUNDATION = {"domain", "bundle", "files", "extensions", "models", "i18n"}
MAY_IMPORT: dict[str, set[str]] = {
    "domain": set(),
    "bundle": {"domain"},
    "files": {"domain"},
    "extensions": set(),
    "models": {"domain", "extensions"},
    "i18n": {"domain", "files"},
    "queries": FOUNDATION,
    "operations": FOUNDATION | {"queries"},
    "errors": FOUNDATION,
    "web": FOUNDATION | {"queries", "operations", "errors"},
    **{name: FOUNDATION | {"queries", "operations", "errors", "web"} for name in BLUEPRINTS},
    "cli": FOUNDATION | {"queries", "operations", "errors", "web"},
    "app": FOUNDATION | BLUEPRINTS | {"queries", "operations", "errors", "web", "cli"},
    "verify": {"bundle"},
    "__init__": {"app"},
}
# Outside the pure packages, only these parts may use the web framework and the database.
NO_FRAMEWORK = {"files": ("flask", "flask_", "werkzeug", "sqlalchemy")}


def part_of(path: Path) -> str:
    """The top-level part of the package a module belongs to ("domain", "app", "vote", ...)."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every module a source imports, anywhere in it (functions and TYPE_CHECKING included)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "elections":
                found += [(node.lineno, f"elections.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def violations(path: Path, source: str) -> list[str]:
    """The imports of one module that break the layering, each as ``file:line: reason``."""
    part = part_of(path)
    allowed = MAY_IMPORT[part] | {part}
    problems = []
    for line, module in imported_modules(source):
        where = f"{path.relative_to(ROOT)}:{line}"
        top = module.split(".")[0]
        if top == "elections":
            target = module.split(".")[1] if "." in module else "__init__"
            if target not in allowed:
                problems.append(f"{where}: {part} may not import {module}")
        elif part in PURE and top not in sys.stdlib_module_names and top != "__future__":
            problems.append(f"{where}: {part} is pure, but imports {module}")
        elif module.startswith(NO_FRAMEWORK.get(part, ())):
            problems.append(f"{where}: {part} may not use {module}")
    return problems


def modules() -> list[Path]:
    """Every Python module of the package."""
    return sorted(PACKAGE.rglob("*.py"))


def test_every_import_points_down():
    found = [problem for path in modules() for problem in violations(path, path.read_text())]
    assert found == []


def test_the_package_root_holds_only_the_factory_and_its_neighbours():
    assert {path.stem for path in PACKAGE.glob("*.py")} == ROOT_MODULES
    assert {path.parent.name for path in PACKAGE.glob("*/__init__.py")} == set(MAY_IMPORT) - (
        ROOT_MODULES
    )


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("domain/counting/extra.py", "from flask import current_app"),
        ("domain/extra.py", "import sqlalchemy"),
        ("domain/extra.py", "from elections.models import Ballot"),
        ("bundle/extra.py", "from elections.extensions import db"),
        ("files/extra.py", "from flask import request"),
        ("operations/extra.py", "from elections.vote.views import bp"),
        ("queries/extra.py", "from elections.operations import voting"),
        ("models/extra.py", "def f():\n    from elections.queries import tally"),
        ("vote/extra.py", "from elections.committee import views"),
        ("verify.py", "from elections import create_app"),
    ],
)
def test_a_wrong_import_is_caught(module, source):
    assert len(violations(PACKAGE / module, source)) == 1


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("domain/extra.py", "from fractions import Fraction\nfrom elections.domain import ballot"),
        ("bundle/extra.py", "from elections.domain.audit_chain import AuditEntry"),
        ("operations/extra.py", "from elections.queries.tally import count_position"),
        ("vote/extra.py", "from elections.vote.ballot_form import FormValues"),
    ],
)
def test_a_right_import_passes(module, source):
    assert violations(PACKAGE / module, source) == []


def test_the_offline_verifier_loads_neither_flask_nor_the_database():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, elections.verify; print(*sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    frameworks = [
        name for name in loaded if name.split(".")[0] in {"flask", "sqlalchemy", "config"}
    ]
    assert "elections.bundle.verify" in loaded
    assert frameworks == []
