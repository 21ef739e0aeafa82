"""What the students' campaign pages show: reads only, decided per viewer.

Registered candidates' pages are for the students who may vote for them (the
position's voter rule, on today's roll) and for staff; a nominee always sees their
own. Endorsements are not read here: ``queries.endorsements`` keeps them to the committee
and to the student who gave them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from elections.domain import lifecycle
from elections.domain.lifecycle import OBSERVER_PHASES, WITHDRAW_PHASES, Phase
from elections.domain.roles import STAFF, Role
from elections.extensions import db
from elections.i18n.language import localized
from elections.models import (
    REGISTERED,
    STANDING,
    Candidate,
    Election,
    Observer,
    Position,
    User,
)
from elections.queries.complaints import appeals_open, may_complain
from elections.queries.eligibility import may_stand, may_vote_for
from elections.queries.observers import audit_log_visible, observed_elections

# Elections whose candidates' pages are listed for students: until voting opens, when the
# ballot itself shows every candidate and programme (the pages stay at their address).
CAMPAIGN_PHASES = (Phase.nomination, Phase.campaign, Phase.silence)


def is_staff(user: User) -> bool:
    """Whether the account runs or audits elections (and so sees every page)."""
    return user.role in STAFF


def visible_positions(election: Election, user: User) -> list[Position]:
    """The positions whose candidates' pages the user may read."""
    if is_staff(user):
        return list(election.positions)
    if election.current_phase == Phase.draft:
        return []
    return [p for p in election.positions if may_vote_for(p, user)]


def registered(position: Position) -> list[Candidate]:
    """The candidates on the ballot, in name order."""
    return [c for c in position.candidates if c.status == REGISTERED]


def page_visible(candidate: Candidate, user: User) -> bool:
    """Staff and the candidate always; students who may vote for a registered candidate."""
    if is_staff(user) or candidate.student_id == user.id:
        return True
    election = candidate.position.election
    return (
        candidate.status == REGISTERED
        and election.current_phase != Phase.draft
        and may_vote_for(candidate.position, user)
    )


@dataclass(frozen=True)
class NominationWindow:
    """An election taking nominations, and what this student may do in it."""

    election: Election
    title: str
    may_stand: bool
    may_endorse: bool


@dataclass(frozen=True)
class Candidacy:
    """One of the student's own nominations, with what they may still do."""

    candidate: Candidate
    election: Election
    election_title: str
    position_title: str
    observer: User | None
    can_edit: bool
    can_withdraw: bool
    can_name_observer: bool


@dataclass(frozen=True)
class Observed:
    """An election the account observes, and which of its pages are open to them now."""

    election: Election
    title: str
    turnout: bool
    results: bool
    log: bool


@dataclass(frozen=True)
class Overview:
    """Everything of the calendar that concerns one student now."""

    nominating: list[NominationWindow]
    campaigns: list[tuple[Election, str]]
    candidacies: list[Candidacy]
    observing: list[Observed]
    appeals: list[tuple[Election, str]]

    @property
    def empty(self) -> bool:
        """Whether there is nothing to show."""
        return not (
            self.nominating or self.campaigns or self.candidacies or self.observing or self.appeals
        )


def endorsable(position: Position, student: User) -> bool:
    """Whether the student could endorse nominees of this position."""
    return position.endorsements_required > 0 and may_vote_for(position, student)


def endorsable_nominations(
    election: Election, student: User
) -> list[tuple[Position, list[Candidate]]]:
    """Each position whose nominees the student may endorse, with its pending nominations.

    A student's own nomination is left out: nobody endorses themselves.
    """
    return [
        (p, [c for c in p.candidates if c.status == "nominated" and c.student_id != student.id])
        for p in election.positions
        if endorsable(p, student)
    ]


def standable_positions(election: Election, student: User) -> list[Position]:
    """The positions the student may stand for and has not yet been nominated for.

    A withdrawn nomination may be filed again.
    """
    taken = {
        c.candidate.position_id for c in candidacies(student) if c.candidate.status != "withdrawn"
    }
    return [
        p
        for p in election.positions
        if p.method != "yesno" and may_stand(p, student) and p.id not in taken
    ]


def _nominating(student: User) -> list[NominationWindow]:
    """Elections taking nominations where the student may stand or endorse."""
    windows = []
    for election in db.session.scalars(
        select(Election).where(Election.phase == Phase.nomination).order_by(Election.opens_at)
    ):
        stand = any(p.method != "yesno" and may_stand(p, student) for p in election.positions)
        support = any(endorsable(p, student) for p in election.positions)
        if stand or support:
            title = localized(election.title, election.titles)
            windows.append(NominationWindow(election, title, stand, support))
    return windows


def _campaigns(student: User) -> list[tuple[Election, str]]:
    """Announced elections with registered candidates the student may vote for."""
    elections = db.session.scalars(
        select(Election).where(Election.phase.in_(CAMPAIGN_PHASES)).order_by(Election.opens_at)
    )
    return [
        (election, localized(election.title, election.titles))
        for election in elections
        if any(registered(p) for p in visible_positions(election, student))
    ]


def candidacies(student: User) -> list[Candidacy]:
    """The student's own nominations and candidacies, newest election first."""
    rows = db.session.execute(
        select(Candidate, Position, Election)
        .join(Position, Position.id == Candidate.position_id)
        .join(Election, Election.id == Position.election_id)
        .where(Candidate.student_id == student.id)
        .order_by(Election.opens_at.desc(), Position.sort_order, Position.id)
    ).all()
    listed = []
    for candidate, position, election in rows:
        phase = election.current_phase
        standing = candidate.status in STANDING
        observer_id = db.session.scalar(
            select(Observer.user_id).where(Observer.candidate_id == candidate.id)
        )
        listed.append(
            Candidacy(
                candidate=candidate,
                election=election,
                election_title=localized(election.title, election.titles),
                position_title=localized(position.title, position.titles),
                observer=None if observer_id is None else db.session.get(User, observer_id),
                can_edit=standing and lifecycle.can_edit_campaign_page(phase),
                can_withdraw=standing and phase in WITHDRAW_PHASES,
                can_name_observer=standing and phase in OBSERVER_PHASES,
            )
        )
    return listed


def own_candidacy(student: User, candidate_id: int) -> Candidacy:
    """One of the student's own nominations, with what they may still do."""
    (listed,) = [c for c in candidacies(student) if c.candidate.id == candidate_id]
    return listed


def _observing(user: User) -> list[Observed]:
    """Elections the account observes, with the pages open to an observer in each phase."""
    listed = []
    for election in observed_elections(user):
        phase = election.current_phase
        listed.append(
            Observed(
                election,
                localized(election.title, election.titles),
                turnout=lifecycle.turnout_visible(phase, Role.observer),
                results=lifecycle.results_visible(phase, Role.observer),
                log=audit_log_visible(phase, Role.observer),
            )
        )
    return listed


def _appeals(user: User, now: datetime) -> list[tuple[Election, str]]:
    """Elections in their appeals window where the account may file a complaint."""
    elections = db.session.scalars(select(Election).where(Election.phase == Phase.appeals))
    return [
        (election, localized(election.title, election.titles))
        for election in elections
        if appeals_open(election, now) and may_complain(user, election.id)
    ]


def overview(student: User, now: datetime) -> Overview:
    """The calendar as it concerns one student: what they may do, read, watch and appeal."""
    return Overview(
        nominating=_nominating(student),
        campaigns=_campaigns(student),
        candidacies=candidacies(student),
        observing=_observing(student),
        appeals=_appeals(student, now),
    )
