"""Hand-worked counts for every method, their ties, refusals and JSON export."""

import json
from fractions import Fraction

import pytest

from elections.domain.counting import (
    NO,
    YES,
    Ballot,
    BallotProblem,
    CountRefused,
    Decision,
    ElectionProblem,
    InvalidBallot,
    InvalidElection,
    InvalidLot,
    LotProblem,
    Method,
    StepKind,
    TallyResult,
    TraceStep,
    count,
    ranked,
    result_to_dict,
)
from elections.domain.errors import DomainError


def copies(*groups: tuple[int, Ballot]) -> list[Ballot]:
    """Spell a profile as (copies, ballot) pairs."""
    return [ballot for n, ballot in groups for _ in range(n)]


def steps(result: TallyResult, kind: StepKind) -> list[TraceStep]:
    """The trace steps of one kind."""
    return [step for step in result.trace if step.kind is kind]


def counts(result: TallyResult) -> list[dict]:
    """The tallies of each round, as a witness would copy them off the result sheet."""
    return [dict(step.tallies) for step in steps(result, StepKind.count)]


# Plurality: single and multi


def test_single_elects_most_marks_and_reports_blanks_apart() -> None:
    result = count(Method.single, [1, 2, 3], copies((5, (1,)), (3, (2,)), (1, (3,)), (2, ())))

    assert result.elected == (1,)
    assert result.complete
    assert result.lot_required is None
    assert (result.total_ballots, result.valid_ballots, result.blank_ballots) == (11, 9, 2)
    assert result.first_counts == {1: 5, 2: 3, 3: 1}
    assert [step.kind for step in result.trace] == [StepKind.count, StepKind.elected]
    assert result.trace[0].tallies == {1: 5, 2: 3, 3: 1}
    assert result.trace[1].value == 5


def test_single_tie_for_the_seat_requires_a_lot_for_exactly_the_tied() -> None:
    result = count(Method.single, [1, 2, 3], copies((4, (1,)), (4, (2,)), (1, (3,))))

    assert result.lot_required == frozenset({1, 2})
    assert result.elected == ()
    assert not result.complete
    assert result.trace[-1] == TraceStep(StepKind.lot_required, 1, (1, 2), decision=Decision.seat)


@pytest.mark.parametrize(("lot", "winner"), [((1, 2), 1), ((2, 1), 2), ((3, 2, 1), 2)])
def test_single_tie_follows_the_lot_covering_the_tied(lot: tuple[int, ...], winner: int) -> None:
    result = count(Method.single, [1, 2, 3], copies((4, (1,)), (4, (2,)), (1, (3,))), lots=[lot])

    assert result.elected == (winner,)
    assert result.complete
    (tie,) = steps(result, StepKind.tie_lot)
    assert tie.chosen == (winner,)
    assert tie.order == tuple(c for c in lot if c in (1, 2))


def test_lot_that_misses_a_tied_candidate_does_not_settle_the_tie() -> None:
    ballots = copies((4, (1,)), (4, (2,)), (4, (3,)))

    result = count(Method.single, [1, 2, 3], ballots, lots=[(1, 2)])

    assert result.lot_required == frozenset({1, 2, 3})


def test_single_tie_below_the_winner_needs_no_lot() -> None:
    result = count(Method.single, [1, 2, 3], copies((5, (1,)), (2, (2,)), (2, (3,))))

    assert result.elected == (1,)
    assert result.complete
    assert not steps(result, StepKind.lot_required)


def test_single_with_several_seats_elects_the_top_ones() -> None:
    ballots = copies((5, (1,)), (2, (2,)), (4, (3,)), (1, (4,)))

    result = count(Method.single, [1, 2, 3, 4], ballots, seats=2)

    assert result.elected == (1, 3)


def test_multi_elects_the_most_marked_and_orders_them_by_marks() -> None:
    ballots = copies((3, (1, 2)), (2, (2, 3)), (1, (4,)), (1, ()))

    result = count(Method.multi, [1, 2, 3, 4], ballots, seats=2)

    assert result.elected == (2, 1)
    assert result.first_counts == {1: 3, 2: 5, 3: 2, 4: 1}
    assert result.valid_ballots == 6
    assert result.blank_ballots == 1


