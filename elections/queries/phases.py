"""What the committee reads before moving an election on: the checks the move will meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from elections.domain import lifecycle
from elections.domain.lifecycle import Phase
from elections.models import REGISTERED, Election, Position
from elections.queries.complaints import appeals_open, unanswered_complaints
from elections.queries.roll import active_student_count


def opening_counts(election: Election) -> dict[str, int]:
    """Positions on the ballot, and how many have candidates (a yes/no needs exactly one)."""
    with_candidates = 0
    for position in election.positions:
        registered = sum(1 for c in position.candidates if c.status == REGISTERED)
        if registered >= 1 and (position.method != "yesno" or registered == 1):
            with_candidates += 1
    return {"positions": len(election.positions), "positions_with_candidates": with_candidates}


@dataclass(frozen=True)
class MovePreview:
    """What the confirmation of a phase change says before the committee goes ahead."""

    allowed: bool  # whether the move is the election's next step
    counts: dict[str, int] | None  # opening: positions on the ballot, and those with candidates
    empty_positions: list[Position]
    students: int | None  # opening: the roll it would freeze
    appeals_open: bool
    unanswered: int  # publishing: complaints still waiting for an answer


def move_preview(election: Election, target: Phase, now: datetime) -> MovePreview:
    """What moving the election to ``target`` now would meet."""
    opening = target == Phase.open
    return MovePreview(
        allowed=target in lifecycle.next_phases(election.current_phase, election.schedule),
        counts=opening_counts(election) if opening else None,
        empty_positions=[p for p in election.positions if not p.candidates],
        students=active_student_count() if opening else None,
        appeals_open=appeals_open(election, now),
        unanswered=unanswered_complaints(election.id) if target == Phase.published else 0,
    )
