"""Recount anywhere: a sealed ranked position exported as BLT and a rank table, read back,
counted and found to be the published result; the verifier names any line changed in them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from elections.bundle import layout
from elections.bundle.verify import main as verify_main
from elections.bundle.verify import verify_bundle
from elections.domain.counting import Method, count, result_to_dict
from elections.domain.counting.blt import RankedBallots, read_blt
from elections.domain.counting.rank_table import read_rank_table
from elections.domain.csv_safe import neutralise
from elections.domain.recount_files import RecountFormat
from elections.domain.verification import CheckKind, Status
from elections.extensions import db
from elections.models import Election
from elections.operations.auditing import export_bundle
from elections.queries.export import DirectoryWriter
from tests.conftest import post_form
from tests.test_results_factories import entries, poll_with

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = ("Әли Сейітов", "Дана Қасымова", "Ілияс Өмір", "Ұлан Нұрғали", "=Максим")
# Two seats: a surplus moves, someone is eliminated, some ballots rank one name, one is blank.
BALLOTS = (
    [["Әли Сейітов", "Дана Қасымова"]] * 6
    + [["Әли Сейітов", "Ілияс Өмір", "Дана Қасымова"]] * 2
    + [["Дана Қасымова"]] * 2
    + [["Ілияс Өмір", "Ұлан Нұрғали"]] * 3
    + [["Ұлан Нұрғали", "=Максим", "Ілияс Өмір"]] * 2
    + [["=Максим"]]
    + [[]]
)


@pytest.fixture
def exported(app, tmp_path):
    """A published STV election and its bundle on disk: (poll, bundle directory, manifest)."""
    poll = poll_with(BALLOTS, method="ranked", seats=2, candidates=CANDIDATES, phase="published")
    directory = tmp_path / "bundle"
    export_bundle(poll.actor, db.session.get(Election, poll.id), DirectoryWriter(directory))
    manifest = json.loads((directory / layout.MANIFEST).read_text(encoding="utf-8"))
    return poll, directory, manifest


def recounted(ballots: RankedBallots, paper: list[int]) -> dict:
    """Count ballots read from a file, its candidate numbers turned back into the paper's ids."""
    rankings = [tuple(paper[n - 1] for n in ranking) for ranking in ballots.spelled_out()]
    return result_to_dict(count(Method.ranked, paper, rankings, seats=ballots.seats))


def test_a_sealed_ranked_position_recounts_from_its_blt_and_rank_table(exported):
    _poll, directory, manifest = exported
    [entry] = manifest["election"]["positions"]
    paper = [c["id"] for c in entry["candidates"]]
    names = [c["name"] for c in entry["candidates"]]
    files = entry["recount_files"]
    published = json.loads((directory / entry["result"]).read_text(encoding="utf-8"))
    blt_text = (directory / files["blt"]).read_text(encoding="utf-8")
    table_text = (directory / files["ranks"]).read_text(encoding="utf-8")

    from_blt = read_blt(blt_text)
    from_table = read_rank_table(table_text, names, entry["seats"], from_blt.title)

    assert from_blt.title == "Council 2031: President"
    assert from_blt.names == tuple(names)
    assert recounted(from_table, paper) == published
    # BLT leaves the blank ballot out (it ranks nobody and counts toward no quota).
    assert recounted(from_blt, paper) == published | {
        "total_ballots": published["valid_ballots"],
        "blank_ballots": 0,
    }
    assert published["blank_ballots"] == 1
    assert len(published["elected"]) == 2
    assert {step["kind"] for step in published["trace"]} >= {"transfer", "eliminated"}


def test_nothing_in_the_recount_files_points_at_a_voter(exported):
    _poll, directory, manifest = exported
    [entry] = manifest["election"]["positions"]
    texts = [
        (directory / name).read_text(encoding="utf-8") for name in entry["recount_files"].values()
    ]
    ballots = [
        json.loads(line)
        for line in (directory / entry["ballots"]).read_text(encoding="utf-8").splitlines()
    ]
    assert len(ballots) == len(BALLOTS)
    for ballot in ballots:
        for text in texts:
            assert ballot["tracking_code"] not in text
            assert ballot["id"] not in text
    # Rows follow the rankings, sorted, whatever order the ballots were cast in: numbered
    # 1, 2, 3... in that order, so a row's number says nothing about who cast it.
    number = {neutralise(c["name"]): n for n, c in enumerate(entry["candidates"], start=1)}
    rows = [row.split(",") for row in texts[1].splitlines()[1:]]
    rankings = [tuple(number[cell] for cell in row[1:] if cell) for row in rows]
    assert rankings == sorted(rankings)
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(BALLOTS) + 1)]


