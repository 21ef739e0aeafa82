"""Append to the hash-chained audit log inside the caller's transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from elections.domain import audit_chain
from elections.extensions import db
from elections.models import HEAD_ID, AuditEvent, AuditHead


@dataclass(frozen=True)
class Actor:
    """Who did something, and from where: what every audit entry names."""

    name: str | None
    role: str | None
    client_addr: str | None = None


SYSTEM = Actor(name="system", role=None)


def record(
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    election_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> audit_chain.AuditEntry:
    """Append one entry, serialised on the locked chain head, in the current transaction.

    The head row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite holds the
    write lock from BEGIN IMMEDIATE), so two appends can never take the same
    sequence number or fork the chain. Call it last in an operation, to hold the
    lock for as short a time as possible.
    """
    session = db.session
    seq, prev_hash = session.execute(_LOCK_HEAD).one()
    entry = audit_chain.make_entry(
        prev=audit_chain.ChainHead(seq=seq, hash=prev_hash),
        occurred_at=audit_chain.format_time(datetime.now(UTC)),
        actor=actor.name,
        actor_role=actor.role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        election_id=election_id,
        details=details or {},
        client_addr=actor.client_addr,
        key=hmac_key(),
    )
    # Every other append waits on the head row from here to the commit. On PostgreSQL
    # the entry's INSERT rides in the head's UPDATE: one round trip instead of two.
    row = entry_columns(entry)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_APPEND_AND_MOVE_HEAD, row)
    else:  # SQLite takes no INSERT inside a WITH
        session.execute(_APPEND, row)
        session.execute(_MOVE_HEAD, row)
    return entry


# Built once, on the tables, with the entry's columns as parameters: every vote, sign-in
# and committee action runs these, and the ORM adds nothing to them.
_HEAD = AuditHead.__table__.c
_LOCK_HEAD = select(_HEAD.seq, _HEAD.hash).where(_HEAD.id == HEAD_ID).with_for_update()
_EVENT = AuditEvent.__table__.c
_APPEND = insert(AuditEvent.__table__).values(
    {f.name: bindparam(f.name, type_=_EVENT[f.name].type) for f in fields(audit_chain.AuditEntry)}
)
_MOVE_HEAD = (
    update(AuditHead.__table__)
    .where(_HEAD.id == HEAD_ID)
    .values(
        seq=bindparam("seq", type_=_HEAD.seq.type), hash=bindparam("hash", type_=_HEAD.hash.type)
    )
)
_APPEND_AND_MOVE_HEAD = _MOVE_HEAD.add_cte(_APPEND.cte("appended"))


def logged_time(moment: datetime | None) -> str | None:
    """A date as an entry's details write it: ISO 8601 text, or None when unset."""
    return None if moment is None else moment.isoformat()


def sha256_text(text: str) -> str:
    """SHA-256 hex of a text's UTF-8 bytes: how an entry names a text without holding it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hmac_key() -> bytes | None:
    """The chain key kept outside the database, if the deployment configured one."""
    key = current_app.config.get("AUDIT_HMAC_KEY")
    return key.encode() if key else None


def entry_columns(entry: audit_chain.AuditEntry) -> dict[str, Any]:
    """The row that stores one chain entry: a column for each of its fields, of the same name."""
    columns = {f.name: getattr(entry, f.name) for f in fields(entry)}
    return columns | {"details": dict(entry.details)}
