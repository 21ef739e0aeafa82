"""Hand-worked counts for every method, their ties, refusals and JSON export."""

import json
from fractions import Fraction as F

import pytest

from elections.domain.counting import (
    NO,
    YES,
    Ballot,
    BallotProblem,
    Decision,
    ElectionProblem,
    InvalidBallotError,
    InvalidElectionError,
    InvalidLotError,
    LotProblem,
    Method,
    StepKind,
    TallyResult,
    TraceStep,
    count,
    ranked,
    result_to_dict,
)


def copies(*groups: tuple[int, Ballot]) -> list[Ballot]:
    """Spell a profile as (copies, ballot) pairs."""
    return [ballot for n, ballot in groups for _ in range(n)]


def steps(result: TallyResult, kind: StepKind) -> list[TraceStep]:
    """The trace steps of one kind."""
    return [step for step in result.trace if step.kind is kind]


def counts(result: TallyResult) -> list[dict]:
    """The tallies of each round, as a witness would copy them off the result sheet."""
    return [dict(step.tallies) for step in steps(result, StepKind.COUNT)]


# Plurality: single and multi


def test_single_elects_most_marks_and_reports_blanks_apart() -> None:
    result = count(Method.SINGLE, [1, 2, 3], copies((5, (1,)), (3, (2,)), (1, (3,)), (2, ())))

    assert result.elected == (1,)
    assert result.complete
    assert result.lot_required is None
    assert (result.total_ballots, result.valid_ballots, result.blank_ballots) == (11, 9, 2)
    assert result.first_counts == {1: 5, 2: 3, 3: 1}
    assert [step.kind for step in result.trace] == [StepKind.COUNT, StepKind.ELECTED]
    assert result.trace[0].tallies == {1: 5, 2: 3, 3: 1}
    assert result.trace[1].value == 5


def test_single_tie_for_the_seat_requires_a_lot_for_exactly_the_tied() -> None:
    result = count(Method.SINGLE, [1, 2, 3], copies((4, (1,)), (4, (2,)), (1, (3,))))

    assert result.lot_required == frozenset({1, 2})
    assert result.elected == ()
    assert not result.complete
    assert result.trace[-1] == TraceStep(
        StepKind.LOT_REQUIRED, 1, (1, 2), decision=Decision.SEAT
    )


@pytest.mark.parametrize(("lot", "winner"), [((1, 2), 1), ((2, 1), 2), ((3, 2, 1), 2)])
def test_single_tie_follows_the_lot_covering_the_tied(lot: tuple[int, ...], winner: int) -> None:
    result = count(Method.SINGLE, [1, 2, 3], copies((4, (1,)), (4, (2,)), (1, (3,))), lots=[lot])

    assert result.elected == (winner,)
    assert result.complete
    (tie,) = steps(result, StepKind.TIE_LOT)
    assert tie.chosen == (winner,)
    assert tie.order == tuple(c for c in lot if c in (1, 2))


def test_lot_that_misses_a_tied_candidate_does_not_settle_the_tie() -> None:
    ballots = copies((4, (1,)), (4, (2,)), (4, (3,)))

    result = count(Method.SINGLE, [1, 2, 3], ballots, lots=[(1, 2)])

    assert result.lot_required == frozenset({1, 2, 3})


def test_single_tie_below_the_winner_needs_no_lot() -> None:
    result = count(Method.SINGLE, [1, 2, 3], copies((5, (1,)), (2, (2,)), (2, (3,))))

    assert result.elected == (1,)
    assert result.complete
    assert not steps(result, StepKind.LOT_REQUIRED)


def test_single_with_several_seats_elects_the_top_ones() -> None:
    ballots = copies((5, (1,)), (2, (2,)), (4, (3,)), (1, (4,)))

    result = count(Method.SINGLE, [1, 2, 3, 4], ballots, seats=2)

    assert result.elected == (1, 3)


def test_multi_elects_the_most_marked_and_orders_them_by_marks() -> None:
    ballots = copies((3, (1, 2)), (2, (2, 3)), (1, (4,)), (1, ()))

    result = count(Method.MULTI, [1, 2, 3, 4], ballots, seats=2)

    assert result.elected == (2, 1)
    assert result.first_counts == {1: 3, 2: 5, 3: 2, 4: 1}
    assert result.valid_ballots == 6
    assert result.blank_ballots == 1


