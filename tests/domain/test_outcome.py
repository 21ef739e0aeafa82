"""One outcome per position: the count and the school's validity rules, decided once."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elections.domain.counting import NO, YES, Method, count
from elections.domain.counting.outcome import (
    LoneRule,
    OutcomeKind,
    OutcomeReason,
    QuorumFailure,
    QuorumScope,
    Turnout,
    ValidityRules,
    decide,
    required_turnout,
)

PLAIN = ValidityRules()
MAJORITY = ValidityRules(majority=True)
HALF_QUORUM = ValidityRules(quorum_percent=50, on_quorum_failure=QuorumFailure.commission)
SHARE = ValidityRules(lone_candidate=LoneRule.share, lone_share_percent=60)


def ballots(*groups: tuple[int, tuple]) -> list[tuple]:
    """``(copies, ballot)`` pairs spelled out."""
    return [ballot for copies, ballot in groups for _ in range(copies)]


def test_a_lone_candidate_with_only_blank_ballots_is_not_elected():
    result = count(Method.single, [1], [()] * 7)

    outcome = decide(result, PLAIN, None)

    assert (outcome.kind, outcome.reason) == (OutcomeKind.not_elected, OutcomeReason.no_valid_votes)
    assert (outcome.elected, outcome.empty_seats) == ((), 1)


def test_two_candidates_for_two_seats_with_only_blank_ballots_elect_nobody():
    outcome = decide(count(Method.multi, [1, 2], [()] * 4, seats=2), PLAIN, None)

    assert (outcome.kind, outcome.elected, outcome.empty_seats) == (OutcomeKind.not_elected, (), 2)


def test_a_seat_only_a_candidate_without_votes_could_fill_stays_empty():
    outcome = decide(count(Method.multi, [1, 2, 3], [(1,)] * 5, seats=2), PLAIN, None)

    assert (outcome.kind, outcome.reason) == (OutcomeKind.elected, OutcomeReason.seats_left_empty)
    assert (outcome.elected, outcome.empty_seats) == ((1,), 1)


def test_a_ranked_seat_nobody_voted_for_stays_empty():
    result = count(Method.ranked, [1, 2], [(1,)] * 3, seats=2)

    outcome = decide(result, PLAIN, None)

    assert 2 in result.elected  # the count fills the seats; the outcome refuses a 0-vote seat
    assert (outcome.elected, outcome.empty_seats) == ((1,), 1)


def test_plurality_without_the_majority_rule_elects_on_three_of_seven():
    result = count(Method.single, [1, 2, 3, 4], ballots((3, (1,)), (2, (2,)), (1, (3,)), (1, (4,))))

    assert decide(result, PLAIN, None).elected == (1,)
    runoff = decide(result, MAJORITY, None)
    assert (runoff.kind, runoff.reason) == (OutcomeKind.runoff, OutcomeReason.majority_not_reached)
    assert (runoff.elected, runoff.contenders) == ((), (1, 2))


def test_a_majority_is_more_than_half_of_the_valid_votes():
    exactly_half = count(
        Method.single, [1, 2, 3], ballots((4, (1,)), (3, (2,)), (1, (3,)), (5, ()))
    )
    more = count(Method.single, [1, 2, 3], ballots((5, (1,)), (3, (2,)), (1, (3,)), (5, ())))

    assert decide(exactly_half, MAJORITY, None).kind is OutcomeKind.runoff
    assert decide(more, MAJORITY, None).elected == (1,)  # blank ballots are outside the base


def test_a_tie_for_second_place_takes_everyone_tied_into_the_runoff():
    result = count(Method.single, [1, 2, 3, 4], ballots((4, (1,)), (2, (2,)), (2, (3,)), (1, (4,))))

    assert decide(result, MAJORITY, None).contenders == (1, 2, 3)


def test_a_tie_at_the_top_asks_for_a_lot_or_with_the_majority_rule_a_runoff():
    result = count(Method.single, [1, 2, 3], ballots((3, (1,)), (3, (2,)), (1, (3,))))

    lot = decide(result, PLAIN, None)
    runoff = decide(result, MAJORITY, None)

    assert (lot.kind, lot.reason, lot.contenders) == (OutcomeKind.lot, OutcomeReason.tie, (1, 2))
    assert (runoff.kind, runoff.contenders) == (OutcomeKind.runoff, (1, 2))


@pytest.mark.parametrize(("voted", "met"), [(4, False), (5, True), (6, True)])
def test_the_quorum_holds_from_the_required_share_of_the_eligible_roll(voted, met):
    result = count(Method.single, [1, 2], ballots((voted, (1,))))

    outcome = decide(result, HALF_QUORUM, Turnout(eligible=10, voted=voted))

    assert outcome.quorum is not None
    assert (outcome.quorum.required, outcome.quorum.met) == (5, met)
    if met:
        assert outcome.elected == (1,)
    else:
        assert (outcome.reason, outcome.elected) == (OutcomeReason.quorum_failed, ())
        assert outcome.on_quorum_failure is QuorumFailure.commission


def test_the_required_turnout_rounds_up_and_an_empty_roll_never_meets_a_quorum():
    assert required_turnout(7, 50) == 4
    assert required_turnout(300, 33) == 99
    assert required_turnout(0, 50) == 0
    empty = decide(count(Method.single, [1], []), HALF_QUORUM, Turnout(0, 0))
    assert empty.reason is OutcomeReason.quorum_failed


def test_a_quorum_needs_a_turnout():
    with pytest.raises(ValueError, match="turnout"):
        decide(count(Method.single, [1], [(1,)]), HALF_QUORUM, None)


@pytest.mark.parametrize(("yes", "no", "elected"), [(4, 3, True), (3, 3, False), (2, 5, False)])
def test_a_lone_candidate_on_a_yes_no_ballot_needs_more_yes_than_no(yes, no, elected):
    result = count(Method.yesno, [9], ballots((yes, (YES,)), (no, (NO,)), (4, ())))

    outcome = decide(result, PLAIN, None)

    assert outcome.elected == ((9,) if elected else ())
    assert outcome.reason is (OutcomeReason.seats_filled if elected else OutcomeReason.rejected)


@pytest.mark.parametrize(("votes", "blank", "elected"), [(6, 4, True), (5, 5, False)])
def test_a_lone_candidate_under_the_share_rule_needs_that_share_of_all_ballots(
    votes, blank, elected
):
    result = count(Method.single, [9], ballots((votes, (9,)), (blank, ())))

    outcome = decide(result, SHARE, None)

    assert outcome.elected == ((9,) if elected else ())
    assert outcome.reason is (OutcomeReason.seats_filled if elected else OutcomeReason.below_share)


def test_rules_read_back_exactly_and_refuse_anything_else():
    rules = ValidityRules(40, QuorumScope.election, QuorumFailure.commission, True, LoneRule.share)

    assert ValidityRules.from_dict(rules.as_dict()) == rules
    for broken in (
        {**rules.as_dict(), "majority": 1},
        {**rules.as_dict(), "quorum_percent": 101},
        {**rules.as_dict(), "quorum_percent": True},
        {**rules.as_dict(), "lone_candidate": "acclamation"},
        {**rules.as_dict(), "extra": 1},
    ):
        with pytest.raises((ValueError, TypeError)):
            ValidityRules.from_dict(broken)


RULE_SETS = [
    ValidityRules(quorum, QuorumScope.position, failure, majority, lone)
    for quorum, failure, majority, lone in itertools.product(
        (0, 30), QuorumFailure, (False, True), LoneRule
    )
]
SHAPES = {
    "all blank, one candidate": (Method.single, [1], 1, [()] * 5),
    "all blank, two for two": (Method.multi, [1, 2], 2, [()] * 5),
    "one candidate": (Method.single, [1], 1, ballots((3, (1,)), (2, ()))),
    "two tied": (Method.single, [1, 2], 1, ballots((3, (1,)), (3, (2,)))),
    "plurality short of a majority": (
        Method.single,
        [1, 2, 3],
        1,
        ballots((3, (1,)), (2, (2,)), (2, (3,))),
    ),
    "clear majority": (Method.single, [1, 2], 1, ballots((5, (1,)), (1, (2,)))),
    "yes-no": (Method.yesno, [1], 1, ballots((3, (YES,)), (2, (NO,)))),
    "ranked": (Method.ranked, [1, 2, 3], 1, ballots((3, (1, 2)), (2, (2, 3)), (2, (3, 1)))),
    "stv with an unvoted seat": (Method.ranked, [1, 2, 3], 3, ballots((4, (1,)), (2, (2,)))),
}
TURNOUTS = {"quorum just under": Turnout(21, 6), "quorum just over": Turnout(20, 6)}


@pytest.mark.parametrize("rules", RULE_SETS, ids=str)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("turnout", TURNOUTS)
def test_every_combination_gives_one_consistent_outcome(rules, shape, turnout):
    method, candidates, seats, cast = SHAPES[shape]
    result = count(method, candidates, cast, seats=seats)

    outcome = decide(result, rules, TURNOUTS[turnout])

    assert set(outcome.elected) <= set(result.elected)
    assert (outcome.kind is OutcomeKind.elected) == bool(outcome.elected) or (
        outcome.kind is OutcomeKind.lot
    )
    if outcome.kind in (OutcomeKind.elected, OutcomeKind.not_elected):
        assert len(outcome.elected) + outcome.empty_seats == seats
    if result.valid_ballots == 0 or (outcome.quorum and not outcome.quorum.met):
        assert outcome.elected == ()
    if outcome.kind is OutcomeKind.runoff:
        assert rules.majority
        assert len(outcome.contenders) >= 2
    if rules.quorum_percent:
        assert outcome.quorum is not None
        assert outcome.quorum.met is (turnout == "quorum just over")
    assert decide(result, rules, TURNOUTS[turnout]) == outcome  # decided the same every time


@settings(max_examples=300, deadline=None)
@given(
    seats=st.integers(1, 3),
    marks=st.lists(st.lists(st.integers(1, 4), max_size=3, unique=True), max_size=12),
    majority=st.booleans(),
)
def test_nobody_is_ever_elected_without_a_vote(seats, marks, majority):
    cast = [tuple(ballot[:seats]) for ballot in marks]
    result = count(Method.multi, [1, 2, 3, 4], cast, seats=seats)

    outcome = decide(result, ValidityRules(majority=majority), None)

    voted_for = {mark for ballot in cast for mark in ballot}
    assert set(outcome.elected) <= voted_for
    assert len(outcome.elected) + outcome.empty_seats <= seats
