"""The audit log as stored: its entries and head, and the filter an auditor reads them by."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, Select, select

from elections.domain.audit_chain import GENESIS_HASH, AuditEntry, ChainHead, format_time
from elections.extensions import db
from elections.models import HEAD_ID, AuditEvent, AuditHead, Position

PAGE_SIZE = 100
_STREAM_ROWS = 1000


@dataclass(frozen=True)
class LogFilter:
    """A time range (aware instants, ``before`` excluded), an actor, an action, an election."""

    since: datetime | None = None
    before: datetime | None = None
    actor: str | None = None
    action: str | None = None
    election_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions; times compare as text, which ``occurred_at``'s fixed form sorts."""
        conditions = []
        if self.since is not None:
            conditions.append(AuditEvent.occurred_at >= format_time(self.since))
        if self.before is not None:
            conditions.append(AuditEvent.occurred_at < format_time(self.before))
        if self.actor:
            conditions.append(AuditEvent.actor == self.actor)
        if self.action:
            conditions.append(AuditEvent.action == self.action)
        if self.election_id is not None:
            conditions.append(AuditEvent.election_id == self.election_id)
        return conditions

    def statement(self) -> Select[tuple[AuditEvent]]:
        """The matching entries, unordered."""
        return select(AuditEvent).where(*self.conditions())

    def as_details(self) -> dict[str, object]:
        """The filter as audit details, so an export says what it held."""
        values = {
            "since": None if self.since is None else format_time(self.since),
            "before": None if self.before is None else format_time(self.before),
            "actor": self.actor,
            "action": self.action,
            "election_id": self.election_id,
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class Page:
    """One page of entries, newest first, and the cursor of the next (older) page."""

    events: list[AuditEvent]
    older: int | None


def page(log_filter: LogFilter, cursor: int | None = None, size: int = PAGE_SIZE) -> Page:
    """The newest ``size`` matching entries below seq ``cursor``: keyset paging, never OFFSET."""
    statement = log_filter.statement()
    if cursor is not None:
        statement = statement.where(AuditEvent.seq < cursor)
    rows = list(db.session.scalars(statement.order_by(AuditEvent.seq.desc()).limit(size + 1)))
    older = rows[size - 1].seq if len(rows) > size else None
    return Page(rows[:size], older)


def matching_entries(log_filter: LogFilter) -> Iterator[AuditEntry]:
    """Every matching entry in seq order, as stored, streamed."""
    return audit_entries(*log_filter.conditions())


def known_actions() -> list[str]:
    """Every action the log holds, for the filter's choice list."""
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def position_titles(position_ids: Iterable[int]) -> dict[int, str]:
    """The titles of the positions a verification names, by id."""
    rows = db.session.execute(
        select(Position.id, Position.title).where(Position.id.in_(list(position_ids)))
    )
    return {row.id: row.title for row in rows}


def stored_entry(row: AuditEvent) -> AuditEntry:
    """Rebuild the chain entry a stored row claims to be, for verification."""
    return AuditEntry(**{f.name: getattr(row, f.name) for f in fields(AuditEntry)})


def audit_entries(*conditions: ColumnElement[bool]) -> Iterator[AuditEntry]:
    """Audit entries as stored (all, or those meeting ``conditions``) in seq order, streamed."""
    statement = select(AuditEvent).where(*conditions).order_by(AuditEvent.seq)
    for row in db.session.scalars(statement.execution_options(yield_per=_STREAM_ROWS)):
        yield stored_entry(row)
        db.session.expunge(row)


def head_row() -> ChainHead:
    """The chain head row every append moves on."""
    row = db.session.get(AuditHead, HEAD_ID)
    return ChainHead(0, GENESIS_HASH) if row is None else ChainHead(row.seq, row.hash)


def chain_keyed() -> bool:
    """Whether this deployment keys its chain with an HMAC key."""
    return bool(current_app.config.get("AUDIT_HMAC_KEY"))
