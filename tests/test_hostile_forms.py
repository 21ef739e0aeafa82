"""Hostile form submissions: forged tokens, planted fields, SQL, control characters, uploads.

Every attack ends in a clear refusal or is stored as the plain text it is: no server error,
nothing half-written, and an audit line where the action is one the log keeps.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from elections.extensions import db
from elections.models import AuditEvent, Ballot, Candidate, Election, Position, User
from elections.operations.accounts import UNLOGGED_CODE
from tests.conftest import (
    STAFF_PASSWORD,
    csrf_token,
    make_election,
    make_position,
    make_staff,
    make_student,
    post_form,
    sign_in,
)
from tests.test_hostile_factories import (
    SQL_PAYLOADS,
    audit_entries,
    row_counts,
    submit,
)
from tests.test_voting import answers, ballots_written, positions_of, rejections, signed_in_student

CODE = "ABCD-EFGH"
ROLL_HEADER = "student_number,full_name,grade,class,shanyrak\n"
LATER = datetime.now(UTC) + timedelta(days=30)
WHEN = {"opens_at": LATER.strftime("%Y-%m-%dT09:00"), "closes_at": LATER.strftime("%Y-%m-%dT17:00")}
CONTROL_REFUSAL = "invisible control characters"


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    """A small, valid PNG."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def upload_roll(browser, content: bytes, filename: str = "roll.csv", kind: str = "text/csv"):
    """Post the roll form with a file, as the committee's browser does."""
    return submit(browser, "/committee/roll", {"file": (io.BytesIO(content), filename, kind)})


def students() -> dict[str, User]:
    """Students on the roll by number."""
    return {u.username: u for u in db.session.scalars(select(User).where(User.role == "student"))}


# 1. CSRF: missing, wrong, from another session, from before sign-in.


def forged_tokens(app, browser) -> dict[str, dict[str, str]]:
    """Each kind of bad token, as form data to merge."""
    stranger = app.test_client()
    make_staff("committee", username="stranger")
    sign_in(stranger, "stranger", STAFF_PASSWORD)
    return {
        "missing": {},
        "empty": {"csrf_token": ""},
        "wrong": {"csrf_token": "IjAwMDAi.forged.token"},
        "another-session": {"csrf_token": csrf_token(stranger, "/committee/")},
        "another-field-name": {"csrf-token": csrf_token(browser, "/committee/")},
    }


@pytest.mark.parametrize(
    "kind", ["missing", "empty", "wrong", "another-session", "another-field-name"]
)
def test_committee_forms_refuse_a_bad_token_and_write_nothing(app, staff_client, kind):
    browser, _user = staff_client("committee")
    draft = make_election(title="Keep me")
    before = row_counts()
    token = forged_tokens(app, browser)[kind]
    before = row_counts()
    for url, data in [
        ("/committee/elections/new", {"title": "Forged", **WHEN}),
        (f"/committee/elections/{draft.id}/delete", {}),
        ("/committee/access-codes/replace", {"student_number": "1001"}),
        ("/sign-out", {}),
    ]:
        response = browser.post(url, data={**data, **token})
        assert response.status_code == 400, url
        assert "did not come from this site" in response.text
    assert row_counts() == before
    assert browser.get("/committee/").status_code == 200  # still signed in: sign-out refused


@pytest.mark.parametrize("kind", ["missing", "wrong", "another-session"])
def test_a_ballot_with_a_bad_token_is_refused_and_logged(app, kind):
    election = make_election(phase="open")
    make_position(election)
    browser, _student = signed_in_student(app, election)
    other, _other = signed_in_student(app, election)
    [president] = positions_of(election)
    token = {
        "missing": {},
        "wrong": {"csrf_token": "forged"},
        "another-session": {"csrf_token": csrf_token(other, "/vote/")},
    }[kind]
    refused = browser.post(
        f"/vote/{election.id}/cast", data={**answers((president, "Дана")), **token}
    )
    assert refused.status_code == 400
    assert "expired or did not come from this site" in refused.text
    assert ballots_written() == 0
    assert rejections() == [{"reason": "expired-form"}]


def test_a_token_from_before_sign_in_fails_after_it(app, staff_client):
    staff = make_staff("committee", username="chair")
    browser = app.test_client()
    before_sign_in = csrf_token(browser)
    response = browser.post(
        "/sign-in",
        data={"csrf_token": before_sign_in, "username": "chair", "secret": STAFF_PASSWORD},
    )
    assert response.status_code == 302
    counts = row_counts()
    stale = browser.post(
        "/committee/elections/new", data={"csrf_token": before_sign_in, "title": "X", **WHEN}
    )
    assert stale.status_code == 400
    assert row_counts() == counts
    fresh = csrf_token(browser, "/committee/")
    assert fresh != before_sign_in
    assert staff.role == "committee"


