"""``flask election`` and ``flask polls``: run an election's phases from the server's shell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from elections.cli.operator import cli_actor
from elections.domain.errors import DomainError
from elections.extensions import db
from elections.i18n.refusals import explain
from elections.models import Election
from elections.operations import lifecycle as phases
from elections.operations.lifecycle import Transition


def _refusal(error: DomainError) -> click.ClickException:
    """An English message naming the typed reason, for a non-zero exit."""
    with force_locale("en"):
        sentence = explain(error)
    return click.ClickException(f"refused ({error.reason}): {sentence}")


def _run(move: Callable[[], Transition]) -> None:
    """Make one move and say what happened, or exit non-zero with the reason."""
    try:
        step = move()
    except DomainError as error:
        db.session.rollback()
        raise _refusal(error) from None
    click.echo(f"Election {step.election_id} ({step.title}): {step.source} -> {step.target}")


@click.group()
def election() -> None:
    """List elections and open, close or publish one."""


@election.command("list")
@with_appcontext
def list_command() -> None:
    """Every election with its phase and voting window (UTC)."""
    rows = db.session.scalars(select(Election).order_by(Election.id)).all()
    if not rows:
        click.echo("No elections.")
        return
    for item in rows:
        window = f"{item.opens_at:%Y-%m-%d %H:%M} -> {item.closes_at:%Y-%m-%d %H:%M} UTC"
        schedule = "scheduled" if item.scheduled else "manual"
        click.echo(f"{item.id:>4}  {item.phase:<10} {schedule:<9}  {window}  {item.title}")


@election.command("open")
@click.argument("election_id", type=int)
@with_appcontext
def open_command(election_id: int) -> None:
    """Open voting in ELECTION_ID now: the ballot and the roll are frozen."""
    _run(lambda: phases.open_election(cli_actor(), election_id, datetime.now(UTC)))


@election.command("close")
@click.argument("election_id", type=int)
@with_appcontext
def close_command(election_id: int) -> None:
    """Close voting in ELECTION_ID now and seal its ballot box."""
    _run(lambda: phases.close_election(cli_actor(), election_id, datetime.now(UTC)))


@election.command("publish")
@click.argument("election_id", type=int)
@click.option(
    "--override", is_flag=True, help="Publish over the appeals window and unanswered complaints."
)
@click.option("--reason", default="", help="Why (required with --override; audit-logged).")
@with_appcontext
def publish_command(election_id: int, override: bool, reason: str) -> None:
    """Publish the results of ELECTION_ID."""
    _run(
        lambda: phases.publish_election(
            cli_actor(), election_id, datetime.now(UTC), override=override, override_reason=reason
        )
    )


@click.group()
def polls() -> None:
    """Apply election calendars (for cron)."""


@polls.command("tick")
@with_appcontext
def tick_command() -> None:
    """Open and close every election whose time has come; exit 1 if one could not move."""
    report = phases.tick(datetime.now(UTC), cli_actor())
    for step in report.moved:
        click.echo(f"Election {step.election_id} ({step.title}): {step.source} -> {step.target}")
    for election_id, error in report.refused:
        with force_locale("en"):
            sentence = explain(error)
        click.echo(f"Election {election_id}: refused ({error.reason}): {sentence}", err=True)
    if report.refused:
        raise SystemExit(1)
    if not report.moved:
        click.echo("Nothing due.")
