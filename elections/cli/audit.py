"""``flask audit``: verify the log and the closed elections, and export bundles."""

from __future__ import annotations

from argparse import ArgumentTypeError
from pathlib import Path

import click
from flask.cli import with_appcontext

from elections.bundle.verify import head_argument
from elections.cli.operator import cli_actor
from elections.domain.errors import DomainError
from elections.domain.verification import describe
from elections.extensions import db
from elections.i18n.refusals import explain
from elections.models import Election
from elections.operations import auditing as operations
from elections.queries.export import DirectoryWriter


@click.group()
def audit() -> None:
    """Verify the audit log and export what auditors need."""


def _election(election_id: int | None) -> Election | None:
    """The election asked for, or None when none was."""
    if election_id is None:
        return None
    election = db.session.get(Election, election_id)
    if election is None:
        raise click.ClickException(f"There is no election {election_id}.")
    return election


@audit.command("verify")
@click.option("--election", "election_id", type=int, help="Check only this closed election.")
@click.option(
    "--expected-head",
    metavar="SEQ:HASH",
    help="The log's head kept outside the database (the paper protocol's entry and hash).",
)
@with_appcontext
def verify_command(election_id: int | None, expected_head: str | None) -> None:
    """Check the chain, its head and every closed election; exit 1 naming the first failure."""
    try:
        paper = None if expected_head is None else head_argument(expected_head)
    except ArgumentTypeError as error:
        raise click.BadParameter(str(error), param_hint="--expected-head") from None
    try:
        verification = operations.run_verification(cli_actor(), _election(election_id), paper)
    except DomainError as error:
        raise click.ClickException(explain(error)) from None
    report = verification.report
    if not verification.recorded:
        click.echo("This run could not be written to the audit log: a row sits beyond its head.")
    for check in report.checks:
        click.echo(describe(check, report))
    failure = report.first_failure
    if failure is not None:
        click.echo(f"NOT VERIFIED: {describe(failure, report)}", err=True)
        raise SystemExit(1)
    click.echo("VERIFIED: every check holds.")


@audit.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--election", "election_id", type=int, help="Include this closed election's ballots.")
@with_appcontext
def export_command(directory: Path, election_id: int | None) -> None:
    """Write an export bundle into DIRECTORY (new or empty): the log, and an election if given."""
    if directory.exists() and any(directory.iterdir()):
        raise click.ClickException(f"{directory} is not empty.")
    try:
        head = operations.export_bundle(
            cli_actor(), _election(election_id), DirectoryWriter(directory)
        )
    except DomainError as error:
        raise click.ClickException(explain(error)) from None
    click.echo(f"Exported to {directory}: audit log up to entry {head.seq} {head.hash}.")
    click.echo(f"Check it anywhere with: python -m elections.verify {directory}")
