"""Moving an election through its phases: by hand, on the confirmed calendar, and by tick.

Every move locks the election row ``FOR UPDATE`` first. A vote holds a shared lock
on the same row while it is written, so closing waits for the votes in flight and a
vote that starts after the close sees the election closed. Each step is one
transaction with its audit entries; the rules of direction are ``domain.lifecycle``'s.

What a phase does on entry:

* open: the roll is frozen (one ``EligibleVoter`` row per active student, copied in
  one INSERT ... SELECT) and its digest recorded, with the election's counting rules;
* closed: the ballot box is sealed in the same transaction, and the ballot storage
  compacted after the commit;
* published: the audit log's head after the publication entry is kept on the election,
  so anyone can later show that the published results came with that log.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from elections.domain import eligibility, lifecycle
from elections.domain.errors import DomainError
from elections.domain.lifecycle import Phase
from elections.domain.roles import Role
from elections.extensions import db
from elections.models import HEAD_ID, AuditHead, Election, EligibleVoter, User
from elections.operations.audit_log import SYSTEM, Actor, logged_time, record
from elections.operations.complaints import ComplaintReason, ComplaintRefused
from elections.operations.elections import lock_election
from elections.operations.results import snapshot_results
from elections.operations.sealing import compact_ballot_storage, seal_ballot_box
from elections.queries.complaints import unanswered_complaints
from elections.queries.phases import opening_counts


@dataclass(frozen=True)
class Transition:
    """One phase change that happened."""

    election_id: int
    title: str
    source: Phase
    target: Phase
    by_schedule: bool


@dataclass
class TickReport:
    """What a tick did: the moves made, and the elections the calendar could not move."""

    moved: list[Transition] = field(default_factory=list)
    refused: list[tuple[int, DomainError]] = field(default_factory=list)


def confirm_schedule(actor: Actor, election_id: int, now: datetime) -> Election:
    """Let the draft's dates drive it: from now on it opens and closes on time by itself."""
    election = lock_election(election_id)
    lifecycle.confirm_schedule(election.current_phase, election.schedule, now)
    election.scheduled = True
    schedule = election.schedule
    record(
        actor,
        "schedule-confirmed",
        object_type="election",
        object_id=election.id,
        election_id=election.id,
        details={f.name: logged_time(getattr(schedule, f.name)) for f in fields(schedule)},
    )
    db.session.commit()
    return election


def _freeze_roll(election: Election) -> dict[str, Any]:
    """Copy every active student into the election's roll with their facts of today.

    One INSERT ... SELECT, so a school of thousands is frozen in one statement, and a
    student added or moved on the roll afterwards changes nothing for this election.
    """
    db.session.execute(
        EligibleVoter.__table__.insert().from_select(
            ["election_id", "student_id", "grade", "class_name", "shanyrak"],
            select(literal(election.id), User.id, User.grade, User.class_name, User.shanyrak).where(
                User.role == Role.student, User.active.is_(True)
            ),
        )
    )
    rows = db.session.execute(
        select(User.username, EligibleVoter.grade, EligibleVoter.class_name, EligibleVoter.shanyrak)
        .join(User, User.id == EligibleVoter.student_id)
        .where(EligibleVoter.election_id == election.id)
    ).all()
    election.roll_digest = eligibility.roll_digest(tuple(row) for row in rows)
    return {"roll_digest": election.roll_digest, "eligible": len(rows)}


def _apply(
    actor: Actor,
    election: Election,
    target: Phase,
    now: datetime,
    *,
    by_schedule: bool,
    override: bool = False,
    override_reason: str = "",
) -> Transition:
    """Validate and make one move inside the caller's transaction, with its audit entries.

    Returns the transition; the caller commits (and compacts after a close). Publishing
    with ``override`` (over the appeals window or unanswered complaints) needs a reason.
    """
    if override and target == Phase.published and not override_reason.strip():
        raise ComplaintRefused(ComplaintReason.override_reason_required)
    source = election.current_phase
    _check_move(election, target, now, by_schedule=by_schedule, override=override)
    election.phase = str(target)
    how = "schedule" if by_schedule else "hand"
    details: dict[str, Any] = {"from": str(source), "to": str(target), "by": how}
    if target == Phase.open:
        _enter_open(actor, election, now, details)
    elif target == Phase.closed:
        _enter_closed(actor, election, now, details)
    elif target == Phase.published:
        _enter_published(actor, election, now, details, override, override_reason)
    else:
        record(actor, "election-phase-changed", details=details, **_about(election))
    return Transition(election.id, election.title, source, target, by_schedule)


def _check_move(
    election: Election, target: Phase, now: datetime, *, by_schedule: bool, override: bool
) -> None:
    """Refuse a move the lifecycle rules forbid, with what opening and publishing look at."""
    source = election.current_phase
    counts = opening_counts(election) if target == Phase.open else {}
    complaints = unanswered_complaints(election.id) if target == Phase.published else 0
    lifecycle.advance(
        source,
        target,
        election.schedule,
        now,
        unanswered_complaints=complaints,
        override=override,
        **counts,
    )
    if not by_schedule:
        lifecycle.refuse_overdue_start(source, target, election.schedule, now)


def _about(election: Election) -> dict[str, Any]:
    """What every entry of a phase change names: the election, as object and as election."""
    return {"object_type": "election", "object_id": election.id, "election_id": election.id}