def test_multi_tie_across_the_last_seat_requires_a_lot() -> None:
    ballots = copies((5, (1, 2)), (3, (3, 4)), (3, (2,)))

    result = count(Method.MULTI, [1, 2, 3, 4], ballots, seats=3)

    assert result.elected == (2, 1)
    assert result.lot_required == frozenset({3, 4})


def test_multi_tie_across_the_last_seat_follows_the_lot() -> None:
    ballots = copies((5, (1, 2)), (3, (3, 4)), (3, (2,)))

    result = count(Method.MULTI, [1, 2, 3, 4], ballots, seats=3, lots=[(4, 3)])

    assert result.elected == (2, 1, 4)
    assert result.complete


def test_multi_tie_among_winners_needs_no_lot() -> None:
    ballots = copies((4, (1, 2)), (1, (3,)))

    result = count(Method.MULTI, [1, 2, 3], ballots, seats=2)

    assert set(result.elected) == {1, 2}
    assert result.complete


def test_plurality_with_fewer_candidates_than_seats_elects_them_all() -> None:
    result = count(Method.MULTI, [1, 2], [(1,)], seats=3)

    assert result.elected == (1, 2)
    assert result.complete


def test_plurality_with_only_blank_ballots_is_a_tie_at_zero() -> None:
    result = count(Method.SINGLE, [1, 2], [(), ()])

    assert result.lot_required == frozenset({1, 2})
    assert result.valid_ballots == 0


# Instant-runoff


def test_irv_several_rounds_with_exhaustion_and_backwards_tie_breaking() -> None:
    ballots = copies(
        (8, (1,)), (4, (2, 1)), (3, (2, 3)), (5, (3, 2)), (2, (4, 3)), (1, (4,)), (2, ())
    )

    result = count(Method.RANKED, [1, 2, 3, 4], ballots)

    assert counts(result) == [{1: 8, 2: 7, 3: 5, 4: 3}, {1: 8, 2: 7, 3: 7}, {1: 8, 2: 12}]
    assert [step.exhausted for step in steps(result, StepKind.COUNT)] == [0, 1, 3]
    assert steps(result, StepKind.ELIMINATED)[0].candidates == (4,)
    (tie,) = steps(result, StepKind.TIE_BACKWARDS)
    assert (tie.candidates, tie.chosen, tie.earlier_round) == ((2, 3), (3,), 1)
    assert steps(result, StepKind.ELIMINATED)[1].candidates == (3,)
    assert result.trace[-1] == TraceStep(StepKind.MAJORITY, 3, (2,), value=F(12), total=F(20))
    assert result.elected == (2,)
    assert result.exhausted == 3
    assert result.first_counts == {1: 8, 2: 7, 3: 5, 4: 3}
    assert result.blank_ballots == 2
    assert result.quota is None


def test_irv_majority_in_the_first_round_ends_the_count() -> None:
    result = count(Method.RANKED, [1, 2, 3], copies((6, (1,)), (3, (2, 1)), (2, (3,))))

    assert [step.kind for step in result.trace] == [StepKind.COUNT, StepKind.MAJORITY]
    assert result.elected == (1,)


def test_irv_majority_base_leaves_out_blank_and_exhausted_ballots() -> None:
    ballots = copies((5, (1,)), (4, (2,)), (2, (3,)), (9, ()))

    result = count(Method.RANKED, [1, 2, 3], ballots)

    assert result.trace[-1] == TraceStep(StepKind.MAJORITY, 2, (1,), value=F(5), total=F(9))


def test_irv_elimination_tie_with_no_earlier_round_requires_a_lot() -> None:
    ballots = copies((4, (1,)), (3, (2,)), (3, (3, 2)))

    result = count(Method.RANKED, [1, 2, 3], ballots)

    assert result.lot_required == frozenset({2, 3})
    assert result.elected == ()
    assert result.trace[-1] == TraceStep(
        StepKind.LOT_REQUIRED, 1, (2, 3), decision=Decision.ELIMINATION
    )


