"""Language and time zone choice, and the language names shown in the switcher."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
SESSION_LANGUAGE = "lang"
PHASE_LABELS = {
    "draft": _l("Draft"),
    "nomination": _l("Nominations"),
    "campaign": _l("Campaign"),
    "silence": _l("Day of silence"),
    "open": _l("Voting open"),
    "closed": _l("Closed"),
    "appeals": _l("Appeals"),
    "published": _l("Published"),
}


def select_locale() -> str:
    """The saved preference, then the switcher's choice, then the browser's, then the default."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get(SESSION_LANGUAGE) in languages:
        return session[SESSION_LANGUAGE]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def school_timezone() -> str:
    """Every date is shown in the school's time zone, whoever reads it."""
    return current_app.config["SCHOOL_TIMEZONE"]


def init_app(app: Flask) -> None:
    """Expose the language list and phase names to templates."""
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["phase_label"] = phase_label
    app.jinja_env.globals["get_locale"] = get_locale


def phase_label(phase: str) -> str:
    """The phase's name in the reader's language."""
    return str(PHASE_LABELS.get(phase, phase))
