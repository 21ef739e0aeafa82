"""The auditors' workspace: who gets in, filtering and paging the log, exports, verification."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text, update

from elections.audit.messages import RESULT_PARTS, explain_check
from elections.bundle.verify import verify_bundle
from elections.domain import counting
from elections.domain.audit_chain import (
    AuditEntry,
    ChainHead,
    format_time,
    make_entry,
    verify_chain,
)
from elections.domain.verification import Check, CheckKind, Problem, Report, Status
from elections.extensions import db
from elections.models import HEAD_ID, AuditEvent, AuditHead
from elections.operations.audit_log import entry_columns
from tests.conftest import (
    ON_POSTGRES,
    make_election,
    make_position,
    make_student,
    post_form,
    sign_in,
)
from tests.test_audit_scenario import run_election

SEQ_CELL = re.compile(r'<td class="num">(\d+)</td>')
ACTION_CELL = re.compile(r'<td class="action">([^<]*)</td>')


def append(action: str, at: datetime, *, actor: str | None = "committee1", **fields) -> None:
    """Append a valid chain entry at a chosen time, as ``record`` would have at that moment."""
    head = db.session.get(AuditHead, HEAD_ID)
    entry = make_entry(
        ChainHead(head.seq, head.hash),
        occurred_at=format_time(at),
        action=action,
        actor=actor,
        actor_role="committee",
        **fields,
    )
    db.session.execute(AuditEvent.__table__.insert().values(**entry_columns(entry)))
    db.session.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=entry.seq, hash=entry.hash)
    )
    db.session.commit()


def shown_seqs(response) -> list[int]:
    """The sequence numbers listed on a page of the log."""
    return [int(n) for n in SEQ_CELL.findall(response.get_data(as_text=True))]


def shown_actions(response) -> list[str]:
    """The actions listed on a page of the log, newest first."""
    return ACTION_CELL.findall(response.get_data(as_text=True))


def head_seq() -> int:
    """The newest entry's number (signing in the auditor wrote some already)."""
    return db.session.get(AuditHead, HEAD_ID).seq


@pytest.fixture
def auditor(staff_client):
    """A signed-in auditor's browser."""
    browser, _user = staff_client("auditor")
    return browser


WORKSPACE_POSTS = ["/audit/export", "/audit/verify", "/audit/bundle"]


@pytest.mark.parametrize("page", WORKSPACE_POSTS)
def test_anonymous_visitors_cannot_use_the_workspace(client, page):
    response = post_form(client, page, {"format": "csv"})
    assert response.status_code == 302
    # No way back to a form's POST address: after signing in it would answer 405.
    assert response.headers["Location"] == "/sign-in"


@pytest.mark.parametrize("page", WORKSPACE_POSTS)
def test_students_cannot_use_the_workspace(app, client, page):
    make_student(number="1001", code="ABCD-EFGH")
    sign_in(client, "1001", "ABCD-EFGH")
    assert post_form(client, page, {"format": "csv"}).status_code == 403
    assert client.get("/audit/").status_code == 403
    exported = db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("audit-%")))
    assert exported is None


@pytest.mark.parametrize("role", ["auditor", "committee", "admin"])
def test_auditors_committee_and_admins_read_the_log(staff_client, role):
    browser, _user = staff_client(role)
    response = browser.get("/audit/")
    assert response.status_code == 200
    assert shown_actions(response) == ["sign-in"]


def test_the_time_filter_reads_school_time(app, auditor):
    # Asia/Almaty is UTC+5: these are 08:00, 10:00 and 12:00 at the school.
    for hour in (3, 5, 7):
        append(f"at-{hour}", datetime(2026, 3, 3, hour, tzinfo=UTC))
    response = auditor.get(
        "/audit/", query_string={"since": "2026-03-03T09:00", "before": "2026-03-03T11:00"}
    )
    assert shown_actions(response) == ["at-5"]


def test_before_excludes_its_own_minute_boundary(app, auditor):
    append("on-the-dot", datetime(2026, 3, 3, 5, tzinfo=UTC))
    assert shown_actions(auditor.get("/audit/", query_string={"before": "2026-03-03T10:00"})) == []
    since = auditor.get("/audit/", query_string={"since": "2026-03-03T10:00"})
    assert "on-the-dot" in shown_actions(since)