@pytest.mark.parametrize(("lot", "winner"), [((2, 3), 2), ((3, 2), 1)])
def test_irv_elimination_tie_eliminates_the_last_in_the_lot(
    lot: tuple[int, ...], winner: int
) -> None:
    ballots = copies((4, (1,)), (3, (2,)), (3, (3, 2)))

    result = count(Method.RANKED, [1, 2, 3], ballots, lots=[lot])

    assert result.elected == (winner,)
    (tie,) = steps(result, StepKind.TIE_LOT)
    assert tie.chosen == (lot[-1],)


def test_irv_tie_that_cannot_change_the_winner_needs_no_lot() -> None:
    # 2 and 3 tie; eliminating either first ends with 1 elected, so no lot is asked for.
    ballots = copies((5, (1,)), (2, (2, 4)), (2, (3, 1)), (3, (4,)))

    result = count(Method.RANKED, [1, 2, 3, 4], ballots)

    assert result.elected == (1,)
    assert result.complete
    (tie,) = steps(result, StepKind.TIE_IMMATERIAL)
    assert (tie.candidates, tie.chosen, tie.decision) == ((2, 3), (2,), Decision.ELIMINATION)


def test_irv_tied_candidates_eliminated_together_when_they_would_go_anyway() -> None:
    # 2, 3 and 5 have one vote each, 3 together, fewer than anyone else: all go, in any order.
    ballots = copies((4, (1,)), (4, (4,)), (1, (2, 4)), (1, (3, 4)), (1, (5, 1)))

    result = count(Method.RANKED, [1, 2, 3, 4, 5], ballots)

    (tie,) = steps(result, StepKind.TIE_IMMATERIAL)
    assert tie.chosen == (2, 3, 5)
    assert steps(result, StepKind.ELIMINATED)[0].candidates == (2, 3, 5)
    assert counts(result)[1] == {1: 5, 4: 6}
    assert result.elected == (4,)


def test_irv_candidates_without_votes_are_eliminated_together() -> None:
    ballots = copies((3, (1,)), (2, (2, 1)))

    result = count(Method.RANKED, [1, 2, 3, 4, 5], ballots)

    assert result.elected == (1,)
    assert steps(result, StepKind.TIE_IMMATERIAL) == []


def test_irv_with_only_blank_ballots_needs_a_lot_among_everyone() -> None:
    result = count(Method.RANKED, [1, 2, 3], [(), ()])

    assert result.lot_required == frozenset({1, 2, 3})


def test_irv_with_only_blank_ballots_follows_the_lot_to_the_end() -> None:
    result = count(Method.RANKED, [1, 2, 3], [(), ()], lots=[(2, 3, 1)])

    assert result.elected == (2,)
    assert result.complete


def test_proving_a_tie_immaterial_has_a_limit_beyond_which_a_lot_is_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ranked, "EXPLORATION_LIMIT", 1)
    ballots = copies((5, (1,)), (2, (2, 4)), (2, (3, 1)), (3, (4,)))

    result = count(Method.RANKED, [1, 2, 3, 4], ballots)

    assert result.lot_required == frozenset({2, 3})


# Single transferable vote


def test_stv_surplus_transfer_worked_by_hand() -> None:
    # Wikipedia's dessert example: 20 voters, 3 seats, Droop quota floor(20/4) + 1 = 6.
    oranges, pears, chocolate, strawberries, burgers = 1, 2, 3, 4, 5
    ballots = copies(
        (4, (oranges,)),
        (2, (pears, oranges)),
        (8, (chocolate, strawberries)),
        (4, (chocolate, burgers)),
        (1, (strawberries,)),
        (1, (burgers,)),
    )

    result = count(Method.RANKED, [1, 2, 3, 4, 5], ballots, seats=3)

    assert result.quota == 6
    assert counts(result) == [
        {oranges: 4, pears: 2, chocolate: 12, strawberries: 1, burgers: 1},
        {oranges: 4, pears: 2, chocolate: 6, strawberries: 5, burgers: 3},
        {oranges: 6, chocolate: 6, strawberries: 5, burgers: 3},
        {oranges: 6, chocolate: 6, strawberries: 5},
    ]
    (transfer,) = steps(result, StepKind.TRANSFER)
    assert (transfer.candidates, transfer.value, transfer.weight) == ((chocolate,), 6, F(1, 2))
    assert [s.candidates for s in steps(result, StepKind.ELIMINATED)] == [(pears,), (burgers,)]
    assert steps(result, StepKind.ELECTED)[1] == TraceStep(
        StepKind.ELECTED, 3, (oranges,), value=F(6), bar=F(6)
    )
    assert steps(result, StepKind.ELECTED_REMAINING)[0].candidates == (strawberries,)
    assert result.elected == (chocolate, oranges, strawberries)
    assert result.exhausted == 3


