"""Results, the bulletin board of tracking codes, and exports."""

from elections.results.views import bp

__all__ = ["bp"]
