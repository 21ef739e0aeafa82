"""Language and time zone choice, language names, and titles in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

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
TIE_RULE_LABELS = {
    "earlier-rounds": _l("Earlier rounds first, then a lot"),
    "lot": _l("A lot at once"),
    "runoff": _l("A runoff election among the tied"),
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


class Titled(Protocol):
    """An election or a position: a main title, and optionally one per language."""

    title: str
    titles: Mapping[str, str] | None


def localized(title: str, titles: Mapping[str, str] | None) -> str:
    """A title in the reader's language when the committee gave one, else the main title."""
    return (titles or {}).get(str(get_locale())) or title


def localized_title(thing: Titled) -> str:
    """An election's or position's title in the reader's language, else its main title."""
    return localized(thing.title, thing.titles)


def init_app(app: Flask) -> None:
    """Expose the language list, phase and tie rule names and localized titles to templates."""
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["phase_label"] = phase_label
    app.jinja_env.globals["tie_rule_label"] = tie_rule_label
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["localized_title"] = localized_title
    app.jinja_env.filters["localized_title"] = localized_title


def phase_label(phase: str) -> str:
    """The phase's name in the reader's language."""
    return str(PHASE_LABELS.get(phase, phase))


def tie_rule_label(rule: str) -> str:
    """The election's tie rule in a few words, in the reader's language."""
    return str(TIE_RULE_LABELS.get(rule, rule))
