"""The turnout dashboard: counts from the frozen roll, small groups hidden, refreshed as JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from elections.extensions import db
from elections.models import Participation
from elections.operations import lifecycle as phases
from elections.operations.audit_log import Actor
from elections.queries.turnout import election_turnout
from tests.conftest import make_election, make_position, make_student, sign_in

ACTOR = Actor("committee1", "committee")


def school() -> dict[str, list]:
    """Seven in 10А (Алтай), six in 11А (Арал), two in 11Б (Арал): 11Б is a small group."""
    students = {"10А": [], "11А": [], "11Б": []}
    for i in range(7):
        students["10А"].append(make_student(number=f"10{i}", grade=10, class_name="10А"))
    for i in range(6):
        students["11А"].append(
            make_student(number=f"11{i}", grade=11, class_name="11А", shanyrak="Арал")
        )
    for i in range(2):
        students["11Б"].append(
            make_student(number=f"12{i}", grade=11, class_name="11Б", shanyrak="Арал")
        )
    return students


def opened_election():
    """An election with a whole-school position and one for Арал only, opened now."""
    election = make_election(opens_in=timedelta(minutes=-5))
    everyone = make_position(election, title="President")
    aral = make_position(election, title="Leader of Арал", voter_shanyraks=["Арал"])
    phases.open_election(ACTOR, election.id, datetime.now(UTC))
    return election, everyone, aral


def voted(position, *students) -> None:
    """Record participations as the voting operation would."""
    db.session.execute(
        insert(Participation), [{"position_id": position.id, "student_id": s.id} for s in students]
    )
    db.session.commit()


def test_counts_come_from_the_frozen_roll_and_participations(app):
    students = school()
    election, everyone, aral = opened_election()
    voted(everyone, *students["10А"][:3], students["11А"][0], students["11Б"][0])
    voted(aral, students["11А"][0], students["11А"][1])
    make_student(number="999", grade=10, class_name="10А")  # joined after opening: not counted
    turnout = election_turnout(election, min_group=5)
    assert (turnout.overall.eligible, turnout.overall.voted) == (15, 6)
    assert [(r.label, r.eligible, r.voted) for r in turnout.by_class.rows] == [
        ("10А", 7, 3),
    ]
    merged = turnout.by_class.merged  # 11Б (2) is too small, so 11А joins it
    assert (merged.eligible, merged.voted, merged.groups) == (8, 3, 2)
    by_position = {p.position_id: (p.row.eligible, p.row.voted) for p in turnout.positions}
    assert by_position == {everyone.id: (15, 5), aral.id: (8, 2)}


def test_the_page_shows_numbers_and_hides_small_groups(app, staff_client):
    students = school()
    election, everyone, _aral = opened_election()
    voted(everyone, *students["10А"][:3])
    browser, _user = staff_client("committee")
    page = browser.get(f"/committee/elections/{election.id}/turnout").get_data(as_text=True)
    assert "10А" in page
    assert "11Б" not in page  # never shown on its own
    assert "Smaller groups together (2 groups)" in page
    assert "20.0%" in page  # 3 of 15
    assert "Refresh" in page
    assert 'src="/static/js/turnout.js"' in page
    assert "nonce=" in page
    assert "<script>" not in page


def test_a_shanyrak_too_small_to_show_says_fewer_than(app, staff_client):
    app.config["TURNOUT_MIN_GROUP"] = 10
    school()
    election, _everyone, aral = opened_election()
    browser, _user = staff_client("committee")
    data = browser.get(f"/committee/elections/{election.id}/turnout.json").get_json()
    assert data["values"][f"position-{aral.id}.eligible"] == "fewer than 10"
    assert data["values"][f"position-{aral.id}.voted"] == "—"


def test_the_json_carries_only_turnout_never_choices(app, staff_client):
    students = school()
    election, everyone, _aral = opened_election()
    voted(everyone, students["10А"][0])
    browser, _user = staff_client("auditor")
    response = browser.get(f"/committee/elections/{election.id}/turnout.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["available"]
    assert data["live"]
    assert set(data) == {"available", "phase", "live", "updated", "values", "meters"}
    assert data["values"]["overall.voted"] == "1"
    assert data["values"]["overall.eligible"] == "15"
    assert data["meters"]["overall"] == 67  # 1 of 15 = 6.7 %
    assert all(key.split(".")[-1] in {"eligible", "voted", "percent"} for key in data["values"])


def test_no_turnout_before_opening_and_none_for_students(app, staff_client, client):
    election = make_election(opens_in=timedelta(days=1))
    browser, _user = staff_client("committee")
    page = browser.get(f"/committee/elections/{election.id}/turnout").get_data(as_text=True)
    assert "Turnout appears here once voting opens." in page
    data = browser.get(f"/committee/elections/{election.id}/turnout.json").get_json()
    assert data == {"available": False, "phase": "draft"}
    make_student(number="8001")
    sign_in(client, "8001", "ABCD-EFGH")
    assert client.get(f"/committee/elections/{election.id}/turnout.json").status_code == 403
