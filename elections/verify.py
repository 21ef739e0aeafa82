"""Verify an exported election on any computer: ``python -m elections.verify EXPORT``.

EXPORT is a bundle directory or its .zip. Nothing here opens a database, reads the app's
settings or imports Flask: only the Python standard library and the pure modules under
``elections/domain``. This module owns the bundle format (docs/export-bundle.md) in both
directions: the app writes bundles with the functions below, and reads them back the same
way, so the writer and the verifier cannot drift apart.

Exit status: 0 when every check holds, 1 when one fails or the bundle cannot be read,
2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from elections.domain.audit_chain import AuditEntry, ChainHead
from elections.domain.lifecycle import AFTER_CLOSING
from elections.domain.verification import (
    BallotRecord,
    CandidateRecord,
    ElectionRecord,
    LotRecord,
    PositionRecord,
    Report,
    SealRecord,
    describe,
    unreadable,
    verify,
)

FORMAT = "school-elections-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
AUDIT_LOG = "audit_log.jsonl"
MAX_FILE_BYTES = 1 << 30  # a school's bundle is megabytes; more than this is not one
MAX_DEPTH = 64  # the deepest JSON a bundle holds is a count's trace, a handful of levels
# "412:9f2c…", or copied as the protocol and the board print it in any of the school's
# languages ("entry 412, 9f2c…", "запись 412, …", "412-жазба, …"): the entry's number,
# then its 64 hex digits, with words and punctuation around them.
HEAD_ARGUMENT = re.compile(r"[^0-9]*?([0-9]+)[^0-9a-f]*([0-9a-f]{64})\W*")
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


def ballots_file(position_id: int) -> str:
    """Where a position's ballots are in a bundle."""
    return f"ballots/position-{position_id}.jsonl"


def result_file(position_id: int) -> str:
    """Where a position's published result is in a bundle."""
    return f"results/position-{position_id}.json"


# Writing: each function returns the text of one file (or one line of a .jsonl file).


def _line(value: Mapping[str, object]) -> str:
    """One JSON Lines record: compact, keys sorted, UTF-8 characters as themselves."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def entry_line(entry: AuditEntry) -> str:
    """An audit entry exactly as stored, every field including ``hash``."""
    return _line({**entry.hashed_fields(), "hash": entry.hash})


def ballot_line(ballot: BallotRecord) -> str:
    """A ballot: its random id, its choices as stored (and sealed), its tracking code."""
    return _line(
        {"id": ballot.id, "choices": ballot.choices, "tracking_code": ballot.tracking_code}
    )


def result_text(result: Mapping[str, object]) -> str:
    """A published result exactly as stored, indented for people to read."""
    return json.dumps(result, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _head(head: ChainHead | None) -> dict[str, object] | None:
    """A chain head as manifest data."""
    return None if head is None else {"seq": head.seq, "hash": head.hash}


def _position_manifest(position: PositionRecord) -> dict[str, object]:
    """One position's entry in the manifest: rules, ballot paper, lots, seal and files."""
    seal = position.seal
    return {
        "id": position.id,
        "title": position.title,
        "method": position.method,
        "seats": position.seats,
        "allow_blank": position.allow_blank,
        "threshold_percent": position.threshold_percent,
        "candidates": [{"id": c.id, "name": c.name} for c in position.candidates],
        "lots": [
            {"tied": list(lot.tied), "drawn_order": list(lot.drawn_order), "seed": lot.seed}
            for lot in position.lots
        ],
        "participation": position.participation,
        "seal": None
        if seal is None
        else {
            "ballot_count": seal.ballot_count,
            "digest": seal.digest,
            "sealed_at": seal.sealed_at,
        },
        "ballots": ballots_file(position.id),
        "result": None if position.result is None else result_file(position.id),
    }


