"""Response headers, session lifetime, proxy trust and input hygiene: what every request gets."""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from elections.errors import error_page

log = logging.getLogger(__name__)

SESSION_BORN = "_born"
SESSION_SEEN = "_seen"
SEEN_RESOLUTION_S = 30  # refresh the idle clock at most this often, to spare cookie churn

MAX_ROW_ID = 2**31 - 1
"""The largest id an ``integer`` column holds (PostgreSQL); a larger number names no row."""

# NUL and the other C0 controls (tab, line feed and carriage return excepted), DEL, and the
# bidirectional embedding, override and isolate controls. No form field or query parameter
# needs them: PostgreSQL refuses NUL in text (an error page instead of a clean refusal), and
# a right-to-left override makes a candidate's or an election's name read differently on
# screen than it is stored.
UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every route, bounded to what an id column holds.

    Without the bound, ``/results/100000000000000000000`` reaches the database, which
    refuses the number (PostgreSQL: "integer out of range"; SQLite: an overflow) and the
    visitor sees a server error; with it the address simply matches no page (404).
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        if len(args) < 3:  # a route may still give its own maximum, as the third argument
            kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(url_map, *args, **kwargs)


def refuse_unsafe_production(app: Flask) -> None:
    """Production must never run with a missing or throw-away secret, with debug on, or with
    sign-in limits that each process counts on its own unless told that one process serves all.

    Gunicorn runs several workers and a school may run several machines: with ``memory://``
    each would let a guesser through its own share of the limit.
    """
    if app.config["ENV_NAME"] != "production":
        return
    if len(app.config.get("SECRET_KEY") or "") < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production"
        )
    if app.debug:
        raise RuntimeError("debug mode must be off in production")
    if _limits_per_process(app) and not app.config["RATELIMIT_PER_PROCESS_ACCEPTED"]:
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI is memory://, so every worker process would count failed"
            " sign-ins on its own and a guesser would get each process's share of the limits:"
            " set RATELIMIT_STORAGE_URI=redis://HOST:6379/0, shared by every process, or, if"
            " exactly one process serves the whole school, RATELIMIT_PER_PROCESS_ACCEPTED=1"
        )


def _limits_per_process(app: Flask) -> bool:
    """Whether the limiter's counts live in this process's memory."""
    return (app.config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://")


def init_app(app: Flask) -> None:
    """Install the proxy policy, bounded ids, input hygiene, the session clock and the headers.

    Called before the blueprints are registered, so every ``<int:...>`` route gets the
    bounded converter.
    """
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Only a configured proxy may tell us the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(_refuse_unsafe_characters)
    app.before_request(_enforce_session_lifetime)
    app.after_request(_add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["idle_seconds"] = idle_seconds
    if app.config["ENV_NAME"] == "production" and _limits_per_process(app):
        log.warning(
            "sign-in limits are counted in this process's memory (RATELIMIT_PER_PROCESS_ACCEPTED):"
            " right only while this one process serves the whole school"
        )


def csp_nonce() -> str:
    """A per-response nonce for the few scripts we serve, so no inline code runs otherwise."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def start_session_clock() -> None:
    """Mark the start of a signed-in session (called right after sign-in)."""
    now = int(time.time())
    session[SESSION_BORN] = now
    session[SESSION_SEEN] = now
    session.permanent = True


def _refuse_unsafe_characters() -> tuple[str, int] | None:
    """Refuse a request whose form fields or query parameters carry invisible control characters.

    One rule for every form (sign-in, ballots, the committee's forms, filters), checked
    before any view reads a value, so nothing is stored, looked up or logged with them.
    """
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if UNSAFE_CHARACTERS.search(name) or UNSAFE_CHARACTERS.search(value):
                return error_page(
                    400,
                    _(
                        "The text you sent contains invisible control characters (such as a NUL"
                        " byte or a right-to-left override). Remove them and try again."
                    ),
                )
    return None


def _enforce_session_lifetime() -> None:
    """End sessions idle too long or older than the absolute lifetime, on the server's clock."""
    if not current_user.is_authenticated:
        return
    now = int(time.time())
    born = session.get(SESSION_BORN, 0)
    seen = session.get(SESSION_SEEN, 0)
    idle_limit = idle_seconds()
    absolute_limit = current_app.config["SESSION_MAX_HOURS"] * 3600
    if now - seen > idle_limit or now - born > absolute_limit:
        logout_user()
        session.clear()
        g.session_expired = True
        return
    if now - seen >= SEEN_RESOLUTION_S:
        session[SESSION_SEEN] = now
    g.began_signed_in = True


def idle_seconds() -> int:
    """How long a signed-in session may sit idle: short on a shared kiosk, longer elsewhere."""
    config = current_app.config
    setting = "KIOSK_IDLE_MINUTES" if config["KIOSK_MODE"] else "SESSION_IDLE_MINUTES"
    return int(config[setting]) * 60


def _signed_in() -> bool:
    """Whether the response goes to a signed-in session.

    A request that began signed in and still holds its account needs no second look:
    asking the account again after a view has committed (which expires every loaded
    row) would reload it from the database just for this header.
    """
    if g.get("began_signed_in") and "_user_id" in session:
        return True
    return bool(current_user.is_authenticated)


def _add_security_headers(response: Response) -> Response:
    """Lock pages down: no framing, no sniffing, no inline code, nothing cached when signed in."""
    nonce = g.get("csp_nonce")
    script_src = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["ENV_NAME"] == "production":
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # A view serving content-addressed files (candidate photos) sets g.cache_allowed.
    if (_signed_in() or g.get("no_store")) and not g.get("cache_allowed"):
        response.headers["Cache-Control"] = "no-store"
    return response