def test_the_sign_in_form_itself_needs_a_token(app, client):
    make_student(number="1001", code=CODE)
    response = client.post("/sign-in", data={"username": "1001", "secret": CODE})
    assert response.status_code == 400
    assert client.get("/vote/").status_code == 302
    assert audit_entries("sign-in") == []


# 5. Planted fields: who acts comes from the session and the address, never from the form.


def test_planted_fields_at_sign_in_grant_nothing(app, client):
    admin = make_staff("admin", username="head")
    make_student(number="1001", code=CODE)
    planted = {
        "role": "admin",
        "user_id": str(admin.id),
        "student_id": str(admin.id),
        "_user_id": f"{admin.id}:0",
        "is_admin": "1",
        "remember": "y",
    }
    response = post_form(client, "/sign-in", {"username": "1001", "secret": CODE, **planted})
    assert response.headers["Location"] == "/vote/"
    assert client.get("/committee/").status_code == 403
    assert client.get("/audit/").status_code == 403
    [entry] = audit_entries("sign-in")
    assert entry.actor_role != "admin"
    assert entry.object_id == str(students()["1001"].id)


def test_planted_fields_in_committee_forms_are_ignored(app, staff_client):
    browser, _user = staff_client("committee")
    elsewhere = make_election(title="Elsewhere")
    other = make_position(elsewhere, title="Other", candidates=())
    response = submit(
        browser,
        "/committee/elections/new",
        {
            "title": "Council 2031",
            **WHEN,
            "phase": "published",
            "id": "999",
            "election_id": str(elsewhere.id),
            "scheduled": "y",
            "closed_at": "2000-01-01T00:00",
        },
    )
    assert response.status_code == 302
    election = db.session.scalar(select(Election).where(Election.title == "Council 2031"))
    assert (election.phase, election.scheduled, election.closed_at) == ("draft", False, None)
    assert election.id != 999
    assert db.session.get(Election, elsewhere.id).title == "Elsewhere"

    response = submit(
        browser,
        f"/committee/elections/{election.id}/positions/new",
        {"title": "President", "election_id": str(elsewhere.id), "id": str(other.id)},
    )
    assert response.status_code == 302
    position = db.session.scalar(select(Position).where(Position.title == "President"))
    assert position.election_id == election.id
    assert db.session.get(Position, other.id).title == "Other"

    student = make_student(number="1001", code=CODE)
    response = submit(
        browser,
        f"/committee/positions/{position.id}/candidates/new",
        {
            "name": "Free-dress Friday",
            "position_id": str(other.id),
            "student_id": str(student.id),
            "status": "withdrawn",
            "photo_digest": "0" * 64,
        },
    )
    assert response.status_code == 302
    candidate = db.session.scalars(select(Candidate)).one()
    assert (candidate.position_id, candidate.student_id) == (position.id, None)
    assert (candidate.status, candidate.photo_digest) == ("registered", None)


def test_a_student_cannot_vote_as_another_by_planting_ids(app):
    election = make_election(phase="open")
    make_position(election)
    browser, voter = signed_in_student(app, election)
    _other_browser, victim = signed_in_student(app, election)
    [president] = positions_of(election)
    form = answers((president, "Әли")) | {
        "student_id": str(victim.id),
        "user_id": str(victim.id),
        "role": "committee",
        "election_id": "999",
    }
    checked = post_form(browser, f"/vote/{election.id}/review", form)
    assert checked.status_code == 200
    for planted in ("student_id", "user_id", "role", "election_id"):
        assert f'name="{planted}"' not in checked.text
    cast = post_form(browser, f"/vote/{election.id}/cast", form)
    assert cast.status_code == 303
    voters = list(db.session.execute(text("SELECT student_id FROM participation")).scalars())
    assert voters == [voter.id]


# 9. SQL-looking text is text.


@pytest.mark.parametrize("payload", SQL_PAYLOADS)
def test_sql_in_sign_in_is_a_failed_sign_in(app, client, payload):
    make_student(number="1001", code=CODE)
    for username, secret in [(payload, CODE), ("1001", payload), (payload, payload)]:
        response = post_form(client, "/sign-in", {"username": username, "secret": secret})
        assert response.status_code == 200
        assert "That sign-in did not work" in response.text
    typed = [e.details["username"] for e in audit_entries("sign-in-failed")]
    assert typed == [payload, "1001", payload]
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0  # the table is there


