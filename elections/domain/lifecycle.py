"""The election lifecycle: phases, the calendar that drives them, and what each phase allows.

Phases run draft → nomination → campaign → silence → open → closed → appeals → published.
``draft``, ``open``, ``closed`` and ``published`` are always used; the others are used
only when the calendar sets their date (a quick class poll is draft → open → closed →
published).

There are two ways to move on, under the same rules of direction:

* By hand (``advance``): always to the next used phase, never back, never over a used
  phase. The committee may act before a date arrives (open early, close early in an
  emergency); the dates then go on driving the phases that follow.
* By the calendar (``scheduled_phase``): only once the committee has confirmed the
  calendar, never backwards, and never to ``published``, which is always a human act.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Protocol

from elections.domain.errors import LifecycleReason, LifecycleRefusal, ScheduleProblem
from elections.domain.roles import STAFF, Role


class Phase(StrEnum):
    """A phase of an election, in lifecycle order; the values are stored in the database."""

    draft = "draft"
    nomination = "nomination"
    campaign = "campaign"
    silence = "silence"
    open = "open"
    closed = "closed"
    appeals = "appeals"
    published = "published"


_ORDER = tuple(Phase)
AFTER_CLOSING = frozenset({Phase.closed, Phase.appeals, Phase.published})
"""The phases whose ballot boxes are sealed: what may be exported and verified."""
WITHDRAW_PHASES = frozenset({Phase.draft, Phase.nomination, Phase.campaign})
"""A candidate may withdraw until campaigning stops."""
OBSERVER_PHASES = frozenset({Phase.draft, Phase.nomination, Phase.campaign, Phase.silence})
"""Observers are named before voting opens, so nobody joins to watch a count under way."""
_ALWAYS_USED = frozenset({Phase.draft, Phase.open, Phase.closed, Phase.published})
_ALREADY = {Phase.open: LifecycleReason.already_open, Phase.closed: LifecycleReason.already_closed}
_OFFICIALS = frozenset({*STAFF, Role.observer})


@dataclass(frozen=True)
class Schedule:
    """An election's calendar as aware UTC instants; an unset start means the phase is not used.

    Fields are in calendar order, which ``check_schedule`` enforces. The appeals window
    runs from ``closes`` to ``appeals_end``.
    """

    nomination_starts: datetime | None = None
    campaign_starts: datetime | None = None
    silence_starts: datetime | None = None
    opens: datetime | None = None
    closes: datetime | None = None
    appeals_end: datetime | None = None

    def starts(self, phase: Phase) -> datetime | None:
        """When the calendar moves the election into ``phase``; None for draft and published."""
        return {
            Phase.nomination: self.nomination_starts,
            Phase.campaign: self.campaign_starts,
            Phase.silence: self.silence_starts,
            Phase.open: self.opens,
            Phase.closed: self.closes,
            Phase.appeals: self.closes if self.appeals_end is not None else None,
        }.get(phase)

    def uses(self, phase: Phase) -> bool:
        """Whether this election passes through ``phase`` at all."""
        return phase in _ALWAYS_USED or self.starts(phase) is not None

    @classmethod
    def of(cls, dated: Dated) -> Schedule:
        """The calendar of anything that keeps an election's dates under their stored names."""
        return cls(
            nomination_starts=dated.nomination_starts,
            campaign_starts=dated.campaign_starts,
            silence_starts=dated.silence_starts,
            opens=dated.opens_at,
            closes=dated.closes_at,
            appeals_end=dated.appeals_end,
        )


class Dated(Protocol):
    """An election's dates as the database stores them and the committee's form gives them."""

    @property
    def nomination_starts(self) -> datetime | None: ...
    @property
    def campaign_starts(self) -> datetime | None: ...
    @property
    def silence_starts(self) -> datetime | None: ...
    @property
    def opens_at(self) -> datetime | None: ...
    @property
    def closes_at(self) -> datetime | None: ...
    @property
    def appeals_end(self) -> datetime | None: ...


def _rank(phase: Phase) -> int:
    """Position of a phase in lifecycle order."""
    return _ORDER.index(phase)


