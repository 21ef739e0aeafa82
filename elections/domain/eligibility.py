"""Who may vote or stand: rules over grade, class and shanyrak, and the digest of a frozen roll.

Class letters in Kazakhstan are Cyrillic, but rolls exported from other systems often
carry Latin look-alikes ("10A" typed on a Latin keyboard). Names are therefore
compared by a key: NFKC, upper case, and each Latin letter that looks exactly like a
Cyrillic one (A B C E H I K M O P T X) replaced by that Cyrillic letter, so "10a",
"10A" and "10а" are the same class. Letters with no twin (D, Ә, Қ…) are kept as they
are, so two classes that look different never merge.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from elections.domain.errors import RuleInvalid, RuleReason

MIN_GRADE = 1
MAX_GRADE = 12
MAX_NAME_LENGTH = 64

_LATIN_TWINS = str.maketrans("ABCEHIKMOPTX", "АВСЕНІКМОРТХ")
_GRADE_ITEM = re.compile(r"([0-9]{1,2})(?:\s*[-–]\s*([0-9]{1,2}))?")
_NAME_PUNCTUATION = frozenset(" -'’.")


def _fold(name: str) -> str:
    """Case and look-alike folding shared by class and shanyrak keys."""
    return unicodedata.normalize("NFKC", name).upper().translate(_LATIN_TWINS)


def normalise_class(name: str) -> str:
    """The key a class name is compared by: folded, spaces and hyphens dropped ("10 а" → "10А")."""
    return "".join(ch for ch in _fold(name) if not ch.isspace() and ch not in "-–")


def normalise_shanyrak(name: str) -> str:
    """The key a shanyrak name is compared by: folded, with runs of spaces made one."""
    return " ".join(_fold(name).split())


@dataclass(frozen=True)
class Rule:
    """Who qualifies: an empty set leaves a dimension open; dimensions combine with AND.

    Class and shanyrak names are stored as their keys, whatever form they were given in.
    """

    grades: frozenset[int] = frozenset()
    classes: frozenset[str] = frozenset()
    shanyraks: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        """Normalise names once, so every comparison is between keys."""
        object.__setattr__(self, "classes", frozenset(map(normalise_class, self.classes)))
        object.__setattr__(self, "shanyraks", frozenset(map(normalise_shanyrak, self.shanyraks)))

    @classmethod
    def of(cls, grades: Iterable[int], classes: Iterable[str], shanyraks: Iterable[str]) -> Rule:
        """A rule from the lists a position stores."""
        return cls(frozenset(grades), frozenset(classes), frozenset(shanyraks))


@dataclass(frozen=True)
class StudentFacts:
    """The facts about a student that eligibility rules look at."""

    grade: int
    class_name: str
    shanyrak: str


@dataclass(frozen=True)
class RuleDescription:
    """A rule laid out for the app to translate: grade spans as (first, last), names sorted."""

    everyone: bool
    grade_spans: tuple[tuple[int, int], ...]
    classes: tuple[str, ...]
    shanyraks: tuple[str, ...]


def is_eligible(rule: Rule, facts: StudentFacts) -> bool:
    """Whether the student passes every restricted dimension of the rule."""
    return (
        (not rule.grades or facts.grade in rule.grades)
        and (not rule.classes or normalise_class(facts.class_name) in rule.classes)
        and (not rule.shanyraks or normalise_shanyrak(facts.shanyrak) in rule.shanyraks)
    )


def describe(rule: Rule) -> RuleDescription:
    """Lay a rule out as data for the app to word, joining consecutive grades into spans."""
    spans: list[tuple[int, int]] = []
    for grade in sorted(rule.grades):
        if spans and spans[-1][1] == grade - 1:
            spans[-1] = (spans[-1][0], grade)
        else:
            spans.append((grade, grade))
    return RuleDescription(
        everyone=not (rule.grades or rule.classes or rule.shanyraks),
        grade_spans=tuple(spans),
        classes=tuple(sorted(rule.classes)),
        shanyraks=tuple(sorted(rule.shanyraks)),
    )


def _items(text: str) -> list[str]:
    """Split a committee's list on commas, semicolons and line breaks, dropping empty items."""
    return [item.strip() for item in re.split(r"[,;\n]", text) if item.strip()]


def parse_grades(text: str) -> frozenset[int]:
    """Read grades such as "8-11, 12"; an empty text means every grade."""
    grades: set[int] = set()
    for item in _items(text):
        match = _GRADE_ITEM.fullmatch(item)
        if match is None:
            raise RuleInvalid(RuleReason.bad_grade, {"item": item[:MAX_NAME_LENGTH]})
        first = int(match[1])
        last = int(match[2] or first)
        for grade in (first, last):
            if not MIN_GRADE <= grade <= MAX_GRADE:
                raise RuleInvalid(RuleReason.bad_grade, {"grade": grade})
        if last < first:
            raise RuleInvalid(RuleReason.bad_range, {"first": first, "last": last})
        grades.update(range(first, last + 1))
    return frozenset(grades)


def parse_names(text: str) -> frozenset[str]:
    """Read class or shanyrak names such as "10A, 10B"; letters, digits, spaces and -'. only."""
    names: set[str] = set()
    for item in _items(text):
        name = " ".join(item.split())
        if len(name) > MAX_NAME_LENGTH or not all(
            ch.isalnum() or ch in _NAME_PUNCTUATION for ch in name
        ):
            raise RuleInvalid(RuleReason.bad_name, {"item": name[:MAX_NAME_LENGTH]})
        names.add(name)
    return frozenset(names)


def roll_digest(rows: Iterable[tuple[str, int, str, str]]) -> str:
    """SHA-256 hex of the roll frozen at opening, so it can be recorded and re-checked later.

    Rows are (student_number, grade, class_name, shanyrak) exactly as stored, not
    normalised, so any edit shows. The digest is taken over the UTF-8 bytes of the rows
    sorted (strings by code point, grade as a number) and written as a compact JSON
    array of arrays: ``[["1001",9,"9А","Алтай"],...]`` with no spaces and non-ASCII
    characters written as themselves. The student number and names are taken as
    text and the grade as a number, whatever types the database returned.
    """
    canonical = sorted((str(n), int(g), str(c), str(s)) for n, g, c, s in rows)
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
