"""The tamper-evident audit log: each entry's hash covers the hash of the one before.

How an outsider recomputes an entry's hash:

1. Take the entry's fields except ``hash``: ``action``, ``actor``, ``actor_role``,
   ``client_addr``, ``details``, ``election_id``, ``object_id``, ``object_type``,
   ``occurred_at``, ``prev_hash``, ``seq``.
2. Write them as one JSON object: keys sorted by code point (inside ``details`` too),
   no whitespace at all (``,`` and ``:`` alone), ``null`` for a missing value, ``true``/``false``,
   integers in plain decimal, no floating-point numbers anywhere. Strings are written
   with their characters as themselves, except ``"`` → ``\\"``, ``\\`` → ``\\\\``,
   the controls ``\\b \\f \\n \\r \\t`` as those escapes and any other character below
   U+0020 as ``\\u00xx`` (lower-case hex). Encode the text as UTF-8.
3. The hash is the lower-case hex SHA-256 of those bytes or, when the deployment keeps
   a chain key, their HMAC-SHA256 under that key. The key lives outside the database,
   so whoever administers the database cannot rewrite history and recompute the chain.

``seq`` counts from 1 with no gaps; entry 1's ``prev_hash`` is ``GENESIS_HASH``, and
every later entry's is the previous entry's ``hash``. ``occurred_at`` is UTC text such
as ``2025-03-01T08:30:00.000000Z``. Deleting the newest entries leaves a valid chain,
so the last (seq, hash) should also be recorded elsewhere (on the published results,
on paper) and passed to ``verify_chain`` as ``expected_head``.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple, NoReturn, TypeAlias

GENESIS_HASH = "0" * 64

JSON: TypeAlias = bool | int | str | list["JSON"] | dict[str, "JSON"] | None

_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


class ChainHead(NamedTuple):
    """The newest entry's number and hash: what the next entry links to, and what to publish."""

    seq: int
    hash: str


