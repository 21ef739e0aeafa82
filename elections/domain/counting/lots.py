"""The committee's lots: checking them, finding the one that settles a tie, seeded orders."""

import hashlib
from collections.abc import Iterable, Sequence

from .errors import InvalidLot, LotProblem


def check_lots(
    lots: Sequence[Sequence[int]], candidates: frozenset[int]
) -> tuple[tuple[int, ...], ...]:
    """Return the lots as tuples, refusing any that names an unknown candidate or one twice."""
    checked = []
    for lot in lots:
        order = tuple(lot)
        if not all(type(candidate) is int and candidate in candidates for candidate in order):
            raise InvalidLot(LotProblem.unknown_candidate, {"lot": lot})
        if len(set(order)) != len(order):
            raise InvalidLot(LotProblem.duplicate_candidate, {"lot": lot})
        checked.append(order)
    return tuple(checked)


def find_lot(tied: Sequence[int], lots: Sequence[tuple[int, ...]]) -> tuple[int, ...] | None:
    """Return the tied candidates in the order of the first lot that covers them all, if any.

    A lot drawn for a larger group also settles any later tie inside it, as the committee's
    draw already ranked those candidates against each other.
    """
    group = set(tied)
    for lot in lots:
        if group <= set(lot):
            return tuple(candidate for candidate in lot if candidate in group)
    return None


def lot_order(seed: str, tied: Iterable[int]) -> tuple[int, ...]:
    """The order a seeded lot gives tied candidates, favoured first.

    Each candidate id is ranked by the SHA-256 hex digest of the UTF-8 text "<seed>:<id>"
    (the id in decimal), smallest digest first. In Python::

        sorted(tied, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())

    so anyone holding the published seed can re-derive the order.
    """
    return tuple(
        sorted(
            set(tied),
            key=lambda cid: (hashlib.sha256(f"{seed}:{cid}".encode()).hexdigest(), cid),
        )
    )
