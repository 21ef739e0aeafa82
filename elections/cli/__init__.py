"""Operator commands (``flask --app wsgi ...``): one module per group, registered here."""

from flask import Flask

from elections.cli import audit, count, polls, roll, sign_in, users
from elections.cli.demo.commands import demo

COMMANDS = (
    users.user,
    roll.roll,
    demo,
    polls.election,
    polls.polls,
    audit.audit,
    count.count_command,
    sign_in.sign_in,
)


def init_app(app: Flask) -> None:
    """Attach every command group to the app's ``flask`` command."""
    for command in COMMANDS:
        app.cli.add_command(command)
