"""Typed models for the whole domain.

The database guards the promises that must never break: one participation per
student and position (primary key), ballots with no voter, time or sequence
(random primary key, no timestamps), one audit entry per sequence number with a
single locked chain head, and foreign keys everywhere else.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from elections.domain.audit_chain import GENESIS_HASH
from elections.domain.counting import CountingRules, TieRule
from elections.domain.eligibility import Rule, StudentFacts
from elections.domain.lifecycle import Phase, Schedule
from elections.domain.roles import ACCOUNT_ROLES, Role
from elections.extensions import db


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, return aware UTC: SQLite keeps no zone, PostgreSQL's is not needed."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Refuse naive datetimes so a local time can never be stored as UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Attach UTC to what the database returns."""
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current instant, aware and in UTC."""
    return datetime.now(UTC)


PHASES = tuple(Phase)
METHODS = ("single", "multi", "ranked", "yesno")
TIE_RULES = tuple(TieRule)
REGISTERED = "registered"  # the committee's word that a candidate is on the ballot
CANDIDATE_STATUSES = ("nominated", REGISTERED, "rejected", "withdrawn")
STANDING = ("nominated", REGISTERED)  # a candidacy not (yet) refused or withdrawn


ModelT = TypeVar("ModelT")


def copy_row(row: ModelT, *, leave: Iterable[str] = (), **changes: Any) -> ModelT:
    """A new, unsaved row holding ``row``'s columns, so a copy never misses a column added later.

    The primary key is not copied, nor the columns named in ``leave`` (they take their
    defaults); ``changes`` sets columns to other values. JSON values are copied, not shared.
    """
    left = {*leave, *changes}
    values = {
        attribute.key: copy.copy(getattr(row, attribute.key))
        for attribute in inspect(type(row)).column_attrs
        if attribute.key not in left and not any(c.primary_key for c in attribute.columns)
    }
    return type(row)(**values, **changes)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL text for a CHECK that a column holds one of a few words."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class User(UserMixin, db.Model):
    """A person who signs in: a student (by number and access code) or staff (by password)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    access_code_hash: Mapped[str | None] = mapped_column(String(255))
    access_code_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    grade: Mapped[int | None] = mapped_column(Integer)
    class_name: Mapped[str | None] = mapped_column(String(16))
    shanyrak: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(_one_of("role", ACCOUNT_ROLES), name="role"),
        CheckConstraint(
            "role <> 'student' OR (grade IS NOT NULL AND class_name IS NOT NULL"
            " AND shanyrak IS NOT NULL)",
            name="student_facts",
        ),
        CheckConstraint("grade IS NULL OR (grade BETWEEN 1 AND 12)", name="grade_range"),
    )

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Deactivated accounts cannot sign in or keep a session."""
        return self.active

    @property
    def is_student(self) -> bool:
        """Whether this account votes rather than runs the election."""
        return self.role == Role.student

    def get_id(self) -> str:
        """Bind the session to the account's session version so sign-out ends it everywhere."""
        return f"{self.id}:{self.session_version}"


class Election(db.Model):
    """One election with its calendar; its phase follows the pure lifecycle rules."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    # Indexed: the calendar check on every request looks for due elections by phase.
    phase: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    scheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    nomination_starts: Mapped[datetime | None] = mapped_column(UTCDateTime)
    campaign_starts: Mapped[datetime | None] = mapped_column(UTCDateTime)
    silence_starts: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    appeals_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    endorsement_limit: Mapped[int] = mapped_column(Integer, default=3)
    # The committee's counting rules, one column each (the tie rule is the first of them);
    # ``counting_rules`` reads them as the count takes them. Fixed once the election opens.
    tie_rule: Mapped[str] = mapped_column(
        String(16), default=str(TieRule.earlier_rounds), server_default=str(TieRule.earlier_rounds)
    )
    roll_digest: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_head_seq: Mapped[int | None] = mapped_column(Integer)
    published_head_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    positions: Mapped[list[Position]] = relationship(
        back_populates="election",
        order_by="Position.sort_order, Position.id",
        cascade="all, delete-orphan",
    )

    @property
    def current_phase(self) -> Phase:
        """The stored phase as the lifecycle's enum."""
        return Phase(self.phase)

    @property
    def counting_rules(self) -> CountingRules:
        """The rules every count of this election applies, as recorded when it opened."""
        return CountingRules(tie=TieRule(self.tie_rule))

    @property
    def schedule(self) -> Schedule:
        """The calendar as the lifecycle rules read it."""
        return Schedule.of(self)

    __table_args__ = (
        CheckConstraint(_one_of("phase", PHASES), name="phase"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closes"),
        CheckConstraint("endorsement_limit >= 0", name="endorsement_limit"),
        CheckConstraint(_one_of("tie_rule", TIE_RULES), name="tie_rule"),
    )


class Position(db.Model):
    """A seat (or seats) to fill, with its method and who may vote and stand."""

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    seats: Mapped[int] = mapped_column(Integer, default=1)
    method: Mapped[str] = mapped_column(String(8), default="single")
    allow_blank: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_candidates: Mapped[bool] = mapped_column(Boolean, default=False)
    threshold_percent: Mapped[int] = mapped_column(Integer, default=50)
    voter_grades: Mapped[list[int]] = mapped_column(JSON, default=list)
    voter_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    voter_shanyraks: Mapped[list[str]] = mapped_column(JSON, default=list)
    candidate_grades: Mapped[list[int]] = mapped_column(JSON, default=list)
    candidate_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    candidate_shanyraks: Mapped[list[str]] = mapped_column(JSON, default=list)
    endorsements_required: Mapped[int] = mapped_column(Integer, default=0)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    election: Mapped[Election] = relationship(back_populates="positions")
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="position", order_by="Candidate.name", cascade="all, delete-orphan"
    )

    @property
    def voter_rule(self) -> Rule:
        """Who may vote here."""
        return Rule.of(self.voter_grades, self.voter_classes, self.voter_shanyraks)

    @property
    def candidate_rule(self) -> Rule:
        """Who may stand here."""
        return Rule.of(self.candidate_grades, self.candidate_classes, self.candidate_shanyraks)

    __table_args__ = (
        UniqueConstraint("election_id", "title"),
        CheckConstraint(_one_of("method", METHODS), name="method"),
        CheckConstraint("seats >= 1", name="seats"),
        CheckConstraint("method <> 'yesno' OR seats = 1", name="yesno_one_seat"),
        CheckConstraint("threshold_percent BETWEEN 1 AND 99", name="threshold"),
        CheckConstraint("endorsements_required >= 0", name="endorsements"),
    )


