"""The election lifecycle: every transition, the calendar's boundaries, and who sees what."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from elections.domain.errors import LifecycleReason, LifecycleRefusal, ScheduleProblem
from elections.domain.lifecycle import (
    Phase,
    Schedule,
    advance,
    can_edit_campaign_page,
    can_edit_candidates,
    can_edit_structure,
    can_nominate,
    check_schedule,
    confirm_schedule,
    next_phases,
    results_visible,
    scheduled_phase,
    turnout_visible,
    voting_allowed,
)
from elections.domain.roles import Role

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
FULL = Schedule(
    nomination_starts=T0,
    campaign_starts=T0 + timedelta(days=2),
    silence_starts=T0 + timedelta(days=6),
    opens=T0 + timedelta(days=7),
    closes=T0 + timedelta(days=7, hours=8),
    appeals_end=T0 + timedelta(days=10),
)
QUICK = Schedule(opens=T0, closes=T0 + timedelta(hours=1))
EARLY = T0 - timedelta(days=1)
LATE = T0 + timedelta(days=30)
READY = {"positions": 2, "positions_with_candidates": 1}

R = LifecycleReason
CODES = {
    "ok": None,
    "=": R.same_phase,
    "ND": R.not_draft,
    "BK": R.backwards,
    "AO": R.already_open,
    "AC": R.already_closed,
    "NC": R.not_closed,
    "AP": R.already_published,
    "SK": R.skips_phase,
    "NU": R.phase_not_used,
}
# Rows: current phase; columns: target, in lifecycle order (d n c s o closed a p).
FULL_TABLE = """
=  ok SK SK SK SK NC NC
ND =  ok SK SK SK NC NC
ND BK =  ok SK SK NC NC
ND BK BK =  ok SK NC NC
ND BK BK BK AO ok NC NC
ND BK BK BK AC AC ok SK
ND BK BK BK AC BK =  ok
AP AP AP AP AP AP AP AP
"""
QUICK_TABLE = """
=  NU NU NU ok SK NU NC
ND =  NU NU ok SK NU NC
ND BK =  NU ok SK NU NC
ND BK BK =  ok SK NU NC
ND BK BK BK AO ok NU NC
ND BK BK BK AC AC NU ok
ND BK BK BK AC BK =  ok
AP AP AP AP AP AP AP AP
"""


def _table(text: str) -> dict[tuple[Phase, Phase], LifecycleReason | None]:
    """Read a transition table into (current, target) → expected refusal (None = allowed)."""
    rows = text.strip().splitlines()
    return {
        (current, target): CODES[code]
        for current, row in zip(Phase, rows, strict=True)
        for target, code in zip(Phase, row.split(), strict=True)
    }


TABLES = {"full": (FULL, _table(FULL_TABLE)), "quick": (QUICK, _table(QUICK_TABLE))}
TRANSITIONS = [
    pytest.param(name, current, target, expected, id=f"{name}-{current}-{target}")
    for name, (_, table) in TABLES.items()
    for (current, target), expected in table.items()
]


@pytest.mark.parametrize(("calendar", "current", "target", "expected"), TRANSITIONS)
def test_every_manual_transition(calendar, current, target, expected):
    schedule = TABLES[calendar][0]
    now = LATE if target == Phase.published else EARLY
    if expected is None:
        assert advance(current, target, schedule, now, **READY) == target
    else:
        with pytest.raises(LifecycleRefusal) as refused:
            advance(current, target, schedule, now, **READY)
        assert refused.value.reason == expected
        assert refused.value.status == 409


@pytest.mark.parametrize("calendar", TABLES)
@pytest.mark.parametrize("current", Phase)
def test_next_phases_are_exactly_the_allowed_targets(calendar, current):
    schedule, table = TABLES[calendar]
    allowed = tuple(target for target in Phase if table[current, target] is None)
    assert next_phases(current, schedule) == allowed


def test_refusals_name_the_phase_involved():
    with pytest.raises(LifecycleRefusal) as unused:
        advance(Phase.draft, Phase.nomination, QUICK, EARLY)
    assert unused.value.detail == {"phase": Phase.nomination}
    with pytest.raises(LifecycleRefusal) as skipped:
        advance(Phase.draft, Phase.campaign, FULL, EARLY)
    assert skipped.value.detail == {"phase": Phase.nomination}


@pytest.mark.parametrize(
    ("positions", "with_candidates", "expected"),
    [(0, 0, R.no_positions), (3, 0, R.no_candidates), (None, None, R.no_positions)],
)
def test_opening_needs_a_position_with_candidates(positions, with_candidates, expected):
    counts = {} if positions is None else {"positions": positions}
    if with_candidates is not None:
        counts["positions_with_candidates"] = with_candidates
    with pytest.raises(LifecycleRefusal) as refused:
        advance(Phase.draft, Phase.open, QUICK, EARLY, **counts)
    assert refused.value.reason == expected


@pytest.mark.parametrize("late_by", [timedelta(0), MICRO, timedelta(days=1)])
def test_opening_at_or_after_closing_time_is_refused(late_by):
    with pytest.raises(LifecycleRefusal) as refused:
        advance(Phase.draft, Phase.open, QUICK, QUICK.closes + late_by, **READY)
    assert refused.value.reason == R.bad_schedule
    assert refused.value.detail == {"field": "closes", "problem": ScheduleProblem.closes_passed}


def test_opening_just_before_closing_time_is_allowed():
    assert advance(Phase.silence, Phase.open, FULL, FULL.closes - MICRO, **READY) == Phase.open


def test_manual_moves_may_run_ahead_of_the_calendar():
    assert advance(Phase.draft, Phase.nomination, FULL, EARLY) == Phase.nomination
    assert advance(Phase.silence, Phase.open, FULL, EARLY, **READY) == Phase.open
    assert advance(Phase.open, Phase.closed, FULL, FULL.opens) == Phase.closed


def _publish(now, *, complaints=0, override=False, current=Phase.appeals, schedule=FULL):
    """Try to publish, returning the refusal reason or None."""
    try:
        advance(
            current,
            Phase.published,
            schedule,
            now,
            unanswered_complaints=complaints,
            override=override,
        )
    except LifecycleRefusal as refused:
        return refused.reason
    return None


@pytest.mark.parametrize(
    ("now", "complaints", "override", "expected"),
    [
        pytest.param(FULL.appeals_end - MICRO, 0, False, R.appeals_window_open, id="window-open"),
        pytest.param(FULL.closes, 0, False, R.appeals_window_open, id="window-just-started"),
        pytest.param(FULL.appeals_end, 0, False, None, id="window-ends-exactly"),
        pytest.param(FULL.appeals_end - MICRO, 0, True, None, id="override-window"),
        pytest.param(FULL.appeals_end, 1, False, R.appeals_pending, id="complaint-unanswered"),
        pytest.param(FULL.appeals_end, 1, True, None, id="override-over-a-complaint"),
        pytest.param(FULL.closes, 2, False, R.appeals_window_open, id="early-with-complaints"),
        pytest.param(FULL.closes, 2, True, None, id="override-window-and-complaints"),
        pytest.param(LATE, 2, False, R.appeals_pending, id="window-over-complaints-open"),
        pytest.param(LATE, 0, False, None, id="long-after"),
    ],
)
def test_publishing_from_appeals(now, complaints, override, expected):
    assert _publish(now, complaints=complaints, override=override) == expected


def test_publishing_without_an_appeals_phase_still_needs_complaints_answered():
    assert _publish(EARLY, current=Phase.closed, schedule=QUICK) is None
    assert _publish(EARLY, complaints=1, current=Phase.closed, schedule=QUICK) == R.appeals_pending
    closed = {"current": Phase.closed, "schedule": QUICK}
    assert _publish(EARLY, complaints=1, override=True, **closed) is None


@pytest.mark.parametrize("target", [p for p in Phase if p != Phase.published])
def test_override_only_concerns_publication(target):
    """Overriding never lets a move skip a phase or go back: it waives appeals, nothing else."""
    for current in Phase:
        try:
            plain = advance(current, target, FULL, LATE, **READY)
        except LifecycleRefusal as refused:
            plain = refused.reason
        try:
            forced = advance(current, target, FULL, LATE, override=True, **READY)
        except LifecycleRefusal as refused:
            forced = refused.reason
        assert forced == plain, (current, target)


NAIVE = datetime(2025, 3, 3, 8, 0)
ALMATY = timezone(timedelta(hours=5))


@pytest.mark.parametrize(
    ("schedule", "field", "problem"),
    [
        (Schedule(closes=T0), "opens", ScheduleProblem.missing),
        (Schedule(opens=T0), "closes", ScheduleProblem.missing),
        (Schedule(), "opens", ScheduleProblem.missing),
        (Schedule(opens=NAIVE, closes=T0 + timedelta(1)), "opens", ScheduleProblem.not_utc),
        (
            Schedule(opens=T0.astimezone(ALMATY), closes=T0 + timedelta(1)),
            "opens",
            ScheduleProblem.not_utc,
        ),
        (
            Schedule(nomination_starts=NAIVE, opens=T0, closes=T0 + MICRO),
            "nomination_starts",
            ScheduleProblem.not_utc,
        ),
        (Schedule(opens=T0, closes=T0), "closes", ScheduleProblem.out_of_order),
        (Schedule(opens=T0, closes=T0 - MICRO), "closes", ScheduleProblem.out_of_order),
        (
            Schedule(opens=T0, closes=T0 + MICRO, appeals_end=T0 + MICRO),
            "appeals_end",
            ScheduleProblem.out_of_order,
        ),
        (
            Schedule(campaign_starts=T0, nomination_starts=T0 + MICRO, opens=LATE, closes=LATE),
            "campaign_starts",
            ScheduleProblem.out_of_order,
        ),
        (
            Schedule(silence_starts=T0 + timedelta(2), opens=T0 + timedelta(1), closes=LATE),
            "opens",
            ScheduleProblem.out_of_order,
        ),
    ],
)
def test_bad_schedules_are_refused_with_field_and_problem(schedule, field, problem):
    with pytest.raises(LifecycleRefusal) as refused:
        check_schedule(schedule)
    assert refused.value.reason == R.bad_schedule
    assert refused.value.detail == {"field": field, "problem": problem}
    with pytest.raises(LifecycleRefusal):
        advance(Phase.draft, Phase.open, schedule, EARLY, **READY)


def test_any_zone_with_no_offset_counts_as_utc():
    check_schedule(Schedule(opens=T0.astimezone(timezone(timedelta(0))), closes=LATE))


@pytest.mark.parametrize(
    ("current", "schedule", "now", "expected"),
    [
        (Phase.draft, FULL, EARLY, None),
        (Phase.draft, FULL, FULL.closes - MICRO, None),
        (Phase.nomination, FULL, EARLY, R.not_draft),
        (Phase.open, QUICK, EARLY, R.not_draft),
        (Phase.draft, Schedule(opens=T0), EARLY, R.bad_schedule),
        (Phase.draft, FULL, FULL.closes, R.bad_schedule),
    ],
)
def test_confirming_a_schedule(current, schedule, now, expected):
    if expected is None:
        confirm_schedule(current, schedule, now)
    else:
        with pytest.raises(LifecycleRefusal) as refused:
            confirm_schedule(current, schedule, now)
        assert refused.value.reason == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (EARLY, Phase.draft),
        (FULL.nomination_starts - MICRO, Phase.draft),
        (FULL.nomination_starts, Phase.nomination),
        (FULL.campaign_starts - MICRO, Phase.nomination),
        (FULL.campaign_starts, Phase.campaign),
        (FULL.silence_starts, Phase.silence),
        (FULL.opens - MICRO, Phase.silence),
        (FULL.opens, Phase.open),
        (FULL.closes - MICRO, Phase.open),
        (FULL.closes, Phase.appeals),
        (FULL.appeals_end, Phase.appeals),
        (LATE, Phase.appeals),
    ],
)
def test_a_confirmed_calendar_drives_the_phase(now, expected):
    assert scheduled_phase(Phase.draft, FULL, now, scheduled=True) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (QUICK.opens - MICRO, Phase.draft),
        (QUICK.opens, Phase.open),
        (QUICK.closes - MICRO, Phase.open),
        (QUICK.closes, Phase.closed),
        (LATE, Phase.closed),
    ],
)
def test_without_appeals_the_calendar_stops_at_closed(now, expected):
    assert scheduled_phase(Phase.draft, QUICK, now, scheduled=True) == expected


@pytest.mark.parametrize("now", [EARLY, FULL.opens, LATE])
def test_an_unconfirmed_draft_stays_a_draft(now):
    assert scheduled_phase(Phase.draft, FULL, now, scheduled=False) == Phase.draft


def test_an_unconfirmed_draft_with_a_broken_calendar_is_left_alone():
    assert scheduled_phase(Phase.draft, Schedule(), LATE, scheduled=False) == Phase.draft


@pytest.mark.parametrize(
    ("current", "now"),
    [
        (Phase.open, FULL.silence_starts),
        (Phase.closed, FULL.opens),
        (Phase.campaign, FULL.nomination_starts),
        (Phase.published, LATE),
        (Phase.published, EARLY),
    ],
)
def test_the_calendar_never_moves_an_election_back(current, now):
    for scheduled in (True, False):
        assert scheduled_phase(current, FULL, now, scheduled=scheduled) == current


def test_leaving_draft_by_hand_lets_the_dates_drive():
    assert scheduled_phase(Phase.nomination, FULL, FULL.opens, scheduled=False) == Phase.open


def test_a_confirmed_calendar_that_breaks_is_refused():
    with pytest.raises(LifecycleRefusal) as refused:
        scheduled_phase(Phase.campaign, Schedule(), LATE, scheduled=True)
    assert refused.value.reason == R.bad_schedule


def _walk(current, now):
    """Follow the calendar one step at a time, as the app's ticker does; return the steps."""
    walked = []
    due = scheduled_phase(current, FULL, now, scheduled=True)
    while current != due:
        current = advance(current, next_phases(current, FULL)[0], FULL, now, **READY)
        walked.append(current)
    return walked


