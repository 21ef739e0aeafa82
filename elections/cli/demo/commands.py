"""``flask demo``: a demo school to explore, seeded only into an empty database."""

from __future__ import annotations

import csv
import random
import secrets
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from elections.cli.demo.election import build_campaign_election, build_demo_election
from elections.cli.demo.school import SHANYRAKS, demo_roll
from elections.cli.operator import cli_actor
from elections.domain.roles import Role
from elections.extensions import db
from elections.models import User
from elections.operations import accounts
from elections.operations.audit_log import Actor
from elections.operations.roll import import_roll

DEMO_SEED = 2026


def _examples(issued: list[tuple[User, str]]) -> list[tuple[User, str]]:
    """One student per grade, so every kind of ballot can be tried."""
    by_grade: dict[int | None, tuple[User, str]] = {}
    for student, code in issued:
        by_grade.setdefault(student.grade, (student, code))
    return [by_grade[grade] for grade in sorted(by_grade, key=lambda g: g or 0)]


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (quietly) when accounts already exist.")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Seed a demo school: ten shanyraks, about 300 students, staff and a demo election."""
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            return
        raise click.ClickException(
            "The database already has accounts; demo seeds only an empty one."
        )
    actor = cli_actor()
    rng = random.Random(DEMO_SEED)  # noqa: S311 - made-up names, not secrets
    import_roll(actor, demo_roll(rng), deactivate_missing=False)
    staff = _create_staff(actor)
    students = db.session.scalars(
        select(User).where(User.role == Role.student).order_by(User.username)
    ).all()
    issued = accounts.issue_access_codes(actor, students)
    cards = _write_codes(issued)
    election = build_demo_election(actor, rng, datetime.now(UTC))
    campaign = build_campaign_election(actor, rng, datetime.now(UTC))
    click.echo(f"Demo school: {len(students)} students in {len(SHANYRAKS)} shanyraks.")
    click.echo(
        f"Demo election {election.id}: {len(election.positions)} positions, open until "
        f"{election.closes_at:%Y-%m-%d %H:%M} UTC."
    )
    click.echo(
        f"Demo election {campaign.id}: in its campaign, voting opens "
        f"{campaign.opens_at:%Y-%m-%d %H:%M} UTC."
    )
    for username, password in staff.items():
        click.echo(f"  staff    {username:<10} password {password}")
    for student, code in _examples(issued):
        who = f"{student.full_name}, {student.class_name}"
        click.echo(f"  student  {student.username:<10} code {code}   ({who})")
    click.echo(f"Every student's code is in {cards} (keep it private).")


def _create_staff(actor: Actor) -> dict[str, str]:
    """A committee member and an auditor, each with a fresh password to print once."""
    staff = {}
    for username, role, name in (
        ("committee", Role.committee, "Айгерім Сейітқызы"),
        ("auditor", Role.auditor, "Дмитрий Ковалев"),
    ):
        password = secrets.token_urlsafe(9)
        accounts.create_staff(actor, username, name, role, password)
        staff[username] = password
    return staff


def _write_codes(issued: list[tuple[User, str]]) -> Path:
    """Every student's access code in a CSV file in the instance folder, for the cards."""
    cards = Path(current_app.instance_path) / "demo-access-codes.csv"
    cards.parent.mkdir(parents=True, exist_ok=True)
    with cards.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student_number", "full_name", "class", "shanyrak", "access_code"])
        for student, code in issued:
            writer.writerow(
                [student.username, student.full_name, student.class_name, student.shanyrak, code]
            )
    return cards
