"""The ballot form: field names, reading submitted values, validating them, writing them back.

Pure: no Flask, no database. A position's answer travels as ordinary form fields
from the ballot to the review page to the cast, never in the session or a URL:

* ``position`` (repeated): the ids of the positions on this ballot;
* ``p<position>``: the chosen candidate id (``single``), the ticked ids (``multi``,
  repeated), or ``yes`` / ``no`` (``yesno``); an empty value is the blank vote;
* ``p<position>-r<candidate>``: the rank given to a candidate (``ranked``), empty
  when the candidate is not ranked.

Any other field is ignored, so a planted ``student_id`` or ``election_id`` has no effect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from elections.domain.ballot import (
    Choices,
    PositionRules,
    validate_multi,
    validate_ranked,
    validate_single,
    validate_yesno,
)
from elections.domain.errors import BallotInvalid, BallotReason

POSITION_FIELD = "position"
_ID = re.compile(r"[0-9]{1,18}")


class FormValues(Protocol):
    """The part of a submitted form we read: werkzeug's ``MultiDict`` fits."""

    def getlist(self, key: str) -> list[str]:
        """Every value sent under ``key``, in order."""
        ...

    def __iter__(self) -> Iterator[str]:
        """The names of the fields sent."""
        ...


@dataclass(frozen=True)
class RawAnswer:
    """A position's answer exactly as submitted, so the ballot can be shown again as it was."""

    values: tuple[str, ...] = ()
    ranks: Mapping[str, str] = field(default_factory=dict)
    malformed: bool = False  # a field sent twice where a page sends it once

    def chose(self, value: object) -> bool:
        """Whether this value (a candidate id or an answer) was ticked or selected."""
        return str(value) in self.values

    def rank_of(self, candidate_id: int) -> str:
        """The rank typed for a candidate, or "" when none."""
        return self.ranks.get(str(candidate_id), "")


def answer_field(position_id: int) -> str:
    """The field holding a position's choice (or choices)."""
    return f"p{position_id}"


def rank_field(position_id: int, candidate_id: int) -> str:
    """The field holding the rank given to one candidate of a ranked position."""
    return f"p{position_id}-r{candidate_id}"


def submitted_position_ids(form: FormValues) -> tuple[int, ...]:
    """The positions a submission is for, in the order sent, without repeats.

    Raises ``ValueError`` for a value that is not a plain id: only a forged form sends one.
    """
    ids: list[int] = []
    for value in form.getlist(POSITION_FIELD):
        if _ID.fullmatch(value) is None:
            raise ValueError("position id is not a number")
        if int(value) not in ids:
            ids.append(int(value))
    return tuple(ids)


def read_answer(form: FormValues, position_id: int, method: str) -> RawAnswer:
    """Collect the submitted values of one position, without judging them yet."""
    if method == "ranked":
        prefix = answer_field(position_id) + "-r"
        ranks: dict[str, str] = {}
        malformed = False
        for key in form:
            if key.startswith(prefix):
                sent = form.getlist(key)
                ranks[key[len(prefix) :]] = sent[0] if sent else ""
                malformed = malformed or len(sent) > 1
        return RawAnswer(ranks=ranks, malformed=malformed)
    values = tuple(form.getlist(answer_field(position_id)))
    return RawAnswer(values=values, malformed=method != "multi" and len(values) > 1)


def validate_answer(rules: PositionRules, raw: RawAnswer) -> Choices:
    """The canonical choices for one position, or a ``BallotInvalid`` saying what is wrong."""
    if raw.malformed:
        raise BallotInvalid(BallotReason.bad_value)
    if rules.method == "multi":
        return validate_multi(rules.candidate_ids, list(raw.values), rules.seats, rules.allow_blank)
    if rules.method == "ranked":
        ranks: dict[int, str] = {}
        for candidate, rank in raw.ranks.items():
            if _ID.fullmatch(candidate) is None:
                raise BallotInvalid(BallotReason.bad_value)
            ranks[int(candidate)] = rank
        return validate_ranked(rules.candidate_ids, ranks, rules.allow_blank)
    one = raw.values[0] if raw.values else None
    if rules.method == "yesno":
        return validate_yesno(one, rules.allow_blank)
    return validate_single(rules.candidate_ids, one, rules.allow_blank)


def validate_ballot(
    positions: Iterable[PositionRules], answers: Mapping[int, RawAnswer]
) -> tuple[dict[int, Choices], dict[int, BallotInvalid]]:
    """Validate every position: the good choices, and the refusal of each position that failed."""
    choices: dict[int, Choices] = {}
    problems: dict[int, BallotInvalid] = {}
    for rules in positions:
        try:
            choices[rules.id] = validate_answer(rules, answers.get(rules.id, RawAnswer()))
        except BallotInvalid as problem:
            problems[rules.id] = problem
    return choices, problems


def raw_from_choices(rules: PositionRules, choices: Choices) -> RawAnswer:
    """The answer a form would carry for validated choices (to keep them on the page)."""
    if rules.method == "ranked":
        return RawAnswer(ranks={str(cid): str(rank) for rank, cid in enumerate(choices, start=1)})
    if rules.method == "multi":
        return RawAnswer(values=tuple(str(c) for c in choices))
    return RawAnswer(values=(str(choices[0]),) if choices else ("",))


def hidden_fields(rules: PositionRules, choices: Choices) -> list[tuple[str, str]]:
    """The form fields that carry validated choices from the review page to the cast."""
    raw = raw_from_choices(rules, choices)
    if rules.method == "ranked":
        return [(rank_field(rules.id, int(cid)), rank) for cid, rank in raw.ranks.items()]
    return [(answer_field(rules.id), value) for value in raw.values]
