"""Eligibility rules: who may vote or stand, how committees type rules, and the roll digest."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elections.domain.eligibility import (
    Rule,
    StudentFacts,
    describe,
    is_eligible,
    normalise_class,
    normalise_shanyrak,
    parse_grades,
    parse_names,
    roll_digest,
)
from elections.domain.errors import RuleInvalid, RuleReason


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("10А", "10А"),
        ("10а", "10А"),
        ("10A", "10А"),  # Latin A
        ("10a", "10А"),
        (" 10 а ", "10А"),
        ("10-А", "10А"),
        ("１０Ａ", "10А"),  # full-width
        ("10ә", "10Ә"),
        ("11қ", "11Қ"),
        ("9b", "9В"),  # Latin b looks like Cyrillic В (Ve), never like Б
        ("7D", "7D"),
        ("10і", "10І"),
    ],
)
def test_class_names_are_compared_by_key(typed, key):
    assert normalise_class(typed) == key


@pytest.mark.parametrize(("one", "other"), [("10Б", "10В"), ("10B", "10Б"), ("10D", "10Д")])
def test_classes_that_look_different_never_merge(one, other):
    assert normalise_class(one) != normalise_class(other)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Алтай", "АЛТАЙ"),
        ("  алтай ", "АЛТАЙ"),
        ("Жас  Ұлан", "ЖАС ҰЛАН"),
        ("Qyran", "QYR\u0410N"),  # Latin A folds to its Cyrillic twin, as in class names
    ],
)
def test_shanyrak_names_are_compared_by_key(typed, key):
    assert normalise_shanyrak(typed) == key


def test_a_rule_stores_keys_whatever_form_it_was_given_in():
    rule = Rule(classes=frozenset({"10a", "10А"}), shanyraks=frozenset({"алтай", "АЛТАЙ "}))
    assert rule.classes == {"10А"}
    assert rule.shanyraks == {"АЛТАЙ"}


TENTH_A_ALTAI = StudentFacts(grade=10, class_name="10А", shanyrak="Алтай")


@pytest.mark.parametrize(
    ("rule", "facts", "eligible"),
    [
        (Rule(), TENTH_A_ALTAI, True),
        (Rule(grades=frozenset({10})), TENTH_A_ALTAI, True),
        (Rule(grades=frozenset({8, 9, 11})), TENTH_A_ALTAI, False),
        (Rule(grades=frozenset({9, 10})), TENTH_A_ALTAI, True),
        (Rule(classes=frozenset({"10а"})), TENTH_A_ALTAI, True),
        (Rule(classes=frozenset({"10A"})), TENTH_A_ALTAI, True),
        (Rule(classes=frozenset({"10Б", "10В"})), TENTH_A_ALTAI, False),
        (Rule(classes=frozenset({"10Б", "10а"})), TENTH_A_ALTAI, True),
        (Rule(classes=frozenset({"10А"})), StudentFacts(10, "10a", "Алтай"), True),
        (Rule(shanyraks=frozenset({"алтай"})), TENTH_A_ALTAI, True),
        (Rule(shanyraks=frozenset({"Жас Ұлан"})), TENTH_A_ALTAI, False),
        (Rule(frozenset({10}), frozenset({"10А"}), frozenset({"Алтай"})), TENTH_A_ALTAI, True),
        (Rule(frozenset({10}), frozenset({"10А"}), frozenset({"Тұмар"})), TENTH_A_ALTAI, False),
        (Rule(frozenset({11}), frozenset({"10А"}), frozenset({"Алтай"})), TENTH_A_ALTAI, False),
        (Rule(frozenset({10}), frozenset({"10Б"}), frozenset({"Алтай"})), TENTH_A_ALTAI, False),
        (
            Rule(frozenset({10, 11}), frozenset(), frozenset({"Тұмар", "Алтай"})),
            TENTH_A_ALTAI,
            True,
        ),
    ],
)
def test_dimensions_combine_with_and_values_with_or(rule, facts, eligible):
    assert is_eligible(rule, facts) is eligible


@pytest.mark.parametrize(
    ("text", "grades"),
    [
        ("", set()),
        ("  ", set()),
        ("9", {9}),
        ("8-11, 12", {8, 9, 10, 11, 12}),
        ("8 - 10; 12", {8, 9, 10, 12}),
        ("10–11", {10, 11}),  # en dash
        ("1-12", set(range(1, 13))),
        ("9, 9, 9-9,", {9}),
        ("5\n7", {5, 7}),
    ],
)
def test_grades_are_read_as_committees_type_them(text, grades):
    assert parse_grades(text) == grades


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", RuleReason.bad_grade),
        ("0", RuleReason.bad_grade),
        ("13", RuleReason.bad_grade),
        ("-1", RuleReason.bad_grade),
        ("8-13", RuleReason.bad_grade),
        ("8-", RuleReason.bad_grade),
        ("1e9", RuleReason.bad_grade),
        ("99999999999999999999", RuleReason.bad_grade),
        ("\x00", RuleReason.bad_grade),
        ("1\x00", RuleReason.bad_grade),
        ("1.5", RuleReason.bad_grade),
        ("١", RuleReason.bad_grade),
        ("8 9", RuleReason.bad_grade),
        ("11-8", RuleReason.bad_range),
    ],
)
def test_garbage_grades_are_refused_with_a_reason(text, reason):
    with pytest.raises(RuleInvalid) as refused:
        parse_grades(text)
    assert refused.value.reason == reason
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("", set()),
        ("10A, 10B", {"10A", "10B"}),
        ("10А,10Б,", {"10А", "10Б"}),
        ("Жас  Ұлан; Алтай", {"Жас Ұлан", "Алтай"}),
        ("O'Brien-Kazy St.", {"O'Brien-Kazy St."}),
    ],
)
def test_names_are_read_as_committees_type_them(text, names):
    assert parse_names(text) == names


@pytest.mark.parametrize("text", ["\x00", "10A\x00", "<script>", "10A/10B", "a" * 65, "\u202e10A"])
def test_garbage_names_are_refused_with_a_reason(text):
    with pytest.raises(RuleInvalid) as refused:
        parse_names(text)
    assert refused.value.reason == RuleReason.bad_name


def test_describe_lays_out_a_rule_as_data():
    rule = Rule(parse_grades("12, 8-10, 1"), parse_names("10б, 10a"), parse_names("Алтай"))
    description = describe(rule)
    assert description.everyone is False
    assert description.grade_spans == ((1, 1), (8, 10), (12, 12))
    assert description.classes == ("10А", "10Б")
    assert description.shanyraks == ("АЛТАЙ",)
    assert describe(Rule()).everyone is True


@given(st.frozensets(st.integers(1, 12)))
def test_grade_spans_read_back_as_the_same_grades(grades):
    spans = describe(Rule(grades=grades)).grade_spans
    assert parse_grades(", ".join(f"{first}-{last}" for first, last in spans)) == grades


ROLL = [("1002", 9, "9Б", "Тұмар"), ("1001", 9, "9А", "Алтай"), ("0999", 11, "11В", "Алтай")]


def test_roll_digest_follows_the_documented_form():
    expected = '[["0999",11,"11В","Алтай"],["1001",9,"9А","Алтай"],["1002",9,"9Б","Тұмар"]]'
    assert roll_digest(ROLL) == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def test_roll_digest_ignores_order_but_not_content():
    digest = roll_digest(ROLL)
    assert roll_digest(reversed(ROLL)) == digest
    for i in range(len(ROLL)):
        for field in range(4):
            row = list(ROLL[i])
            row[field] = row[field] + 1 if field == 1 else row[field] + "x"
            changed = [*ROLL[:i], tuple(row), *ROLL[i + 1 :]]
            assert roll_digest(changed) != digest
    assert roll_digest(ROLL[:-1]) != digest
    assert roll_digest([*ROLL, ROLL[0]]) != digest
