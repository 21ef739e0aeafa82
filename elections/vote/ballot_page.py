"""What the student's pages show: their elections, their ballot, and what they are about to cast.

Reads only. Every refusal is a typed ``DomainError``; the views decide whether it is
logged (a submission) or just shown (a page view).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from markupsafe import Markup
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from elections.domain.ballot import Choices, PositionRules
from elections.domain.collation import alphabetical_key, initials
from elections.domain.eligibility import is_eligible
from elections.domain.errors import (
    BallotInvalid,
    DomainError,
    IneligibleReason,
    IneligibleVoter,
)
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.files.markdown import render_manifesto
from elections.i18n.language import localized
from elections.i18n.refusals import explain_ballot
from elections.models import REGISTERED, Candidate, Election, EligibleVoter, Position, User
from elections.operations.voting import (
    NoSuchElection,
    PollReason,
    VoteReason,
    VoteRefused,
    eligible_positions,
    positions_voted,
    refuse_unless_voting,
)
from elections.queries.eligibility import facts_of
from elections.vote.ballot_form import (
    POSITION_FIELD,
    FormValues,
    RawAnswer,
    hidden_fields,
    submitted_position_ids,
)

# Every position comes with the election, in the same query (eligibility looks at each
# one's rule); the candidates come after, and only for the positions that are the student's.
BALLOT_LOADING = (joinedload(Election.positions),)
ANNOUNCED = (Phase.nomination, Phase.campaign, Phase.silence)


class VotingPageReason(StrEnum):
    """Why a ballot form was refused before anything in it was read."""

    expired_form = "expired-form"


class FormExpired(DomainError[VotingPageReason]):
    """A ballot form came back without a valid CSRF token: expired, or forged elsewhere."""

    status = 400


@dataclass
class StudentBallot:
    """One student's standing in one election: where they may vote and where they have."""

    election: Election
    positions: list[Position]
    voted: set[int]

    @property
    def remaining(self) -> list[Position]:
        """The eligible positions the student has not voted in yet, in ballot order."""
        return [p for p in self.positions if p.id not in self.voted]


def voted_titles(election_id: int, student_id: int) -> str:
    """The positions of an election the student has voted in, by title, joined for a sentence."""
    election = db.session.get(Election, election_id)
    if election is None:
        return ""
    voted = positions_voted(student_id, [p.id for p in election.positions])
    return ", ".join(localized(p.title, p.titles) for p in election.positions if p.id in voted)


def load_student_ballot(election_id: int, student: User, now: datetime) -> StudentBallot:
    """The student's eligible positions and votes in an election that is taking ballots now."""
    election = db.session.get(Election, election_id, options=BALLOT_LOADING)
    if election is None:
        raise NoSuchElection(PollReason.unknown_election)
    refuse_unless_voting(election.current_phase, election.opens_at, election.closes_at, now)
    voter = db.session.get(EligibleVoter, (election.id, student.id))
    positions = eligible_positions(election.positions, voter.facts if voter else None)
    if not positions:
        raise IneligibleVoter(IneligibleReason.not_eligible)
    load_candidates(positions)
    voted = positions_voted(student.id, [p.id for p in positions])
    return StudentBallot(election, positions, voted)


def load_candidates(positions: list[Position]) -> None:
    """Load the candidates of these positions in one query, instead of one per position.

    A ballot of a President and ten shanyrak leaders shows a student three positions;
    the candidates of the other nine are never read.
    """
    pending = [p for p in positions if "candidates" in inspect(p).unloaded]
    if not pending:
        return
    found: dict[int, list[Candidate]] = {p.id: [] for p in pending}
    for candidate in db.session.scalars(
        select(Candidate)
        .where(Candidate.position_id.in_(list(found)))
        .order_by(Candidate.name)  # the relationship's own order
    ):
        found[candidate.position_id].append(candidate)
    for position in pending:
        set_committed_value(position, "candidates", found[position.id])


class HasId(Protocol):
    """A position as any of the ballot's readers holds it: all they share is the id."""

    @property
    def id(self) -> int:
        """The position's id."""
        ...


PositionT = TypeVar("PositionT", bound=HasId)


def submitted_positions(
    form: FormValues,
    election_positions: Iterable[HasId],
    eligible: Sequence[PositionT],
    voted: AbstractSet[int] = frozenset(),
) -> list[PositionT]:
    """The positions a submission names, each one the student may still vote in, or a refusal.

    ``election_positions`` are the whole ballot's, ``eligible`` the student's part of it
    in ballot order; ``voted`` where they have voted already, when known (the cast leaves that to
    the participation key).
    """
    try:
        ids = submitted_position_ids(form)
    except ValueError:
        raise VoteRefused(VoteReason.unknown_position) from None
    if not ids:
        raise VoteRefused(VoteReason.nothing_submitted)
    in_election = {p.id for p in election_positions}
    mine = {p.id for p in eligible}
    for position_id in ids:
        if position_id not in in_election:
            raise VoteRefused(VoteReason.unknown_position)
        if position_id not in mine:
            raise IneligibleVoter(IneligibleReason.not_eligible, {"position": position_id})
    if voted & set(ids):
        raise VoteRefused(VoteReason.already_voted)
    return [p for p in eligible if p.id in ids]


def submitted_on_page(ballot: StudentBallot, form: FormValues) -> list[Position]:
    """The positions of a student's ballot page that a submission names (see above)."""
    return submitted_positions(form, ballot.election.positions, ballot.positions, ballot.voted)


def standing_candidates(position: Position) -> list[Candidate]:
    """The candidates on the ballot: those the committee registered."""
    return [c for c in position.candidates if c.status == REGISTERED]


