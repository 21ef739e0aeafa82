"""Properties every count must have, checked on generated elections, and pyrankvote cross-checks."""

import random
from collections.abc import Sequence
from fractions import Fraction

import pyrankvote
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from elections.domain.counting import (
    NO,
    YES,
    Ballot,
    CountingRules,
    Method,
    StepKind,
    TallyResult,
    TraceStep,
    count,
)
from elections.domain.counting.ballots import group_ballots
from elections.domain.counting.ranked import count_stv

FAST = settings(max_examples=150, deadline=None)

candidate_ids = st.lists(st.integers(1, 60), min_size=1, max_size=5, unique=True).map(tuple)


def rankings(candidates: tuple[int, ...], shortest: int = 0) -> st.SearchStrategy[Ballot]:
    """Orders of at least `shortest` of the candidates; () is a blank ballot."""
    return st.permutations(candidates).flatmap(
        lambda order: st.integers(shortest, len(order)).map(lambda length: tuple(order[:length]))
    )


@st.composite
def ranked_elections(
    draw: st.DrawFn, max_seats: int = 3
) -> tuple[tuple[int, ...], list[Ballot], int]:
    """Small ranked elections, some truncated or blank ballots, where ties are common."""
    candidates = draw(candidate_ids)
    ballots = draw(st.lists(rankings(candidates), max_size=24))
    return candidates, ballots, draw(st.integers(1, max_seats))


@st.composite
def plurality_elections(draw: st.DrawFn) -> tuple[Method, tuple[int, ...], list[Ballot], int]:
    """Single or multi elections, each ballot marking at most what the method allows."""
    method = draw(st.sampled_from([Method.single, Method.multi]))
    candidates = draw(candidate_ids)
    seats = draw(st.integers(1, 3))
    most = 1 if method is Method.single else seats
    marks = st.lists(st.sampled_from(candidates), unique=True, max_size=most).map(tuple)
    return method, candidates, draw(st.lists(marks, max_size=24)), seats


yesno_elections = st.tuples(
    st.just(Method.yesno),
    candidate_ids.map(lambda ids: ids[:1]),
    st.lists(st.sampled_from([(YES,), (NO,), ()]), max_size=24),
    st.just(1),
)

elections = st.one_of(
    ranked_elections().map(lambda election: (Method.ranked, *election)),
    plurality_elections(),
    yesno_elections,
)


def count_steps(result: TallyResult) -> list[TraceStep]:
    """The count steps of a result's trace."""
    return [step for step in result.trace if step.kind is StepKind.count]


def draw_lot(rng: random.Random, group: frozenset[int]) -> tuple[int, ...]:
    """A committee's draw: the tied candidates in a random order."""
    order = sorted(group)
    rng.shuffle(order)
    return tuple(order)


@FAST
@given(elections, st.randoms(use_true_random=False))
def test_ballot_order_never_changes_the_result(election: tuple, rng: random.Random) -> None:
    method, candidates, ballots, seats = election
    shuffled = list(ballots)
    rng.shuffle(shuffled)

    assert count(method, candidates, shuffled, seats=seats) == count(
        method, candidates, ballots, seats=seats
    )


@FAST
@given(elections)
def test_elected_are_distinct_and_fill_the_seats_when_complete(election: tuple) -> None:
    method, candidates, ballots, seats = election

    result = count(method, candidates, ballots, seats=seats)

    assert len(set(result.elected)) == len(result.elected) <= seats
    assert set(result.elected) <= set(candidates)
    assert result.complete is (result.lot_required is None)
    assert (result.trace[-1].kind is StepKind.lot_required) is not result.complete
    if result.complete and method is Method.ranked:
        assert len(result.elected) == min(seats, len(candidates))
    elif result.complete and method is not Method.yesno:  # nobody is elected without a mark
        marked = {mark for ballot in ballots for mark in ballot}
        assert len(result.elected) == min(seats, len(marked))
    assert result.total_ballots == len(ballots) == result.valid_ballots + result.blank_ballots