def _refuse(reason: LifecycleReason, **detail: object) -> LifecycleRefusal:
    """Build a lifecycle refusal with its detail, so every raise fits on one line."""
    return LifecycleRefusal(reason, detail)


def _bad_schedule(field: str, problem: ScheduleProblem) -> LifecycleRefusal:
    """A ``bad-schedule`` refusal naming the field and what is wrong with it."""
    return _refuse(LifecycleReason.bad_schedule, field=field, problem=problem)


def check_schedule(schedule: Schedule) -> None:
    """Refuse a calendar with naive or non-UTC dates, no opening or closing, or misordered dates."""
    dated = [(f.name, getattr(schedule, f.name)) for f in fields(schedule)]
    for name, moment in dated:
        if moment is not None and moment.utcoffset() != timedelta(0):
            raise _bad_schedule(name, ScheduleProblem.not_utc)
    for name in ("opens", "closes"):
        if getattr(schedule, name) is None:
            raise _bad_schedule(name, ScheduleProblem.missing)
    set_dates = [(name, moment) for name, moment in dated if moment is not None]
    for (_, earlier), (name, later) in pairwise(set_dates):
        if later <= earlier:
            raise _bad_schedule(name, ScheduleProblem.out_of_order)


def confirm_schedule(current: Phase, schedule: Schedule, now: datetime) -> None:
    """Check that a draft's calendar may be confirmed, after which its dates drive the phases."""
    if current != Phase.draft:
        raise _refuse(LifecycleReason.not_draft)
    check_schedule(schedule)
    _require_before_closing(schedule, now)


def _require_before_closing(schedule: Schedule, now: datetime) -> None:
    """Refuse to start a vote that could take no ballot because closing time has passed."""
    assert schedule.closes is not None  # check_schedule ran first
    if now >= schedule.closes:
        raise _bad_schedule("closes", ScheduleProblem.closes_passed)


def next_phases(current: Phase, schedule: Schedule) -> tuple[Phase, ...]:
    """The phases a committee may move to by hand: the next used one, or none once published."""
    later = (phase for phase in _ORDER[_rank(current) + 1 :] if schedule.uses(phase))
    following = next(later, None)
    return () if following is None else (following,)


def advance(
    current: Phase,
    target: Phase,
    schedule: Schedule,
    now: datetime,
    *,
    positions: int = 0,
    positions_with_candidates: int = 0,
    unanswered_complaints: int = 0,
    override: bool = False,
) -> Phase:
    """Validate a move from ``current`` to ``target`` and return ``target``, or refuse.

    Counts for opening: ``positions`` on the ballot, and ``positions_with_candidates``
    (a yes/no question counts as having its candidate). ``override`` lets the commission
    publish before the appeals window ends and over complaints it has not answered: the
    decision is theirs, so the rule only makes it explicit. The operation that passes
    ``override`` must demand a written reason and record it in the audit log.
    """
    _check_direction(current, target)
    check_schedule(schedule)
    if not schedule.uses(target):
        raise _refuse(LifecycleReason.phase_not_used, phase=target)
    skipped = [p for p in _ORDER[_rank(current) + 1 : _rank(target)] if schedule.uses(p)]
    if Phase.closed in skipped:
        raise _refuse(LifecycleReason.not_closed)
    if skipped:
        raise _refuse(LifecycleReason.skips_phase, phase=skipped[0])
    if target == Phase.open:
        if positions < 1:
            raise _refuse(LifecycleReason.no_positions)
        if positions_with_candidates < 1:
            raise _refuse(LifecycleReason.no_candidates)
        _require_before_closing(schedule, now)
    if target == Phase.published:
        window_open = schedule.appeals_end is not None and now < schedule.appeals_end
        if current == Phase.appeals and window_open and not override:
            raise _refuse(LifecycleReason.appeals_window_open, ends=schedule.appeals_end)
        if unanswered_complaints > 0 and not override:
            raise _refuse(LifecycleReason.appeals_pending, count=unanswered_complaints)
    return target


