"""Reading a bundle: strict, so a malformed one is reported with the file and line at fault."""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from elections.bundle.layout import AUDIT_LOG, MANIFEST, ballots_file, recount_file, result_file
from elections.domain.audit_chain import AuditEntry, ChainHead
from elections.domain.counting import CountingRules, CountRefused, Method
from elections.domain.lifecycle import AFTER_CLOSING
from elections.domain.recount_files import RecountFile, RecountFormat
from elections.domain.verification import (
    BallotRecord,
    CandidateRecord,
    ElectionRecord,
    LotRecord,
    PositionRecord,
    SealRecord,
)

MAX_FILE_BYTES = 1 << 30  # a school's bundle is megabytes; more than this is not one
MAX_DEPTH = 64  # the deepest JSON a bundle holds is a count's trace, a handful of levels
_ENTRY_FIELDS = {
    "seq": int,
    "occurred_at": str,
    "actor": (str, type(None)),
    "actor_role": (str, type(None)),
    "action": str,
    "object_type": (str, type(None)),
    "object_id": (str, type(None)),
    "election_id": (int, type(None)),
    "details": dict,
    "client_addr": (str, type(None)),
    "prev_hash": str,
    "hash": str,
}


class BundleError(Exception):
    """The bundle cannot be read: ``where`` names the file (and line), ``reason`` says why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class Source:
    """The files of a bundle, from a directory or a .zip of the same layout."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None

    def text(self, name: str) -> str:
        """The UTF-8 text of one file of the bundle."""
        try:
            data = self._read(name)
            return data.decode("utf-8")
        except (KeyError, OSError):
            raise BundleError(name, "missing") from None
        except UnicodeDecodeError:
            raise BundleError(name, "not UTF-8 text") from None
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError):
            # Corrupt data, a wrong CRC, an encrypted entry, an unknown compression.
            raise BundleError(name, "cannot be extracted from the .zip file") from None

    def _read(self, name: str) -> bytes:
        """One file's bytes, refusing one too large to be a bundle's (a zip bomb, say)."""
        if self.zip is None:
            path = self.path / name
            if path.stat().st_size > MAX_FILE_BYTES:
                raise BundleError(name, "larger than any bundle's file")
            return path.read_bytes()
        if self.zip.getinfo(name).file_size > MAX_FILE_BYTES:
            raise BundleError(name, "larger than any bundle's file")
        return self.zip.read(name)

    def close(self) -> None:
        """Release the zip file, if one was opened."""
        if self.zip is not None:
            self.zip.close()


def parse_json(text: str, where: str) -> Any:
    """Parse one JSON document, naming the place when it is not JSON or nested too deeply."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise BundleError(where, "not valid JSON") from None
    if _depth(value) > MAX_DEPTH:
        raise BundleError(where, f"nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: object) -> int:
    """How deeply lists and objects nest in a parsed JSON value (a scalar is 0)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level + 1)
            stack.extend((inner, level + 1) for inner in item)
    return deepest


