"""The verifier as one file: a zip application every export carries beside its data.

An auditor who receives an export on a USB stick needs only Python: ``python verify.pyz
EXPORT`` runs the same checks as ``python -m elections.verify``, from the same source, with
nothing installed. It holds the package's pure parts alone (``domain/`` and ``bundle/``, which
tests/test_architecture.py keeps to the standard library) and is built byte for byte the same
from the same source, so two exports of one release carry identical verifiers.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

FILE_NAME = "verify.pyz"
PACKAGE = Path(__file__).resolve().parent.parent
PARTS = ("__init__.py", "verify.py", "bundle", "domain")
MAIN = b"from elections.bundle.verify import main\n\nraise SystemExit(main())\n"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest: no build time in the bytes


def _sources() -> list[Path]:
    """The package's pure modules, in a stable order."""
    found: list[Path] = []
    for part in PARTS:
        path = PACKAGE / part
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Store one file with fixed metadata, so the archive's bytes depend on content alone."""
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def verifier_archive() -> bytes:
    """The zip application: ``__main__.py`` and the pure modules under ``elections/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "__main__.py", MAIN)
        for path in _sources():
            _add(archive, f"elections/{path.relative_to(PACKAGE).as_posix()}", path.read_bytes())
    return buffer.getvalue()
