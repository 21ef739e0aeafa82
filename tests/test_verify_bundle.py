"""The export bundle and the standalone verifier: honest exports pass, every tampering is named.

Bundles are written by ``flask audit export``; most checks call ``elections.bundle.verify.main``
in-process for speed, and two run ``python -m elections.verify`` as a separate process,
one of them with Flask and SQLAlchemy made unimportable, to prove it needs neither.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from elections.bundle import layout, standalone, verify
from elections.domain.ballot import seal_digest
from elections.extensions import db
from elections.models import AuditEvent, Election
from tests.conftest import make_election, make_position
from tests.test_audit_scenario import position_titled, run_election

ROOT = Path(__file__).resolve().parent.parent
KEY = "kept-outside-the-database"


def export(runner, target: Path, election: Election | None = None):
    """Run ``flask audit export`` into ``target``."""
    db.session.commit()
    extra = ["--election", str(election.id)] if election else []
    return runner.invoke(args=["audit", "export", str(target), *extra])


@pytest.fixture
def bundle(app, runner, tmp_path) -> tuple[Path, Election]:
    """An honest bundle of a published election."""
    election = run_election()
    target = tmp_path / "bundle"
    result = export(runner, target, election)
    assert result.exit_code == 0, result.output
    return target, election


def run_verifier(path: Path, *args: str, capsys) -> tuple[int, str]:
    """The standalone verifier, in-process: exit status and output."""
    status = verify.main([str(path), *args])
    return status, capsys.readouterr().out


def verdict(output: str) -> str:
    """The verifier's last line."""
    return output.strip().splitlines()[-1]


def read_lines(path: Path) -> list[str]:
    """A JSON Lines file's lines."""
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def write_lines(path: Path, lines: list[str]) -> None:
    """Write a JSON Lines file back."""
    path.write_text("".join(lines), encoding="utf-8")


def edit_json_line(path: Path, index: int, **changes: object) -> None:
    """Change fields of one line of a JSON Lines file."""
    lines = read_lines(path)
    data = json.loads(lines[index])
    data.update(changes)
    lines[index] = json.dumps(data, ensure_ascii=False) + "\n"
    write_lines(path, lines)


def test_the_bundle_holds_what_the_format_promises(bundle):
    target, election = bundle
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == layout.FORMAT
    assert manifest["format_version"] == layout.FORMAT_VERSION
    log_lines = read_lines(target / "audit_log.jsonl")
    assert manifest["audit_log"]["entries"] == len(log_lines)
    assert manifest["audit_log"]["head"]["seq"] == json.loads(log_lines[-1])["seq"]
    assert manifest["audit_log"]["keyed"] is False
    record = manifest["election"]
    assert (record["id"], record["phase"]) == (election.id, "published")
    assert record["published_head"] == {
        "seq": election.published_head_seq,
        "hash": election.published_head_hash,
    }
    captain = next(p for p in record["positions"] if p["title"] == "Captain")
    assert captain["method"] == "ranked"
    assert captain["participation"] == 9
    assert captain["seal"]["ballot_count"] == 9
    assert [c["name"] for c in captain["candidates"]] == ["Ерлан", "Жанна", "Зере"]
    ballots = [json.loads(line) for line in read_lines(target / captain["ballots"])]
    assert [b["id"] for b in ballots] == sorted(b["id"] for b in ballots)
    assert set(ballots[0]) == {"id", "choices", "tracking_code"}
    result = json.loads((target / captain["result"]).read_text(encoding="utf-8"))
    assert result["method"] == "ranked"


def test_the_ballots_and_manifest_never_say_who_voted(bundle):
    target, _election = bundle
    voters = db.session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "voted")).all()
    assert len(voters) == 12
    exported = (target / "manifest.json").read_text(encoding="utf-8")
    exported += "".join(p.read_text(encoding="utf-8") for p in (target / "ballots").iterdir())
    assert not any(username in exported for username in voters)