@FAST
@given(elections, st.randoms(use_true_random=False))
def test_drawing_each_requested_lot_always_finishes_the_count(
    election: tuple, rng: random.Random
) -> None:
    method, candidates, ballots, seats = election
    lots: list[tuple[int, ...]] = []
    result = count(method, candidates, ballots, seats=seats)
    while not result.complete:
        assert result.lot_required not in [frozenset(lot) for lot in lots]
        lots.append(draw_lot(rng, result.lot_required))
        result = count(method, candidates, ballots, seats=seats, lots=lots)

    assert len(lots) <= len(candidates)


@FAST
@given(elections, st.randoms(use_true_random=False))
def test_a_count_needing_no_lot_is_not_changed_by_any_lot(
    election: tuple, rng: random.Random
) -> None:
    # Ties settled as immaterial must really be so: whatever the committee would draw for any
    # group of candidates, the same candidates are elected.
    method, candidates, ballots, seats = election
    plain = count(method, candidates, ballots, seats=seats)
    assume(plain.complete)
    groups = [frozenset(rng.sample(candidates, rng.randint(1, len(candidates)))) for _ in "abc"]

    with_lots = count(
        method, candidates, ballots, seats=seats, lots=[draw_lot(rng, g) for g in groups]
    )

    assert with_lots.complete
    assert set(with_lots.elected) == set(plain.elected)


@FAST
@given(ranked_elections())
def test_every_ranked_round_accounts_for_every_valid_ballot(election: tuple) -> None:
    candidates, ballots, seats = election

    result = count(Method.ranked, candidates, ballots, seats=seats)

    for step in count_steps(result):
        assert sum(step.tallies.values()) + step.exhausted == result.valid_ballots
        assert all(isinstance(value, Fraction) for value in step.tallies.values())


@FAST
@given(ranked_elections(max_seats=1), st.data())
def test_strict_majority_of_first_preferences_always_wins_irv(
    election: tuple, data: st.DataObject
) -> None:
    candidates, ballots, _ = election
    favourite = data.draw(st.sampled_from(candidates))
    others = [ballot for ballot in ballots if ballot]
    ballots = [(favourite,)] * (len(others) + 1) + others

    result = count(Method.ranked, candidates, ballots)

    assert result.elected == (favourite,)


@FAST
@given(ranked_elections(max_seats=1))
def test_stv_for_one_seat_agrees_with_instant_runoff(election: tuple) -> None:
    candidates, ballots, _ = election
    irv = count(Method.ranked, candidates, ballots)
    grouped = group_ballots(Method.ranked, candidates, 1, ballots)
    stv = count_stv(candidates, grouped, 1, (), CountingRules())

    assert (stv.elected, stv.lot_required) == (irv.elected, irv.lot_required)


@FAST
@given(plurality_elections())
def test_another_vote_for_the_plurality_winner_keeps_them_winning(election: tuple) -> None:
    method, candidates, ballots, seats = election
    result = count(method, candidates, ballots, seats=seats)
    assume(result.complete and result.elected)

    for winner in result.elected:
        again = count(method, candidates, [*ballots, (winner,)], seats=seats)
        assert again.complete
        assert winner in again.elected


@FAST
@given(plurality_elections())
def test_plurality_winners_have_at_least_as_many_marks_as_any_loser(election: tuple) -> None:
    method, candidates, ballots, seats = election

    result = count(method, candidates, ballots, seats=seats)

    losers = set(candidates) - set(result.elected)
    marks = result.first_counts
    if result.complete:
        assert all(marks[w] >= marks[loser] for w in result.elected for loser in losers)
    else:
        assert all(marks[w] > marks[loser] for w in result.elected for loser in losers)


@FAST
@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 5))
def test_yesno_passes_exactly_when_yes_beats_the_threshold(yes: int, no: int, blank: int) -> None:
    ballots = [(YES,)] * yes + [(NO,)] * no + [()] * blank

    result = count(Method.yesno, [1], ballots, threshold=Fraction(1, 2))

    assert result.passed is (yes > no)


# Cross-checks against pyrankvote, on profiles where its rules provably coincide with ours.