def test_walking_to_the_scheduled_phase_passes_every_used_phase():
    assert _walk(Phase.draft, FULL.opens) == [
        Phase.nomination,
        Phase.campaign,
        Phase.silence,
        Phase.open,
    ]
    assert _walk(Phase.open, FULL.closes) == [Phase.closed, Phase.appeals]


def test_a_voting_window_missed_entirely_is_not_opened_late():
    with pytest.raises(LifecycleRefusal) as refused:
        _walk(Phase.silence, FULL.closes)
    assert refused.value.detail["problem"] == ScheduleProblem.closes_passed


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (QUICK.opens, True),
        (QUICK.closes - timedelta(seconds=1), True),
        (QUICK.closes - MICRO, True),
        (QUICK.closes, False),
        (QUICK.closes + MICRO, False),
        (LATE, False),
    ],
)
def test_voting_stops_at_the_closing_instant_even_if_nobody_closed(now, allowed):
    assert voting_allowed(Phase.open, QUICK.closes, now) is allowed


@pytest.mark.parametrize("phase", [p for p in Phase if p != Phase.open])
def test_voting_needs_the_open_phase(phase):
    assert voting_allowed(phase, QUICK.closes, QUICK.opens) is False


BEFORE_SILENCE = {Phase.draft, Phase.nomination, Phase.campaign}
POLICIES = [
    (can_edit_structure, BEFORE_SILENCE),
    (can_edit_candidates, {Phase.draft, Phase.nomination}),
    (can_nominate, {Phase.nomination}),
    (can_edit_campaign_page, BEFORE_SILENCE),
]


@pytest.mark.parametrize("phase", Phase)
@pytest.mark.parametrize(("policy", "phases"), POLICIES, ids=lambda p: getattr(p, "__name__", ""))
def test_what_each_phase_allows(policy, phases, phase):
    assert policy(phase) is (phase in phases)


OFFICIALS = {Role.committee, Role.auditor, Role.admin, Role.observer}
COUNTED = {Phase.closed, Phase.appeals, Phase.published}


@pytest.mark.parametrize("phase", Phase)
@pytest.mark.parametrize("role", Role)
def test_who_sees_results_and_turnout(role, phase):
    published = phase == Phase.published
    official = role in OFFICIALS
    assert results_visible(phase, role) is (phase in COUNTED if official else published)
    assert turnout_visible(phase, role) is (
        phase in {Phase.open, *COUNTED} if official else published
    )


def test_nobody_sees_a_count_while_voting():
    assert not any(results_visible(Phase.open, role) for role in Role)