@pytest.mark.parametrize("payload", SQL_PAYLOADS)
def test_sql_in_committee_text_is_stored_as_typed(app, staff_client, payload):
    browser, _user = staff_client("committee")
    title = f"Council {payload}"
    assert (
        submit(
            browser, "/committee/elections/new", {"title": title, "description": payload, **WHEN}
        ).status_code
        == 302
    )
    election = db.session.scalar(select(Election).where(Election.title == title))
    assert election.description == payload
    response = submit(
        browser,
        f"/committee/elections/{election.id}/positions/new",
        {"title": payload, "description": payload},
    )
    assert response.status_code == 302
    position = db.session.scalar(select(Position).where(Position.election_id == election.id))
    assert position.title == payload
    response = submit(
        browser,
        f"/committee/positions/{position.id}/candidates/new",
        {"name": payload, "manifesto": payload},
    )
    assert response.status_code == 302
    candidate = db.session.scalars(select(Candidate)).one()
    assert (candidate.name, candidate.manifesto) == (payload, payload)
    # A number-shaped lookup with SQL in it finds nobody, and says so.
    refused = submit(
        browser,
        f"/committee/positions/{position.id}/candidates/new",
        {"student_number": payload, "name": ""},
    )
    assert refused.status_code == 200
    assert "No active student on the roll has that number." in refused.text
    replaced = post_form(browser, "/committee/access-codes/replace", {"student_number": payload})
    assert replaced.status_code == 302
    # The election page shows it all as text.
    page = browser.get(f"/committee/elections/{election.id}")
    assert page.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(User)) >= 1


@pytest.mark.parametrize("payload", SQL_PAYLOADS)
def test_sql_in_searches_and_filters_finds_nothing(app, client, staff_client, payload):
    auditor, _user = staff_client("auditor")
    for url, params in [
        ("/audit/", {"actor": payload}),
        ("/audit/", {"action": payload}),
        ("/audit/", {"election": payload}),
        ("/audit/", {"since": payload}),
        ("/audit/", {"cursor": payload}),
    ]:
        response = auditor.get(url, query_string=params)
        assert response.status_code == 200, params
    election = make_election(phase="published", opens_in=timedelta(days=-3))
    response = post_form(client, f"/board/{election.id}", {"code": payload})
    assert response.status_code == 200


def test_sql_in_roll_names_is_stored_as_typed(app, staff_client):
    browser, _user = staff_client("committee")
    rows = [f"100{i}" for i in range(len(SQL_PAYLOADS))]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ROLL_HEADER.strip().split(","))
    writer.writerows(
        [n, payload, 10, "10A", "Altai"] for n, payload in zip(rows, SQL_PAYLOADS, strict=True)
    )
    assert upload_roll(browser, buffer.getvalue().encode()).status_code == 302
    assert [students()[n].full_name for n in rows] == list(SQL_PAYLOADS)


# 14. Invisible characters: refused everywhere text comes in.


@pytest.mark.parametrize(
    "hostile",
    ["Evil\u202eeman", "Nul\x00name", "Bell\x07", "Iso\u2066late\u2069", "Esc\x1b[31m"],
    ids=["rlo", "nul", "bell", "isolate", "ansi-escape"],
)
def test_committee_forms_refuse_invisible_control_characters(app, staff_client, hostile):
    browser, _user = staff_client("committee")
    election = make_election(opens_in=timedelta(days=10))
    position = make_position(election, candidates=())
    before = row_counts()
    attempts = [
        submit(browser, "/committee/elections/new", {"title": hostile, **WHEN}),
        submit(browser, f"/committee/elections/{election.id}/positions/new", {"title": hostile}),
        submit(
            browser,
            f"/committee/positions/{position.id}/candidates/new",
            {"name": "Fine name", "manifesto": f"Vote for me {hostile}"},
        ),
        submit(browser, f"/committee/positions/{position.id}/candidates/new", {"name": hostile}),
    ]
    for response in attempts:
        assert response.status_code == 400
        assert CONTROL_REFUSAL in response.text
    assert row_counts() == before


@pytest.mark.parametrize("hostile", ["10\x00", "1001\u202e", "\x00' OR 1=1"])
def test_sign_in_with_control_characters_is_refused_cleanly(app, client, hostile):
    make_student(number="1001", code=CODE)
    response = post_form(client, "/sign-in", {"username": hostile, "secret": CODE})
    assert response.status_code == 400
    assert CONTROL_REFUSAL in response.text
    assert client.get("/vote/").status_code == 302


