"""The auditors' workspace: the hash-chained log, its verification and exports."""

from elections.audit.views import bp

__all__ = ["bp"]