def test_the_bundle_verifies_with_its_recount_files(exported):
    poll, directory, _manifest = exported
    report = verify_bundle(directory)
    [check] = [c for c in report.checks if c.kind == CheckKind.recount_files]
    assert report.ok
    assert check.status == Status.ok
    assert check.position_id == poll.position().id


def change_line(path: Path, number: int, change) -> None:
    """Rewrite one line of a file in place, keeping every other byte."""
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    lines[number - 1] = change(lines[number - 1])
    path.write_bytes("".join(lines).encode("utf-8"))


@pytest.mark.parametrize(
    ("fmt", "line", "change"),
    [
        (RecountFormat.blt, 2, lambda text: text.replace(" ", "  ", 1)),
        (RecountFormat.blt, 3, lambda text: "9" + text[1:]),
        (RecountFormat.blt, 9, lambda text: text.replace('"', '"У', 1)),
        (RecountFormat.rank_table, 4, lambda text: text.replace("Дана Қасымова", "Ілияс Өмір")),
        (RecountFormat.rank_table, 1, lambda text: text.replace("\r\n", "\n")),
    ],
)
def test_the_verifier_names_the_file_and_line_changed(exported, capsys, fmt, line, change):
    poll, directory, manifest = exported
    [entry] = manifest["election"]["positions"]
    name = entry["recount_files"][str(fmt)]
    change_line(directory / name, line, change)

    status = verify_main([str(directory)])

    output = capsys.readouterr().out
    assert status == 1
    pid = poll.position().id
    failure = f"FAIL position {pid} recount-files: {name} line {line} is not what the sealed"
    assert failure in output
    assert f"NOT VERIFIED: {failure}" in output


def test_a_bundle_missing_a_recount_file_is_refused_naming_it(exported):
    _poll, directory, manifest = exported
    [entry] = manifest["election"]["positions"]
    (directory / entry["recount_files"]["ranks"]).unlink()

    report = verify_bundle(directory)

    assert report.first_failure.detail == {
        "where": entry["recount_files"]["ranks"],
        "reason": "missing",
    }


