"""The committee sees what reached a sign-in limit and lifts it, in the browser and from a shell.

A student locked by failures from many addresses, or a lab turned away after a flood, can
be let in again at once; every lifting is in the audit log, and nobody else can do it.
"""

from __future__ import annotations

import pytest
from flask import Flask

from elections.operations.sign_in import LIFTED, REACHED, Scope, account_key, count
from tests.conftest import make_student, post_form, sign_in
from tests.test_rate_limits import CODE, HOME, LAB, WRONG, attempt, audited

NUMBER = "0700050"  # leading zero kept


def lock_account(app: Flask, number: str) -> None:
    """Fail for ``number`` from two addresses until its (lowered) ceiling is reached."""
    app.config["SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] = "2 per 15 minutes"
    app.config["SIGNIN_CEILING_PER_ACCOUNT"] = "4 per 15 minutes"
    for address in ("10.0.2.1", "10.0.2.2"):
        for _ in range(2):
            assert attempt(app.test_client(), number, WRONG, address).status_code == 200
    assert attempt(app.test_client(), number, CODE, HOME).status_code == 429


def flood_address(app: Flask, address: str) -> None:
    """Fail from ``address`` for many numbers until its (lowered) limit turns it away."""
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for number in ("0800001", "0800002", "0800003"):
        assert attempt(app.test_client(), number, WRONG, address).status_code == 200
    assert attempt(app.test_client(), "0800004", WRONG, address).status_code == 429


def lift_form(scope: str, key: str) -> dict[str, str]:
    """The lift button's form."""
    return {"scope": scope, "key": key}


def test_the_committee_sees_a_locked_student_and_lifts_the_lock(app, staff_client):
    make_student(number=NUMBER, code=CODE)
    lock_account(app, NUMBER)
    committee, member = staff_client("committee")
    page = committee.get("/committee/sign-in-limits")
    assert page.status_code == 200
    assert NUMBER in page.text
    assert "for 15 more minutes" in page.text
    found = committee.get(f"/committee/sign-in-limits?name={NUMBER}").text
    assert "4 failed sign-ins counted" in found
    lifted = post_form(
        committee, "/committee/sign-in-limits/lift", lift_form("account", account_key(NUMBER))
    )
    assert lifted.status_code == 302
    assert "Lifted" in committee.get(lifted.headers["Location"]).text
    assert attempt(app.test_client(), NUMBER, CODE, HOME).status_code == 302
    entry = audited(LIFTED)[-1]
    assert (entry.actor, entry.details) == (
        member.username,
        {"limit": "account", "key": account_key(NUMBER)},
    )
    assert count(Scope.account, account_key(NUMBER)).failures == 0


def test_a_lab_turned_away_after_a_flood_is_let_in_again(app, staff_client):
    student = make_student(number=NUMBER, code=CODE)
    flood_address(app, LAB)
    assert attempt(app.test_client(), student.username, CODE, LAB).status_code == 429
    committee, _member = staff_client("committee")
    assert LAB in committee.get("/committee/sign-in-limits").text
    assert (
        "3 failed sign-ins counted" in committee.get(f"/committee/sign-in-limits?name={LAB}").text
    )
    post_form(committee, "/committee/sign-in-limits/lift", lift_form("address", LAB))
    assert attempt(app.test_client(), student.username, CODE, LAB).status_code == 302
    assert [entry.details["limit"] for entry in audited(REACHED)] == ["address"]


def test_nothing_reached_says_so(app, staff_client):
    committee, _member = staff_client("admin")
    first = committee.get("/committee/sign-in-limits").text
    assert "No limit has been reached in the last 24 hours." in first
    assert "This field is required" not in first
    page = committee.get("/committee/sign-in-limits?name=0799999").text
    assert "0 failed sign-ins counted" in page


@pytest.mark.parametrize("typed", ["", "   ", "7" * 65])
def test_a_lookup_of_nothing_or_too_much_says_what_to_type(app, staff_client, typed):
    committee, _member = staff_client("committee")
    page = committee.get("/committee/sign-in-limits", query_string={"name": typed}).text
    assert "failed sign-ins counted" not in page
    assert 'aria-invalid="true"' in page


@pytest.mark.parametrize(
    "form",
    [
        {"scope": "account-address", "key": "x"},
        {"scope": "everything", "key": "x"},
        {"scope": "account", "key": ""},
        {"scope": "address", "key": "1" * 65},
        {"key": "10.0.0.1"},
    ],
)
def test_a_forged_lift_is_refused_and_changes_nothing(app, staff_client, form):
    committee, _member = staff_client("committee")
    assert post_form(committee, "/committee/sign-in-limits/lift", form).status_code == 400
    assert audited(LIFTED) == []


@pytest.mark.parametrize("role", ["student", "auditor"])
def test_only_the_committee_sees_and_lifts(app, client, staff_client, role):
    if role == "student":
        make_student(number="1001", code=CODE)
        sign_in(client, "1001", CODE)
        browser = client
    else:
        browser, _user = staff_client(role)
    assert browser.get("/committee/sign-in-limits").status_code == 403
    lifted = post_form(browser, "/committee/sign-in-limits/lift", lift_form("address", LAB))
    assert lifted.status_code == 403
    assert audited(LIFTED) == []


def test_the_shell_lists_shows_and_lifts(app, runner):
    make_student(number=NUMBER, code=CODE)
    lock_account(app, NUMBER)
    listed = runner.invoke(args=["sign-in", "locks"])
    assert listed.exit_code == 0, listed.output
    assert f"'{NUMBER}'  account: 4/4 failed sign-ins, locked for 15 more min" in listed.output
    shown = runner.invoke(args=["sign-in", "show", NUMBER])
    assert shown.output.startswith("account: 4/4 failed sign-ins, locked")
    lifted = runner.invoke(args=["sign-in", "lift", NUMBER])
    assert lifted.exit_code == 0, lifted.output
    assert "4 failed sign-ins cleared" in lifted.output
    assert attempt(app.test_client(), NUMBER, CODE, HOME).status_code == 302
    assert audited(LIFTED)[-1].actor.startswith("cli:")


def test_the_shell_lifts_an_address(app, runner):
    flood_address(app, LAB)
    assert runner.invoke(args=["sign-in", "show", LAB]).output.startswith("address: 3/3")
    assert runner.invoke(args=["sign-in", "lift", LAB]).exit_code == 0
    assert attempt(app.test_client(), "0800005", WRONG, LAB).status_code == 200


def test_the_shell_says_when_nothing_is_locked(app, runner):
    listed = runner.invoke(args=["sign-in", "locks"])
    assert listed.output == "No sign-in limit reached in the last 24 hours.\n"
