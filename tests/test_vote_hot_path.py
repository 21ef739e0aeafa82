"""The cast's cost in statements, and the per-process copy of an open election's ballot.

Election day's throughput is bounded by the statements each vote sends, so this counts
them per request; the copy of the ballot is safe only because nothing on an open
election's positions can change, so these tests also show it never outlives its opening.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from elections.domain import codes
from elections.extensions import db
from elections.models import Election, Participation, Position
from elections.operations.voting import cast_ballots, cast_in_booth, enter_booth
from tests.conftest import ON_POSTGRES, enrol, make_election, make_position, make_student
from tests.test_voting import VOTER, answers, carried_fields, review, signed_in_student


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs, whitespace folded."""
    sent: list[str] = []

    def keep(_conn, _cursor, statement, *_args) -> None:
        sent.append(" ".join(statement.split()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def opened_poll() -> tuple[Election, Position, Position]:
    """An open election with two positions."""
    election = make_election(phase="open")
    president = make_position(election)
    question = make_position(election, title="Free-dress Friday", method="yesno", candidates=())
    return election, president, question


def reviewed_ballot(app: Flask, election: Election, *pairs):
    """A student signed in with a reviewed ballot ready to cast: (browser, cast form)."""
    browser, _student = signed_in_student(app, election)
    checked = review(browser, election, answers(*pairs))
    assert checked.status_code == 200
    return browser, carried_fields(checked.text)


def test_a_vote_sends_only_the_statements_it_needs(app: Flask) -> None:
    election, president, question = opened_poll()
    first, first_form = reviewed_ballot(app, election, (president, "Дана"), (question, "yes"))
    second, second_form = reviewed_ballot(app, election, (president, "Әли"), (question, "no"))
    url = f"/vote/{election.id}/cast"
    assert first.post(url, data=first_form).status_code == 303

    with statements() as sent:
        assert second.post(url, data=second_form).status_code == 303

    # Left out: the pool's pre-ping, and SQLite's BEGIN IMMEDIATE (a statement there).
    sent = [s for s in sent if s != "SELECT 1" and not s.startswith("BEGIN")]
    kinds = [s.split(" ")[0] for s in sent]
    if ON_POSTGRES:
        # Account; election lock with the roll entry; both positions' rows in one
        # statement; the audit head; the entry riding in the head's update.
        assert kinds == ["SELECT", "SELECT", "WITH", "SELECT", "WITH"]
        assert "FOR SHARE OF election" in sent[-4]
    else:
        assert kinds == ["SELECT", "SELECT", "INSERT", "INSERT", "SELECT", "INSERT", "UPDATE"]
    assert not [s for s in sent if "FROM position" in s or "FROM candidate" in s]


def test_the_ballot_is_read_once_per_opening_and_not_reused_after(app: Flask) -> None:
    election, president, question = opened_poll()
    voters = [
        reviewed_ballot(app, election, (president, name), (question, "yes"))
        for name in ("Дана", "Максим")
    ]
    url = f"/vote/{election.id}/cast"
    with statements() as sent:
        for browser, form in voters:
            assert browser.post(url, data=form).status_code == 303
    assert len([s for s in sent if "FROM position" in s]) == 1

    # Another opening of the same election (as after a database restored from before it
    # opened) is another poll: its ballot is read afresh, with what it holds now.
    election.opened_at = datetime.now(UTC)
    db.session.commit()
    browser, form = reviewed_ballot(app, election, (president, "Әли"), (question, "no"))
    with statements() as sent:
        assert browser.post(url, data=form).status_code == 303
    assert len([s for s in sent if "FROM position" in s]) == 1


def test_each_open_election_has_its_own_ballot(app: Flask) -> None:
    first, first_president, _question = opened_poll()
    second = make_election(title="Shanyrak referendum", phase="open")
    referendum = make_position(second, title="New house colours", method="yesno", candidates=())
    second.opened_at = first.opened_at  # the same moment: only the election tells them apart
    db.session.commit()

    browser, form = reviewed_ballot(app, first, (first_president, "Дана"))
    assert browser.post(f"/vote/{first.id}/cast", data=form).status_code == 303
    browser, form = reviewed_ballot(app, second, (referendum, "yes"))
    cast = browser.post(f"/vote/{second.id}/cast", data=form)
    assert cast.status_code == 303
    receipt = browser.get("/vote/receipt").text
    assert "New house colours" in receipt
    assert "President" not in receipt


def test_a_tracking_code_drawn_twice_is_not_taken_for_a_repeat_vote(app, monkeypatch) -> None:
    election, president, _question = opened_poll()
    first, second = make_student(code=None), make_student(code=None)
    enrol(election, first, second)
    choice = {president.id: (president.candidates[0].id,)}
    (receipt,) = cast_ballots(VOTER, first, election.id, choice, datetime.now(UTC))
    monkeypatch.setattr(codes, "new_tracking_code", lambda: receipt.tracking_code)

    with pytest.raises(IntegrityError):  # a server error, which invites a retry; not a refusal
        cast_ballots(VOTER, second, election.id, choice, datetime.now(UTC))

    assert db.session.scalars(select(Participation.student_id)).all() == [first.id]
    monkeypatch.undo()
    (retried,) = cast_ballots(VOTER, second, election.id, choice, datetime.now(UTC))
    assert retried.tracking_code != receipt.tracking_code


def test_a_vote_is_cast_only_in_the_transaction_that_locked_its_election(app) -> None:
    election, president, _question = opened_poll()
    student = make_student(code=None)
    enrol(election, student)
    booth = enter_booth(election.id, student.id, datetime.now(UTC))
    db.session.commit()  # the lock is gone: the poll may have closed since

    with pytest.raises(RuntimeError, match="transaction that locked"):
        cast_in_booth(VOTER, student.id, booth, {president.id: (president.candidates[0].id,)})

    assert db.session.scalars(select(Participation)).all() == []