class Candidate(db.Model):
    """Someone (or, for a referendum-style question, some option) standing for a position."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(200))
    manifesto: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str | None] = mapped_column(String(500))
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_type: Mapped[str | None] = mapped_column(String(32))
    photo_digest: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=REGISTERED)
    review_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    position: Mapped[Position] = relationship(back_populates="candidates")
    student: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("position_id", "student_id"),
        UniqueConstraint("position_id", "name"),
        CheckConstraint(_one_of("status", CANDIDATE_STATUSES), name="status"),
    )


class CampaignPageVersion(db.Model):
    """Every version of a candidate's page is kept, so edits during the campaign stay visible."""

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    manifesto: Mapped[str] = mapped_column(Text)
    video_url: Mapped[str | None] = mapped_column(String(500))
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Endorsement(db.Model):
    """A student's online support for a nomination: not a vote, seen by the committee only."""

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Observer(db.Model):
    """The one person a candidate names to watch turnout, the count and the audit log."""

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class Complaint(db.Model):
    """An appeal filed after closing, answered in writing by the commission."""

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EligibleVoter(db.Model):
    """The roll frozen at opening: who could vote, with the facts that made them eligible."""

    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    grade: Mapped[int] = mapped_column(Integer)
    class_name: Mapped[str] = mapped_column(String(16))
    shanyrak: Mapped[str] = mapped_column(String(64))

    @property
    def facts(self) -> StudentFacts:
        """The frozen facts eligibility rules look at."""
        return StudentFacts(self.grade, self.class_name, self.shanyrak)


class Participation(db.Model):
    """That a student has voted in a position: the key makes a second ballot impossible.

    Deliberately no surrogate id and no timestamp, so nothing here orders voters.
    """

    position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)


class Ballot(db.Model):
    """What was chosen, with no voter, no time and no sequence.

    The random key orders rows; on SQLite the table is WITHOUT ROWID, so even
    the physical order follows that key rather than arrival.
    """

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id", ondelete="CASCADE"))
    choices: Mapped[str] = mapped_column(Text)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)

    __table_args__ = ({"sqlite_with_rowid": False},)


class BallotSeal(db.Model):
    """The sealed ballot box of a position: how many ballots and a digest over them."""

    position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), primary_key=True
    )
    ballot_count: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lot(db.Model):
    """The order drawn for a group of tied candidates, in the room or by the app with a seed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id", ondelete="CASCADE"))
    tied: Mapped[list[int]] = mapped_column(JSON)
    drawn_order: Mapped[list[int]] = mapped_column(JSON)
    seed: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Runoff(db.Model):
    """A runoff election created from a tied or inconclusive position."""

    election_id: Mapped[int] = mapped_column(
        ForeignKey("election.id", ondelete="CASCADE"), primary_key=True
    )
    source_position_id: Mapped[int] = mapped_column(ForeignKey("position.id"))


class PublishedResult(db.Model):
    """The result of a position as published, so any later change is detectable."""

    position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), primary_key=True
    )
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(db.Model):
    """One link of the hash chain; appended in the same transaction as the action it records.

    ``occurred_at`` is kept as the exact ISO text that was hashed, and
    ``election_id`` is no foreign key: the log outlives what it describes.
    """

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    election_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


HEAD_ID = 1  # the one row of audit_head


class AuditHead(db.Model):
    """The single row every append locks, so the chain can never fork or skip."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


# The chain starts from a head at sequence 0 and the genesis hash (migrations seed it too).
event.listen(
    AuditHead.__table__,
    "after_create",
    DDL(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')"),  # noqa: S608
)

# On PostgreSQL UPDATE, DELETE and TRUNCATE of audit rows raise an error, for everyone but
# a superuser or the table's owner who deliberately switches the triggers off: a guard
# against mistakes and casual edits. What exposes a deliberate rewrite is the hash chain,
# its key and the head kept outside the database.
AUDIT_APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""
event.listen(
    AuditEvent.__table__,
    "after_create",
    DDL(AUDIT_APPEND_ONLY_SQL).execute_if(dialect="postgresql"),
)