def test_filters_by_actor_action_and_election(app, auditor):
    base = head_seq()
    moment = datetime(2026, 3, 3, 5, tzinfo=UTC)
    append("election-opened", moment, actor="alice", election_id=1)
    append("election-opened", moment, actor="bob", election_id=2)
    append("candidate-added", moment, actor="alice", election_id=2)
    by_actor = shown_seqs(auditor.get("/audit/", query_string={"actor": "alice"}))
    assert by_actor == [base + 3, base + 1]
    by_action = shown_seqs(auditor.get("/audit/", query_string={"action": "election-opened"}))
    assert by_action == [base + 2, base + 1]
    by_election = auditor.get("/audit/", query_string={"election": "2", "actor": "alice"})
    assert shown_seqs(by_election) == [base + 3]


def test_an_unreadable_filter_is_shown_as_an_error_and_ignored(app, auditor):
    append("kept", datetime(2026, 3, 3, 5, tzinfo=UTC))
    response = auditor.get("/audit/", query_string={"since": "yesterday"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert "kept" in shown_actions(response)


def test_the_log_is_paged_by_sequence_number(app, auditor):
    moment = datetime(2026, 3, 3, 5, tzinfo=UTC)
    for n in range(230):
        append(f"bulk-{n}", moment, actor="loader")
    top = head_seq()
    first = auditor.get("/audit/", query_string={"actor": "loader"})
    seqs = shown_seqs(first)
    assert (seqs[0], seqs[-1], len(seqs)) == (top, top - 99, 100)
    older = re.search(r'href="(/audit/\?[^"]*cursor=(\d+)[^"]*)"', first.get_data(as_text=True))
    assert int(older.group(2)) == top - 99
    assert "actor=loader" in older.group(1)  # the filter carries over to the next page
    second = shown_seqs(auditor.get(older.group(1).replace("&amp;", "&")))
    assert (second[0], second[-1], len(second)) == (top - 100, top - 199, 100)
    last = auditor.get("/audit/", query_string={"actor": "loader", "cursor": top - 199})
    assert len(shown_seqs(last)) == 30
    assert "Older entries" not in last.get_data(as_text=True)


HOSTILE = ['=HYPERLINK("http://x")', "+SUM(1,2)", "-2+3", "@cmd", "\tTAB", "\rCR", "plain"]


def test_the_csv_export_neutralises_formulas(app, auditor):
    moment = datetime(2026, 3, 3, 5, tzinfo=UTC)
    for value in HOSTILE:
        append("note", moment, actor=value, object_id=value, details={"text": value})
    response = post_form(auditor, "/audit/export", {"format": "csv", "action": "note"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"), newline="")))
    assert [r["actor"] for r in rows] == ["'" + v if v[0] in "=+-@\t\r" else v for v in HOSTILE]
    assert [r["object_id"] for r in rows] == [r["actor"] for r in rows]
    for row in rows:
        assert row["details"][0] == "{"
    dangerous = [cell for row in rows for cell in row.values() if cell and cell[0] in "=+-@\t\r"]
    assert dangerous == []


def test_the_jsonl_export_is_the_log_as_stored(app, auditor):
    run_election(voters=4, publish=False)
    response = post_form(auditor, "/audit/export", {"format": "jsonl"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-ndjson; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    entries = [json.loads(line) for line in lines]
    assert verify_chain(AuditEntry(**e) for e in entries).ok


def test_exports_are_themselves_logged(app, auditor):
    append("note", datetime(2026, 3, 3, 5, tzinfo=UTC))
    noted = head_seq()
    post_form(auditor, "/audit/export", {"format": "csv", "actor": "committee1"})
    entry = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert entry.action == "audit-exported"
    assert entry.actor_role == "auditor"
    assert entry.details == {
        "format": "csv",
        "entries": 1,
        "filters": {"actor": "committee1"},
        "last_seq": noted,
        "last_hash": db.session.get(AuditEvent, noted).hash,
    }


def test_an_export_without_its_token_is_refused(app, auditor):
    response = auditor.post("/audit/export", data={"format": "csv"})
    assert response.status_code == 400


def test_verification_in_the_browser_shows_the_head_and_is_logged(app, auditor):
    election = run_election()
    response = post_form(auditor, "/audit/verify")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    head = db.session.get(AuditHead, HEAD_ID)
    # The verification's own entry is appended after the check.
    checked = db.session.get(AuditEvent, head.seq - 1)
    assert f"Chain intact. Entries: {checked.seq}; head: {checked.seq} {checked.hash}." in page
    assert "FAILED" not in page
    assert election.title in page
    last = db.session.get(AuditEvent, head.seq)
    assert (last.action, last.details["ok"]) == ("audit-verified", True)


def test_the_head_on_the_paper_protocol_is_checked_when_given(app, auditor):
    election = run_election()
    printed = f"entry {election.published_head_seq}, {election.published_head_hash}"
    page = post_form(auditor, "/audit/verify", {"expected_head": printed}).get_data(as_text=True)
    assert "Verification failed" not in page
    forged = f"{election.published_head_seq}:{'0' * 64}"
    page = post_form(auditor, "/audit/verify", {"expected_head": forged}).get_data(as_text=True)
    assert "Verification failed" in page
    assert f"Entry {election.published_head_seq} is not the entry the head names" in page


def test_a_head_that_is_not_one_is_explained_not_checked(app, auditor):
    run_election()
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = post_form(auditor, "/audit/verify", {"expected_head": "the one on the wall"})
    assert response.status_code == 302
    page = auditor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Copy the head as the protocol prints it: the entry number and its hash." in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_verification_in_the_browser_names_the_broken_entry(app, auditor):
    run_election(publish=False)
    if ON_POSTGRES:
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    db.session.execute(text("UPDATE audit_event SET actor = 'nobody' WHERE seq = 3"))
    db.session.commit()
    page = post_form(auditor, "/audit/verify").get_data(as_text=True)
    assert "Verification failed" in page
    assert "Entry 3 does not match its own hash: it was changed." in page
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert last.details["failure"] == {
        "check": "chain",
        "problem": "hash-mismatch",
        "seq": 3,
        "election_id": None,
        "position_id": None,
    }


def test_the_bundle_downloads_as_a_zip_that_verifies(app, auditor, tmp_path):
    election = run_election()
    response = post_form(auditor, "/audit/bundle", {"election": str(election.id)})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(response.get_data())
    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
    assert {"manifest.json", "audit_log.jsonl"} <= names
    assert any(name.startswith("ballots/position-") for name in names)
    assert verify_bundle(archive).ok
    logged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit-exported"))
    assert (logged.election_id, logged.actor_role) == (election.id, "auditor")


def test_the_log_alone_downloads_at_any_time(app, auditor, tmp_path):
    election = make_election(phase="open")
    make_position(election)
    response = post_form(auditor, "/audit/bundle", {"election": ""})
    assert response.status_code == 200
    archive = tmp_path / "log.zip"
    archive.write_bytes(response.get_data())
    assert verify_bundle(archive).ok


def test_an_open_elections_ballots_are_refused(app, auditor):
    election = make_election(phase="open")
    make_position(election)
    response = post_form(auditor, "/audit/bundle", {"election": str(election.id)})
    assert response.status_code == 409
    assert "only after voting has closed" in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit-exported")) is None
    )


def test_every_verdict_has_a_sentence_in_both_tongues(app):
    from elections.audit.messages import CHECK_NAMES, PROBLEMS, explain_check
    from elections.domain.audit_chain import ChainProblem
    from elections.domain.verification import (
        SENTENCES,
        Check,
        CheckKind,
        Problem,
        Report,
        Status,
        describe,
    )

    problems = [*ChainProblem, *Problem]
    assert set(PROBLEMS) == set(SENTENCES) == {str(p) for p in problems}
    assert set(CHECK_NAMES) == set(CheckKind)
    for problem in problems:
        check = Check(CheckKind.chain, Status.failed, problem, seq=4)
        assert "{" not in describe(check)
        assert "%(" not in explain_check(check, Report((check,)))
    for kind in CheckKind:
        check = Check(kind, Status.ok, position_id=1)
        assert "{" not in describe(check)
        assert "%(" not in explain_check(check, Report((check,)))


def test_a_differing_recount_names_the_part_in_words(app) -> None:
    problem = Check(
        CheckKind.recount, Status.failed, Problem.result_differs, detail={"field": "first_counts"}
    )
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        sentence = explain_check(problem, Report((problem,)))
    assert (
        sentence
        == "Пересчёт расходится с опубликованным результатом (голоса за каждого кандидата)."
    )


def test_every_part_of_a_result_has_a_name_for_the_recount() -> None:
    tally = counting.count("ranked", (1, 2, 3), [(1, 2), (2,), (3, 1)], seats=1)
    assert set(RESULT_PARTS) == set(counting.result_to_dict(tally))
