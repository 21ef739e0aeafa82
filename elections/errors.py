"""Domain errors and HTTP errors, turned into pages in one place."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from elections.domain.errors import DomainError
from elections.extensions import db

log = logging.getLogger(__name__)

TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    409: _l("That cannot be done now"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}
EXPLANATIONS = {
    400: _l("Please go back and try again. If you submitted a form, reload it first."),
    403: _l("If you think you should have access, ask the election committee."),
    404: _l("Check the address, or start again from the home page."),
    405: _l("Use the buttons on the page instead of typing the address."),
    413: _l("Choose a smaller file and try again."),
    429: _l("Please wait a few minutes before you try again."),
    500: _l("Nothing you submitted was lost or half-saved. Please try again in a moment."),
}


def init_app(app: Flask) -> None:
    """Register one handler for HTTP errors and one for domain refusals."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected_error)


def error_page(status: int, message: str | None = None) -> tuple[str, int]:
    """Render the site's error page for ``status``, with an optional specific message."""
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=TITLES.get(status, TITLES[400]),
            message=message or EXPLANATIONS.get(status, ""),
        ),
        status,
    )


def _http_error(error: HTTPException) -> tuple[str, int]:
    """Show HTTP errors in the site's style, never with a stack trace."""
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    return error_page(status)


def _domain_error(error: DomainError) -> tuple[str, int]:
    """A refused action: nothing was written, and the reason is explained."""
    from elections.refusals import explain

    db.session.rollback()
    return error_page(error.status, explain(error))


def _unexpected_error(error: Exception) -> tuple[str, int]:
    """A bug: roll back so nothing half-done is kept, log it, show a calm page."""
    db.session.rollback()
    log.exception("unhandled error", exc_info=error)
    return error_page(500)
