"""Ballot validation: hostile form values, every refusal reason, storage text and the seal."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elections.domain.ballot import (
    decode_ballot,
    encode_ballot,
    seal_digest,
    validate_multi,
    validate_ranked,
    validate_single,
    validate_yesno,
)
from elections.domain.errors import BallotInvalid, BallotReason

CANDIDATES = frozenset({1, 2, 3})
B = BallotReason

# Everything here must be refused as a value, never crash or be guessed at.
HOSTILE = [
    " ",
    "abc",
    "-1",
    "+1",
    "1e9",
    "0x1",
    "99999999999999999999",
    "9" * 5000,
    "\x00",
    "1\x00",
    "1.5",
    "١",
    "²",
    " 1",
    "1 ",
    "1\n",
]


def refusal(call, *args):
    """Run a validator expected to refuse, returning its error."""
    with pytest.raises(BallotInvalid) as refused:
        call(*args)
    assert refused.value.status == 400
    return refused.value


@pytest.mark.parametrize(("raw", "allow_blank"), [(None, True), ("", True)])
def test_single_blank_when_allowed(raw, allow_blank):
    assert validate_single(CANDIDATES, raw, allow_blank) == ()


@pytest.mark.parametrize("raw", [None, ""])
def test_single_blank_refused_when_not_allowed(raw):
    assert refusal(validate_single, CANDIDATES, raw, False).reason == B.empty


def test_single_choice():
    assert validate_single(CANDIDATES, "2", False) == (2,)


@pytest.mark.parametrize("raw", ["0", "4", "000", "999999999999999999"])
def test_single_unknown_candidate_is_named(raw):
    error = refusal(validate_single, CANDIDATES, raw, True)
    assert error.reason == B.unknown_candidate
    assert error.detail["ids"] == (int(raw),)


@pytest.mark.parametrize("raw", HOSTILE)
@pytest.mark.parametrize("allow_blank", [True, False])
def test_single_hostile_values(raw, allow_blank):
    assert refusal(validate_single, CANDIDATES, raw, allow_blank).reason == B.bad_value


def test_multi_gives_ascending_ids():
    assert validate_multi(CANDIDATES, ["3", "1"], 2, False) == (1, 3)


def test_multi_blank():
    assert validate_multi(CANDIDATES, [], 2, True) == ()
    assert refusal(validate_multi, CANDIDATES, [], 2, False).reason == B.empty


@pytest.mark.parametrize(
    ("raw", "max_choices", "reason", "detail"),
    [
        (["1", "1"], 3, B.duplicate_candidate, {"ids": (1,)}),
        (["2", "1", "2", "1"], 3, B.duplicate_candidate, {"ids": (1, 2)}),
        (["1", "2", "3"], 2, B.too_many, {"max": 2}),
        (["1", "7", "5"], 3, B.unknown_candidate, {"ids": (5, 7)}),
        (["1", ""], 3, B.bad_value, {}),
    ],
)
def test_multi_refusals(raw, max_choices, reason, detail):
    error = refusal(validate_multi, CANDIDATES, raw, max_choices, True)
    assert (error.reason, dict(error.detail)) == (reason, detail)


@pytest.mark.parametrize("raw", HOSTILE)
def test_multi_hostile_values(raw):
    assert refusal(validate_multi, CANDIDATES, ["1", raw], 3, True).reason == B.bad_value


def test_multi_flood_is_refused():
    assert refusal(validate_multi, CANDIDATES, ["1"] * 100_000, 3, True).reason == (
        B.duplicate_candidate
    )


@pytest.mark.parametrize(
    ("ranks", "expected"),
    [
        ({1: "2", 2: "1", 3: "3"}, (2, 1, 3)),
        ({1: "2", 2: "1", 3: ""}, (2, 1)),
        ({3: "1"}, (3,)),
        ({1: "", 2: "1", 3: ""}, (2,)),
    ],
)
def test_ranked_gives_ids_in_preference_order(ranks, expected):
    assert validate_ranked(CANDIDATES, ranks, False) == expected


@pytest.mark.parametrize("ranks", [{}, {1: "", 2: "", 3: ""}])
def test_ranked_blank(ranks):
    assert validate_ranked(CANDIDATES, ranks, True) == ()
    assert refusal(validate_ranked, CANDIDATES, ranks, False).reason == B.empty


@pytest.mark.parametrize(
    ("ranks", "reason", "detail"),
    [
        ({1: "1", 2: "1"}, B.duplicate_rank, {"rank": 1, "ids": (1, 2)}),
        ({1: "1", 2: "2", 3: "2"}, B.duplicate_rank, {"rank": 2, "ids": (2, 3)}),
        ({1: "1", 2: "3"}, B.missing_rank, {"rank": 2}),
        ({1: "2"}, B.missing_rank, {"rank": 1}),
        ({1: "1", 2: "4"}, B.bad_rank, {"ids": (2,)}),
        ({1: "0"}, B.bad_rank, {"ids": (1,)}),
        ({1: "1", 9: "2"}, B.unknown_candidate, {"ids": (9,)}),
        ({1: "1", 9: ""}, B.unknown_candidate, {"ids": (9,)}),
    ],
)
def test_ranked_refusals(ranks, reason, detail):
    error = refusal(validate_ranked, CANDIDATES, ranks, True)
    assert (error.reason, dict(error.detail)) == (reason, detail)


@pytest.mark.parametrize("raw", HOSTILE)
def test_ranked_hostile_ranks(raw):
    assert refusal(validate_ranked, CANDIDATES, {1: "1", 2: raw}, True).reason == B.bad_rank


@pytest.mark.parametrize(("raw", "expected"), [("yes", ("yes",)), ("no", ("no",))])
def test_yesno_answers(raw, expected):
    assert validate_yesno(raw, False) == expected


@pytest.mark.parametrize("raw", [None, ""])
def test_yesno_blank(raw):
    assert validate_yesno(raw, True) == ()
    assert refusal(validate_yesno, raw, False).reason == B.empty


@pytest.mark.parametrize("raw", [*HOSTILE, "YES", "Yes", "yes ", "да", "иә", "1", "true"])
def test_yesno_hostile_values(raw):
    assert refusal(validate_yesno, raw, True).reason == B.bad_value


@pytest.mark.parametrize(
    ("choices", "text"),
    [((), "[]"), ((3,), "[3]"), ((2, 1, 3), "[2,1,3]"), (("yes",), '["yes"]'), (("no",), '["no"]')],
)
def test_ballot_storage_text(choices, text):
    assert encode_ballot(choices) == text
    assert decode_ballot(text) == choices


@given(st.lists(st.integers(min_value=0, max_value=2**62), unique=True).map(tuple))
def test_ids_round_trip_through_storage(choices):
    assert decode_ballot(encode_ballot(choices)) == choices


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[",
        "null",
        "{}",
        '"yes"',
        "3",
        "[ 1]",
        "[1, 2]",
        "[01]",
        "[1,1]",
        "[-1]",
        "[true]",
        "[1.0]",
        "[1e3]",
        "[[1]]",
        '["maybe"]',
        '["yes","no"]',
        '["yes",1]',
        "[NaN]",
        "[" * 100_000,
        "[1" + "0" * 5000 + "]",
        "\x00",
    ],
)
def test_stored_text_that_is_not_canonical_is_refused(text):
    assert refusal(decode_ballot, text).reason == B.bad_value


@pytest.mark.parametrize("choices", [(True,), (-1,), ("maybe",), (1, 1), ("yes", "no"), ("1",)])
def test_only_validator_shapes_are_encoded(choices):
    assert refusal(encode_ballot, choices).reason == B.bad_value


BOX = [("c9", "CCCC-CCCC-CC", "[2]"), ("a1", "AAAA-AAAA-AA", '["yes"]'), ("b5", "BB-B", "[]")]


def test_seal_follows_the_documented_form():
    canonical = (
        '{"ballots":[["a1","AAAA-AAAA-AA","[\\"yes\\"]"],["b5","BB-B","[]"],'
        '["c9","CCCC-CCCC-CC","[2]"]],"position":7}'
    )
    assert seal_digest(7, BOX) == hashlib.sha256(canonical.encode()).hexdigest()
    example = '{"ballots":[["b1","ABCD-EFGH-JK","[\\"yes\\"]"]],"position":7}'
    one = [("b1", "ABCD-EFGH-JK", '["yes"]')]
    assert seal_digest(7, one) == hashlib.sha256(example.encode()).hexdigest()


def test_seal_ignores_storage_order_but_not_content():
    digest = seal_digest(7, BOX)
    assert seal_digest(7, reversed(BOX)) == digest
    assert seal_digest(8, BOX) != digest
    assert seal_digest(7, BOX[:-1]) != digest
    assert seal_digest(7, [*BOX, ("d0", "DDDD-DDDD-DD", "[]")]) != digest
    assert seal_digest(7, [("c9", "CCCC-CCCC-CC", "[3]"), *BOX[1:]]) != digest
    assert seal_digest(7, [("c8", "CCCC-CCCC-CC", "[2]"), *BOX[1:]]) != digest


def test_seal_covers_tracking_codes_so_they_cannot_be_swapped():
    swapped = [("c9", "AAAA-AAAA-AA", "[2]"), ("a1", "CCCC-CCCC-CC", '["yes"]'), BOX[2]]
    assert seal_digest(7, swapped) != seal_digest(7, BOX)


def test_empty_box_has_a_seal():
    empty = hashlib.sha256(b'{"ballots":[],"position":1}').hexdigest()
    assert seal_digest(1, []) == empty
