"""Views for signing in and out, the landing page, language choice and the health check."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import text
from werkzeug.wrappers import Response

from elections.auth.forms import LanguageForm, SignInForm
from elections.domain.roles import Role
from elections.extensions import db, limiter, login_manager
from elections.i18n.language import SESSION_LANGUAGE
from elections.models import User
from elections.operations import accounts
from elections.web.access import current_actor, public, signed_in
from elections.web.security import MAX_ROW_ID, start_session_clock

bp = Blueprint("auth", __name__)

HOME_ENDPOINTS = {
    Role.student: "vote.home",
    Role.committee: "committee.dashboard",
    Role.admin: "committee.dashboard",
    Role.auditor: "audit.log",
}

login_manager.login_view = "auth.sign_in"
login_manager.login_message = ""
login_manager.session_protection = None  # sessions are bound to the session version instead


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the account only while its session version still matches the cookie's."""
    user_id, _sep, version = session_id.partition(":")
    if not _plain_number(user_id) or not _plain_number(version):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _plain_number(text: str) -> bool:
    """ASCII digits only, within an id column's range ("²" is a digit to ``isdigit``)."""
    return text.isascii() and text.isdigit() and int(text) <= MAX_ROW_ID


@login_manager.unauthorized_handler
def ask_to_sign_in() -> Response:
    """Send a signed-out visitor to sign in, saying so when their session has just ended.

    A form sent after the session ended (a ballot sent for review or cast after the idle
    limit) cannot be replayed by the redirect, which is a GET: the student comes back to
    the page the form belongs to, the ballot, told that nothing was cast.
    """
    target: str | None = request.full_path.rstrip("?")
    if request.method != "GET":
        election_id = (request.view_args or {}).get("election_id")
        target = None
        if request.blueprint == "vote" and election_id is not None:
            target = url_for("vote.ballot", election_id=election_id)
            flash(
                _("Nothing was cast: your session ended first. Please fill in your ballot again."),
                "info",
            )
    expired = "1" if g.get("session_expired") else None
    return redirect(url_for("auth.sign_in", next=safe_next(target), expired=expired))


def safe_next(target: str | None) -> str | None:
    """Accept only a local path as a place to return to, never another site."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_url() -> str:
    """Where the signed-in account starts."""
    return url_for(HOME_ENDPOINTS[Role(current_user.role)])


def _account_key() -> str:
    """Rate-limit key for one account, whatever address the attempts come from.

    A digest of the name as typed: the limiter writes the key into the application log
    when the limit trips, so neither a typed "\\r\\n" (a forged log line) nor an access
    code typed into the wrong field may reach it.
    """
    typed = request.form.get("username", "").strip().lower()[:64]
    return "account:" + hashlib.sha256(typed.encode()).hexdigest()[:24]


@bp.get("/")
@public
def index() -> Response:
    """Send each visitor to their starting page."""
    if current_user.is_authenticated:
        return redirect(home_url())
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["SIGNIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
@limiter.limit(
    lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
def sign_in() -> Response | str:
    """Check the number and code (or username and password) and start a fresh session."""
    if current_user.is_authenticated:
        return redirect(home_url())
    form = SignInForm(username=request.args.get("u", ""), next=request.args.get("next", ""))
    if current_app.config["KIOSK_MODE"]:  # a shared browser must not offer to keep either
        for typed in (form.username, form.secret):
            typed.render_kw = {**(typed.render_kw or {}), "autocomplete": "off"}
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.secret.data)
        accounts.record_sign_in(current_actor(), form.username.data, user)
        if user is not None:
            language = session.get(SESSION_LANGUAGE)
            session.clear()  # a new session at sign-in: nothing planted before survives
            if language:
                session[SESSION_LANGUAGE] = language
            login_user(user, remember=False)
            start_session_clock()
            return redirect(safe_next(form.next.data) or home_url())
        flash(_("That sign-in did not work. Check your number and code and try again."), "error")
        return render_template("auth/sign_in.html", form=form), 200
    return render_template(
        "auth/sign_in.html", form=form, expired=bool(request.args.get("expired"))
    )


@bp.post("/sign-out")
@signed_in
def sign_out() -> Response:
    """End this session and every copy of its cookie."""
    accounts.sign_out(current_actor(), current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.post("/language")
@public
def choose_language() -> Response:
    """Remember the chosen language for this browser and, when signed in, for the account."""
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("auth.index")
    if form.validate_on_submit() and form.language.data in current_app.config["LANGUAGES"]:
        session[SESSION_LANGUAGE] = form.language.data
        if current_user.is_authenticated:
            current_user.locale = form.language.data
            db.session.commit()
    return redirect(target)


@bp.get("/session/alive")
@signed_in
def still_here() -> tuple[str, int, dict[str, str]]:
    """Keep the session of someone busy on one page (reading, filling in a ballot) alive.

    Any signed-in request moves the idle clock on (``security``); the page's script asks
    here when its reader has typed or tapped since it last asked, so only real activity
    keeps a session, and an abandoned kiosk still times out.
    """
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/healthz")
@public
@limiter.exempt
def health() -> tuple[dict[str, str], int]:
    """For load balancers: the app answers and its database does too."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200
