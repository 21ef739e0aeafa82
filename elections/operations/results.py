"""Results actions: lots for ties, runoffs, the publication snapshot, and logged exports.

Ties are never broken silently. When a count stops for a lot, the committee either records
the order drawn in the room or has the app draw one from a fresh random seed
(``domain.counting.lot_order`` documents how anyone re-derives it); either way the lot is stored and
logged, and the next count uses it. Lots are taken only between closing and publication,
and publication refuses while any position still needs one.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from elections.domain.counting import lot_order, result_to_dict
from elections.domain.errors import DomainError
from elections.domain.lifecycle import Phase
from elections.domain.verification import LOT_RECORDED, lot_detail, results_detail
from elections.extensions import db
from elections.models import (
    Election,
    Lot,
    Position,
    PublishedResult,
    Runoff,
    User,
    copy_row,
)
from elections.operations.audit_log import Actor, record
from elections.operations.elections import lock_election
from elections.operations.positions import get_position
from elections.queries.tally import (
    LOT_PHASES,
    paper_candidates,
    runoff_seats,
    runoff_to_hold,
    tally_position,
    tie_to_settle,
)

RUNOFF_OPENS_AFTER = timedelta(days=1)
"""Placeholder dates of a new runoff, which the committee sets before confirming its calendar."""

SEED_BYTES = 16


class ResultsReason(StrEnum):
    """Why a results action is refused."""

    lot_required = "lot-required"
    lot_not_now = "lot-not-now"
    no_tie = "no-tie"
    lot_order_invalid = "lot-order-invalid"
    account_required = "account-required"
    runoff_not_offered = "runoff-not-offered"
    runoff_exists = "runoff-exists"
    runoff_required = "runoff-required"


class ResultsRefused(DomainError[ResultsReason]):
    """The results cannot be changed or published this way now."""

    status = 409


def _account_id(actor: Actor) -> int:
    """The account recording a lot: every lot names who recorded it."""
    account = None
    if actor.name:
        account = db.session.scalar(select(User.id).where(User.username == actor.name))
    if account is None:
        raise ResultsRefused(ResultsReason.account_required)
    return account


def _tied_position(position_id: int) -> tuple[Position, Election, frozenset[int]]:
    """Lock the position's election and return the group its count needs a lot for."""
    position = get_position(position_id)
    election = lock_election(position.election_id)
    if election.current_phase not in LOT_PHASES:
        raise ResultsRefused(ResultsReason.lot_not_now, {"phase": election.phase})
    tally = tally_position(position)
    tied = None if tally is None else tie_to_settle(result_to_dict(tally))
    if tied is None:
        raise ResultsRefused(ResultsReason.no_tie, {"position": position.id})
    return position, election, frozenset(tied)


def _store_lot(
    actor: Actor,
    position: Position,
    election: Election,
    tied: frozenset[int],
    order: tuple[int, ...],
    seed: str | None,
) -> Lot:
    """Keep a lot and log it; the caller has checked that it orders exactly the tied group."""
    lot = Lot(
        position_id=position.id,
        tied=sorted(tied),
        drawn_order=list(order),
        seed=seed,
        recorded_by_id=_account_id(actor),
    )
    db.session.add(lot)
    db.session.flush()
    record(
        actor,
        LOT_RECORDED,
        object_type="position",
        object_id=position.id,
        election_id=election.id,
        details=lot_detail(position.id, tied, order, seed),
    )
    db.session.commit()
    return lot


def record_room_lot(actor: Actor, position_id: int, order: Sequence[int]) -> Lot:
    """Record the order of a lot drawn in the room, favoured first, for the tied candidates."""
    position, election, tied = _tied_position(position_id)
    drawn = tuple(order)
    if len(drawn) != len(tied) or set(drawn) != tied:
        raise ResultsRefused(ResultsReason.lot_order_invalid, {"tied": sorted(tied)})
    return _store_lot(actor, position, election, tied, drawn, None)


def draw_lot(actor: Actor, position_id: int) -> Lot:
    """Draw a lot for the tied candidates from a fresh random seed, and record seed and order."""
    position, election, tied = _tied_position(position_id)
    seed = secrets.token_hex(SEED_BYTES)
    return _store_lot(actor, position, election, tied, lot_order(seed, tied), seed)


def create_runoff(actor: Actor, position_id: int, title: str, now: datetime) -> Election:
    """Create a draft runoff election among the tied candidates of a closed position.

    The new election has one position with the same method, eligibility rules and ballot
    options, the tied candidates, and the seats they contest, and the same counting rules.
    Its dates are placeholders for the committee to set.
    """
    source = get_position(position_id)
    election = lock_election(source.election_id)
    tied, seats = _runoff_offered(election, source)
    runoff = _draft_runoff(election, title, now)
    # Its candidates come from the count, already registered: nobody needs endorsing.
    position = copy_row(
        source, election_id=runoff.id, seats=seats, sort_order=0, endorsements_required=0
    )
    position.candidates = [
        copy_row(candidate, leave=NOT_CARRIED_TO_RUNOFF)
        for candidate in paper_candidates(source)
        if candidate.id in tied
    ]
    db.session.add_all([position, Runoff(election_id=runoff.id, source_position_id=source.id)])
    db.session.flush()
    _record_runoff(actor, election, source, runoff, tied, seats)
    db.session.commit()
    return runoff


