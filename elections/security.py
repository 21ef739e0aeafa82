"""Response headers, session lifetime and proxy trust: the defences every request gets."""

from __future__ import annotations

import secrets
import time

from flask import Flask, Response, current_app, g, session
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

SESSION_BORN = "_born"
SESSION_SEEN = "_seen"
SEEN_RESOLUTION_S = 30  # refresh the idle clock at most this often, to spare cookie churn


def refuse_unsafe_production(app: Flask) -> None:
    """Production must never run with a missing or throw-away secret, or with debug on."""
    if app.config["ENV_NAME"] != "production":
        return
    if len(app.config.get("SECRET_KEY") or "") < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production"
        )
    if app.debug:
        raise RuntimeError("debug mode must be off in production")


def init_app(app: Flask) -> None:
    """Install the proxy policy, the session clock and the security headers."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Only a configured proxy may tell us the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(_enforce_session_lifetime)
    app.after_request(_add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


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


def _enforce_session_lifetime() -> None:
    """End sessions idle too long or older than the absolute lifetime, on the server's clock."""
    if not current_user.is_authenticated:
        return
    now = int(time.time())
    born = session.get(SESSION_BORN, 0)
    seen = session.get(SESSION_SEEN, 0)
    idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute_limit = current_app.config["SESSION_MAX_HOURS"] * 3600
    if now - seen > idle_limit or now - born > absolute_limit:
        logout_user()
        session.clear()
        g.session_expired = True
        return
    if now - seen >= SEEN_RESOLUTION_S:
        session[SESSION_SEEN] = now


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
    if current_user.is_authenticated or g.get("no_store"):
        response.headers["Cache-Control"] = "no-store"
    return response
