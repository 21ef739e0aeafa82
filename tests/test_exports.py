"""Downloads: results, turnout and ballots as CSV and JSON, and the protocol to sign.

The ballots round-trip: what anyone downloads, parsed back and fed to the counter, gives
exactly the published result. CSV never carries a live formula, every download is logged,
and the protocol is signed off with the audit log's head.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select

from elections.domain.ballot import decode_ballot, seal_digest
from elections.domain.counting import count, result_to_dict
from elections.domain.csv_safe import csv_text, neutralise
from elections.extensions import db
from elections.models import AuditHead, BallotSeal, Election, Observer, PublishedResult, User
from elections.operations.results import record_room_lot
from tests.conftest import make_student, post_form, sign_in
from tests.test_results_factories import entries, open_poll, poll_with


def download(browser, poll, kind: str, fmt: str, position: int | None = None):
    """POST the download form as the page does."""
    data: dict[str, object] = {"kind": kind, "format": fmt}
    if position is not None:
        data["position"] = position
    return post_form(browser, f"/results/{poll.id}/export", data)


def observe(poll, number: str) -> None:
    """Make the account a candidate's observer of the poll (as the candidate would name it)."""
    reader = db.session.scalars(select(User).where(User.username == number)).one()
    candidate = poll.position("Council").candidates[0]
    db.session.add(Observer(election_id=poll.id, candidate_id=candidate.id, user_id=reader.id))
    db.session.commit()


