"""``flask sign-in``: the committee's sign-in limits page, for a shell.

``locks`` lists what reached a limit in the last day with its count now, ``show NAME``
gives the count of a student number, username or address, and ``lift NAME`` clears it
(recorded in the audit log), so sign-in works again at once.
"""

from __future__ import annotations

import math

import click
from flask.cli import with_appcontext

from elections.cli.operator import cli_actor
from elections.operations import sign_in as signing_in
from elections.operations.sign_in import Count


@click.group("sign-in")
def sign_in() -> None:
    """Sign-in limits: see what is locked, and lift it."""


def describe(count: Count) -> str:
    """A count in words, for an operator."""
    state = (
        f"locked for {math.ceil(count.resets_in_s / 60)} more min"
        if count.reached
        else "not locked"
    )
    return f"{count.scope}: {count.failures}/{count.limit} failed sign-ins, {state}"


@sign_in.command("locks")
@with_appcontext
def locks() -> None:
    """List the accounts and addresses that reached a limit in the last 24 hours."""
    found = signing_in.recent_locks()
    if not found:
        click.echo("No sign-in limit reached in the last 24 hours.")
    for lock in found:
        click.echo(f"{lock.reached_at:%Y-%m-%d %H:%M} UTC  {lock.name!r}  {describe(lock.count)}")


@sign_in.command("show")
@click.argument("name")
@with_appcontext
def show(name: str) -> None:
    """Show the count of a student number, username or address."""
    click.echo(describe(signing_in.lookup(name)))


@sign_in.command("lift")
@click.argument("name")
@with_appcontext
def lift(name: str) -> None:
    """Clear the count of a student number, username or address: sign-in works again at once."""
    count = signing_in.lookup(name)
    signing_in.lift(cli_actor(), count.scope, count.key)
    click.echo(f"Lifted {name!r}: {count.failures} failed sign-ins cleared ({count.scope}).")
