"""The auditors' workspace (the hash-chained log, its verification and exports) and the board."""

from elections.audit import board
from elections.audit.views import bp

# The bulletin board is public and lives at /board/, outside the workspace's /audit/
# prefix; it is registered together with the workspace, so the app factory stays as is.
bp.record_once(lambda state: state.app.register_blueprint(board.bp))

__all__ = ["bp"]
