"""``flask roll``: the student roll."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from elections.cli.operator import cli_actor
from elections.files.roll import RollFileError, parse_roll
from elections.i18n.refusals import explain_roll_error
from elections.operations.roll import import_roll


@click.group()
def roll() -> None:
    """Manage the student roll."""


@roll.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--deactivate-missing", is_flag=True, help="Deactivate students not in FILE.")
@with_appcontext
def import_command(file: Path, deactivate_missing: bool) -> None:
    """Import FILE (CSV or XLSX): all of it, or nothing if any line is wrong."""
    try:
        rows = parse_roll(file.read_bytes(), file.name)
        report = import_roll(cli_actor(), rows, deactivate_missing=deactivate_missing)
    except RollFileError as error:
        for problem in error.errors:
            click.echo(explain_roll_error(problem), err=True)
        raise click.ClickException("Nothing was imported.") from None
    click.echo(
        f"added={report.added} updated={report.updated} "
        f"unchanged={report.unchanged} deactivated={report.deactivated}"
    )
