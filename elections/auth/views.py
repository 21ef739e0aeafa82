"""Views for signing in and out, the landing page, language choice and the health check."""

from __future__ import annotations

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
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import text
from werkzeug.wrappers import Response

from elections.auth.forms import LanguageForm, SignInForm
from elections.domain.roles import Role
from elections.errors import error_page
from elections.extensions import db, limiter, login_manager
from elections.i18n.language import SESSION_LANGUAGE
from elections.i18n.refusals import explain
from elections.models import User
from elections.operations import accounts
from elections.operations import sign_in as signing_in
from elections.web.access import current_actor, public, signed_in
from elections.web.security import MAX_ROW_ID, start_session_clock

bp = Blueprint("auth", __name__)

SLOW_DOWN = _l(
    "Many sign-ins for this number have failed from your network, so please slow down:"
    " check the number and the code on your card carefully before you try again."
)
HOME_ENDPOINTS = {
    Role.student: "vote.home",
    Role.committee: "committee.dashboard",
    Role.admin: "committee.dashboard",
    Role.auditor: "audit.log",
}

login_manager.login_view = "auth.sign_in"
login_manager.login_message = ""
login_manager.session_protection = None  # sessions are bound to the session version instead


@bp.record_once
def _prepare_dummies(state: BlueprintSetupState) -> None:
    """Hash nobody's secrets when the app is made, before any sign-in can be timed."""
    with state.app.app_context():
        accounts.prepare_dummies()


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


@bp.get("/")
@public
def index() -> Response:
    """Send each visitor to their starting page."""
    if current_user.is_authenticated:
        return redirect(home_url())
    return redirect(url_for("auth.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Response | str | tuple[str, int, dict[str, str]]:
    """Check the number and code (or username and password) and start a fresh session."""
    if current_user.is_authenticated:
        return redirect(home_url())
    form = SignInForm(username=request.args.get("u", ""), next=request.args.get("next", ""))
    if current_app.config["KIOSK_MODE"]:  # a shared browser must not offer to keep either
        for typed in (form.username, form.secret):
            typed.render_kw = {**(typed.render_kw or {}), "autocomplete": "off"}
    if not form.validate_on_submit():
        expired = bool(request.args.get("expired"))
        return render_template("auth/sign_in.html", form=form, expired=expired)
    try:
        attempt = signing_in.sign_in(current_actor(), form.username.data, form.secret.data)
    except signing_in.SignInRefused as refusal:
        page, status = error_page(refusal.status, explain(refusal))
        return page, status, {"Retry-After": str(refusal.retry_after_s)}
    if attempt.user is None:
        return _failed(form, attempt.slow_down_s)
    _start_session(attempt.user)
    return redirect(safe_next(form.next.data) or home_url())


def _failed(form: SignInForm, slow_down_s: int) -> tuple[str, int, dict[str, str]]:
    """The form again after a failed attempt; asking to slow down after many from here.

    The next attempt is checked all the same, so a student whose number someone else
    is trying from the same network still signs in with the right code.
    """
    flash(_("That sign-in did not work. Check your number and code and try again."), "error")
    if not slow_down_s:
        return render_template("auth/sign_in.html", form=form), 200, {}
    flash(str(SLOW_DOWN), "info")
    page = render_template("auth/sign_in.html", form=form)
    return page, 429, {"Retry-After": str(slow_down_s)}


def _start_session(user: User) -> None:
    """A new session at sign-in: nothing planted before survives but the chosen language."""
    language = session.get(SESSION_LANGUAGE)
    session.clear()
    if language:
        session[SESSION_LANGUAGE] = language
    login_user(user, remember=False)
    start_session_clock()


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