@pytest.mark.parametrize(
    "row",
    [
        "1004,Evil\u202eName,10,10A,Altai",
        "1004,Name\x00,10,10A,Altai",
        "1004,Ok,10,10\u2067A,Altai",
    ],
    ids=["rlo-in-name", "nul-in-name", "isolate-in-class"],
)
def test_roll_import_refuses_invisible_characters_naming_the_line(app, staff_client, row):
    browser, _user = staff_client("committee")
    content = (ROLL_HEADER + "1003,Fine Name,10,10A,Altai\n" + row + "\n").encode()
    response = upload_roll(browser, content)
    assert response.status_code == 200
    assert "Nothing was imported" in response.text
    assert "3" in response.text.split("Problems found", 1)[1]  # line 3 is named
    assert students() == {}


def test_look_alike_candidate_names_are_warned_about(app, staff_client):
    browser, _user = staff_client("committee")
    position = make_position(make_election(opens_in=timedelta(days=10)), candidates=("Алия",))
    response = submit(
        browser,
        f"/committee/positions/{position.id}/candidates/new",
        {"name": "Aлия"},  # a Latin A
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "looks almost the same as" in response.text
    assert len(db.session.scalars(select(Candidate)).all()) == 2


# 10. Uploads: the name and the declared type are never trusted, the size is bounded.


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    """An empty working directory, to show that no upload lands on the disk."""
    here = tmp_path / "cwd" / "a" / "b"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    return tmp_path / "cwd"


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd", "..\\..\\x.csv", "/etc/passwd", "roll.csv\x00.xlsx", "C:\\roll.csv", ""],
    ids=["dotdot", "backslash", "absolute", "nul", "drive", "nameless"],
)
def test_roll_file_names_are_never_used(app, staff_client, workdir, filename):
    browser, _user = staff_client("committee")
    content = (ROLL_HEADER + "1001,Aruzhan Sadykova,10,10A,Altai\n").encode()
    response = upload_roll(browser, content, filename)
    if filename:
        assert response.status_code == 302
        assert "1001" in students()
    else:
        assert response.status_code == 200  # a browser sends no file without a name
        assert students() == {}
    assert [p for p in workdir.rglob("*") if p.is_file()] == []
    for entry in db.session.scalars(select(AuditEvent)):
        assert "passwd" not in str(entry.details)
        assert "x.csv" not in str(entry.details)


@pytest.mark.parametrize(
    ("content", "filename", "kind"),
    [
        (b"\xff\xfe\x00\x01garbage\x00", "roll.csv", "text/csv"),
        (b"PK\x03\x04 not really a workbook", "roll.xlsx", "application/vnd.ms-excel"),
        (png(), "roll.csv", "text/csv"),
        (b"", "roll.csv", "text/csv"),
        (b"<script>alert(1)</script>", "roll.csv", "text/html"),
        (b"a,b\n" * 10, "roll.csv", "text/csv"),
    ],
    ids=["binary", "fake-xlsx", "image-named-csv", "empty", "html", "wrong-columns"],
)
def test_malformed_roll_files_are_refused_and_nothing_is_kept(
    app, staff_client, content, filename, kind
):
    browser, _user = staff_client("committee")
    before = row_counts()
    response = upload_roll(browser, content, filename, kind)
    assert response.status_code == 200
    assert "Nothing was imported" in response.text
    assert "<script>alert" not in response.text
    assert row_counts() == before


def test_a_csv_roll_sent_as_an_image_is_read_by_its_content(app, staff_client):
    browser, _user = staff_client("committee")
    content = (ROLL_HEADER + "1001,Aruzhan Sadykova,10,10A,Altai\n").encode()
    assert upload_roll(browser, content, "photo.png", "image/png").status_code == 302
    assert "1001" in students()


