"""The auditors' workspace (the hash-chained log, its verification and exports) and the board."""

from elections.audit.board import bp as board_bp
from elections.audit.views import bp

__all__ = ["board_bp", "bp"]