def manifest_text(
    *,
    generated_at: str,
    entries: int,
    head: ChainHead,
    keyed: bool,
    election: ElectionRecord | None,
) -> str:
    """The manifest: format, the log's size and head, and the election's records if any."""
    manifest: dict[str, object] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": generated_at,
        "audit_log": {"file": AUDIT_LOG, "entries": entries, "head": _head(head), "keyed": keyed},
        "election": None
        if election is None
        else {
            "id": election.id,
            "title": election.title,
            "phase": election.phase,
            "opened_at": election.opened_at,
            "closed_at": election.closed_at,
            "published_at": election.published_at,
            "published_head": _head(election.published_head),
            "positions": [_position_manifest(p) for p in election.positions],
        },
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


# Reading: strict, so a malformed bundle is reported with the file and line at fault.


class BundleError(Exception):
    """The bundle cannot be read: ``where`` names the file (and line), ``reason`` says why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class _Source:
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


def _json(text: str, where: str) -> Any:
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


def _get(data: object, name: str, kind: type | tuple[type, ...], where: str) -> Any:
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


def _named(data: object, name: str, expected: str, where: str) -> str:
    """A file name the manifest gives, which must be the one the format fixes.

    Names are never taken from the manifest as given, so a bundle cannot point the
    verifier at files outside itself.
    """
    if _get(data, name, str, where) != expected:
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
            yield where, _json(line, where)


def _entries(text: str) -> Iterator[AuditEntry]:
    """The audit entries of ``audit_log.jsonl``, in file order."""
    for where, data in _lines(text, AUDIT_LOG):
        values = {name: _get(data, name, kind, where) for name, kind in _ENTRY_FIELDS.items()}
        if set(data) != set(_ENTRY_FIELDS):
            raise BundleError(where, "unexpected fields")
        yield AuditEntry(**values)


def _head_from(data: object, where: str) -> ChainHead | None:
    """A (seq, hash) head, or None."""
    if data is None:
        return None
    return ChainHead(_get(data, "seq", int, where), _get(data, "hash", str, where))


def _ballots(source: _Source, name: str) -> tuple[BallotRecord, ...]:
    """A position's ballots, in file order."""
    return tuple(
        BallotRecord(
            _get(data, "id", str, where),
            _get(data, "choices", str, where),
            _get(data, "tracking_code", str, where),
        )
        for where, data in _lines(source.text(name), name)
    )


def _position(source: _Source, data: object, where: str) -> PositionRecord:
    """One position of the manifest, with its ballots and result read from their files."""
    pid = _get(data, "id", int, where)
    where = f"{MANIFEST} position {pid}"
    seal = _get(data, "seal", (dict, type(None)), where)
    result = None
    if _get(data, "result", (str, type(None)), where) is not None:
        result_name = _named(data, "result", result_file(pid), where)
        result = _json(source.text(result_name), result_name)
        if not isinstance(result, dict):
            raise BundleError(result_name, "not a JSON object")
    return PositionRecord(
        id=pid,
        title=_get(data, "title", str, where),
        method=_get(data, "method", str, where),
        seats=_get(data, "seats", int, where),
        allow_blank=_get(data, "allow_blank", bool, where),
        threshold_percent=_get(data, "threshold_percent", int, where),
        candidates=tuple(
            CandidateRecord(_get(c, "id", int, where), _get(c, "name", str, where))
            for c in _get(data, "candidates", list, where)
        ),
        participation=_get(data, "participation", int, where),
        ballots=_ballots(source, _named(data, "ballots", ballots_file(pid), where)),
        seal=None
        if seal is None
        else SealRecord(
            _get(seal, "ballot_count", int, where),
            _get(seal, "digest", str, where),
            _get(seal, "sealed_at", (str, type(None)), where),
        ),
        lots=tuple(
            LotRecord(
                _ints(_get(lot, "tied", list, where), where, "tied"),
                _ints(_get(lot, "drawn_order", list, where), where, "drawn_order"),
                _get(lot, "seed", (str, type(None)), where),
            )
            for lot in _get(data, "lots", list, where)
        ),
        result=result,
    )


