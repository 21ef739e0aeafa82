"""``flask demo`` also seeds an election in its campaign, run through the real calendar."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elections.domain.errors import LifecycleReason, LifecycleRefusal
from elections.extensions import db
from elections.models import (
    AuditEvent,
    CampaignPageVersion,
    Candidate,
    Election,
    Observer,
    User,
)
from elections.operations.audit_log import Actor
from elections.operations.elections import delete_election
from elections.queries.observers import is_observer

COMMITTEE = Actor("committee1", "committee", "127.0.0.1")


def test_the_demo_has_an_election_in_its_campaign(app, runner, tmp_path):
    app.instance_path = str(tmp_path)  # the demo writes its access codes there
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalars(select(Election).where(Election.phase == "campaign")).one()
    assert f"Demo election {campaign.id}: in its campaign" in result.output
    schedule = campaign.schedule
    assert all(schedule.starts(phase) for phase in ("nomination", "campaign", "silence"))
    assert campaign.appeals_end is not None

    candidates = [c for p in campaign.positions for c in p.candidates]
    by_status: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_status.setdefault(candidate.status, []).append(candidate)
    assert len(by_status["registered"]) >= 3
    (rejected,) = by_status["rejected"]
    assert rejected.review_reason
    (pending,) = by_status["nominated"]
    assert all(c.student is not None and c.manifesto for c in candidates)
    assert any(c.video_url for c in by_status["registered"])

    (observer,) = db.session.scalars(select(Observer)).all()
    assert observer.election_id == campaign.id
    assert is_observer(db.session.get(User, observer.user_id), campaign.id)

    edited = db.session.scalars(select(CampaignPageVersion.candidate_id)).all()
    assert any(edited.count(candidate_id) >= 2 for candidate_id in set(edited))
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.election_id == campaign.id))
    )
    assert {
        "nomination-filed",
        "endorsement-given",
        "nomination-registered",
        "nomination-rejected",
        "observer-named",
        "campaign-page-updated",
    } <= actions
    assert pending.position.endorsements_required > 0


def test_an_election_that_never_opened_can_be_abandoned_with_all_it_holds(app, runner, tmp_path):
    """Nominations, endorsements, an observer and page versions go with it; the log stays."""
    app.instance_path = str(tmp_path)
    assert runner.invoke(args=["demo"]).exit_code == 0
    campaign = db.session.scalars(select(Election).where(Election.phase == "campaign")).one()
    running = db.session.scalars(select(Election).where(Election.phase == "open")).one()
    held = [c.id for p in campaign.positions for c in p.candidates]
    entries = db.session.scalars(select(AuditEvent.seq)).all()
    delete_election(COMMITTEE, campaign.id)
    assert db.session.get(Election, campaign.id) is None
    assert db.session.scalars(select(Observer)).all() == []
    versions = select(CampaignPageVersion).where(CampaignPageVersion.candidate_id.in_(held))
    assert db.session.scalars(versions).all() == []
    assert db.session.scalars(select(AuditEvent.seq)).all()[: len(entries)] == entries
    deleted = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (deleted.action, deleted.details["phase"]) == ("election-deleted", "campaign")
    with pytest.raises(LifecycleRefusal) as refused:
        delete_election(COMMITTEE, running.id)
    assert refused.value.reason == LifecycleReason.voting_started
