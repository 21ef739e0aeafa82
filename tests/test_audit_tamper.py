"""Tampering with the database after the fact: ``flask audit verify`` names the entry or position.

On PostgreSQL the audit log refuses UPDATE and DELETE; these tests play a superuser who
switches its triggers off (``session_replication_role = replica``), which is exactly the
attack the hash chain is there to expose.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm.attributes import flag_modified

from elections.bundle.verify import verify_bundle
from elections.domain.audit_chain import make_entry
from elections.domain.ballot import encode_ballot
from elections.domain.verification import describe
from elections.extensions import db
from elections.models import AuditEvent, Ballot, PublishedResult
from elections.operations.audit_log import entry_columns, hmac_key
from elections.queries.audit_log import stored_entry
from tests.conftest import ON_POSTGRES
from tests.test_audit_scenario import position_titled, run_election

KEY = "kept-outside-the-database"


def tamper(sql: str, **params: object) -> None:
    """Run SQL as an intruder with full database rights would, and commit it."""
    if ON_POSTGRES:
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    db.session.execute(text(sql), params)
    db.session.commit()


def audit_verify(runner) -> tuple[int, str]:
    """Run ``flask audit verify``; the exit code and everything it printed."""
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def verdict_line(output: str) -> str:
    """The line that names the first failure."""
    return next(line for line in output.splitlines() if line.startswith("NOT VERIFIED"))


def last_seq() -> int:
    """The newest entry's number."""
    return db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))


def test_an_honest_database_verifies_and_the_run_is_logged(app, runner):
    election = run_election()
    code, output = audit_verify(runner)
    assert code == 0, output
    assert "VERIFIED: every check holds." in output
    assert f"OK   election {election.id} published-head" in output
    newest = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert newest.action == "audit-verified"
    assert newest.actor.startswith("cli:")
    assert newest.details["ok"] is True
    assert newest.details["head_seq"] == newest.seq - 1


def test_an_edited_entry_is_named(app, runner):
    run_election()
    tamper("UPDATE audit_event SET actor = 'someone-else' WHERE seq = 5")
    code, output = audit_verify(runner)
    assert code == 1
    assert "chain: entry 5 does not match its own hash" in verdict_line(output)


def test_edited_details_are_named(app, runner):
    run_election()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "election-opened"))
    tamper(
        "UPDATE audit_event SET details = :details WHERE seq = :seq",
        details='{"eligible": 999}',
        seq=event.seq,
    )
    code, output = audit_verify(runner)
    assert code == 1
    assert f"entry {event.seq} does not match its own hash" in verdict_line(output)


def test_a_deleted_entry_is_named(app, runner):
    run_election()
    tamper("DELETE FROM audit_event WHERE seq = 7")
    code, output = audit_verify(runner)
    assert code == 1
    assert "entry 7 is missing" in verdict_line(output)


def test_deleted_newest_entries_are_caught_by_the_head_row(app, runner):
    run_election(publish=False)
    newest = last_seq()
    tamper("DELETE FROM audit_event WHERE seq > :seq", seq=newest - 2)
    code, output = audit_verify(runner)
    assert code == 1
    line = verdict_line(output)
    assert f"recorded head is entry {newest} but the log ends at {newest - 2}" in line


def test_deleted_newest_entries_of_a_published_election_are_caught_by_its_head(app, runner):
    election = run_election()
    head = election.published_head_seq
    tamper("DELETE FROM audit_event WHERE seq >= :seq", seq=head)
    tamper(
        "UPDATE audit_head SET seq = :seq, hash = (SELECT hash FROM audit_event WHERE seq = :seq)",
        seq=head - 1,
    )
    code, output = audit_verify(runner)
    assert code == 1
    assert f"the log ends before entry {head}" in verdict_line(output)


def test_a_log_cut_back_before_closing_with_every_head_moved_is_still_caught(app, runner):
    """The intruder lacks the chain's key but moves every head the database holds."""
    app.config["AUDIT_HMAC_KEY"] = KEY
    election = run_election()
    paper = f"{election.published_head_seq}:{election.published_head_hash}"
    closing = db.session.scalar(
        select(AuditEvent.seq).where(AuditEvent.action == "election-closed")
    )
    tamper("DELETE FROM audit_event WHERE seq >= :seq", seq=closing)
    moved = "(SELECT hash FROM audit_event WHERE seq = :seq)"
    tamper(f"UPDATE audit_head SET seq = :seq, hash = {moved}", seq=closing - 1)
    tamper(
        f"UPDATE election SET published_head_seq = :seq, published_head_hash = {moved}",
        seq=closing - 1,
    )
    code, output = audit_verify(runner)
    assert code == 1
    assert f"entry {closing - 1} is not this election's publication entry" in output
    assert "seal-recorded: the audit log holds no record of it" in output
    db.session.commit()
    result = runner.invoke(args=["audit", "verify", "--expected-head", paper])
    assert result.exit_code == 1
    assert "the log ends before entry" in verdict_line(result.output)


def test_a_malformed_expected_head_is_refused(app, runner):
    result = runner.invoke(args=["audit", "verify", "--expected-head", "twelve"])
    assert result.exit_code == 2
    assert "SEQ:HASH" in result.output


def _shift_up_from(seq: int) -> None:
    """Renumber every entry from ``seq`` on one up, making room for an insertion."""
    tamper("UPDATE audit_event SET seq = seq + 100000 WHERE seq >= :seq", seq=seq)
    tamper("UPDATE audit_event SET seq = seq - 99999 WHERE seq >= 100000")