def field(data: object, name: str, kind: type | tuple[type, ...], where: str) -> Any:
    """A field of a JSON object, of the expected type (booleans are never integers here)."""
    if not isinstance(data, dict) or name not in data:
        raise BundleError(where, f"'{name}' is missing")
    value = data[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise BundleError(where, f"'{name}' has the wrong type")
    if not isinstance(value, kinds):
        raise BundleError(where, f"'{name}' has the wrong type")
    return value


def named_file(data: object, name: str, expected: str, where: str) -> str:
    """A file name the manifest gives, which must be the one the format fixes.

    Names are never taken from the manifest as given, so a bundle cannot point the
    verifier at files outside itself.
    """
    if field(data, name, str, where) != expected:
        raise BundleError(where, f"'{name}' must be {expected!r}")
    return expected


def _ints(values: object, where: str, name: str) -> tuple[int, ...]:
    """A list of whole numbers."""
    if not isinstance(values, list) or not all(type(v) is int for v in values):
        raise BundleError(where, f"'{name}' must be a list of whole numbers")
    return tuple(values)


def _lines(text: str, name: str) -> Iterator[tuple[str, Any]]:
    """Each non-empty line of a JSON Lines file, parsed, with its place for messages."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            where = f"{name} line {number}"
            yield where, parse_json(line, where)


def read_entries(text: str) -> Iterator[AuditEntry]:
    """The audit entries of ``audit_log.jsonl``, in file order."""
    for where, data in _lines(text, AUDIT_LOG):
        values = {name: field(data, name, kind, where) for name, kind in _ENTRY_FIELDS.items()}
        if set(data) != set(_ENTRY_FIELDS):
            raise BundleError(where, "unexpected fields")
        yield AuditEntry(**values)


def read_head_field(data: object, where: str) -> ChainHead | None:
    """A (seq, hash) head, or None."""
    if data is None:
        return None
    return ChainHead(field(data, "seq", int, where), field(data, "hash", str, where))


def _ballots(source: Source, name: str) -> tuple[BallotRecord, ...]:
    """A position's ballots, in file order."""
    return tuple(
        BallotRecord(
            field(data, "id", str, where),
            field(data, "choices", str, where),
            field(data, "tracking_code", str, where),
        )
        for where, data in _lines(source.text(name), name)
    )


def _recount_files(
    source: Source, data: object, pid: int, method: str, where: str
) -> tuple[RecountFile, ...]:
    """A ranked position's BLT file and rank table (format 2 on), each at its fixed name."""
    files = field(data, "recount_files", (dict, type(None)), where)
    if (files is None) != (method != Method.ranked):
        raise BundleError(where, "'recount_files' must be given for a ranked position only")
    if files is None:
        return ()
    names = [named_file(files, str(fmt), recount_file(pid, fmt), where) for fmt in RecountFormat]
    return tuple(
        RecountFile(name, fmt, source.text(name))
        for name, fmt in zip(names, RecountFormat, strict=True)
    )


def _position(source: Source, data: object, where: str, version: int) -> PositionRecord:
    """One position of the manifest, with its ballots, result and recount files read."""
    pid = field(data, "id", int, where)
    where = f"{MANIFEST} position {pid}"
    method = field(data, "method", str, where)
    seal = field(data, "seal", (dict, type(None)), where)
    result = None
    if field(data, "result", (str, type(None)), where) is not None:
        result_name = named_file(data, "result", result_file(pid), where)
        result = parse_json(source.text(result_name), result_name)
        if not isinstance(result, dict):
            raise BundleError(result_name, "not a JSON object")
    return PositionRecord(
        id=pid,
        title=field(data, "title", str, where),
        method=method,
        seats=field(data, "seats", int, where),
        allow_blank=field(data, "allow_blank", bool, where),
        threshold_percent=field(data, "threshold_percent", int, where),
        candidates=tuple(
            CandidateRecord(field(c, "id", int, where), field(c, "name", str, where))
            for c in field(data, "candidates", list, where)
        ),
        participation=field(data, "participation", int, where),
        ballots=_ballots(source, named_file(data, "ballots", ballots_file(pid), where)),
        seal=None
        if seal is None
        else SealRecord(
            field(seal, "ballot_count", int, where),
            field(seal, "digest", str, where),
            field(seal, "sealed_at", (str, type(None)), where),
        ),
        lots=tuple(
            LotRecord(
                _ints(field(lot, "tied", list, where), where, "tied"),
                _ints(field(lot, "drawn_order", list, where), where, "drawn_order"),
                field(lot, "seed", (str, type(None)), where),
            )
            for lot in field(data, "lots", list, where)
        ),
        result=result,
        recount_files=_recount_files(source, data, pid, method, where) if version > 1 else (),
    )


def _counting_rules(data: object, where: str, version: int) -> CountingRules:
    """The election's counting rules (format 2 on; before, the defaults they were counted by)."""
    if version == 1:
        return CountingRules()
    try:
        return CountingRules.from_dict(field(data, "counting_rules", dict, where))
    except CountRefused:
        raise BundleError(
            where, "'counting_rules' holds a rule this verifier does not know"
        ) from None


def read_election(source: Source, data: object, version: int) -> ElectionRecord | None:
    """The manifest's election, or None for an export of the audit log alone."""
    if data is None:
        return None
    where = f"{MANIFEST} election"
    optional = (str, type(None))
    phase = field(data, "phase", str, where)
    if phase not in AFTER_CLOSING:
        raise BundleError(where, f"phase {phase!r} is not one a sealed election can be in")
    return ElectionRecord(
        id=field(data, "id", int, where),
        title=field(data, "title", str, where),
        phase=phase,
        positions=tuple(
            _position(source, p, where, version) for p in field(data, "positions", list, where)
        ),
        published_head=read_head_field(
            field(data, "published_head", (dict, type(None)), where), where
        ),
        opened_at=field(data, "opened_at", optional, where),
        closed_at=field(data, "closed_at", optional, where),
        published_at=field(data, "published_at", optional, where),
        counting_rules=_counting_rules(data, where, version),
    )