def test_stv_fractional_surplus_stays_exact() -> None:
    # Quota floor(10/3) + 1 = 4; 1 has 7, so 3 of 7 passes on: each ballot carries 3/7.
    ballots = copies((4, (1, 2)), (3, (1, 3)), (1, (2,)), (2, (3,)))

    result = count(Method.RANKED, [1, 2, 3], ballots, seats=2)

    (transfer,) = steps(result, StepKind.TRANSFER)
    assert (transfer.value, transfer.weight) == (3, F(3, 7))
    assert counts(result)[1] == {1: 4, 2: F(19, 7), 3: F(23, 7)}
    assert counts(result)[2] == {1: 4, 3: F(23, 7)}
    assert steps(result, StepKind.COUNT)[2].exhausted == F(19, 7)
    assert result.elected == (1, 3)


def test_stv_inclusive_gregory_reweights_ballots_received_earlier() -> None:
    # Quota floor(23/4) + 1 = 6. 1's surplus 4 of 10 reaches 2 at 2/5 a ballot; 2 then has
    # 8, and its surplus 2 of 8 passes on every ballot it holds at 1/4 of its value: its own
    # at 1/4, those from 1 at 2/5 * 1/4 = 1/10.
    ballots = copies((10, (1, 2, 3)), (4, (2, 4)), (4, (3,)), (3, (4,)), (2, (5,)))

    result = count(Method.RANKED, [1, 2, 3, 4, 5], ballots, seats=3)

    assert [(s.value, s.weight) for s in steps(result, StepKind.TRANSFER)] == [
        (4, F(2, 5)),
        (2, F(1, 4)),
    ]
    assert counts(result)[:3] == [
        {1: 10, 2: 4, 3: 4, 4: 3, 5: 2},
        {1: 6, 2: 8, 3: 4, 4: 3, 5: 2},
        {1: 6, 2: 6, 3: 5, 4: 4, 5: 2},
    ]
    assert result.elected == (1, 2, 3)
    assert result.exhausted == 6


def test_stv_quota_leaves_out_blank_ballots() -> None:
    ballots = copies((5, (1,)), (4, (2,)), (3, (3,)), (30, ()))

    result = count(Method.RANKED, [1, 2, 3], ballots, seats=2)

    assert result.quota == 5
    assert result.elected == (1, 2)


def test_stv_with_no_more_candidates_than_seats_elects_them_all() -> None:
    result = count(Method.RANKED, [1, 2, 3], [(1,)], seats=3)

    assert set(result.elected) == {1, 2, 3}
    assert steps(result, StepKind.ELECTED_REMAINING)


def test_stv_tie_in_surplus_order_requires_a_lot_when_the_order_matters() -> None:
    # Quota 4: 1 and 2 both reach 6. Whichever surplus goes first decides, through
    # backwards tie-breaking, whether 3 or 4 is eliminated later on.
    ballots = copies((6, (1, 3)), (6, (2, 4)), (1, (3,)), (1, (4,)))

    result = count(Method.RANKED, [1, 2, 3, 4], ballots, seats=3)

    assert result.elected == (1, 2)
    assert result.lot_required == frozenset({1, 2})
    assert result.trace[-1].decision is Decision.TRANSFER_ORDER


@pytest.mark.parametrize(("lot", "third"), [((1, 2), 3), ((2, 1), 4)])
def test_stv_tie_in_surplus_order_transfers_the_lot_winner_first(
    lot: tuple[int, ...], third: int
) -> None:
    ballots = copies((6, (1, 3)), (6, (2, 4)), (1, (3,)), (1, (4,)))

    result = count(Method.RANKED, [1, 2, 3, 4], ballots, seats=3, lots=[lot])

    assert steps(result, StepKind.TRANSFER)[0].candidates == lot[:1]
    assert result.elected == (1, 2, third)