def test_a_bundle_of_the_first_format_still_verifies(exported):
    # Bundles exported before the counting rules and the recount files are read as they were.
    _poll, directory, manifest = exported
    [entry] = manifest["election"]["positions"]
    for name in entry.pop("recount_files").values():
        (directory / name).unlink()
    del manifest["election"]["counting_rules"]
    manifest["format_version"] = 1
    (directory / layout.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    report = verify_bundle(directory)

    assert report.ok
    assert CheckKind.recount_files not in {c.kind for c in report.checks}


def test_a_plurality_position_has_no_recount_files(app, tmp_path):
    poll = poll_with([["Әли"]] * 2 + [["Дана"]], phase="published")
    directory = tmp_path / "bundle"
    export_bundle(poll.actor, db.session.get(Election, poll.id), DirectoryWriter(directory))
    manifest = json.loads((directory / layout.MANIFEST).read_text(encoding="utf-8"))

    [entry] = manifest["election"]["positions"]

    assert entry["recount_files"] is None
    assert sorted(p.name for p in (directory / "ballots").iterdir()) == [
        f"position-{entry['id']}.jsonl"
    ]
    assert verify_bundle(directory).ok


def download(browser, poll, fmt: str):
    """POST the page's download form for the poll's position."""
    data = {"kind": "ballots", "format": fmt, "position": poll.position().id}
    return post_form(browser, f"/results/{poll.id}/export", data)


@pytest.mark.parametrize("role", ["committee", "auditor"])
def test_officials_download_the_blt_file_and_rank_table_beside_the_ballots(
    exported, staff_client, role
):
    poll, directory, manifest = exported
    [entry] = manifest["election"]["positions"]
    browser, user = staff_client(role)
    page = browser.get(f"/results/{poll.id}").get_data(as_text=True)
    assert 'value="blt"' in page
    assert 'value="ranks"' in page

    blt = download(browser, poll, "blt")
    table = download(browser, poll, "ranks")

    assert blt.status_code == table.status_code == 200
    assert blt.mimetype == "text/plain"
    assert table.mimetype == "text/csv"
    stem = f"election-{poll.id}-position-{poll.position().id}"
    assert f'filename="{stem}-ballots.blt"' in blt.headers["Content-Disposition"]
    assert f'filename="{stem}-ranks.csv"' in table.headers["Content-Disposition"]
    assert blt.get_data(as_text=True) == (directory / entry["recount_files"]["blt"]).read_text()
    assert table.data == (directory / entry["recount_files"]["ranks"]).read_bytes()
    logged = entries("results-exported")[-2:]
    assert [e.details["format"] for e in logged] == ["blt", "ranks"]
    assert {e.actor for e in logged} == {user.username}


def test_the_recount_formats_are_for_ranked_ballots_only(app, staff_client, client):
    plurality = poll_with([["Әли"]] * 2, phase="published")
    ranked = poll_with([["Әли", "Дана"]], method="ranked", phase="published")
    browser, _user = staff_client("auditor")

    assert download(browser, plurality, "blt").status_code == 404
    assert b'value="blt"' not in browser.get(f"/results/{plurality.id}").data
    assert download(client, ranked, "blt").status_code == 403
    refused = post_form(
        browser, f"/results/{ranked.id}/export", {"kind": "results", "format": "blt"}
    )
    assert refused.status_code == 400


def test_flask_count_recounts_the_exported_blt(exported, runner):
    _poll, directory, manifest = exported
    [entry] = manifest["election"]["positions"]
    names = {c["id"]: c["name"] for c in entry["candidates"]}
    published = json.loads((directory / entry["result"]).read_text(encoding="utf-8"))

    result = runner.invoke(args=["count", str(directory / entry["recount_files"]["blt"])])

    assert result.exit_code == 0, result.output
    elected = ", ".join(names[cid] for cid in published["elected"])
    assert result.output.splitlines()[-1] == f"Elected: {elected}"
    assert "Round 1" in result.output


def test_flask_count_needs_no_database(tmp_path):
    ward = ROOT / "tests" / "data" / "real-elections" / "edinburgh_2017_ward13.blt"
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/no_such_database",
        "ELECTIONS_ENV": "development",
    }
    flask = shutil.which("flask", path=str(Path(sys.executable).parent))
    assert flask is not None

    done = subprocess.run(
        [flask, "--app", "wsgi", "count", str(ward)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        "Ward 13 - Leith",
        "5 candidates, 3 seats; 7613 ballots (0 blank); quota 1904",
    ]
    assert [line for line in lines if line.startswith("Round")] == [
        f"Round {n}" for n in range(1, 5)
    ]
    assert lines[-1] == "Elected: Adam MCVEY (SNP), Chas BOOTH (Grn), Gordon John MUNRO (Lab)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("2 1\n1 1=2 0\n0\nA\nB\nT\n", "line 2: equal preferences (=) cannot be counted here"),
        ("", "line 1: the file is empty"),
    ],
)
def test_flask_count_refuses_a_bad_file_naming_the_line(runner, tmp_path, content, message):
    path = tmp_path / "bad.blt"
    path.write_text(content, encoding="utf-8")

    result = runner.invoke(args=["count", str(path)])

    assert result.exit_code == 1
    assert f"{path}: {message}" in result.output


def test_flask_count_prints_exact_fractions_and_stops_at_a_tie(runner, tmp_path):
    path = tmp_path / "tie.blt"
    path.write_text('2 1\n3 1 0\n3 2 0\n0\n"Әли"\n"Дана"\n"Tie"\n', encoding="utf-8")

    lot = runner.invoke(args=["count", str(path), "--exact"])
    runoff = runner.invoke(args=["count", str(path), "--tie-rule", "runoff"])

    assert lot.exit_code == runoff.exit_code == 1
    assert "-> tie for elimination among Әли, Дана: a lot is required" in lot.output
    assert "-> tie for the last seats among Әли, Дана: runoff required" in runoff.output
    assert lot.output.splitlines()[-1].startswith("Not finished: elected so far: nobody")