def test_an_honest_bundle_verifies_in_a_separate_process(bundle):
    target, _election = bundle
    env = {k: v for k, v in os.environ.items() if "DATABASE" not in k and k != "FLASK_APP"}
    done = subprocess.run(
        [sys.executable, "-m", "elections.verify", str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "VERIFIED: every check holds."
    assert "OK   position" in done.stdout


def test_the_verifier_needs_neither_flask_nor_a_database(bundle):
    """Run the verifier with the app's package bypassed and Flask, SQLAlchemy made unimportable."""
    target, _election = bundle
    script = textwrap.dedent(
        f"""
        import runpy, sys, types
        for name in ("flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "wtforms", "psycopg"):
            sys.modules[name] = None  # importing any of these now fails
        package = types.ModuleType("elections")
        package.__path__ = [{str(ROOT / "elections")!r}]  # skip elections/__init__ (the app)
        sys.modules["elections"] = package
        sys.argv = ["elections.verify", {str(target)!r}]
        runpy.run_module("elections.verify", run_name="__main__", alter_sys=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT / "tests",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout


def test_a_tampered_bundle_fails_in_a_separate_process(bundle):
    target, _election = bundle
    edit_json_line(target / "audit_log.jsonl", 2, actor="someone-else")
    done = subprocess.run(
        [sys.executable, "-m", "elections.verify", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "entry 3 does not match its own hash" in done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("edit", "FAIL audit log chain: entry 4 does not match its own hash"),
        ("delete", "FAIL audit log chain: entry 4 is missing"),
        ("insert", "FAIL audit log chain: entry 5 appears twice"),
        ("reorder", "FAIL audit log chain: the entries are out of order at entry 4"),
        ("cut-newest", "FAIL audit log log-head: the recorded head is entry"),
    ],
)
def test_a_tampered_audit_log_is_named_by_entry(bundle, capsys, tamper, expected):
    target, _election = bundle
    path = target / "audit_log.jsonl"
    lines = read_lines(path)
    if tamper == "edit":
        edit_json_line(path, 3, details={"changed": True})
        lines = read_lines(path)
    elif tamper == "delete":
        del lines[3]
    elif tamper == "insert":
        forged = json.loads(lines[4])
        forged["actor"] = "forger"
        lines.insert(5, json.dumps(forged) + "\n")
    elif tamper == "reorder":
        lines[3], lines[4] = lines[4], lines[3]
    else:
        lines = lines[:-2]
    write_lines(path, lines)
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert verdict(output).startswith("NOT VERIFIED: " + expected), output


def test_a_rewritten_published_head_is_caught(bundle, capsys):
    target, election = bundle
    manifest_path = target / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["election"]["published_head"]["hash"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    seq = election.published_head_seq
    assert f"FAIL election {election.id} published-head: entry {seq} is not the entry" in output


@pytest.mark.parametrize("tamper", ["add", "remove", "alter"])
def test_a_ballot_changed_after_the_seal_is_named_by_position(bundle, capsys, tamper):
    target, election = bundle
    president = position_titled(election, "President")
    path = target / layout.ballots_file(president.id)
    lines = read_lines(path)
    first = json.loads(lines[0])
    if tamper == "add":
        lines.append(json.dumps({**first, "id": "f" * 32, "tracking_code": "ABCD-EFGH-JK"}) + "\n")
        expected = f"position {president.id} participation: 12 students took part but there are 13"
    elif tamper == "remove":
        del lines[0]
        expected = f"position {president.id} participation: 12 students took part but there are 11"
    else:
        other = next(c.id for c in president.candidates if f"[{c.id}]" != first["choices"])
        lines[0] = json.dumps({**first, "choices": f"[{other}]"}) + "\n"
        expected = f"position {president.id} seal: the ballots no longer match the seal's digest"
    write_lines(path, lines)
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert expected in verdict(output)
    assert f"FAIL position {president.id} recount" in output


def test_ballots_and_seal_rewritten_together_contradict_the_log(bundle, capsys):
    target, election = bundle
    council = position_titled(election, "Council")
    path = target / layout.ballots_file(council.id)
    kept = read_lines(path)[1:]
    write_lines(path, kept)
    manifest_path = target / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in kept]
    for position in manifest["election"]["positions"]:
        if position["id"] == council.id:
            position["participation"] = len(rows)
            position["seal"]["ballot_count"] = len(rows)
            position["seal"]["digest"] = seal_digest(
                council.id, [(r["id"], r["tracking_code"], r["choices"]) for r in rows]
            )
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert f"OK   position {council.id} seal" in output
    assert (
        f"FAIL position {council.id} seal-recorded: the seal differs from the one the audit log"
        in output
    )


def test_a_changed_published_result_is_named_by_position(bundle, capsys):
    target, election = bundle
    president = position_titled(election, "President")
    path = target / layout.result_file(president.id)
    result = json.loads(path.read_text(encoding="utf-8"))
    loser = next(c for c in result["candidates"] if c not in result["elected"])
    result["elected"] = [loser]
    path.write_text(json.dumps(result), encoding="utf-8")
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert verdict(output) == (
        f"NOT VERIFIED: FAIL position {president.id} recount: "
        "the recount differs from the published result in 'elected'"
    )


def test_a_zip_of_the_bundle_verifies_the_same(bundle, capsys, tmp_path):
    target, _election = bundle
    archive = shutil.make_archive(str(tmp_path / "copy"), "zip", root_dir=target)
    status, output = run_verifier(Path(archive), capsys=capsys)
    assert status == 0, output


def test_the_audit_log_alone_can_be_exported_at_any_time(app, runner, tmp_path, capsys):
    election = make_election(phase="open")
    make_position(election)
    target = tmp_path / "log-only"
    result = export(runner, target)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == ["audit_log.jsonl", "manifest.json"]
    assert json.loads((target / "manifest.json").read_text(encoding="utf-8"))["election"] is None
    status, output = run_verifier(target, capsys=capsys)
    assert status == 0, output


def test_an_open_election_is_refused_with_its_reason(app, runner, tmp_path):
    election = make_election(phase="open")
    make_position(election)
    target = tmp_path / "refused"
    result = export(runner, target, election)
    assert result.exit_code == 1
    assert "only after voting has closed" in result.output
    assert not (target / "manifest.json").exists()
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit-exported")) is None
    )


def test_exports_are_audit_logged(bundle):
    _target, election = bundle
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit-exported"))
    assert entry.election_id == election.id
    assert entry.details["format"] == "bundle"
    assert entry.details["head_seq"] == entry.seq - 1


def test_the_export_refuses_a_directory_that_is_not_empty(app, runner, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    result = export(runner, tmp_path / "full")
    assert result.exit_code == 1
    assert "is not empty" in result.output


def test_a_keyed_log_needs_its_key(app, runner, tmp_path, capsys):
    app.config["AUDIT_HMAC_KEY"] = KEY
    election = run_election()
    target = tmp_path / "keyed"
    assert export(runner, target, election).exit_code == 0
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert "the log is keyed (HMAC): give its key" in verdict(output)
    key_file = tmp_path / "chain.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    status, output = run_verifier(target, "--key-file", str(key_file), capsys=capsys)
    assert status == 0, output


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda t: (t / "manifest.json").unlink(), "FAIL export bundle: manifest.json: missing"),
        (
            lambda t: (t / "audit_log.jsonl").write_text('{"seq": 1}\n{oops\n', encoding="utf-8"),
            "FAIL export bundle: audit_log.jsonl line 1: 'occurred_at' is missing",
        ),
        (
            lambda t: (t / "audit_log.jsonl").write_text("{oops\n", encoding="utf-8"),
            "FAIL export bundle: audit_log.jsonl line 1: not valid JSON",
        ),
    ],
    ids=["no-manifest", "missing-field", "not-json"],
)
def test_an_unreadable_bundle_names_the_file_and_line(bundle, capsys, damage, expected):
    target, _election = bundle
    damage(target)
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert expected in output


def test_the_manifest_cannot_point_outside_the_bundle(bundle, capsys):
    target, _election = bundle
    manifest_path = target / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["election"]["positions"][0]["ballots"] = "../../../etc/passwd"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert "'ballots' must be 'ballots/position-" in output


def edit_manifest(target: Path, change) -> None:
    """Apply ``change`` to the bundle's manifest, as whoever edits the file would."""
    path = target / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_a_manifest_claiming_an_earlier_phase_still_gets_the_recount(bundle, capsys):
    target, election = bundle
    president = position_titled(election, "President")
    path = target / layout.result_file(president.id)
    result = json.loads(path.read_text(encoding="utf-8"))
    result["elected"] = [next(c for c in result["candidates"] if c not in result["elected"])]
    path.write_text(json.dumps(result), encoding="utf-8")
    edit_manifest(target, lambda m: m["election"].update(phase="closed"))
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert f"FAIL position {president.id} recount" in output


def test_a_phase_no_sealed_election_has_is_refused(bundle, capsys):
    target, _election = bundle
    edit_manifest(target, lambda m: m["election"].update(phase="open"))
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert "phase 'open' is not one a sealed election can be in" in verdict(output)


def test_a_position_dropped_from_the_manifest_is_named(bundle, capsys):
    target, election = bundle
    council = position_titled(election, "Council")
    edit_manifest(
        target,
        lambda m: m["election"].update(
            positions=[p for p in m["election"]["positions"] if p["id"] != council.id]
        ),
    )
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert (
        f"FAIL position {council.id} seal-recorded: the audit log sealed this position's box"
        in output
    )


def cut_log(target: Path, keep: int) -> None:
    """Keep the first ``keep`` entries of the bundle's log, and name the last kept its head."""
    path = target / "audit_log.jsonl"
    lines = read_lines(path)[:keep]
    write_lines(path, lines)
    last = json.loads(lines[-1])
    edit_manifest(
        target, lambda m: m["audit_log"].update(head={"seq": last["seq"], "hash": last["hash"]})
    )


def test_the_paper_head_shows_a_log_cut_short(bundle, capsys):
    target, election = bundle
    paper = f"{election.published_head_seq}:{election.published_head_hash}"
    status, output = run_verifier(target, "--expected-head", paper, capsys=capsys)
    assert status == 0, output
    cut_log(target, election.published_head_seq - 3)
    edit_manifest(target, lambda m: m["election"].update(phase="closed", published_head=None))
    status, output = run_verifier(target, "--expected-head", paper, capsys=capsys)
    assert status == 1
    kept = election.published_head_seq - 3
    assert f"FAIL audit log chain: the log ends before entry {kept + 1}" in output


def test_a_malformed_paper_head_is_a_usage_error(bundle, capsys):
    target, _election = bundle
    with pytest.raises(SystemExit) as exited:
        verify.main([str(target), "--expected-head", "12 abc"])
    assert exited.value.code == 2
    assert "SEQ:HASH" in capsys.readouterr().err


def test_a_damaged_zip_is_reported_not_a_crash(bundle, capsys, tmp_path):
    target, _election = bundle
    archive = Path(shutil.make_archive(str(tmp_path / "copy"), "zip", root_dir=target))
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as opened:
        info = opened.getinfo("audit_log.jsonl")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start : start + 16] = bytes(16)  # the compressed log, overwritten
    archive.write_bytes(bytes(data))
    status, output = run_verifier(archive, capsys=capsys)
    assert status == 1
    assert "audit_log.jsonl: cannot be extracted from the .zip file" in verdict(output)


def test_a_zip_whose_directory_demands_a_future_version_is_reported(bundle, capsys, tmp_path):
    target, _election = bundle
    archive = Path(shutil.make_archive(str(tmp_path / "copy"), "zip", root_dir=target))
    data = bytearray(archive.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = (213).to_bytes(2, "little")  # "version 21.3 needed"
    archive.write_bytes(bytes(data))
    status, output = run_verifier(archive, capsys=capsys)
    assert status == 1
    assert "not a bundle directory or a readable .zip file" in verdict(output)


def test_json_nested_absurdly_deep_is_refused_by_name(bundle, capsys):
    target, election = bundle
    president = position_titled(election, "President")
    path = target / layout.result_file(president.id)
    result = json.loads(path.read_text(encoding="utf-8"))
    deep: object = []
    for _ in range(900):
        deep = [deep]
    result["trace"] = deep
    path.write_text(json.dumps(result), encoding="utf-8")
    status, output = run_verifier(target, capsys=capsys)
    assert status == 1
    assert f"{layout.result_file(president.id)}: nested more than 64 levels deep" in output


HASH = "9f" * 32


@pytest.mark.parametrize(
    "typed",
    [f"412:{HASH}", f"entry 412, {HASH}", f"запись 412, {HASH}", f" 412-жазба, {HASH.upper()} "],
    ids=["typed", "en", "ru", "kk"],
)
def test_a_head_reads_as_typed_or_as_the_protocol_prints_it(typed):
    assert verify.read_head(typed) == (412, HASH)


@pytest.mark.parametrize("typed", ["412 abc", "the one on the wall", HASH, f"412, {HASH}0"])
def test_text_that_is_not_a_head_reads_as_none(typed):
    assert verify.read_head(typed) is None


def test_the_one_file_verifier_runs_with_the_standard_library_alone(bundle, tmp_path):
    target, _election = bundle
    bare = tmp_path / "bare-python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    pyz = tmp_path / "usb-stick" / standalone.FILE_NAME
    pyz.parent.mkdir()
    pyz.write_bytes(standalone.verifier_archive())
    python = bare / "bin" / "python"
    probe = [str(python), "-I", "-c", "import importlib.util as u; print(u.find_spec('flask'))"]
    assert (
        subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip() == "None"
    )

    def run(bundle_path: Path) -> subprocess.CompletedProcess[str]:
        command = [str(python), "-I", str(pyz), str(bundle_path)]
        return subprocess.run(
            command, cwd=pyz.parent, capture_output=True, text=True, timeout=120, check=False
        )

    honest = run(target)
    assert honest.returncode == 0, honest.stdout + honest.stderr
    assert verdict(honest.stdout) == "VERIFIED: every check holds."
    ballots = sorted((target / "ballots").glob("*.jsonl"))[0]
    edit_json_line(ballots, 0, choices=json.loads(read_lines(ballots)[1])["choices"] + " ")
    tampered = run(target)
    assert tampered.returncode == 1
    assert "position" in verdict(tampered.stdout)


def test_the_one_file_verifier_is_built_byte_for_byte_the_same():
    first, second = standalone.verifier_archive(), standalone.verifier_archive()
    assert first == second
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert "__main__.py" in names
    assert "elections/bundle/verify.py" in names
    assert not any(name.startswith(("elections/models", "elections/app")) for name in names)
