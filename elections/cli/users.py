"""``flask user``: staff accounts."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from elections.cli.operator import cli_actor
from elections.domain.errors import DomainError
from elections.domain.roles import Role
from elections.i18n.refusals import explain
from elections.operations import accounts

STAFF_CHOICES = [str(r) for r in (Role.committee, Role.auditor, Role.admin)]


@click.group()
def user() -> None:
    """Manage staff accounts."""


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(STAFF_CHOICES), required=True)
@click.option("--name", "full_name", default="", help="Full name shown in the app.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create(username: str, role: str, full_name: str, password_stdin: bool) -> None:
    """Create a committee member, auditor or admin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.create_staff(cli_actor(), username, full_name, Role(role), password)
    except DomainError as error:
        raise click.ClickException(explain(error)) from None
    click.echo(f"Created {role} {username}.")