def test_stv_tie_in_surplus_order_that_cannot_matter_needs_no_lot() -> None:
    ballots = copies((6, (1, 3)), (6, (2, 3)), (1, (3,)), (3, (4,)))

    result = count(Method.RANKED, [1, 2, 3, 4], ballots, seats=3)

    assert result.elected == (1, 2, 4)
    tie = steps(result, StepKind.TIE_IMMATERIAL)[0]
    assert tie.decision is Decision.TRANSFER_ORDER
    assert steps(result, StepKind.TIE_BACKWARDS)[0].chosen == (3,)


def test_stv_tie_for_the_last_seat_requires_a_lot() -> None:
    ballots = copies((5, (1,)), (2, (2,)), (2, (3,)))

    result = count(Method.RANKED, [1, 2, 3], ballots, seats=2)

    assert result.elected == (1,)
    assert result.lot_required == frozenset({2, 3})


# Yes/no


@pytest.mark.parametrize(
    ("yes", "no", "blank", "passed"),
    [(5, 5, 0, False), (6, 5, 0, True), (0, 0, 4, False), (3, 2, 10, True), (2, 3, 0, False)],
)
def test_yesno_passes_only_strictly_above_half_of_yes_and_no(
    yes: int, no: int, blank: int, passed: bool
) -> None:
    ballots = copies((yes, (YES,)), (no, (NO,)), (blank, ()))

    result = count(Method.YESNO, [7], ballots)

    assert result.passed is passed
    assert result.elected == ((7,) if passed else ())
    assert (result.yes, result.no, result.blank_ballots) == (yes, no, blank)
    assert result.first_counts == {YES: yes, NO: no}
    assert result.complete
    assert result.lot_required is None


def test_yesno_trace_shows_the_share_against_the_threshold() -> None:
    result = count(Method.YESNO, [7], copies((3, (YES,)), (2, (NO,)), (1, ())))

    assert result.trace == (
        TraceStep(StepKind.COUNT, 1, tallies={YES: F(3), NO: F(2)}),
        TraceStep(StepKind.THRESHOLD, 1, (7,), value=F(3, 5), bar=F(1, 2), total=F(5)),
        TraceStep(StepKind.ELECTED, 1, (7,), value=F(3)),
    )


def test_yesno_with_only_blank_ballots_has_no_share_and_fails() -> None:
    result = count(Method.YESNO, [7], [()])

    assert steps(result, StepKind.THRESHOLD)[0].value is None
    assert result.passed is False


@pytest.mark.parametrize(("yes", "passed"), [(4, False), (5, True)])
def test_yesno_threshold_is_configurable(yes: int, passed: bool) -> None:
    ballots = copies((yes, (YES,)), (2, (NO,)))

    result = count(Method.YESNO, [7], ballots, threshold=F(2, 3))

    assert result.passed is passed
    assert result.threshold == F(2, 3)


# Refusals


@pytest.mark.parametrize(
    ("method", "seats", "ballot", "problem"),
    [
        (Method.SINGLE, 1, (9,), BallotProblem.UNKNOWN_CANDIDATE),
        (Method.MULTI, 2, (1, 9), BallotProblem.UNKNOWN_CANDIDATE),
        (Method.RANKED, 1, (1, 9), BallotProblem.UNKNOWN_CANDIDATE),
        (Method.RANKED, 1, (YES,), BallotProblem.UNKNOWN_CANDIDATE),
        (Method.MULTI, 2, (1, 1), BallotProblem.DUPLICATE_CANDIDATE),
        (Method.RANKED, 1, (1, 2, 1), BallotProblem.DUPLICATE_CANDIDATE),
        (Method.SINGLE, 1, (1, 2), BallotProblem.TOO_MANY_MARKS),
        (Method.MULTI, 2, (1, 2, 3), BallotProblem.TOO_MANY_MARKS),
        (Method.YESNO, 1, (1,), BallotProblem.NOT_YES_OR_NO),
        (Method.YESNO, 1, ("maybe",), BallotProblem.NOT_YES_OR_NO),
        (Method.YESNO, 1, (YES, NO), BallotProblem.NOT_YES_OR_NO),
        (Method.RANKED, 1, [1, 2], BallotProblem.NOT_A_TUPLE),
        (Method.SINGLE, 1, 1, BallotProblem.NOT_A_TUPLE),
        (Method.SINGLE, 1, "1", BallotProblem.NOT_A_TUPLE),
    ],
)
def test_invalid_ballot_is_refused_with_its_reason(
    method: Method, seats: int, ballot: object, problem: BallotProblem
) -> None:
    candidates = [1] if method is Method.YESNO else [1, 2, 3]

    with pytest.raises(InvalidBallotError) as refusal:
        count(method, candidates, [(1,) if method is not Method.YESNO else (YES,), ballot],
              seats=seats)  # fmt: skip

    assert refusal.value.problem is problem


