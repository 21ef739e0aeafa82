"""The audit identity of whoever runs a command on the server."""

import getpass

from elections.operations.audit_log import Actor


def cli_actor() -> Actor:
    """Name the operating-system user, since a command has no signed-in account."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor(name=f"cli:{name}"[:64], role="admin", client_addr="cli")