def pyrankvote_winners(
    candidates: Sequence[int], ballots: Sequence[Ballot], seats: int
) -> frozenset[int]:
    """Count the non-blank ballots with pyrankvote: IRV for one seat, STV for more."""
    people = {c: pyrankvote.Candidate(str(c)) for c in candidates}
    converted = [pyrankvote.Ballot([people[c] for c in ballot]) for ballot in ballots if ballot]
    if seats == 1:
        result = pyrankvote.instant_runoff_voting(list(people.values()), converted)
    else:
        result = pyrankvote.single_transferable_vote(list(people.values()), converted, seats)
    return frozenset(int(winner.name) for winner in result.get_winners())


def has_no_ties(result: TallyResult) -> bool:
    """Whether no two continuing candidates ever had equal votes."""
    return all(len(set(step.tallies.values())) == len(step.tallies) for step in count_steps(result))


CROSS_CHECK = settings(max_examples=100, deadline=None)


def repeated(groups: list[tuple[Ballot, int]]) -> list[Ballot]:
    """Spell out ballots given as (ballot, copies) groups."""
    return [ballot for ballot, copies in groups for _ in range(copies)]


@st.composite
def contested_elections(draw: st.DrawFn) -> tuple[tuple[int, ...], list[Ballot]]:
    """Groups of identical rankings in various sizes, so that tallies rarely tie."""
    candidates = draw(candidate_ids.filter(lambda ids: len(ids) >= 2))
    groups = st.tuples(rankings(candidates, 1), st.integers(1, 15))
    return candidates, repeated(draw(st.lists(groups, min_size=1, max_size=8)))


@st.composite
def fragmented_elections(draw: st.DrawFn) -> tuple[tuple[int, ...], list[Ballot]]:
    """Many candidates, mostly single-mark ballots: nobody nears a quota until the end."""
    candidates = draw(st.lists(st.integers(1, 60), min_size=5, max_size=7, unique=True))
    loyal = [((candidate,), draw(st.integers(10, 60))) for candidate in candidates]
    transfers = st.lists(st.tuples(rankings(tuple(candidates), 2), st.integers(1, 8)), max_size=6)
    return tuple(candidates), repeated(loyal + draw(transfers))


@CROSS_CHECK
@given(contested_elections())
def test_irv_agrees_with_pyrankvote_when_no_tie_arises(election: tuple) -> None:
    # pyrankvote breaks ties by later preferences or at random and elects at exactly half
    # (votes >= ceil(n / 2)); it also drops several trailing candidates at once when together
    # they cannot catch the next, which ends the same as one at a time when nothing ties.
    # So compare where no tallies are ever equal and nobody ever has exactly half.
    candidates, ballots = election
    ours = count(Method.ranked, candidates, ballots)
    assume(has_no_ties(ours))
    for step in count_steps(ours):
        assume(all(2 * value != sum(step.tallies.values()) for value in step.tallies.values()))

    assert frozenset(ours.elected) == pyrankvote_winners(candidates, ballots, 1)


@CROSS_CHECK
@given(fragmented_elections(), st.integers(2, 3))
def test_stv_agrees_with_pyrankvote_when_no_surplus_is_transferred(
    election: tuple, seats: int
) -> None:
    # pyrankvote's STV differs from ours in its quota (v / (s + 1), reached at >=, not our
    # floor(v / (s + 1)) + 1) and its surplus transfer (the surplus spread evenly over the
    # pile, not weighted inclusive Gregory). They provably coincide only where nobody reaches
    # either quota before the last round, so no surplus is ever transferred and the seats are
    # filled by elimination alone, and where no tie arises (see the IRV check above).
    candidates, ballots = election
    ours = count(Method.ranked, candidates, ballots, seats=seats)
    assume(has_no_ties(ours))
    assume(not any(step.kind is StepKind.elected for step in ours.trace))
    for step in count_steps(ours)[:-1]:
        assume(all(value * (seats + 1) < ours.valid_ballots for value in step.tallies.values()))

    assert frozenset(ours.elected) == pyrankvote_winners(candidates, ballots, seats)