@pytest.mark.parametrize(
    ("method", "candidates", "seats", "threshold", "problem"),
    [
        ("borda", [1, 2], 1, F(1, 2), ElectionProblem.UNKNOWN_METHOD),
        (Method.SINGLE, [], 1, F(1, 2), ElectionProblem.NO_CANDIDATES),
        (Method.SINGLE, [1, "2"], 1, F(1, 2), ElectionProblem.BAD_CANDIDATE_ID),
        (Method.RANKED, [1, 2, 1], 1, F(1, 2), ElectionProblem.DUPLICATE_CANDIDATE),
        (Method.MULTI, [1, 2], 0, F(1, 2), ElectionProblem.BAD_SEATS),
        (Method.YESNO, [1, 2], 1, F(1, 2), ElectionProblem.NOT_ONE_CANDIDATE),
        (Method.YESNO, [1], 2, F(1, 2), ElectionProblem.NOT_ONE_CANDIDATE),
        (Method.YESNO, [1], 1, F(1), ElectionProblem.BAD_THRESHOLD),
        (Method.YESNO, [1], 1, F(-1, 2), ElectionProblem.BAD_THRESHOLD),
        (Method.YESNO, [1], 1, 0.5, ElectionProblem.BAD_THRESHOLD),
    ],
)
def test_invalid_election_is_refused_with_its_reason(
    method: str, candidates: list, seats: int, threshold: F, problem: ElectionProblem
) -> None:
    with pytest.raises(InvalidElectionError) as refusal:
        count(method, candidates, [], seats=seats, threshold=threshold)

    assert refusal.value.problem is problem


@pytest.mark.parametrize(
    ("lot", "problem"),
    [((1, 9), LotProblem.UNKNOWN_CANDIDATE), ((1, 2, 1), LotProblem.DUPLICATE_CANDIDATE)],
)
def test_invalid_lot_is_refused_with_its_reason(lot: tuple[int, ...], problem: LotProblem) -> None:
    with pytest.raises(InvalidLotError) as refusal:
        count(Method.SINGLE, [1, 2], [(1,)], lots=[lot])

    assert refusal.value.problem is problem


def test_method_may_be_given_as_its_stored_value() -> None:
    assert count("single", [1, 2], [(2,)]).method is Method.SINGLE


# Export


def test_result_to_dict_is_json_and_keeps_figures_exact() -> None:
    ballots = copies((4, (1, 2)), (3, (1, 3)), (1, (2,)), (2, (3,)))
    result = count(Method.RANKED, [1, 2, 3], ballots, seats=2)

    exported = json.loads(json.dumps(result_to_dict(result)))

    assert exported["method"] == "ranked"
    assert exported["elected"] == [1, 3]
    assert exported["quota"] == "4"
    assert exported["exhausted"] == "19/7"
    assert exported["first_counts"] == {"1": 7, "2": 1, "3": 2}
    assert exported["lot_required"] is None
    second_count = exported["trace"][3]
    assert second_count["kind"] == "count"
    assert second_count["tallies"] == {"1": "4", "2": "19/7", "3": "23/7"}
    assert F(exported["trace"][2]["weight"]) == F(3, 7)
    assert {tuple(step) for step in exported["trace"]} == {tuple(exported["trace"][0])}


def test_result_to_dict_writes_yesno_and_lot_required() -> None:
    yesno = result_to_dict(count(Method.YESNO, [7], [(YES,), (NO,)]))
    tie = result_to_dict(count(Method.SINGLE, [2, 1], [(1,), (2,)]))

    assert (yesno["passed"], yesno["yes"], yesno["no"], yesno["threshold"]) == (False, 1, 1, "1/2")
    assert yesno["trace"][0]["tallies"] == {"yes": "1", "no": "1"}
    assert tie["lot_required"] == [1, 2]
    assert tie["trace"][-1]["decision"] == "seat"