@pytest.mark.parametrize("filename", ["../../etc/passwd", "..\\..\\x.png", "face.png\x00.html"])
def test_photo_file_names_are_never_used(app, staff_client, workdir, filename):
    browser, _user = staff_client("committee")
    position = make_position(make_election(opens_in=timedelta(days=10)), candidates=())
    response = submit(
        browser,
        f"/committee/positions/{position.id}/candidates/new",
        {"name": "Option", "photo": (io.BytesIO(png()), filename, "text/plain")},
    )
    assert response.status_code == 302
    candidate = db.session.scalars(select(Candidate)).one()
    assert candidate.photo_type == "image/webp"
    served = browser.get(f"/committee/candidates/{candidate.id}/photo")
    assert served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "passwd" not in served.headers.get("Content-Disposition", "")
    assert [p for p in workdir.rglob("*") if p.is_file()] == []
    [added] = audit_entries("candidate-added")
    assert "passwd" not in str(added.details)


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"<html><script>alert(1)</script></html>", "image/png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
        (b"GIF89a" + b"\x00" * 20, "image/gif"),
        (b"%PDF-1.4 not a photo", "image/jpeg"),
    ],
    ids=["html-as-png", "svg", "gif", "pdf-as-jpeg"],
)
def test_photos_that_are_not_photos_are_refused(app, staff_client, content, kind):
    browser, _user = staff_client("committee")
    position = make_position(make_election(opens_in=timedelta(days=10)), candidates=())
    before = row_counts()
    response = submit(
        browser,
        f"/committee/positions/{position.id}/candidates/new",
        {"name": "Option", "photo": (io.BytesIO(content), "face.png", kind)},
    )
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert row_counts() == before


def test_an_oversized_photo_is_a_413_and_nothing_is_kept(app, staff_client):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    browser, _user = staff_client("committee")
    position = make_position(make_election(opens_in=timedelta(days=10)), candidates=())
    before = row_counts()
    huge = png((1200, 1200)) + b"\x00" * (128 * 1024)
    response = submit(
        browser,
        f"/committee/positions/{position.id}/candidates/new",
        {"name": "Option", "photo": (io.BytesIO(huge), "face.png", "image/png")},
    )
    assert response.status_code == 413
    assert "The file is too large" in response.text
    assert row_counts() == before


def test_a_malformed_multipart_body_is_refused(app, staff_client):
    browser, _user = staff_client("committee")
    before = row_counts()
    body = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nno end'
    response = browser.post(
        "/committee/roll", data=body, content_type="multipart/form-data; boundary=xyz"
    )
    assert response.status_code == 400
    assert 'class="site-header"' in response.text
    assert row_counts() == before


# 8. CRLF in a username never forges a log line.

FORGED = "evil\r\nINFO forged line"


def test_crlf_in_a_username_forges_no_log_line(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    app.config["SIGNIN_CEILING_PER_ACCOUNT"] = "10 per 15 minutes"
    for _ in range(10):  # the account's ceiling, whose log line names what was typed
        post_form(client, "/sign-in", {"username": FORGED, "secret": "wrong"})
    assert post_form(client, "/sign-in", {"username": FORGED, "secret": "x"}).status_code == 429
    assert any("sign-in limit reached" in record.getMessage() for record in caplog.records)
    for record in caplog.records:
        message = record.getMessage()
        assert "\r" not in message, message
        assert "\n" not in message, message
    for line in caplog.text.splitlines():
        assert not line.startswith("INFO forged line")
    typed = {e.details["username"] for e in audit_entries("sign-in-failed")}
    assert typed == {FORGED}  # kept exactly, as data inside the chained JSON


def test_crlf_in_a_username_is_one_cell_in_the_audit_export(app, client, staff_client):
    post_form(client, "/sign-in", {"username": FORGED, "secret": "wrong"})
    auditor, _user = staff_client("auditor")
    count = len(db.session.scalars(select(AuditEvent)).all())
    export = post_form(auditor, "/audit/export", {"format": "csv"})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == count + 1  # a header and one row per entry: nothing split in two
    assert any(json.dumps(FORGED)[1:-1] in cell for row in rows for cell in row)
    assert not any(row and row[0].startswith("INFO forged line") for row in rows)


def test_every_text_the_logs_keep_stays_on_one_line_in_the_app_log(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    post_form(client, "/sign-in", {"username": "a\nb", "secret": "c\r\nd"})
    client.get("/vote/%0d%0aINFO%20forged")
    for record in caplog.records:
        assert "\n" not in record.getMessage()


def test_an_access_code_typed_as_the_username_is_never_logged(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    student = make_student(number="1001", code=CODE)
    for _ in range(11):  # up to the per-account limit, and one past it
        post_form(client, "/sign-in", {"username": CODE.lower(), "secret": student.username})
    typed = {e.details["username"] for e in audit_entries("sign-in-failed")}
    assert typed == {UNLOGGED_CODE}
    folded = CODE.replace("-", "")
    assert not [r for r in caplog.records if folded in r.getMessage().upper().replace("-", "")]
    assert CODE.lower() not in caplog.text
