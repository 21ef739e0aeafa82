"""Counting a position from the database: its ballots, ballot paper and lots in, a result out.

The read side of results. The counting itself is the pure ``domain.counting``; this module
only gathers its inputs the way the published result, the exports and the verifier expect:

* candidates: those registered for the position, in ballot-paper order (alphabetical as the
  ballot page sorts them, then by id); the order only arranges the report;
* ballots: the ``choices`` column alone, grouped by the database in one lean query, so each
  distinct text is decoded once and 100,000 ballots cost little more than the query;
* lots: every lot recorded for the position, oldest first (their ``drawn_order``);
* threshold: ``Fraction(threshold_percent, 100)``;
* rules: the election's counting rules (``Election.counting_rules``: the tie rule).

The one rule a seeded lot follows, so anyone can re-derive a lot the app drew from its
published seed, is ``domain.counting.lot_order``.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from fractions import Fraction
from itertools import repeat
from typing import Any

from sqlalchemy import func, select

from elections.domain.ballot import decode_ballot
from elections.domain.collation import alphabetical_key
from elections.domain.counting import Ballot as CountedBallot
from elections.domain.counting import Method, TallyResult, count, result_to_dict
from elections.domain.errors import BallotInvalid, DomainError
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.models import REGISTERED, Ballot, Candidate, Election, Lot, Position, PublishedResult

ON_THE_BALLOT = REGISTERED
LOT_PHASES = frozenset({Phase.closed, Phase.appeals})
"""Lots are recorded after voting closes and before the results are published."""


class TallyReason(StrEnum):
    """Why stored ballots cannot be counted."""

    ballot_unreadable = "ballot-unreadable"


class TallyFailed(DomainError[TallyReason]):
    """A stored ballot is not what the app writes: corrupt data, never the reader's fault."""

    status = 500


def paper_candidates(position: Position) -> list[Candidate]:
    """The candidates on the ballot paper, in the order the ballot page lists them."""
    standing = [c for c in position.candidates if c.status == ON_THE_BALLOT]
    return sorted(standing, key=lambda c: (alphabetical_key(c.name), c.id))


def countable(position: Position) -> bool:
    """Whether the position can be counted: someone stood (a yes/no question has one option)."""
    standing = len(paper_candidates(position))
    return standing == 1 if position.method == Method.yesno else standing >= 1


def stored_ballots(position_id: int) -> Iterator[CountedBallot]:
    """Every ballot of the position as the counter reads it.

    The database groups identical texts (the ``choices`` column only, GROUP BY), so each
    distinct ballot is read and decoded once and handed to the counter as many times as it
    was cast; the counter groups them again as it always does.
    """
    grouped = db.session.execute(
        select(Ballot.choices, func.count())
        .where(Ballot.position_id == position_id)
        .group_by(Ballot.choices)
    )
    for text, copies in grouped:
        try:
            ballot = decode_ballot(text)
        except BallotInvalid:
            raise TallyFailed(TallyReason.ballot_unreadable, {"position": position_id}) from None
        yield from repeat(ballot, copies)


def recorded_lots(position_id: int) -> list[Lot]:
    """The lots recorded for a position, oldest first: the order the count consults them."""
    return list(
        db.session.scalars(select(Lot).where(Lot.position_id == position_id).order_by(Lot.id))
    )


def tally_position(position: Position) -> TallyResult | None:
    """Count the position now from its stored ballots and lots; None when nothing can be counted."""
    if not countable(position):
        return None
    return count(
        position.method,
        [c.id for c in paper_candidates(position)],
        stored_ballots(position.id),
        seats=position.seats,
        lots=[lot.drawn_order for lot in recorded_lots(position.id)],
        threshold=Fraction(position.threshold_percent, 100),
        rules=position.election.counting_rules,
    )


def position_result(position: Position, election: Election) -> dict[str, Any] | None:
    """The result to show: the stored snapshot once published, else a count made now."""
    if election.current_phase == Phase.published:
        stored = db.session.get(PublishedResult, position.id)
        return None if stored is None else stored.result
    tally = tally_position(position)
    return None if tally is None else result_to_dict(tally)


def tie_to_settle(result: dict[str, Any]) -> list[int] | None:
    """The tied candidates a lot must order before the result is final, if any.

    A position where no valid ballot was cast has everyone tied at nothing: there is no
    tie to settle there, only nobody to elect, and its result is published as such.
    """
    tied = result.get("lot_required")
    if not tied or not result.get("valid_ballots"):
        return None
    return list(tied)


def runoff_to_hold(result: dict[str, Any]) -> list[int] | None:
    """The tied candidates a runoff election must decide between, if the count asks for one.

    Only an election whose tie rule is the runoff asks for one, and only for a tie among
    everyone still in the race for the last seat(s) (``domain.counting.rules``). As with a
    lot, a position where no valid ballot was cast has nothing to settle. Results published
    before runoffs were a rule lack the field: none was asked for.
    """
    tied = result.get("runoff_required")
    if not tied or not result.get("valid_ballots"):
        return None
    return list(tied)


def runoff_seats(result: dict[str, Any]) -> int | None:
    """How many seats the runoff among the tied candidates fills, or None if none is asked for."""
    tied = runoff_to_hold(result)
    if tied is None:
        return None
    left = min(result["seats"], len(result["candidates"])) - len(result["elected"])
    return left if 1 <= left < len(tied) else None
