"""The calendar, applied on requests: due elections open and close without a background thread.

Every request may run the tick, but at most once per ``SCHEDULE_CHECK_SECONDS`` (one
second by default) in each process, and a tick with nothing due is one small query on
the phase index. ``flask polls tick`` does the same from cron for quiet hours. A vote
after closing time is refused by the voting operation anyway, whether or not a tick
has closed the poll yet.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from flask import current_app, request
from sqlalchemy.exc import SQLAlchemyError

from elections.committee.blueprint import bp
from elections.extensions import db
from elections.operations.lifecycle import tick

log = logging.getLogger(__name__)

EXTENSION_KEY = "election_schedule"


class Throttle:
    """Lets one caller through per interval, per process; others skip instead of waiting."""

    def __init__(self) -> None:
        """Start ready to run."""
        self._lock = threading.Lock()
        self._next = 0.0

    def claim(self, now: float, interval: float) -> bool:
        """Whether this caller should run the check now."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if now < self._next:
                return False
            self._next = now + interval
            return True
        finally:
            self._lock.release()


@bp.before_app_request
def apply_schedule() -> None:
    """Move due elections on, at most once per interval; never let it break the request."""
    if request.endpoint in (None, "static"):
        return
    throttle = current_app.extensions.setdefault(EXTENSION_KEY, Throttle())
    interval = current_app.config["SCHEDULE_CHECK_SECONDS"]
    if not throttle.claim(time.monotonic(), interval):
        return
    idle = not db.session().in_transaction()
    try:
        report = tick(datetime.now(UTC))
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("applying the election calendar failed")
        return
    for step in report.moved:
        log.info(
            "election %s moved %s -> %s on schedule", step.election_id, step.source, step.target
        )
    if idle and db.session().in_transaction():
        db.session.rollback()  # release the read, so the request starts its own transaction
