"""Verify an exported election on any computer: ``python -m elections.verify EXPORT``.

EXPORT is a bundle directory or its .zip. Nothing here opens a database, reads the app's
settings or imports Flask: only the Python standard library and the pure modules under
``elections/domain``.

Exit status: 0 when every check holds, 1 when one fails or the bundle cannot be read,
2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from elections.bundle.layout import AUDIT_LOG, FORMAT, MANIFEST, READABLE_VERSIONS
from elections.bundle.reader import (
    BundleError,
    Source,
    field,
    named_file,
    parse_json,
    read_election,
    read_entries,
    read_head_field,
)
from elections.domain.audit_chain import ChainHead
from elections.domain.verification import Report, describe, unreadable, verify

# "412:9f2c…", or copied as the protocol and the board print it in any of the school's
# languages ("entry 412, 9f2c…", "запись 412, …", "412-жазба, …"): the entry's number,
# then its 64 hex digits, with words and punctuation around them.
HEAD_ARGUMENT = re.compile(r"[^0-9]*?([0-9]+)[^0-9a-f]*([0-9a-f]{64})\W*")


def verify_bundle(
    path: Path, key: bytes | None = None, expected_head: ChainHead | None = None
) -> Report:
    """Read the bundle at ``path`` (a directory or .zip) and run every check on it.

    ``expected_head`` is a head kept outside the bundle, such as the paper protocol's.
    """
    try:
        source = Source(path)
    except (OSError, zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError):
        return unreadable(str(path), "not a bundle directory or a readable .zip file")
    try:
        manifest = parse_json(source.text(MANIFEST), MANIFEST)
        if field(manifest, "format", str, MANIFEST) != FORMAT:
            raise BundleError(MANIFEST, f"not a {FORMAT}")
        version = field(manifest, "format_version", int, MANIFEST)
        if version not in READABLE_VERSIONS:
            readable = " or ".join(map(str, READABLE_VERSIONS))
            raise BundleError(MANIFEST, f"format version {version} is not {readable}")
        log = field(manifest, "audit_log", dict, MANIFEST)
        where = f"{MANIFEST} audit_log"
        head = read_head_field(field(log, "head", dict, where), where)
        keyed = field(log, "keyed", bool, where)
        election = read_election(
            source, field(manifest, "election", (dict, type(None)), MANIFEST), version
        )
        log_text = source.text(named_file(log, "file", AUDIT_LOG, where))
        return verify(
            read_entries(log_text),
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
