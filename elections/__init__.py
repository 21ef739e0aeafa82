"""The elections app: ``create_app`` (in ``elections.app``) is the only place an app is made.

Imported lazily, so that the pure parts (``elections.domain``, ``elections.bundle`` and the
offline verifier, ``python -m elections.verify``) load without Flask or the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from elections.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """Load the app factory on first use."""
    if name == "create_app":
        from elections.app import create_app

        return create_app
    raise AttributeError(name)
