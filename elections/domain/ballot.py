"""Ballot validation: raw form values in, one canonical choice tuple out, or a typed refusal.

Canonical choices: ``single`` and ``multi`` give candidate ids in ascending order,
``ranked`` gives ids in rank order (first preference first), ``yesno`` gives
``("yes",)`` or ``("no",)``, and a blank ballot is ``()``. Form values are read
strictly: only ASCII digits make a number, so "١", "1.5", " 1" or "1e9" are refused
as values rather than guessed at.
"""

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from elections.domain.errors import BallotInvalid, BallotReason

Choices = tuple[int, ...] | tuple[str, ...]

_ID = re.compile(r"[0-9]{1,18}")
_RANK = re.compile(r"[0-9]{1,9}")
_ANSWERS = ("yes", "no")


@dataclass(frozen=True)
class PositionRules:
    """What validating one position's ballot needs to know about the position."""

    id: int
    method: str
    seats: int
    allow_blank: bool
    candidate_ids: frozenset[int]


def _refuse(reason: BallotReason, **detail: object) -> BallotInvalid:
    """Build a ballot refusal with its detail, so every raise fits on one line."""
    return BallotInvalid(reason, detail)


def _nothing_chosen(allow_blank: bool) -> tuple[()]:
    """A blank ballot where the position allows one, else a refusal."""
    if not allow_blank:
        raise _refuse(BallotReason.empty)
    return ()


def _candidate_id(raw: str) -> int:
    """Read one submitted candidate id; anything but plain ASCII digits is a bad value."""
    if _ID.fullmatch(raw) is None:
        raise _refuse(BallotReason.bad_value)
    return int(raw)


def _require_known(candidate_ids: frozenset[int], chosen: Iterable[int]) -> None:
    """Refuse ids that are not candidates for this position, naming them."""
    unknown = set(chosen) - candidate_ids
    if unknown:
        raise _refuse(BallotReason.unknown_candidate, ids=tuple(sorted(unknown)))


def validate_single(
    candidate_ids: frozenset[int], raw: str | None, allow_blank: bool
) -> tuple[int, ...]:
    """One candidate, or blank when nothing was chosen and the position allows it."""
    if not raw:
        return _nothing_chosen(allow_blank)
    chosen = _candidate_id(raw)
    _require_known(candidate_ids, (chosen,))
    return (chosen,)


def validate_multi(
    candidate_ids: frozenset[int], raw: Sequence[str], max_choices: int, allow_blank: bool
) -> tuple[int, ...]:
    """Up to ``max_choices`` different candidates, in ascending id order."""
    chosen = [_candidate_id(value) for value in raw]
    _require_known(candidate_ids, chosen)
    repeated = sorted(cid for cid, count in Counter(chosen).items() if count > 1)
    if repeated:
        raise _refuse(BallotReason.duplicate_candidate, ids=tuple(repeated))
    if len(chosen) > max_choices:
        raise _refuse(BallotReason.too_many, max=max_choices)
    if not chosen:
        return _nothing_chosen(allow_blank)
    return tuple(sorted(chosen))


def validate_ranked(
    candidate_ids: frozenset[int], ranks: Mapping[int, str], allow_blank: bool
) -> tuple[int, ...]:
    """Candidates in preference order from rank boxes, where "" leaves a candidate unranked.

    Ranks must be 1..k, each used once. A partial ranking is valid: the voter may rank
    only their first k choices.
    """
    _require_known(candidate_ids, ranks)
    by_rank: dict[int, list[int]] = {}
    for cid, text in ranks.items():
        if text == "":
            continue
        if _RANK.fullmatch(text) is None or not 1 <= int(text) <= len(candidate_ids):
            raise _refuse(BallotReason.bad_rank, ids=(cid,))
        by_rank.setdefault(int(text), []).append(cid)
    for rank, ids in sorted(by_rank.items()):
        if len(ids) > 1:
            raise _refuse(BallotReason.duplicate_rank, rank=rank, ids=tuple(sorted(ids)))
    for rank in range(1, len(by_rank) + 1):
        if rank not in by_rank:
            raise _refuse(BallotReason.missing_rank, rank=rank)
    if not by_rank:
        return _nothing_chosen(allow_blank)
    return tuple(by_rank[rank][0] for rank in range(1, len(by_rank) + 1))


def validate_yesno(raw: str | None, allow_blank: bool) -> tuple[str, ...]:
    """An answer to a yes/no question, or blank when the position allows it."""
    if not raw:
        return _nothing_chosen(allow_blank)
    if raw not in _ANSWERS:
        raise _refuse(BallotReason.bad_value)
    return (raw,)


def _checked(choices: object) -> Choices:
    """Accept only the shapes a validator produces: distinct non-negative ids, or one answer."""
    if isinstance(choices, list | tuple):
        items = tuple(choices)
        ids_only = all(type(item) is int and item >= 0 for item in items)
        if ids_only and len(set(items)) == len(items):
            return items
        if len(items) == 1 and items[0] in _ANSWERS:
            return items
    raise _refuse(BallotReason.bad_value)


def encode_ballot(choices: Choices) -> str:
    """The stored and sealed text of a ballot: compact JSON such as ``[3,1,2]`` or ``["yes"]``."""
    return json.dumps(list(_checked(choices)), separators=(",", ":"))


def decode_ballot(text: str) -> Choices:
    """Read stored ballot text back, accepting only the exact text ``encode_ballot`` writes."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise _refuse(BallotReason.bad_value) from None
    choices = _checked(value)
    if encode_ballot(choices) != text:
        raise _refuse(BallotReason.bad_value)
    return choices


def seal_digest(position_id: int, ballots: Iterable[tuple[str, str, str]]) -> str:
    """SHA-256 hex over a position's ballot box, so the sealed box can be re-checked offline.

    The input is (ballot_id, tracking_code, encoded choices) triples, the choices as
    stored by ``encode_ballot``. The tracking code is sealed too, so codes cannot be
    swapped between ballots after closing. The digest is over the UTF-8 bytes of::

        {"ballots":[["<ballot_id>","<tracking code>","<choices text>"],...],"position":<id>}

    with the triples sorted by ballot_id (then code, then choices) in code point order,
    no whitespace, and strings in JSON escaping (``"`` → ``\\"``, ``\\`` → ``\\\\``, control
    characters as ``\\uXXXX`` or ``\\n`` etc.; other characters as themselves). For
    example ``seal_digest(7, [("b1", "ABCD-EFGH-JK", '["yes"]')])`` hashes
    ``{"ballots":[["b1","ABCD-EFGH-JK","[\\"yes\\"]"]],"position":7}``.
    """
    triples = sorted([ballot_id, code, text] for ballot_id, code, text in ballots)
    box = {"ballots": triples, "position": position_id}
    canonical = json.dumps(box, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
