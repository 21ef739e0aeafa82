"""Elections: create, edit and delete while the phase allows it, and the lock every change takes.

Every change locks the election row first (as opening and closing do), so an edit
and a phase change never interleave: the edit either lands before the ballot is
frozen or is refused after. The phase guards here are the ones every operation on an
election's positions, candidates and nominations applies under that lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from elections.domain import lifecycle
from elections.domain.counting import DEFAULT_RULES, CountingRules
from elections.domain.errors import DomainError, LifecycleReason, LifecycleRefusal
from elections.domain.lifecycle import Phase
from elections.extensions import db
from elections.models import Election
from elections.operations.audit_log import Actor, logged_time, record

CALENDAR_DATES = ("nomination_starts", "campaign_starts", "silence_starts", "appeals_end")


class LookupReason(StrEnum):
    """Why the thing an action names cannot be found."""

    not_found = "not-found"


class NotFound(DomainError[LookupReason]):
    """No election, position or candidate has that number."""

    status = 404


@dataclass(frozen=True)
class ElectionDetails:
    """What the committee types about an election: dates already converted to aware UTC."""

    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    # The rest of the calendar: a phase whose start is unset is not used.
    nomination_starts: datetime | None = None
    campaign_starts: datetime | None = None
    silence_starts: datetime | None = None
    appeals_end: datetime | None = None
    endorsement_limit: int = 3
    # The title in other languages, by locale; readers fall back to ``title``.
    titles: Mapping[str, str] = field(default_factory=dict)
    # How the counts settle ties (and, later, the election's other counting rules).
    counting_rules: CountingRules = DEFAULT_RULES

    def dates(self) -> dict[str, datetime | None]:
        """The calendar's dates under the names the election stores them by."""
        return {name: getattr(self, name) for name in ("opens_at", "closes_at", *CALENDAR_DATES)}

    def schedule(self) -> lifecycle.Schedule:
        """These dates as the lifecycle rules read them."""
        return lifecycle.Schedule.of(self)


def clean_titles(titles: Mapping[str, str]) -> dict[str, str]:
    """Titles per language as stored: trimmed, empty ones left out, in language order."""
    trimmed = {code: text.strip() for code, text in sorted(titles.items())}
    return {code: text for code, text in trimmed.items() if text}


def lock_election(election_id: int) -> Election:
    """Load the election for a change, holding its row lock until commit."""
    election = db.session.scalar(
        select(Election)
        .where(Election.id == election_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if election is None:
        raise NotFound(LookupReason.not_found, {"election": election_id})
    return election


def require_phase(
    election: Election, allows: Callable[[Phase], bool], reason: LifecycleReason
) -> None:
    """Refuse with ``reason``, naming the phase, unless ``allows`` admits the election's phase."""
    if not allows(election.current_phase):
        raise LifecycleRefusal(reason, {"phase": election.phase})


def require_structure_editable(election: Election) -> None:
    """Refuse changes to positions and rules once the ballot is frozen."""
    require_phase(election, lifecycle.can_edit_structure, LifecycleReason.structure_frozen)


def require_candidates_editable(election: Election) -> None:
    """Refuse adding or removing candidates once the list is frozen."""
    require_phase(election, lifecycle.can_edit_candidates, LifecycleReason.candidates_frozen)


def require_page_editable(election: Election) -> None:
    """Refuse changes to a candidate's page and photo once the campaign page is frozen."""
    require_phase(election, lifecycle.can_edit_campaign_page, LifecycleReason.campaign_page_frozen)


def require_nominations_open(election: Election) -> None:
    """Refuse nominating and endorsing outside the nomination phase."""
    require_phase(election, lifecycle.can_nominate, LifecycleReason.nominations_closed)


def create_election(actor: Actor, details: ElectionDetails) -> Election:
    """Create a draft election with its calendar: opening and closing, and any other phases."""
    lifecycle.check_schedule(details.schedule())
    election = Election(
        title=details.title.strip(),
        description=details.description.strip(),
        **details.dates(),
        endorsement_limit=details.endorsement_limit,
        titles=clean_titles(details.titles),
        tie_rule=str(details.counting_rules.tie),
        phase=str(Phase.draft),
        scheduled=False,
    )
    db.session.add(election)
    db.session.flush()
    record(
        actor,
        "election-created",
        object_type="election",
        object_id=election.id,
        election_id=election.id,
        details={
            "title": election.title,
            **{name: logged_time(moment) for name, moment in details.dates().items()},
            "endorsement_limit": details.endorsement_limit,
            "titles": election.titles,
            "counting_rules": details.counting_rules.to_dict(),
        },
    )
    db.session.commit()
    return election


def update_election(actor: Actor, election_id: int, details: ElectionDetails) -> Election:
    """Change the title, description, counting rules and (in draft) the dates.

    Like the positions' methods, the counting rules may change until the day of silence;
    the ones in force when voting opens are recorded then. New dates need confirming again.
    """
    election = lock_election(election_id)
    require_structure_editable(election)
    dates_changed = election.schedule != details.schedule()
    if dates_changed:
        if election.current_phase != Phase.draft:
            raise LifecycleRefusal(LifecycleReason.not_draft)
        lifecycle.check_schedule(details.schedule())
    changes: dict[str, Any] = {}
    for name, value in (
        ("title", details.title.strip()),
        ("description", details.description.strip()),
        *details.dates().items(),
        ("endorsement_limit", details.endorsement_limit),
        ("titles", clean_titles(details.titles)),
        ("tie_rule", str(details.counting_rules.tie)),
    ):
        if getattr(election, name) != value:
            changes[name] = logged_time(value) if isinstance(value, datetime) else value
            setattr(election, name, value)
    if dates_changed and election.scheduled:
        election.scheduled = False
        changes["scheduled"] = False
    if changes:
        record(
            actor,
            "election-updated",
            object_type="election",
            object_id=election.id,
            election_id=election.id,
            details=changes,
        )
    db.session.commit()
    return election


def delete_election(actor: Actor, election_id: int) -> None:
    """Delete an election that never opened, with all it holds; once voting opens it is kept."""
    election = lock_election(election_id)
    if not lifecycle.can_delete(election.current_phase):
        raise LifecycleRefusal(LifecycleReason.voting_started)
    title, phase = election.title, election.phase
    db.session.delete(election)
    db.session.flush()
    record(
        actor,
        "election-deleted",
        object_type="election",
        object_id=election_id,
        election_id=election_id,
        details={"title": title, "phase": phase},
    )
    db.session.commit()
