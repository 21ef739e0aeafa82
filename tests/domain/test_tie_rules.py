"""The election's tie rule, applied by the pure count: earlier rounds, a lot at once, a runoff."""

from __future__ import annotations

import pytest

from elections.domain.counting import (
    DEFAULT_RULES,
    Ballot,
    CountingRules,
    Decision,
    ElectionProblem,
    InvalidElection,
    Method,
    StepKind,
    TieRule,
    TraceStep,
    count,
    result_to_dict,
)

EARLIER, LOT, RUNOFF = (CountingRules(tie=rule) for rule in TieRule)


def copies(*groups: tuple[int, Ballot]) -> list[Ballot]:
    """Spell a profile as (copies, ballot) pairs."""
    return [ballot for n, ballot in groups for _ in range(n)]


# Round 2 ties 2 and 3 for elimination at 7 each; in round 1 candidate 3 had fewer.
MIDDLE_TIE = copies((8, (1,)), (4, (2, 1)), (3, (2, 3)), (5, (3, 2)), (2, (4, 3)), (1, (4,)))
# Round 2 ties 1 and 2 at 4 each, the last two in the race; in round 1 candidate 2 had fewer.
FINAL_TIE = copies((4, (1,)), (3, (2,)), (1, (3, 2)))


def test_the_default_rule_is_earlier_rounds_then_a_lot():
    assert DEFAULT_RULES == EARLIER == CountingRules()


def test_earlier_rounds_settle_a_tie_before_any_lot():
    result = count(Method.ranked, [1, 2, 3, 4], MIDDLE_TIE, rules=EARLIER)

    [tie] = [step for step in result.trace if step.kind is StepKind.tie_backwards]
    assert (tie.candidates, tie.chosen, tie.earlier_round) == ((2, 3), (3,), 1)
    assert result.elected == (2,)


def test_a_lot_at_once_ignores_the_earlier_rounds():
    asked = count(Method.ranked, [1, 2, 3, 4], MIDDLE_TIE, rules=LOT)
    settled = count(Method.ranked, [1, 2, 3, 4], MIDDLE_TIE, lots=[(3, 2)], rules=LOT)

    assert asked.lot_required == frozenset({2, 3})
    assert not [step for step in asked.trace if step.kind is StepKind.tie_backwards]
    # The lot favours 3, so 2 goes out and 1 wins, where earlier rounds elected 2.
    assert settled.elected == (1,)
    assert settled.complete


def test_the_runoff_rule_stops_a_final_tie_for_a_runoff_without_looking_back():
    result = count(Method.ranked, [1, 2, 3], FINAL_TIE, rules=RUNOFF)

    assert result.runoff_required == frozenset({1, 2})
    assert result.lot_required is None
    assert (result.elected, result.complete) == ((), False)
    assert result.trace[-1] == TraceStep(
        StepKind.runoff_required, 2, (1, 2), decision=Decision.seat
    )


@pytest.mark.parametrize(
    ("rules", "elected", "lot_required"),
    [(EARLIER, (1,), None), (LOT, (), frozenset({1, 2}))],
)
def test_the_same_final_tie_under_the_other_rules(rules, elected, lot_required):
    result = count(Method.ranked, [1, 2, 3], FINAL_TIE, rules=rules)

    assert (result.elected, result.lot_required, result.runoff_required) == (
        elected,
        lot_required,
        None,
    )


def test_a_lot_never_settles_a_tie_the_runoff_rule_sends_to_a_runoff():
    result = count(Method.ranked, [1, 2, 3], FINAL_TIE, lots=[(1, 2)], rules=RUNOFF)

    assert result.runoff_required == frozenset({1, 2})


def test_the_runoff_rule_settles_a_tie_with_others_in_the_race_by_earlier_rounds():
    # A runoff between 2 and 3 would not say who wins: candidate 1 is still in the race.
    runoff = count(Method.ranked, [1, 2, 3, 4], MIDDLE_TIE, rules=RUNOFF)
    earlier = count(Method.ranked, [1, 2, 3, 4], MIDDLE_TIE, rules=EARLIER)

    assert runoff.trace == earlier.trace
    assert runoff.runoff_required is None


def test_stv_under_the_runoff_rule_keeps_the_seats_decided_before_the_tie():
    ballots = copies((5, (1,)), (2, (2,)), (2, (3,)), (2, (4,)))

    result = count(Method.ranked, [1, 2, 3, 4], ballots, seats=2, rules=RUNOFF)

    assert result.elected == (1,)
    assert result.runoff_required == frozenset({2, 3, 4})
    assert not result.complete


@pytest.mark.parametrize("method", [Method.single, Method.multi])
def test_plurality_under_the_runoff_rule_sends_the_last_seat_tie_to_a_runoff(method):
    ballots = copies((5, (1,)), (3, (2,)), (3, (3,)), (1, (4,)))

    result = count(method, [1, 2, 3, 4], ballots, seats=2, lots=[(2, 3)], rules=RUNOFF)

    assert result.elected == (1,)
    assert result.runoff_required == frozenset({2, 3})
    assert result.lot_required is None
    assert result.trace[-1] == TraceStep(
        StepKind.runoff_required, 1, (2, 3), decision=Decision.seat
    )


@pytest.mark.parametrize("rules", [EARLIER, LOT])
def test_plurality_has_no_earlier_rounds_so_both_other_rules_draw_a_lot(rules):
    ballots = copies((5, (1,)), (3, (2,)), (3, (3,)))

    asked = count(Method.multi, [1, 2, 3], ballots, seats=2, rules=rules)
    settled = count(Method.multi, [1, 2, 3], ballots, seats=2, lots=[(3, 2)], rules=rules)

    assert (asked.lot_required, asked.runoff_required) == (frozenset({2, 3}), None)
    assert settled.elected == (1, 3)


def test_the_result_data_names_the_runoff_and_reads_none_elsewhere():
    runoff = result_to_dict(count(Method.ranked, [1, 2, 3], FINAL_TIE, rules=RUNOFF))
    plain = result_to_dict(count(Method.ranked, [1, 2, 3], FINAL_TIE))

    assert runoff["runoff_required"] == [1, 2]
    assert plain["runoff_required"] is None
    assert runoff["trace"][-1]["kind"] == "runoff-required"


@pytest.mark.parametrize("rule", list(TieRule))
def test_rules_are_written_and_read_back(rule):
    rules = CountingRules(tie=rule)

    assert CountingRules.from_dict(rules.to_dict()) == rules
    assert rules.to_dict() == {"tie": str(rule)}


@pytest.mark.parametrize("recorded", [None, {}])
def test_rules_recorded_before_they_existed_are_the_defaults(recorded):
    assert CountingRules.from_dict(recorded) == DEFAULT_RULES


@pytest.mark.parametrize(
    "data",
    [
        {"tie": "coin"},
        {"tie": "Lot"},
        {"tie": "lot", "quorum": 50},
        {"tie": None},
        "lot",
        ["tie", "lot"],
    ],
)
def test_an_unknown_rule_is_refused_not_ignored(data):
    with pytest.raises(InvalidElection) as refused:
        CountingRules.from_dict(data)
    assert refused.value.reason == ElectionProblem.bad_rules
