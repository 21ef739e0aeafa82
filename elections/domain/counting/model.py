"""What a count takes and returns: methods, ballots, results and the trace a witness follows."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

YES = "yes"
NO = "no"

Mark = int | str
"""A mark on a ballot: a candidate id, or YES / NO on a yes/no ballot."""

Ballot = tuple[Mark, ...]
"""Candidate ids in preference order (ranked) or as a set (single, multi); () is a blank ballot."""


class Method(StrEnum):
    """How an election turns ballots into seats; the values are stored in the database."""

    single = "single"
    multi = "multi"
    ranked = "ranked"
    yesno = "yesno"


class StepKind(StrEnum):
    """What a trace step records, so the app can render and export each kind its own way."""

    count = "count"
    elected = "elected"
    majority = "majority"
    elected_remaining = "elected-remaining"
    transfer = "transfer"
    eliminated = "eliminated"
    threshold = "threshold"
    tie_backwards = "tie-backwards"
    tie_lot = "tie-lot"
    tie_immaterial = "tie-immaterial"
    lot_required = "lot-required"
    runoff_required = "runoff-required"


class Decision(StrEnum):
    """What a tie decides, so the committee knows what its lot is for."""

    seat = "seat"
    elimination = "elimination"
    transfer_order = "transfer-order"


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One line of the count a witness can check by hand; which fields are set depends on `kind`.

    - count: `tallies` holds every candidate still holding votes (continuing, and elected ones
      keeping their quota; for yes/no the keys are YES and NO); `exhausted` for ranked counts.
    - elected: `candidates` is the winner and `value` their votes; `bar` is the quota (STV).
    - majority: instant-runoff winner; `value` exceeds half of `total`, the continuing votes.
    - elected_remaining: continuing candidates no more than the seats left, so all are elected.
    - transfer: the surplus `value` of `candidates` passes on, every ballot's value times `weight`.
    - eliminated: `candidates` are excluded with `value` votes each; their ballots pass on whole.
    - threshold: the yes share `value` (None without yes or no votes) of `total` against `bar`.
    - tie_backwards: among the tied `candidates`, the tallies at `earlier_round` singled out
      `chosen` (more than one when they only narrowed the tie).
    - tie_lot: the committee's lot `order` (favoured first) picked `chosen`.
    - tie_immaterial: every way of settling the tie elects the same candidates, so no lot is
      needed; `chosen` is the first in ballot-paper order, or all of them when their ballots
      have nowhere to go, so eliminating them together is the same as in any order.
    - lot_required: the count stops until a lot orders `candidates`.
    - runoff_required: the election's tie rule sends the tied `candidates`, all still in the
      race for the seats left, to a runoff election; the count stops there.

    For ties, `chosen` is who the tie picks for `decision`: to win the seat, to be eliminated, or
    to have their surplus transferred first.
    """

    kind: StepKind
    round: int
    candidates: tuple[int, ...] = ()
    chosen: tuple[int, ...] = ()
    tallies: Mapping[Mark, Fraction] = field(default_factory=dict)
    exhausted: Fraction | None = None
    value: Fraction | None = None
    bar: Fraction | None = None
    total: Fraction | None = None
    weight: Fraction | None = None
    earlier_round: int | None = None
    order: tuple[int, ...] = ()
    decision: Decision | None = None


@dataclass(frozen=True, slots=True)
class TallyResult:
    """The outcome of one count, with everything needed to publish and to verify it."""

    method: Method
    seats: int
    candidates: tuple[int, ...]
    total_ballots: int
    valid_ballots: int
    blank_ballots: int
    first_counts: Mapping[Mark, int]
    elected: tuple[int, ...]
    complete: bool
    lot_required: frozenset[int] | None
    trace: tuple[TraceStep, ...]
    quota: Fraction | None = None
    exhausted: Fraction | None = None
    passed: bool | None = None
    yes: int | None = None
    no: int | None = None
    threshold: Fraction | None = None
    runoff_required: frozenset[int] | None = None