NOT_CARRIED_TO_RUNOFF = ("position_id", "review_reason", "created_at")
"""A candidate stands again with their page and photo; the review note stays with the first."""


def _runoff_offered(election: Election, source: Position) -> tuple[set[int], int]:
    """The tied candidates and the seats they contest, or why no runoff is offered."""
    if election.current_phase not in LOT_PHASES:
        raise ResultsRefused(ResultsReason.lot_not_now, {"phase": election.phase})
    tally = tally_position(source)
    result = None if tally is None else result_to_dict(tally)
    seats = None if result is None else runoff_seats(result)
    if result is None or seats is None:
        raise ResultsRefused(ResultsReason.runoff_not_offered, {"position": source.id})
    taken = db.session.scalar(select(Runoff).where(Runoff.source_position_id == source.id))
    if taken is not None:
        raise ResultsRefused(ResultsReason.runoff_exists, {"election": taken.election_id})
    return set(runoff_to_hold(result) or ()), seats


def _draft_runoff(election: Election, title: str, now: datetime) -> Election:
    """The runoff's election, as long as the first poll and with placeholder dates."""
    opens = (now + RUNOFF_OPENS_AFTER).replace(second=0, microsecond=0)
    runoff = Election(
        title=title.strip()[:200],
        description=election.description,
        phase=str(Phase.draft),
        scheduled=False,
        opens_at=opens,
        closes_at=opens + (election.closes_at - election.opens_at),
        endorsement_limit=election.endorsement_limit,
        tie_rule=election.tie_rule,
    )
    db.session.add(runoff)
    db.session.flush()
    return runoff


def _record_runoff(
    actor: Actor,
    election: Election,
    source: Position,
    runoff: Election,
    tied: set[int],
    seats: int,
) -> None:
    """Log the runoff in the first election's history and the runoff's creation in its own."""
    record(
        actor,
        "runoff-created",
        object_type="election",
        object_id=runoff.id,
        election_id=election.id,
        details={
            "source_election_id": election.id,
            "source_position_id": source.id,
            "runoff_election_id": runoff.id,
            "tied": sorted(tied),
            "method": source.method,
            "seats": seats,
        },
    )
    record(
        actor,
        "election-created",
        object_type="election",
        object_id=runoff.id,
        election_id=runoff.id,
        details={
            "title": runoff.title,
            "opens_at": runoff.opens_at.isoformat(),
            "closes_at": runoff.closes_at.isoformat(),
            "runoff_of_position": source.id,
        },
    )


def snapshot_results(election: Election) -> dict[str, Any]:
    """Store every position's result for publication, in the caller's transaction.

    Refuses (``lot-required``) while any position's count still waits for a lot, and
    (``runoff-required``) while one whose tie goes to a runoff has none created yet; such a
    result is published as it stands, with the seats decided before the tie. Returns the
    details for the ``election-published`` audit entry: each result's digest, so the
    verifier can tie the stored results to the published log head.
    """
    snapshots = []
    for position in election.positions:
        tally = tally_position(position)
        if tally is None:
            continue
        result = result_to_dict(tally)
        tied = tie_to_settle(result)
        if tied is not None:
            raise ResultsRefused(
                ResultsReason.lot_required, {"position": position.title, "tied": tied}
            )
        if runoff_to_hold(result) is not None and not _runoff_created(position.id):
            raise ResultsRefused(ResultsReason.runoff_required, {"position": position.title})
        snapshots.append((position.id, result))
    for position_id, result in snapshots:
        db.session.add(
            PublishedResult(position_id=position_id, result=result, published_at=_when(election))
        )
    return results_detail(snapshots)


def _runoff_created(position_id: int) -> bool:
    """Whether a runoff election was created from this position's tie."""
    taken = select(Runoff.election_id).where(Runoff.source_position_id == position_id)
    return db.session.scalar(taken) is not None


def _when(election: Election) -> datetime:
    """The publication instant, which the lifecycle sets before taking the snapshot."""
    assert election.published_at is not None
    return election.published_at


def record_export(
    actor: Actor,
    election: Election,
    kind: str,
    fmt: str,
    position_id: int | None = None,
) -> None:
    """Log that results, turnout, ballots or the protocol were downloaded."""
    details: dict[str, Any] = {"kind": kind, "format": fmt, "phase": election.phase}
    if position_id is not None:
        details["position_id"] = position_id
    record(
        actor,
        "results-exported",
        object_type="election",
        object_id=election.id,
        election_id=election.id,
        details=details,
    )
    db.session.commit()
