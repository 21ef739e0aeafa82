"""The election committee's pages: roll, access codes, elections, positions, candidates, turnout.

The view modules attach their routes to the one blueprint when imported here.
"""

from elections.committee import roll, views  # noqa: F401 - each registers its routes on bp
from elections.committee.blueprint import bp

__all__ = ["bp"]