def _election(source: _Source, data: object) -> ElectionRecord | None:
    """The manifest's election, or None for an export of the audit log alone."""
    if data is None:
        return None
    where = f"{MANIFEST} election"
    optional = (str, type(None))
    phase = _get(data, "phase", str, where)
    if phase not in AFTER_CLOSING:
        raise BundleError(where, f"phase {phase!r} is not one a sealed election can be in")
    return ElectionRecord(
        id=_get(data, "id", int, where),
        title=_get(data, "title", str, where),
        phase=phase,
        positions=tuple(_position(source, p, where) for p in _get(data, "positions", list, where)),
        published_head=_head_from(_get(data, "published_head", (dict, type(None)), where), where),
        opened_at=_get(data, "opened_at", optional, where),
        closed_at=_get(data, "closed_at", optional, where),
        published_at=_get(data, "published_at", optional, where),
    )


def verify_bundle(
    path: Path, key: bytes | None = None, expected_head: ChainHead | None = None
) -> Report:
    """Read the bundle at ``path`` (a directory or .zip) and run every check on it.

    ``expected_head`` is a head kept outside the bundle, such as the paper protocol's.
    """
    try:
        source = _Source(path)
    except (OSError, zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError):
        return unreadable(str(path), "not a bundle directory or a readable .zip file")
    try:
        manifest = _json(source.text(MANIFEST), MANIFEST)
        if _get(manifest, "format", str, MANIFEST) != FORMAT:
            raise BundleError(MANIFEST, f"not a {FORMAT}")
        if _get(manifest, "format_version", int, MANIFEST) != FORMAT_VERSION:
            raise BundleError(MANIFEST, f"format version is not {FORMAT_VERSION}")
        log = _get(manifest, "audit_log", dict, MANIFEST)
        where = f"{MANIFEST} audit_log"
        head = _head_from(_get(log, "head", dict, where), where)
        keyed = _get(log, "keyed", bool, where)
        election = _election(source, _get(manifest, "election", (dict, type(None)), MANIFEST))
        log_text = source.text(_named(log, "file", AUDIT_LOG, where))
        return verify(
            _entries(log_text),
            [election] if election else [],
            key=key,
            keyed=keyed,
            log_head=head,
            expected_head=expected_head,
        )
    except BundleError as error:
        return unreadable(error.where, error.reason)
    finally:
        source.close()


def _read_key(path: Path | None) -> bytes | None:
    """The chain key from a file (its text, without the final newline), if one was given."""
    if path is None:
        return None
    return path.read_text(encoding="utf-8").rstrip("\r\n").encode("utf-8")


def read_head(text: str) -> ChainHead | None:
    """A head typed as SEQ:HASH or copied as printed, or None if the text holds neither."""
    match = HEAD_ARGUMENT.fullmatch(text.strip().lower())
    return None if match is None else ChainHead(int(match.group(1)), match.group(2))


def head_argument(text: str) -> ChainHead:
    """The command line's ``--expected-head``: a head, or a usage error saying how to write one."""
    head = read_head(text)
    if head is None:
        raise argparse.ArgumentTypeError("give the head as SEQ:HASH (a number, 64 hex digits)")
    return head


def main(argv: Sequence[str] | None = None) -> int:
    """Print one line per check and a verdict; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m elections.verify",
        description="Verify an exported election bundle without the app or its database.",
    )
    parser.add_argument("bundle", type=Path, help="the bundle directory, or its .zip")
    parser.add_argument(
        "--key-file", type=Path, help="file holding the audit chain's HMAC key, if it has one"
    )
    parser.add_argument(
        "--expected-head",
        type=head_argument,
        metavar="SEQ:HASH",
        help="the audit log's head kept outside the bundle (the paper protocol's), to check"
        " that no newest entry was cut off",
    )
    args = parser.parse_args(argv)
    report = verify_bundle(args.bundle, _read_key(args.key_file), args.expected_head)
    for check in report.checks:
        print(describe(check, report))
    failure = report.first_failure
    if failure is None:
        print("VERIFIED: every check holds.")
        return 0
    print(f"NOT VERIFIED: {describe(failure, report)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