def _enter_open(actor: Actor, election: Election, now: datetime, details: dict[str, Any]) -> None:
    """Open the poll: freeze the roll, record its digest and the counting rules."""
    election.opened_at = now
    details |= _freeze_roll(election)
    details["counting_rules"] = election.counting_rules.to_dict()
    record(actor, "election-opened", details=details, **_about(election))


def _enter_closed(actor: Actor, election: Election, now: datetime, details: dict[str, Any]) -> None:
    """Close the poll and seal the ballot box, recording every position's seal."""
    election.closed_at = now
    seals = seal_ballot_box(election)
    record(actor, "election-closed", details=details, **_about(election))
    sealed = [
        {"position_id": s.position_id, "ballots": s.ballot_count, "digest": s.digest} for s in seals
    ]
    record(actor, "ballot-box-sealed", details={"positions": sealed}, **_about(election))


def _enter_published(
    actor: Actor,
    election: Election,
    now: datetime,
    details: dict[str, Any],
    override: bool,
    override_reason: str,
) -> None:
    """Publish: store the results, record them, and keep the log's head that covers them.

    The results snapshot (PublishedResult) is stored before the entry, which records each
    result's digest, so the published head covers them; it refuses while any position
    still needs a lot.
    """
    election.published_at = now
    details |= snapshot_results(election)
    details["override"] = override
    if override:
        details["override_reason"] = override_reason.strip()
    record(actor, "election-published", details=details, **_about(election))
    head = db.session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)
    ).one()
    election.published_head_seq, election.published_head_hash = head.seq, head.hash


def _commit(transition: Transition) -> Transition:
    """Commit a move; after a close, compact the ballot storage outside the transaction."""
    db.session.commit()
    if transition.target == Phase.closed:
        compact_ballot_storage()
    return transition


def advance_election(
    actor: Actor,
    election_id: int,
    target: Phase,
    now: datetime,
    *,
    override: bool = False,
    override_reason: str = "",
) -> Transition:
    """Move an election by hand to ``target`` (the next used phase), or refuse with the reason."""
    election = lock_election(election_id)
    return _commit(
        _apply(
            actor,
            election,
            target,
            now,
            by_schedule=False,
            override=override,
            override_reason=override_reason,
        )
    )


def open_election(actor: Actor, election_id: int, now: datetime) -> Transition:
    """Open voting by hand: freeze the ballot and the roll."""
    return advance_election(actor, election_id, Phase.open, now)


def close_election(actor: Actor, election_id: int, now: datetime) -> Transition:
    """Close voting by hand and seal the ballot box; a closed poll never reopens."""
    return advance_election(actor, election_id, Phase.closed, now)


def publish_election(
    actor: Actor,
    election_id: int,
    now: datetime,
    *,
    override: bool = False,
    override_reason: str = "",
) -> Transition:
    """Publish the results of a closed election (or one whose appeals are over)."""
    return advance_election(
        actor, election_id, Phase.published, now, override=override, override_reason=override_reason
    )


_STARTS: tuple[tuple[Phase, str], ...] = (
    (Phase.nomination, "nomination_starts"),
    (Phase.campaign, "campaign_starts"),
    (Phase.silence, "silence_starts"),
    (Phase.open, "opens_at"),
    (Phase.closed, "closes_at"),
)


def _due(now: datetime) -> ColumnElement[bool]:
    """SQL: the election's calendar has a start at or before ``now`` beyond its current phase.

    Drafts count only once their calendar is confirmed; ``appeals`` starts at closing
    when an appeals end is set; ``published`` is never due, as publishing is human.
    """
    order = list(Phase)
    clauses = []
    for phase in (Phase.draft, Phase.nomination, Phase.campaign, Phase.silence, Phase.open):
        later = [
            getattr(Election, column) <= now
            for started, column in _STARTS
            if order.index(started) > order.index(phase)
        ]
        condition = and_(Election.phase == str(phase), or_(*later))
        if phase == Phase.draft:
            condition = and_(condition, Election.scheduled.is_(True))
        clauses.append(condition)
    clauses.append(
        and_(
            Election.phase == str(Phase.closed),
            Election.appeals_end.is_not(None),
            Election.closes_at <= now,
        )
    )
    return or_(*clauses)


def due_elections(now: datetime) -> list[int]:
    """Ids of the elections whose calendar wants a move now: one small query on the phase index."""
    return list(db.session.scalars(select(Election.id).where(_due(now)).order_by(Election.id)))


def _scheduled_step(actor: Actor, election_id: int, now: datetime) -> Transition | None:
    """Make the next move the calendar wants, if it still wants one once the row is locked."""
    election = lock_election(election_id)
    current = election.current_phase
    wanted = lifecycle.scheduled_phase(
        current, election.schedule, now, scheduled=election.scheduled
    )
    if wanted == current:
        db.session.commit()  # another process got there first
        return None
    step = lifecycle.next_phases(current, election.schedule)[0]
    return _commit(_apply(actor, election, step, now, by_schedule=True))


def tick(now: datetime, actor: Actor = SYSTEM) -> TickReport:
    """Apply the calendar to every election that is due, one recorded step at a time."""
    report = TickReport()
    for election_id in due_elections(now):
        try:
            while (step := _scheduled_step(actor, election_id, now)) is not None:
                report.moved.append(step)
        except DomainError as refusal:
            db.session.rollback()
            report.refused.append((election_id, refusal))
    return report