@pytest.mark.parametrize("keyed", [False, True], ids=["sha256", "hmac"])
def test_an_inserted_entry_is_named(app, runner, keyed):
    if keyed:
        app.config["AUDIT_HMAC_KEY"] = KEY
    run_election()
    before = stored_entry(db.session.get(AuditEvent, 9))
    # A forger without the chain key can only hash with plain SHA-256.
    forged = make_entry(
        before,
        occurred_at=before.occurred_at,
        actor="committee1",
        actor_role="committee",
        action="candidate-withdrawn",
    )
    _shift_up_from(10)
    db.session.execute(AuditEvent.__table__.insert().values(**entry_columns(forged)))
    db.session.commit()
    code, output = audit_verify(runner)
    assert code == 1
    line = verdict_line(output)
    if keyed:
        assert hmac_key() is not None
        assert "entry 10 does not match its own hash" in line
    else:
        # The forgery links and hashes correctly; the entry after it no longer links.
        assert "entry 11 does not link to the entry before it" in line


def test_a_forged_entry_appended_after_the_head_is_caught(app, runner):
    run_election(publish=False)
    newest = stored_entry(db.session.get(AuditEvent, last_seq()))
    forged = make_entry(newest, occurred_at=newest.occurred_at, action="sign-in", actor="ghost")
    db.session.execute(AuditEvent.__table__.insert().values(**entry_columns(forged)))
    db.session.commit()
    code, output = audit_verify(runner)
    assert code == 1
    assert f"the recorded head is entry {newest.seq} but the log ends at {forged.seq}" in output


def test_reordered_entries_are_named(app, runner):
    run_election()
    tamper("UPDATE audit_event SET seq = -1 WHERE seq = 6")
    tamper("UPDATE audit_event SET seq = 6 WHERE seq = 7")
    tamper("UPDATE audit_event SET seq = 7 WHERE seq = -1")
    code, output = audit_verify(runner)
    assert code == 1
    assert "entry 6 does not link to the entry before it" in verdict_line(output)


def test_a_ballot_added_after_the_seal_is_named_by_position(app, runner):
    election = run_election()
    president = position_titled(election, "President")
    tamper(
        "INSERT INTO ballot (id, position_id, choices, tracking_code)"
        " VALUES ('ffffffffffffffffffffffffffffffff', :pid, :choices, 'ABCD-EFGH-JK')",
        pid=president.id,
        choices=encode_ballot((president.candidates[0].id,)),
    )
    code, output = audit_verify(runner)
    assert code == 1
    line = verdict_line(output)
    assert f"position {president.id} participation: 12 students took part but there are 13" in line
    assert (
        f"FAIL position {president.id} seal: the seal counts 12 ballots but there are 13" in output
    )


def test_a_ballot_removed_after_the_seal_is_named_by_position(app, runner):
    election = run_election()
    council = position_titled(election, "Council")
    victim = db.session.scalar(select(Ballot.id).where(Ballot.position_id == council.id))
    tamper("DELETE FROM ballot WHERE id = :id", id=victim)
    code, output = audit_verify(runner)
    assert code == 1
    assert f"position {council.id} participation" in verdict_line(output)
    assert f"FAIL position {council.id} recount" in output


def test_a_ballot_altered_after_the_seal_is_named_by_position(app, runner):
    election = run_election()
    captain = position_titled(election, "Captain")
    victim = db.session.scalar(select(Ballot).where(Ballot.position_id == captain.id))
    altered = encode_ballot(tuple(c.id for c in reversed(captain.candidates)))
    assert altered != victim.choices  # nobody ranked all three in reverse order
    tamper("UPDATE ballot SET choices = :c WHERE id = :id", c=altered, id=victim.id)
    code, output = audit_verify(runner)
    assert code == 1
    line = verdict_line(output)
    assert f"position {captain.id} seal: the ballots no longer match the seal's digest" in line


def test_a_changed_published_result_is_named_by_position(app, runner):
    election = run_election()
    question = position_titled(election, "Uniform")
    row = db.session.get(PublishedResult, question.id)
    row.result = {**row.result, "passed": False, "elected": []}
    flag_modified(row, "result")
    db.session.commit()
    code, output = audit_verify(runner)
    assert code == 1
    line = verdict_line(output)
    assert f"position {question.id} recount: the recount differs from the published result" in line
    assert f"FAIL position {question.id} result-recorded: the result differs" in output


def test_verify_can_look_at_one_election(app, runner):
    election = run_election()
    db.session.commit()
    result = runner.invoke(args=["audit", "verify", "--election", str(election.id)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["audit", "verify", "--election", "999"])
    assert result.exit_code != 0
    assert "There is no election 999" in result.output


@pytest.mark.parametrize("choices", ["[1,", "[999999]", "[4,4]"])
def test_an_unreadable_ranked_ballot_is_named_and_the_export_still_verifies(
    app, runner, tmp_path, choices
):
    election = run_election()
    captain = position_titled(election, "Captain")
    victim = db.session.scalar(select(Ballot.id).where(Ballot.position_id == captain.id))
    tamper("UPDATE ballot SET choices = :c WHERE id = :id", c=choices, id=victim)

    code, output = audit_verify(runner)
    exported = runner.invoke(
        args=["audit", "export", str(tmp_path / "bundle"), "--election", str(election.id)]
    )
    from_bundle = verify_bundle(tmp_path / "bundle")

    assert code == 1
    named = f"FAIL position {captain.id} recount-files: ballot {victim} cannot be read"
    assert named in output
    assert exported.exit_code == 0, exported.output
    assert named in [describe(check) for check in from_bundle.checks]