def position_rules(position: Position) -> PositionRules:
    """What validation needs to know about a position."""
    return PositionRules(
        id=position.id,
        method=position.method,
        seats=position.seats,
        allow_blank=position.allow_blank,
        candidate_ids=frozenset(c.id for c in standing_candidates(position)),
    )


@dataclass(frozen=True)
class CandidateEntry:
    """One candidate as the ballot shows them."""

    candidate: Candidate  # for the photo link the committee's pages provide
    id: int
    name: str
    manifesto: Markup
    initials: str


@dataclass
class BallotEntry:
    """One position on the ballot: its candidates in display order, the kept answer, any problem."""

    position: Position
    rules: PositionRules
    title: str
    description: Markup
    candidates: list[CandidateEntry]
    answer: RawAnswer = field(default_factory=RawAnswer)
    problem: str | None = None
    problem_ids: frozenset[int] = frozenset()


def candidate_order(position: Position) -> list[Candidate]:
    """Alphabetical, or a fresh unpredictable order per page view when the position shuffles."""
    candidates = sorted(
        standing_candidates(position), key=lambda c: (alphabetical_key(c.name), c.id)
    )
    if position.shuffle_candidates:
        secrets.SystemRandom().shuffle(candidates)
    return candidates


def ballot_entries(
    positions: Iterable[Position],
    answers: Mapping[int, RawAnswer] | None = None,
    problems: Mapping[int, BallotInvalid] | None = None,
) -> list[BallotEntry]:
    """The ballot's positions ready for the template, with kept answers and their problems."""
    answers, problems = answers or {}, problems or {}
    entries = []
    for position in positions:
        ordered = candidate_order(position)
        problem = problems.get(position.id)
        names = {c.id: c.name for c in ordered}
        entries.append(
            BallotEntry(
                position=position,
                rules=position_rules(position),
                title=localized(position.title, position.titles),
                description=render_manifesto(position.description),
                candidates=[
                    CandidateEntry(c, c.id, c.name, render_manifesto(c.manifesto), initials(c.name))
                    for c in ordered
                ],
                answer=answers.get(position.id, RawAnswer()),
                problem=explain_ballot(problem, names) if problem else None,
                problem_ids=frozenset(_ids_in(problem)),
            )
        )
    return entries


def _ids_in(problem: BallotInvalid | None) -> tuple[int, ...]:
    """The candidate ids a refusal points at, to mark them on the page."""
    if problem is None:
        return ()
    ids = problem.detail.get("ids", ())
    return tuple(i for i in ids if isinstance(i, int)) if isinstance(ids, tuple) else ()


def carried_fields(
    entries: Iterable[BallotEntry], choices: Mapping[int, Choices]
) -> list[tuple[str, str]]:
    """The hidden fields that carry validated choices from the review page to the cast."""
    fields: list[tuple[str, str]] = []
    for entry in entries:
        fields.append((POSITION_FIELD, str(entry.position.id)))
        fields.extend(hidden_fields(entry.rules, choices[entry.position.id]))
    return fields


@dataclass(frozen=True)
class ReviewLine:
    """One position on the review page: what will be cast, in words."""

    title: str
    method: str
    names: tuple[str, ...]
    answer: str | None = None  # "yes" or "no" for a question

    @property
    def blank(self) -> bool:
        """Whether this is a blank vote."""
        return not self.names and self.answer is None


def review_line(entry: BallotEntry, choices: Choices) -> ReviewLine:
    """Describe validated choices: names in rank order for ranked, alphabetical otherwise."""
    if entry.rules.method == "yesno":
        return ReviewLine(entry.title, "yesno", (), str(choices[0]) if choices else None)
    names = {c.id: c.name for c in entry.candidates}
    if entry.rules.method == "ranked":
        return ReviewLine(entry.title, "ranked", tuple(names[int(cid)] for cid in choices))
    chosen = sorted((names[int(cid)] for cid in choices), key=alphabetical_key)
    return ReviewLine(entry.title, entry.rules.method, tuple(chosen))


@dataclass
class OpenElection:
    """An election the student can vote in now, with where they have voted already."""

    election: Election
    title: str
    positions: list[tuple[str, bool]]  # (title, voted)

    @property
    def finished(self) -> bool:
        """Whether the student has voted in every position open to them."""
        return all(voted for _title, voted in self.positions)


def open_elections(student: User, now: datetime) -> list[OpenElection]:
    """Elections taking ballots now in which the student is on the frozen roll."""
    rows = db.session.execute(
        select(Election, EligibleVoter)
        .join(EligibleVoter, EligibleVoter.election_id == Election.id)
        .where(
            EligibleVoter.student_id == student.id,
            Election.phase == Phase.open,
            Election.closes_at > now,
        )
        .order_by(Election.closes_at, Election.id)
    ).all()
    listed = []
    for election, voter in rows:
        positions = eligible_positions(election.positions, voter.facts)
        voted = positions_voted(student.id, [p.id for p in positions])
        listed.append(
            OpenElection(
                election,
                localized(election.title, election.titles),
                [(localized(p.title, p.titles), p.id in voted) for p in positions],
            )
        )
    return listed


def coming_elections(student: User) -> list[tuple[Election, str]]:
    """Announced elections not yet open where the student's class would have a ballot."""
    facts = facts_of(student)
    if facts is None:
        return []
    elections = db.session.scalars(
        select(Election).where(Election.phase.in_(ANNOUNCED)).order_by(Election.opens_at)
    )
    return [
        (election, localized(election.title, election.titles))
        for election in elections
        if any(is_eligible(p.voter_rule, facts) for p in election.positions)
    ]