def _check_direction(current: Phase, target: Phase) -> None:
    """Refuse staying put and moving back, with the reason a committee member will understand."""
    if current == Phase.published:
        raise _refuse(LifecycleReason.already_published)
    if target == current:
        raise _refuse(_ALREADY.get(current, LifecycleReason.same_phase))
    if _rank(target) < _rank(current):
        if target == Phase.draft:
            raise _refuse(LifecycleReason.not_draft)
        if target == Phase.open:
            raise _refuse(LifecycleReason.already_closed)
        raise _refuse(LifecycleReason.backwards)


def scheduled_phase(current: Phase, schedule: Schedule, now: datetime, *, scheduled: bool) -> Phase:
    """The phase the calendar says the election should be in at ``now``.

    A draft stays a draft until the committee confirms its calendar (``scheduled``);
    from then on the dates drive it, and leaving draft by hand counts as confirming.
    The answer never lies before ``current`` (a phase entered early by hand is kept)
    and is never ``published``: when the appeals window ends the election waits in
    ``appeals`` for the committee to publish. The appeals window starts at
    ``closes``, so the answer from then on is ``appeals`` when that phase is used.

    The caller moves there one step at a time with ``next_phases`` and ``advance``,
    so opening still needs candidates and every step is recorded.
    """
    if current == Phase.published or (current == Phase.draft and not scheduled):
        return current
    check_schedule(schedule)
    due = [p for p in _ORDER if (start := schedule.starts(p)) is not None and start <= now]
    latest = due[-1] if due else Phase.draft
    return max(current, latest, key=_rank)


def refuse_overdue_start(current: Phase, target: Phase, schedule: Schedule, now: datetime) -> None:
    """Refuse leaving draft by hand into a calendar whose next phases are already due.

    Leaving draft by hand confirms the calendar, so the next tick would run on through
    every phase whose date has passed (a nomination started by hand would be over within
    the second); the dates must be corrected first, which only a draft allows.
    """
    if current != Phase.draft:
        return
    wanted = scheduled_phase(target, schedule, now, scheduled=True)
    if _rank(wanted) > _rank(target):
        raise _refuse(LifecycleReason.calendar_overdue, phase=wanted)


def can_delete(phase: Phase) -> bool:
    """An election may be deleted until voting opens: nobody has voted, nothing is sealed.

    Later it is kept, ballots and audit trail, whatever happens; before, deleting is how
    the committee abandons one whose opening can no longer happen (its closing time has
    passed, or nobody stood), since only a draft's dates can change.
    """
    return _rank(phase) < _rank(Phase.open)


def can_edit_structure(phase: Phase) -> bool:
    """Positions, methods and eligibility rules may change until campaign silence begins."""
    return phase in {Phase.draft, Phase.nomination, Phase.campaign}


def can_edit_candidates(phase: Phase) -> bool:
    """The committee may add, accept or remove candidates until the campaign starts."""
    return phase in {Phase.draft, Phase.nomination}


def can_nominate(phase: Phase) -> bool:
    """Students may nominate and endorse only while nominations are open."""
    return phase == Phase.nomination


def can_edit_campaign_page(phase: Phase) -> bool:
    """A candidate may edit their own page until silence: campaigning stops before the vote."""
    return phase in {Phase.draft, Phase.nomination, Phase.campaign}


def voting_allowed(phase: Phase, closes: datetime, now: datetime) -> bool:
    """A ballot is taken only while open and strictly before closing, even if nobody closed it."""
    return phase == Phase.open and now < closes


def results_visible(phase: Phase, role: Role) -> bool:
    """No count is shown before closing; officials see it from closing, everyone on publication."""
    if role in _OFFICIALS:
        return _rank(phase) >= _rank(Phase.closed)
    return phase == Phase.published


def turnout_visible(phase: Phase, role: Role) -> bool:
    """Officials watch turnout from opening; students and the public see it with the results."""
    if role in _OFFICIALS:
        return _rank(phase) >= _rank(Phase.open)
    return phase == Phase.published