@dataclass(frozen=True)
class AuditEntry:
    """One link of the chain, exactly as stored."""

    seq: int
    occurred_at: str
    actor: str | None
    actor_role: str | None
    action: str
    object_type: str | None
    object_id: str | None
    election_id: int | None
    details: Mapping[str, JSON]
    client_addr: str | None
    prev_hash: str
    hash: str

    def hashed_fields(self) -> dict[str, object]:
        """Every field but ``hash``: what the hash covers."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "hash"}


class ChainProblem(StrEnum):
    """The first thing wrong with a chain, as ``verify_chain`` reports it."""

    gap = "gap"
    reordered = "reordered"
    duplicate_seq = "duplicate-seq"
    bad_genesis = "bad-genesis"
    prev_hash_mismatch = "prev-hash-mismatch"
    hash_mismatch = "hash-mismatch"
    head_mismatch = "head-mismatch"
    truncated = "truncated"


@dataclass(frozen=True)
class ChainReport:
    """A verification verdict: the first problem and the seq it was found at, or the head."""

    problem: ChainProblem | None = None
    seq: int | None = None
    head: ChainHead | None = None

    @property
    def ok(self) -> bool:
        """Whether the whole chain checked out."""
        return self.problem is None


def format_time(moment: datetime) -> str:
    """The ``occurred_at`` text of an aware instant: UTC, microseconds, a trailing Z."""
    if moment.utcoffset() is None:
        raise ValueError("naive datetime: the audit log records UTC instants only")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_bytes(entry_fields: Mapping[str, object]) -> bytes:
    """The bytes an entry's hash is taken over; see the module docstring for the exact form."""
    hashed = {name: value for name, value in entry_fields.items() if name != "hash"}
    text = json.dumps(
        hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def entry_hash(entry_fields: Mapping[str, object], key: bytes | None = None) -> str:
    """SHA-256 hex of the canonical bytes, or HMAC-SHA256 under the chain key when there is one."""
    data = canonical_bytes(entry_fields)
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _no_floats(text: str) -> NoReturn:
    """Refuse floats in details: their text differs between languages, so hashes would too."""
    raise ValueError(f"audit details may not hold floating-point numbers ({text})")


def make_entry(
    prev: AuditEntry | ChainHead | None,
    *,
    occurred_at: str,
    action: str,
    actor: str | None = None,
    actor_role: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    election_id: int | None = None,
    details: Mapping[str, object] | None = None,
    client_addr: str | None = None,
    key: bytes | None = None,
) -> AuditEntry:
    """The entry that follows ``prev`` (None, or a head of seq 0, for the first), hashed.

    ``details`` are stored as they read back from JSON (tuples become lists, enum members
    their values), so the entry holds exactly what the database will return.
    """
    if _TIMESTAMP.fullmatch(occurred_at) is None:
        raise ValueError(f"occurred_at must look like 2025-03-01T08:30:00.000000Z: {occurred_at!r}")
    plain = json.loads(json.dumps(dict(details or {}), allow_nan=False), parse_float=_no_floats)
    link = prev or ChainHead(0, GENESIS_HASH)
    unhashed = AuditEntry(
        seq=link.seq + 1,
        occurred_at=occurred_at,
        actor=actor,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        election_id=election_id,
        details=plain,
        client_addr=client_addr,
        prev_hash=link.hash,
        hash="",
    )
    return replace(unhashed, hash=entry_hash(unhashed.hashed_fields(), key))


def _recomputed(entry: AuditEntry, key: bytes | None) -> str | None:
    """The hash the entry should carry, or None when tampering made it unhashable."""
    try:
        return entry_hash(entry.hashed_fields(), key)
    except (TypeError, ValueError):  # e.g. a lone surrogate or a non-JSON value put in by hand
        return None


def _sequence_problem(
    last: ChainHead, entry: AuditEntry, following: AuditEntry | None
) -> ChainProblem | None:
    """Whether ``entry`` is out of place after ``last``, looking one entry ahead.

    A seq already passed is a duplicate. A jump forward is a reordering when the entry
    after it goes back, and a gap (something deleted) otherwise.
    """
    if entry.seq <= last.seq:
        return ChainProblem.duplicate_seq
    if entry.seq > last.seq + 1:
        if following is not None and following.seq < entry.seq:
            return ChainProblem.reordered
        return ChainProblem.gap
    return None


def _link_problem(last: ChainHead, entry: AuditEntry, key: bytes | None) -> ChainProblem | None:
    """Whether an entry in its right place links to the one before and matches its own hash."""
    if entry.prev_hash != last.hash:
        return ChainProblem.bad_genesis if entry.seq == 1 else ChainProblem.prev_hash_mismatch
    if _recomputed(entry, key) != entry.hash:
        return ChainProblem.hash_mismatch
    return None


def _with_following(
    entries: Iterable[AuditEntry],
) -> Iterator[tuple[AuditEntry, AuditEntry | None]]:
    """Each entry paired with the next one (None after the last), holding only two at a time."""
    stream = iter(entries)
    current = next(stream, None)
    while current is not None:
        following = next(stream, None)
        yield current, following
        current = following


def _contradicts(head: tuple[int, str], entry: AuditEntry) -> bool:
    """Whether the entry has the recorded head's seq but another hash: history was rewritten."""
    return entry.seq == head[0] and entry.hash != head[1]


def verify_chain(
    entries: Iterable[AuditEntry],
    key: bytes | None = None,
    expected_head: tuple[int, str] | None = None,
) -> ChainReport:
    """Check a chain in seq order, in constant memory, and report its first problem or its head.

    A problem is reported at the seq where the chain first goes wrong: for a gap or a
    reordering, the seq that should have come next. ``expected_head`` is a (seq, hash)
    recorded outside the database: an entry with that seq must carry that hash
    (``head-mismatch``), and a chain that ends before it has lost its newest entries
    (``truncated``, at the first missing seq).
    """
    last = ChainHead(0, GENESIS_HASH)
    for entry, following in _with_following(entries):
        misplaced = _sequence_problem(last, entry, following)
        if misplaced is not None:
            at = entry.seq if misplaced == ChainProblem.duplicate_seq else last.seq + 1
            return ChainReport(misplaced, at)
        broken = _link_problem(last, entry, key)
        if broken is not None:
            return ChainReport(broken, entry.seq)
        if expected_head is not None and _contradicts(expected_head, entry):
            return ChainReport(ChainProblem.head_mismatch, entry.seq)
        last = ChainHead(entry.seq, entry.hash)
    if expected_head is not None and last.seq < expected_head[0]:
        return ChainReport(ChainProblem.truncated, last.seq + 1)
    return ChainReport(head=last)