def test_multi_tie_across_the_last_seat_requires_a_lot() -> None:
    ballots = copies((5, (1, 2)), (3, (3, 4)), (3, (2,)))

    result = count(Method.multi, [1, 2, 3, 4], ballots, seats=3)

    assert result.elected == (2, 1)
    assert result.lot_required == frozenset({3, 4})


def test_multi_tie_across_the_last_seat_follows_the_lot() -> None:
    ballots = copies((5, (1, 2)), (3, (3, 4)), (3, (2,)))

    result = count(Method.multi, [1, 2, 3, 4], ballots, seats=3, lots=[(4, 3)])

    assert result.elected == (2, 1, 4)
    assert result.complete


def test_multi_tie_among_winners_needs_no_lot() -> None:
    ballots = copies((4, (1, 2)), (1, (3,)))

    result = count(Method.multi, [1, 2, 3], ballots, seats=2)

    assert set(result.elected) == {1, 2}
    assert result.complete


def test_plurality_with_fewer_candidates_than_seats_elects_those_with_marks() -> None:
    result = count(Method.multi, [1, 2, 3], [(1,), (1, 2)], seats=4)

    assert result.elected == (1, 2)
    assert result.complete


def test_plurality_never_elects_a_candidate_without_a_mark() -> None:
    lone = count(Method.single, [1], [(), (), ()])
    pair = count(Method.multi, [1, 2], [(), ()], seats=2)
    zero_tie = count(Method.multi, [1, 2, 3, 4], [(1,)] * 5, seats=3)

    assert (lone.elected, lone.complete, lone.valid_ballots) == ((), True, 0)
    assert (pair.elected, pair.complete) == ((), True)
    assert (zero_tie.elected, zero_tie.complete, zero_tie.lot_required) == ((1,), True, None)


# Instant-runoff


def test_irv_several_rounds_with_exhaustion_and_backwards_tie_breaking() -> None:
    ballots = copies(
        (8, (1,)), (4, (2, 1)), (3, (2, 3)), (5, (3, 2)), (2, (4, 3)), (1, (4,)), (2, ())
    )

    result = count(Method.ranked, [1, 2, 3, 4], ballots)

    assert counts(result) == [{1: 8, 2: 7, 3: 5, 4: 3}, {1: 8, 2: 7, 3: 7}, {1: 8, 2: 12}]
    assert [step.exhausted for step in steps(result, StepKind.count)] == [0, 1, 3]
    assert steps(result, StepKind.eliminated)[0].candidates == (4,)
    (tie,) = steps(result, StepKind.tie_backwards)
    assert (tie.candidates, tie.chosen, tie.earlier_round) == ((2, 3), (3,), 1)
    assert steps(result, StepKind.eliminated)[1].candidates == (3,)
    assert result.trace[-1] == TraceStep(
        StepKind.majority, 3, (2,), value=Fraction(12), total=Fraction(20)
    )
    assert result.elected == (2,)
    assert result.exhausted == 3
    assert result.first_counts == {1: 8, 2: 7, 3: 5, 4: 3}
    assert result.blank_ballots == 2
    assert result.quota is None


def test_irv_majority_in_the_first_round_ends_the_count() -> None:
    result = count(Method.ranked, [1, 2, 3], copies((6, (1,)), (3, (2, 1)), (2, (3,))))

    assert [step.kind for step in result.trace] == [StepKind.count, StepKind.majority]
    assert result.elected == (1,)


def test_irv_majority_base_leaves_out_blank_and_exhausted_ballots() -> None:
    ballots = copies((5, (1,)), (4, (2,)), (2, (3,)), (9, ()))

    result = count(Method.ranked, [1, 2, 3], ballots)

    assert result.trace[-1] == TraceStep(
        StepKind.majority, 2, (1,), value=Fraction(5), total=Fraction(9)
    )


