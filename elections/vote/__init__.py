"""Students' pages: their elections, the ballot, the receipt."""

from elections.vote.views import bp

__all__ = ["bp"]
