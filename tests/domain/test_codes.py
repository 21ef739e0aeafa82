"""Human codes: nothing ambiguous is ever issued, and sloppy typing still signs in."""

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elections.domain.codes import (
    ALPHABET,
    looks_like_access_code,
    new_access_code,
    new_tracking_code,
    normalise_code,
)

AMBIGUOUS = set("0O1IL")
ACCESS = re.compile(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}")
TRACKING = re.compile(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{2}}")
LATIN_TO_CYRILLIC = str.maketrans("ABCEHKMPTXY3", "АВСЕНКМРТХҮЗ")
seeds = st.integers(min_value=0, max_value=2**64)


def test_alphabet_has_no_look_alikes_and_no_repeats():
    assert not AMBIGUOUS & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


@given(seeds)
def test_codes_use_only_the_alphabet_in_their_format(seed):
    rng = random.Random(seed)
    assert ACCESS.fullmatch(new_access_code(rng))
    assert TRACKING.fullmatch(new_tracking_code(rng))


def test_codes_come_from_secrets_by_default():
    assert ACCESS.fullmatch(new_access_code())
    assert TRACKING.fullmatch(new_tracking_code())
    assert len({new_access_code() for _ in range(100)}) == 100


@given(seeds, st.data())
def test_sloppy_typing_normalises_to_the_issued_code(seed, data):
    code = new_tracking_code(random.Random(seed))
    typed = []
    for ch in code.replace("-", ""):
        form = data.draw(st.sampled_from(["same", "lower", "cyrillic", "wide"]))
        typed.append(
            {
                "same": ch,
                "lower": ch.lower(),
                "cyrillic": ch.translate(LATIN_TO_CYRILLIC).lower(),
                "wide": chr(ord(ch) + 0xFEE0),
            }[form]
        )
        typed.append(data.draw(st.sampled_from(["", " ", "-", "–", "\u00a0"])))
    assert normalise_code("".join(typed)) == code.replace("-", "")


@given(seeds)
def test_an_issued_code_normalises_to_itself_without_dashes(seed):
    code = new_access_code(random.Random(seed))
    assert normalise_code(code) == code.replace("-", "")
    assert normalise_code(normalise_code(code)) == normalise_code(code)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abcd efgh", "ABCDEFGH"),
        ("  ab cd-ef gh  ", "ABCDEFGH"),
        ("ABCD–EFGH", "ABCDEFGH"),
        ("авсе-нкмр", "ABCEHKMP"),  # typed on a Cyrillic layout
        ("ЗЗЗЗ", "3333"),
        ("ＡＢＣＤ－ＥＦＧＨ", "ABCDEFGH"),
    ],
)
def test_forgiven_typing(typed, expected):
    assert normalise_code(typed) == expected


@pytest.mark.parametrize("typed", ["ABCD-EFG0", "abcd-efgo", "ABCD-EFG1", "abcd-efgi", "abcd-efgl"])
def test_look_alikes_outside_the_alphabet_are_not_guessed(typed):
    normalised = normalise_code(typed)
    assert normalised[:7] == "ABCDEFG"
    assert not set(normalised) <= set(ALPHABET)


@pytest.mark.parametrize("typed", ["", "\x00", "١٢٣٤", "ABCD\x00EFGH", "x" * 10_000])
def test_garbage_never_crashes_and_never_looks_like_a_code(typed):
    normalised = normalise_code(typed)
    assert not ACCESS.fullmatch(normalised)
    assert not re.fullmatch(f"[{ALPHABET}]{{8}}", normalised)


def test_text_shaped_like_an_access_code_is_recognised_however_typed() -> None:
    code = new_access_code()
    for typed in (code, code.lower(), code.replace("-", " "), f" {code} "):
        assert looks_like_access_code(typed)
    for other in ("700001", "committee", "70000123", code + "A", code[:-1], ""):
        assert not looks_like_access_code(other)
