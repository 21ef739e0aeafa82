"""The election committee's pages: roll, access codes, elections, positions, candidates, turnout.

The view modules attach their routes to the one blueprint when imported here; ``schedule``
adds the hook that applies election calendars on requests.
"""

from elections.committee import (  # noqa: F401 - each registers its routes on bp
    calendar,
    candidates,
    positions,
    roll,
    schedule,
    sign_in_limits,
    turnout,
    views,
)
from elections.committee.blueprint import bp

__all__ = ["bp"]
