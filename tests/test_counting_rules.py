"""The election's counting rules: chosen by the committee, fixed and recorded when voting opens,
printed on the protocol, and applied by the count and the verifier alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from elections.domain.counting import CountingRules, TieRule
from elections.domain.errors import LifecycleReason, LifecycleRefusal
from elections.domain.verification import CheckKind, Problem, Status
from elections.extensions import db
from elections.models import Election, PublishedResult
from elections.operations import elections as ops
from elections.operations.audit_log import Actor
from elections.operations.auditing import run_verification
from elections.queries.tally import tally_position
from tests.conftest import make_election, post_form
from tests.test_results_factories import entries, poll_with

ACTOR = Actor("committee1", "committee")
NEW_ELECTION = {
    "title": "Council of Leaders 2031",
    "opens_at": "2031-03-03T09:00",
    "closes_at": "2031-03-03T17:30",
}


def test_the_committee_chooses_the_tie_rule_of_a_new_election(app, staff_client):
    browser, _user = staff_client("committee")
    form = browser.get("/committee/elections/new").get_data(as_text=True)
    assert "An exact tie is settled by" in form
    assert "A runoff election among the tied" in form

    response = post_form(browser, "/committee/elections/new", NEW_ELECTION | {"tie_rule": "runoff"})

    assert response.status_code == 302
    election = db.session.scalars(select(Election)).one()
    assert election.counting_rules == CountingRules(tie=TieRule.runoff)
    [created] = entries("election-created")
    assert created.details["counting_rules"] == {"tie": "runoff"}
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "A runoff election among the tied" in page


def test_an_election_made_without_choosing_has_the_default_rule(app, staff_client):
    browser, _user = staff_client("committee")

    post_form(browser, "/committee/elections/new", NEW_ELECTION)

    election = db.session.scalars(select(Election)).one()
    assert election.tie_rule == "earlier-rounds"


@pytest.mark.parametrize("typed", ["coin", "Lot", "lot ", "лот"])
def test_a_tie_rule_that_is_not_offered_is_a_form_error(app, staff_client, typed):
    browser, _user = staff_client("committee")

    response = post_form(browser, "/committee/elections/new", NEW_ELECTION | {"tie_rule": typed})

    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalars(select(Election)).all() == []


def test_changing_the_rule_before_the_day_of_silence_is_logged(app, staff_client):
    election = make_election(title=NEW_ELECTION["title"], opens_in=timedelta(days=3))
    browser, _user = staff_client("committee")
    fields = NEW_ELECTION | {"opens_at": "", "closes_at": ""}
    edit = browser.get(f"/committee/elections/{election.id}/edit").get_data(as_text=True)
    fields["opens_at"] = edit.split('name="opens_at"')[1].split('value="')[1].split('"')[0]
    fields["closes_at"] = edit.split('name="closes_at"')[1].split('value="')[1].split('"')[0]

    response = post_form(
        browser, f"/committee/elections/{election.id}/edit", fields | {"tie_rule": "lot"}
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Election, election.id).tie_rule == "lot"
    [updated] = entries("election-updated")
    assert updated.details == {"tie_rule": "lot"}


@pytest.mark.parametrize("phase", ["silence", "open", "closed", "published"])
def test_the_rule_cannot_change_from_the_day_of_silence(app, phase):
    election = make_election(phase=phase)
    details = ops.ElectionDetails(
        title=election.title,
        description="",
        opens_at=election.opens_at,
        closes_at=election.closes_at,
        counting_rules=CountingRules(tie=TieRule.lot),
    )
    with pytest.raises(LifecycleRefusal) as refused:
        ops.update_election(ACTOR, election.id, details)
    assert refused.value.reason == LifecycleReason.structure_frozen


def test_the_rules_are_recorded_when_voting_opens_and_printed_on_the_protocol(app, client):
    poll = poll_with([["Әли"]] * 3 + [["Дана"]], tie_rule="lot", phase="published")

    [opened] = entries("election-opened")
    protocol = post_form(client, f"/results/{poll.id}/protocol").get_data(as_text=True)

    assert opened.details["counting_rules"] == {"tie": "lot"}
    assert "An exact tie is settled by" in protocol
    assert "A lot at once" in protocol


def test_the_count_applies_the_rule(app):
    # Round 2 ties Дана and Максим; round 1 had Максим lower, so earlier rounds settle it.
    ballots = (
        [["Әли"]] * 4 + [["Дана", "Әли"]] * 2 + [["Дана", "Максим"]] + [["Максим", "Дана"]] * 2
    )
    ballots += [["Бекзат", "Максим"]]
    names = ("Әли", "Бекзат", "Дана", "Максим")
    earlier = poll_with(ballots, method="ranked", candidates=names, phase="published")
    at_once = poll_with(ballots, method="ranked", candidates=names, tie_rule="lot")

    settled = db.session.get(PublishedResult, earlier.position().id).result
    assert [step["kind"] for step in settled["trace"]].count("tie-backwards") == 1
    assert tally_position(at_once.position()).lot_required == frozenset(
        at_once.ids()[n] for n in ("Дана", "Максим")
    )


def test_the_verifier_catches_a_rule_changed_after_opening(app):
    poll = poll_with([["Әли"]] * 3 + [["Дана"]], phase="published")
    election = db.session.get(Election, poll.id)
    assert run_verification(poll.actor, election).report.ok

    db.session.execute(update(Election).where(Election.id == poll.id).values(tie_rule="runoff"))
    db.session.commit()
    report = run_verification(poll.actor, db.session.get(Election, poll.id)).report

    [check] = [c for c in report.checks if c.kind == CheckKind.rules_recorded]
    assert (check.status, check.problem) == (Status.failed, Problem.recorded_rules_differ)


def test_the_database_refuses_a_tie_rule_it_does_not_know(app):
    election = make_election()
    changed = update(Election).where(Election.id == election.id).values(tie_rule="coin")
    with pytest.raises(IntegrityError):
        db.session.execute(changed)
    db.session.rollback()
