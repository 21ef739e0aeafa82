"""``flask demo`` also seeds an election in its campaign, run through the real calendar."""

from __future__ import annotations

from sqlalchemy import select

from elections.extensions import db
from elections.models import (
    AuditEvent,
    CampaignPageVersion,
    Candidate,
    Election,
    Observer,
    User,
)
from elections.observers import is_observer


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