def test_irv_elimination_tie_with_no_earlier_round_requires_a_lot() -> None:
    ballots = copies((4, (1,)), (3, (2,)), (3, (3, 2)))

    result = count(Method.ranked, [1, 2, 3], ballots)

    assert result.lot_required == frozenset({2, 3})
    assert result.elected == ()
    assert result.trace[-1] == TraceStep(
        StepKind.lot_required, 1, (2, 3), decision=Decision.elimination
    )


@pytest.mark.parametrize(("lot", "winner"), [((2, 3), 2), ((3, 2), 1)])
def test_irv_elimination_tie_eliminates_the_last_in_the_lot(
    lot: tuple[int, ...], winner: int
) -> None:
    ballots = copies((4, (1,)), (3, (2,)), (3, (3, 2)))

    result = count(Method.ranked, [1, 2, 3], ballots, lots=[lot])

    assert result.elected == (winner,)
    (tie,) = steps(result, StepKind.tie_lot)
    assert tie.chosen == (lot[-1],)


def test_irv_tie_that_cannot_change_the_winner_needs_no_lot() -> None:
    # 2 and 3 tie; eliminating either first ends with 1 elected, so no lot is asked for.
    ballots = copies((5, (1,)), (2, (2, 4)), (2, (3, 1)), (3, (4,)))

    result = count(Method.ranked, [1, 2, 3, 4], ballots)

    assert result.elected == (1,)
    assert result.complete
    (tie,) = steps(result, StepKind.tie_immaterial)
    assert (tie.candidates, tie.chosen, tie.decision) == ((2, 3), (2,), Decision.elimination)


def test_irv_tied_candidates_whose_ballots_go_nowhere_are_eliminated_together() -> None:
    # 2 and 3 hold one ballot each that ranks nobody else: in any order, eliminating them only
    # exhausts those two ballots, so they go together and no lot is asked for.
    ballots = copies((4, (1, 4)), (3, (4, 1)), (1, (2,)), (1, (3,)), (2, (5, 1)))

    result = count(Method.ranked, [1, 2, 3, 4, 5], ballots)

    (tie,) = steps(result, StepKind.tie_immaterial)
    assert (tie.candidates, tie.chosen) == ((2, 3), (2, 3))
    assert steps(result, StepKind.eliminated)[0].candidates == (2, 3)
    assert counts(result)[1] == {1: 4, 4: 3, 5: 2}
    assert steps(result, StepKind.count)[1].exhausted == 2
    assert result.elected == (1,)


def test_irv_candidates_without_votes_are_eliminated_together() -> None:
    ballots = copies((3, (1,)), (2, (2, 1)), (1, (4,)))

    result = count(Method.ranked, [1, 2, 3, 4, 5], ballots)

    assert steps(result, StepKind.eliminated)[0].candidates == (3, 5)
    assert result.elected == (1,)


def test_irv_with_only_blank_ballots_needs_a_lot_among_everyone() -> None:
    result = count(Method.ranked, [1, 2, 3], [(), ()])

    assert result.lot_required == frozenset({1, 2, 3})


def test_irv_with_only_blank_ballots_follows_the_lot_to_the_end() -> None:
    result = count(Method.ranked, [1, 2, 3], [(), ()], lots=[(2, 3, 1)])

    assert result.elected == (2,)
    assert result.complete


def test_proving_a_tie_immaterial_has_a_limit_beyond_which_a_lot_is_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ranked, "EXPLORATION_LIMIT", 1)
    ballots = copies((5, (1,)), (2, (2, 4)), (2, (3, 1)), (3, (4,)))

    result = count(Method.ranked, [1, 2, 3, 4], ballots)

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

    result = count(Method.ranked, [1, 2, 3, 4, 5], ballots, seats=3)

    assert result.quota == 6
    assert counts(result) == [
        {oranges: 4, pears: 2, chocolate: 12, strawberries: 1, burgers: 1},
        {oranges: 4, pears: 2, chocolate: 6, strawberries: 5, burgers: 3},
        {oranges: 6, chocolate: 6, strawberries: 5, burgers: 3},
        {oranges: 6, chocolate: 6, strawberries: 5},
    ]
    (transfer,) = steps(result, StepKind.transfer)
    assert (transfer.candidates, transfer.value, transfer.weight) == (
        (chocolate,),
        6,
        Fraction(1, 2),
    )
    assert [s.candidates for s in steps(result, StepKind.eliminated)] == [(pears,), (burgers,)]
    assert steps(result, StepKind.elected)[1] == TraceStep(
        StepKind.elected, 3, (oranges,), value=Fraction(6), bar=Fraction(6)
    )
    assert steps(result, StepKind.elected_remaining)[0].candidates == (strawberries,)
    assert result.elected == (chocolate, oranges, strawberries)
    assert result.exhausted == 3