def csv_rows(response) -> list[dict[str, str]]:
    """A CSV download read back as a spreadsheet would."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def published_poll():
    """A published election with a tie settled by lot, an STV count and a yes/no question."""
    poll = open_poll(
        {
            "President": {},
            "Council": {"method": "ranked", "seats": 2, "candidates": ("Әли", "Дана", "Максим")},
            "Longer breaks": {"method": "yesno", "candidates": ("Longer breaks",)},
        },
        voters=10,
    )
    poll.cast([["Әли"]] * 4 + [["Дана"]] * 4 + [["Максим"]] + [[]], "President")
    poll.cast(
        [["Әли", "Дана"]] * 4 + [["Әли"]] * 2 + [["Дана", "Максим"]] + [["Максим"]] * 3,
        "Council",
    )
    poll.cast([["yes"]] * 6 + [["no"]] * 3 + [[]], "Longer breaks")
    poll.close()
    ids = poll.ids("President")
    record_room_lot(poll.actor, poll.position("President").id, [ids["Дана"], ids["Әли"]])
    poll.publish()
    return poll


def recount(header: dict, texts: list[str]) -> dict:
    """Count downloaded ballots with the downloaded rules, as an outside verifier would."""
    return result_to_dict(
        count(
            header["method"],
            [c["id"] for c in header["candidates"]],
            [decode_ballot(text) for text in texts],
            seats=header["seats"],
            lots=[lot["drawn_order"] for lot in header["lots"]],
            threshold=Fraction(header["threshold_percent"], 100),
        )
    )


def test_downloaded_ballots_recount_to_the_published_result(app, client, staff_client):
    poll = published_poll()
    auditor, _user = staff_client("auditor")
    results = json.loads(download(client, poll, "results", "json").data)
    published = {p["id"]: p["result"] for p in results["positions"]}
    for title in ("President", "Council", "Longer breaks"):
        position = poll.position(title)
        snapshot = db.session.get(PublishedResult, position.id).result
        assert published[position.id] == snapshot

        as_json = json.loads(download(auditor, poll, "ballots", "json", position.id).data)
        header = as_json["position"]
        texts = [ballot["choices"] for ballot in as_json["ballots"]]
        assert recount(header, texts) == snapshot

        rows = csv_rows(download(auditor, poll, "ballots", "csv", position.id))
        assert [row["choices"] for row in rows] == texts
        assert recount(header, [row["choices"] for row in rows]) == snapshot

        ids = [ballot["id"] for ballot in as_json["ballots"]]
        assert ids == sorted(ids)  # the sealed list, in ballot-id order
        sealed = [(b["id"], b["tracking_code"], b["choices"]) for b in as_json["ballots"]]
        assert seal_digest(position.id, sealed) == header["seal"]["digest"]
        assert len(sealed) == header["seal"]["ballot_count"] == 10
    assert published[poll.position("President").id]["elected"] == [poll.ids("President")["Дана"]]


def test_the_results_csv_lists_every_option_and_blank_apart(app, client):
    poll = published_poll()
    rows = csv_rows(download(client, poll, "results", "csv"))
    president = [r for r in rows if r["position"] == "President"]
    by_option = {r["option"]: r for r in president}
    assert by_option["Дана"]["votes"] == "4"
    assert by_option["Дана"]["percent_of_valid"] == "44.44"  # 4 of 9 valid
    assert by_option["Дана"]["elected"] == "yes"
    assert by_option["Әли"]["elected"] == "no"
    assert by_option["blank"]["votes"] == "1"
    assert by_option["blank"]["percent_of_valid"] == ""
    breaks = {r["option"]: r for r in rows if r["position"] == "Longer breaks"}
    assert (breaks["yes"]["votes"], breaks["yes"]["elected"]) == ("6", "yes")


def test_the_turnout_downloads_withhold_small_groups(app, staff_client):
    poll = poll_with([["Әли"]] * 6)
    make_student(number="lone", grade=7, class_name="7Ә")  # joins after opening
    browser, _user = staff_client("committee")
    rows = csv_rows(download(browser, poll, "turnout", "csv"))
    overall = next(r for r in rows if r["group"] == "election")
    assert (overall["eligible"], overall["voted"], overall["percent"]) == ("6", "6", "100.00")
    data = json.loads(download(browser, poll, "turnout", "json").data)
    assert data["overall"]["eligible"] == 6
    assert data["min_group"] == app.config["TURNOUT_MIN_GROUP"]
    assert "7Ә" not in json.dumps(data, ensure_ascii=False)


def test_small_turnout_groups_are_suppressed_in_the_csv(app, staff_client):
    poll = open_poll({"President": {}}, voters=3)  # three students: fewer than the minimum
    poll.cast([["Әли"]] * 2)
    poll.close()
    browser, _user = staff_client("committee")
    rows = csv_rows(download(browser, poll, "turnout", "csv"))
    overall = next(r for r in rows if r["group"] == "election")
    assert (overall["eligible"], overall["voted"], overall["suppressed"]) == ("", "", "yes")


HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.mark.parametrize("cell", HOSTILE)
def test_a_cell_that_would_run_as_a_formula_is_neutralised(cell):
    assert neutralise(cell) == "'" + cell
    text = csv_text([[cell, "plain"]])
    [row] = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert row == ["'" + cell, "plain"]


@pytest.mark.parametrize("cell", ["Әли", "12", "a=b", "", "'quoted"])
def test_ordinary_cells_are_left_alone(cell):
    assert neutralise(cell) == cell


def test_hostile_candidate_names_are_neutralised_in_the_results_csv(app, staff_client):
    names = ('=HYPERLINK("http://evil.example","x")', "+1+1", "@SUM(A1)", "-2+3")
    poll = poll_with([[names[0]], [names[1]], [names[1]]], candidates=names)
    browser, _user = staff_client("committee")
    rows = csv_rows(download(browser, poll, "results", "csv"))
    options = {r["option"] for r in rows}
    assert {"'" + name for name in names} <= options
    assert not any(r["option"].startswith(("=", "+", "-", "@")) for r in rows)


def test_every_download_is_written_to_the_audit_log(app, client, staff_client):
    poll = published_poll()
    position = poll.position("Council")
    download(client, poll, "turnout", "csv")
    browser, user = staff_client("auditor")
    download(browser, poll, "ballots", "csv", position.id)
    download(browser, poll, "results", "json")
    post_form(browser, f"/results/{poll.id}/protocol")
    logged = entries("results-exported")
    assert [(e.details["kind"], e.details["format"]) for e in logged] == [
        ("turnout", "csv"),
        ("ballots", "csv"),
        ("results", "json"),
        ("protocol", "html"),
    ]
    assert logged[1].details["position_id"] == position.id
    assert logged[0].actor is None  # a visitor who is not signed in
    assert logged[1].actor == user.username
    assert all(e.election_id == poll.id for e in logged)


def test_downloads_follow_the_results_visibility(app, client, staff_client):
    poll = poll_with([["Әли"]] * 2)
    position = poll.position()
    assert download(client, poll, "ballots", "csv", position.id).status_code == 404
    make_student(number="reader", code="ABCD-EFGH")
    sign_in(client, "reader", "ABCD-EFGH")
    assert download(client, poll, "results", "csv").status_code == 403
    browser, _user = staff_client("committee")
    assert download(browser, poll, "ballots", "csv", position.id).status_code == 200
    assert entries("results-exported")[-1].details["phase"] == "closed"


@pytest.mark.parametrize("reader", ["public", "student", "observer"])
def test_the_ballots_themselves_go_to_the_officials_only(app, client, reader):
    poll = published_poll()
    position = poll.position("Council")
    if reader != "public":
        make_student(number="reader", code="ABCD-EFGH")
        sign_in(client, "reader", "ABCD-EFGH")
    if reader == "observer":
        observe(poll, "reader")
    page = client.get(f"/results/{poll.id}").get_data(as_text=True)
    assert 'value="ballots"' not in page  # no button offers them
    assert "Council" in page  # while the count and its trace are there

    refused = download(client, poll, "ballots", "csv", position.id)

    assert refused.status_code == 403
    assert b"tracking_code" not in refused.data
    assert [e.details["kind"] for e in entries("results-exported")] == []


def test_downloads_are_posts_only(app, client):
    poll = poll_with([["Әли"]], phase="published")
    assert client.get(f"/results/{poll.id}/export").status_code == 405
    assert client.get(f"/results/{poll.id}/protocol").status_code == 405


def test_a_download_of_an_unknown_kind_or_position_is_refused(app, client, staff_client):
    poll = poll_with([["Әли"]], phase="published")
    auditor, _user = staff_client("auditor")
    assert download(client, poll, "roll", "csv").status_code == 400
    assert download(auditor, poll, "ballots", "xlsx", poll.position().id).status_code == 400
    assert download(auditor, poll, "ballots", "csv").status_code == 400
    other = poll_with([["Дана"]], phase="published")
    assert download(auditor, poll, "ballots", "csv", other.position().id).status_code == 404


def test_the_protocol_is_signed_with_the_published_head(app, client):
    poll = published_poll()
    election = db.session.get(Election, poll.id)
    html = post_form(client, f"/results/{poll.id}/protocol").get_data(as_text=True)
    assert election.published_head_hash in html
    assert f"entry {election.published_head_seq}" in html
    assert "Head of the audit log recorded at publication" in html
    assert "Provisional" not in html
    for title in ("President", "Council", "Longer breaks"):
        seal = db.session.get(BallotSeal, poll.position(title).id)
        assert seal.digest in html
    assert "Seal: 10 ballots, digest" in html
    assert "Дана, Әли — in the room" in " ".join(html.split())  # the lot for President
    assert "Elected: Дана." in html
    assert "Signatures of the election committee" in html
    assert html.count('class="signature-line"') == 5
    assert "@media print" not in html  # the print rules live in app.css, not inline


def test_the_protocol_before_publication_is_provisional(app, staff_client):
    poll = poll_with([["Әли"]] * 3 + [["Дана"]])
    browser, _user = staff_client("committee")
    current = db.session.get(AuditHead, 1).hash  # after signing in, which is logged too
    html = post_form(browser, f"/results/{poll.id}/protocol").get_data(as_text=True)
    assert "Provisional: the results are not yet published." in html
    assert current in html
    assert "Elected: Әли." in html
    seal_line = "Seal: 4 ballots, digest"
    assert seal_line in html


def test_the_print_stylesheet_has_rules_for_the_protocol(app):
    css = Path(app.static_folder, "css", "app.css").read_text(encoding="utf-8")
    assert "@media print" in css
    assert ".signature-line" in css
