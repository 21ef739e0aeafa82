"""Domain errors and HTTP errors, turned into pages in one place."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
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
CSRF_EXPLANATION = _l(
    "This form has expired or did not come from this site. Go back, reload the page and try again."
)
UNSTORABLE_EXPLANATION = _l(
    "Something you sent is not a value this site can store (a number far too large, or"
    " invisible characters). Nothing was saved. Check what you typed and try again."
)
# Headers an error keeps on its page: what a 405 allows, when a 429 may try again.
KEPT_HEADERS = ("Allow", "Retry-After")


def init_app(app: Flask) -> None:
    """Register the handlers: HTTP errors, bad tokens, domain refusals, unstorable values, bugs."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(DataError, _unstorable_value)
    app.register_error_handler(OverflowError, _unstorable_value)
    app.register_error_handler(Exception, _unexpected_error)


def error_page(
    status: int, message: str | None = None, action: tuple[str, str] | None = None
) -> tuple[str, int]:
    """Render the site's error page for ``status``, with an optional specific message.

    ``action`` is a (address, label) for the one thing the reader most likely wants next.
    """
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=TITLES.get(status, TITLES[400]),
            message=message or EXPLANATIONS.get(status, ""),
            action=action,
        ),
        status,
    )


def _http_error(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    """Show HTTP errors in the site's style, never with a stack trace."""
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    if status == 403:
        _log_refused_access()
    page, status = error_page(status)
    kept = {name: value for name, value in error.get_headers() if name in KEPT_HEADERS}
    return page, status, kept


def _log_refused_access() -> None:
    """Note a signed-in account knocking on a door that is not its own, for the operators.

    The application log, not the audit chain: a curious student could otherwise flood the
    chain with refusals. The path is written with ``%r``, so no typed CR/LF forges a line.
    """
    who = current_user.username if current_user.is_authenticated else None
    role = current_user.role if current_user.is_authenticated else None
    log.warning(
        "refused %s %r to %r (%s) from %s",
        request.method,
        request.path,
        who,
        role,
        request.remote_addr,
    )


def _csrf_error(_error: CSRFError) -> tuple[str, int]:
    """A form without a valid token (expired, from before sign-in, or from another site)."""
    return error_page(400, str(CSRF_EXPLANATION))


def _unstorable_value(error: Exception) -> tuple[str, int]:
    """A value the database cannot hold came from the request: refuse it, keep nothing.

    The forms and routes bound what they read; this is the net under them, so a number
    beyond the id range or text PostgreSQL refuses is a clear 400, never a server error.
    """
    db.session.rollback()
    log.warning("refused a value the database cannot store", exc_info=error)
    return error_page(400, str(UNSTORABLE_EXPLANATION))


def _domain_error(error: DomainError) -> tuple[str, int]:
    """A refused action: nothing was written, and the reason is explained."""
    from elections.i18n.refusals import explain

    db.session.rollback()
    return error_page(error.status, explain(error))


def _unexpected_error(error: Exception) -> tuple[str, int]:
    """A bug: roll back so nothing half-done is kept, log it, show a calm page."""
    db.session.rollback()
    log.exception("unhandled error", exc_info=error)
    return error_page(500)