def test_stv_fractional_surplus_stays_exact() -> None:
    # Quota floor(10/3) + 1 = 4; 1 has 7, so 3 of 7 passes on: each ballot carries 3/7.
    ballots = copies((4, (1, 2)), (3, (1, 3)), (1, (2,)), (2, (3,)))

    result = count(Method.ranked, [1, 2, 3], ballots, seats=2)

    (transfer,) = steps(result, StepKind.transfer)
    assert (transfer.value, transfer.weight) == (3, Fraction(3, 7))
    assert counts(result)[1] == {1: 4, 2: Fraction(19, 7), 3: Fraction(23, 7)}
    assert counts(result)[2] == {1: 4, 3: Fraction(23, 7)}
    assert steps(result, StepKind.count)[2].exhausted == Fraction(19, 7)
    assert result.elected == (1, 3)


def test_stv_inclusive_gregory_reweights_ballots_received_earlier() -> None:
    # Quota floor(23/4) + 1 = 6. 1's surplus 4 of 10 reaches 2 at 2/5 a ballot; 2 then has
    # 8, and its surplus 2 of 8 passes on every ballot it holds at 1/4 of its value: its own
    # at 1/4, those from 1 at 2/5 * 1/4 = 1/10.
    ballots = copies((10, (1, 2, 3)), (4, (2, 4)), (4, (3,)), (3, (4,)), (2, (5,)))

    result = count(Method.ranked, [1, 2, 3, 4, 5], ballots, seats=3)

    assert [(s.value, s.weight) for s in steps(result, StepKind.transfer)] == [
        (4, Fraction(2, 5)),
        (2, Fraction(1, 4)),
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

    result = count(Method.ranked, [1, 2, 3], ballots, seats=2)

    assert result.quota == 5
    assert result.elected == (1, 2)


def test_stv_with_no_more_candidates_than_seats_elects_them_all() -> None:
    result = count(Method.ranked, [1, 2, 3], [(1,)], seats=3)

    assert set(result.elected) == {1, 2, 3}
    assert steps(result, StepKind.elected_remaining)


def test_stv_tie_in_surplus_order_requires_a_lot_when_the_order_matters() -> None:
    # Quota 4: 1 and 2 both reach 6. Whichever surplus goes first decides, through
    # backwards tie-breaking, whether 3 or 4 is eliminated later on.
    ballots = copies((6, (1, 3)), (6, (2, 4)), (1, (3,)), (1, (4,)))

    result = count(Method.ranked, [1, 2, 3, 4], ballots, seats=3)

    assert result.elected == (1, 2)
    assert result.lot_required == frozenset({1, 2})
    assert result.trace[-1].decision is Decision.transfer_order


@pytest.mark.parametrize(("lot", "third"), [((1, 2), 3), ((2, 1), 4)])
def test_stv_tie_in_surplus_order_transfers_the_lot_winner_first(
    lot: tuple[int, ...], third: int
) -> None:
    ballots = copies((6, (1, 3)), (6, (2, 4)), (1, (3,)), (1, (4,)))

    result = count(Method.ranked, [1, 2, 3, 4], ballots, seats=3, lots=[lot])

    assert steps(result, StepKind.transfer)[0].candidates == lot[:1]
    assert result.elected == (1, 2, third)


def test_stv_tie_in_surplus_order_that_cannot_matter_needs_no_lot() -> None:
    ballots = copies((6, (1, 3)), (6, (2, 3)), (1, (3,)), (3, (4,)))

    result = count(Method.ranked, [1, 2, 3, 4], ballots, seats=3)

    assert result.elected == (1, 2, 4)
    tie = steps(result, StepKind.tie_immaterial)[0]
    assert tie.decision is Decision.transfer_order
    assert steps(result, StepKind.tie_backwards)[0].chosen == (3,)


def test_stv_tie_when_the_last_seat_is_already_certain_needs_no_lot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Quota 6: 5 is elected; 1 holds 5 of the 9 continuing votes, more than 2 and 3 together,
    # so 1 takes the last seat whichever of them goes first, with no trial recount needed.
    monkeypatch.setattr(ranked, "EXPLORATION_LIMIT", 0)
    ballots = copies((6, (5,)), (5, (1,)), (2, (2, 3)), (2, (3, 2)))

    result = count(Method.ranked, [1, 2, 3, 5], ballots, seats=2)

    (tie,) = steps(result, StepKind.tie_immaterial)
    assert (tie.candidates, tie.chosen) == ((2, 3), (2,))
    assert result.elected == (5, 1)


def test_stv_tie_for_the_last_seat_requires_a_lot() -> None:
    ballots = copies((5, (1,)), (2, (2,)), (2, (3,)))

    result = count(Method.ranked, [1, 2, 3], ballots, seats=2)

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

    result = count(Method.yesno, [7], ballots)

    assert result.passed is passed
    assert result.elected == ((7,) if passed else ())
    assert (result.yes, result.no, result.blank_ballots) == (yes, no, blank)
    assert result.first_counts == {YES: yes, NO: no}
    assert result.complete
    assert result.lot_required is None


def test_yesno_trace_shows_the_share_against_the_threshold() -> None:
    result = count(Method.yesno, [7], copies((3, (YES,)), (2, (NO,)), (1, ())))

    assert result.trace == (
        TraceStep(StepKind.count, 1, tallies={YES: Fraction(3), NO: Fraction(2)}),
        TraceStep(
            StepKind.threshold, 1, (7,), value=Fraction(3, 5), bar=Fraction(1, 2), total=Fraction(5)
        ),
        TraceStep(StepKind.elected, 1, (7,), value=Fraction(3)),
    )


def test_yesno_with_only_blank_ballots_has_no_share_and_fails() -> None:
    result = count(Method.yesno, [7], [()])

    assert steps(result, StepKind.threshold)[0].value is None
    assert result.passed is False


@pytest.mark.parametrize(("yes", "passed"), [(4, False), (5, True)])
def test_yesno_threshold_is_configurable(yes: int, passed: bool) -> None:
    ballots = copies((yes, (YES,)), (2, (NO,)))

    result = count(Method.yesno, [7], ballots, threshold=Fraction(2, 3))

    assert result.passed is passed
    assert result.threshold == Fraction(2, 3)


# Refusals


@pytest.mark.parametrize(
    ("method", "seats", "ballot", "problem"),
    [
        (Method.single, 1, (9,), BallotProblem.unknown_candidate),
        (Method.multi, 2, (1, 9), BallotProblem.unknown_candidate),
        (Method.ranked, 1, (1, 9), BallotProblem.unknown_candidate),
        (Method.ranked, 1, (YES,), BallotProblem.unknown_candidate),
        (Method.multi, 2, (1, 1), BallotProblem.duplicate_candidate),
        (Method.ranked, 1, (1, 2, 1), BallotProblem.duplicate_candidate),
        (Method.single, 1, (1, 2), BallotProblem.too_many_marks),
        (Method.multi, 2, (1, 2, 3), BallotProblem.too_many_marks),
        (Method.yesno, 1, (1,), BallotProblem.not_yes_or_no),
        (Method.yesno, 1, ("maybe",), BallotProblem.not_yes_or_no),
        (Method.yesno, 1, (YES, NO), BallotProblem.not_yes_or_no),
        (Method.ranked, 1, [1, 2], BallotProblem.not_a_tuple),
        (Method.single, 1, 1, BallotProblem.not_a_tuple),
        (Method.single, 1, "1", BallotProblem.not_a_tuple),
    ],
)
def test_invalid_ballot_is_refused_with_its_reason(
    method: Method, seats: int, ballot: object, problem: BallotProblem
) -> None:
    candidates, valid = ([1], (YES,)) if method is Method.yesno else ([1, 2, 3], (1,))

    with pytest.raises(InvalidBallot) as refusal:
        count(method, candidates, [valid, ballot], seats=seats)

    assert refusal.value.reason is problem


@pytest.mark.parametrize(
    ("method", "candidates", "seats", "threshold", "problem"),
    [
        ("borda", [1, 2], 1, Fraction(1, 2), ElectionProblem.unknown_method),
        (Method.single, [], 1, Fraction(1, 2), ElectionProblem.no_candidates),
        (Method.single, [1, "2"], 1, Fraction(1, 2), ElectionProblem.bad_candidate_id),
        (Method.ranked, [1, 2, 1], 1, Fraction(1, 2), ElectionProblem.duplicate_candidate),
        (Method.multi, [1, 2], 0, Fraction(1, 2), ElectionProblem.bad_seats),
        (Method.yesno, [1, 2], 1, Fraction(1, 2), ElectionProblem.not_one_candidate),
        (Method.yesno, [1], 2, Fraction(1, 2), ElectionProblem.not_one_candidate),
        (Method.yesno, [1], 1, Fraction(1), ElectionProblem.bad_threshold),
        (Method.yesno, [1], 1, Fraction(-1, 2), ElectionProblem.bad_threshold),
        (Method.yesno, [1], 1, 0.5, ElectionProblem.bad_threshold),
    ],
)
def test_invalid_election_is_refused_with_its_reason(
    method: str, candidates: list, seats: int, threshold: Fraction, problem: ElectionProblem
) -> None:
    with pytest.raises(InvalidElection) as refusal:
        count(method, candidates, [], seats=seats, threshold=threshold)

    assert refusal.value.reason is problem


@pytest.mark.parametrize(
    ("lot", "problem"),
    [((1, 9), LotProblem.unknown_candidate), ((1, 2, 1), LotProblem.duplicate_candidate)],
)
def test_invalid_lot_is_refused_with_its_reason(lot: tuple[int, ...], problem: LotProblem) -> None:
    with pytest.raises(InvalidLot) as refusal:
        count(Method.single, [1, 2], [(1,)], lots=[lot])

    assert refusal.value.reason is problem


def test_refusals_are_domain_errors_carrying_what_was_refused() -> None:
    with pytest.raises(CountRefused) as refusal:
        count(Method.ranked, [1, 2], [(1, 3)])

    assert isinstance(refusal.value, DomainError)
    assert refusal.value.status == 500
    assert refusal.value.detail == {"ballot": (1, 3)}
    assert str(refusal.value) == "unknown-candidate"


def test_method_may_be_given_as_its_stored_value() -> None:
    assert count("single", [1, 2], [(2,)]).method is Method.single


# Export


def test_result_to_dict_is_json_and_keeps_figures_exact() -> None:
    ballots = copies((4, (1, 2)), (3, (1, 3)), (1, (2,)), (2, (3,)))
    result = count(Method.ranked, [1, 2, 3], ballots, seats=2)

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
    assert Fraction(exported["trace"][2]["weight"]) == Fraction(3, 7)
    assert all(step.keys() == exported["trace"][0].keys() for step in exported["trace"])


def test_result_to_dict_writes_yesno_and_lot_required() -> None:
    yesno = result_to_dict(count(Method.yesno, [7], [(YES,), (NO,)]))
    tie = result_to_dict(count(Method.single, [2, 1], [(1,), (2,)]))

    assert (yesno["passed"], yesno["yes"], yesno["no"], yesno["threshold"]) == (False, 1, 1, "1/2")
    assert yesno["trace"][0]["tallies"] == {"yes": "1", "no": "1"}
    assert tie["lot_required"] == [1, 2]
    assert tie["trace"][-1]["decision"] == "seat"
