"""Settings per environment; the only module that reads ``os.environ``.

``ELECTIONS_ENV`` picks the class (``development`` by default, ``testing``,
``production``); every other setting may be overridden by an environment
variable of the same name.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env(name: str, default: str | None = None) -> str | None:
    """Read one setting from the environment."""
    return os.environ.get(name, default)


def _env_bool(name: str, default: bool) -> bool:
    """Read a yes/no setting: 1, true, yes and on mean yes."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    """Read a whole-number setting."""
    value = os.environ.get(name)
    return default if value is None or not value.strip() else int(value)


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'elections.db'}"
    # hide_parameters: a database error logs its SQL but never the values bound into it
    # (names, hashes, tracking codes, choices), so no log line can pair a voter with a vote.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True, "hide_parameters": True}
    SCHOOL_NAME = _env("SCHOOL_NAME", "Council of Leaders")
    SCHOOL_TIMEZONE = _env("SCHOOL_TIMEZONE", "Asia/Almaty")
    LANGUAGES = ("kk", "ru", "en")
    BABEL_DEFAULT_LOCALE = _env("DEFAULT_LANGUAGE", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "elections" / "translations")

    # Sessions: short idle timeout, absolute lifetime checked server-side.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 20)
    SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 8)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_MAX_HOURS)
    REMEMBER_COOKIE_DURATION = timedelta(0)
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token already

    # Hashes: staff passwords get a slow hash; access codes a cheaper one that
    # still resists offline guessing (they are random and rate-limited).
    PASSWORD_HASH_METHOD = _env("PASSWORD_HASH_METHOD", "scrypt")
    ACCESS_CODE_HASH_METHOD = _env("ACCESS_CODE_HASH_METHOD", "scrypt:4096:8:1")
    AUDIT_HMAC_KEY = _env("AUDIT_HMAC_KEY")

    MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
    PHOTO_MAX_PIXELS = 4096 * 4096
    KIOSK_MODE = _env_bool("KIOSK_MODE", False)
    # On a shared computer a session someone walked away from is the next person's ballot.
    KIOSK_IDLE_MINUTES = _env_int("KIOSK_IDLE_MINUTES", 3)
    TURNOUT_MIN_GROUP = _env_int("TURNOUT_MIN_GROUP", 5)
    SCHEDULE_CHECK_SECONDS = float(_env("SCHEDULE_CHECK_SECONDS", "1") or 1)

    # Sign-in limits count failed attempts (elections/operations/sign_in.py). memory:// counts
    # in each process on its own: production refuses it unless RATELIMIT_PER_PROCESS_ACCEPTED
    # says one process serves everyone. Several processes share Redis (redis://host:6379/0).
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_PER_PROCESS_ACCEPTED = _env_bool("RATELIMIT_PER_PROCESS_ACCEPTED", False)
    # A store that fails raises StorageError at once (sign-in then counts in memory for a
    # while), instead of holding a worker: a local Redis answers in well under a second.
    RATELIMIT_STORAGE_OPTIONS: ClassVar[dict] = {
        "wrap_exceptions": True,
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }
    RATELIMIT_HEADERS_ENABLED = True
    SIGNIN_LIMIT_PER_ADDRESS = _env("SIGNIN_LIMIT_PER_ADDRESS", "600 per 15 minutes")
    SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = _env(
        "SIGNIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "10 per 15 minutes"
    )
    SIGNIN_CEILING_PER_ACCOUNT = _env("SIGNIN_CEILING_PER_ACCOUNT", "100 per 15 minutes")
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    PREFERRED_URL_SCHEME = "http"


class DevelopmentConfig(Config):
    """Local work on SQLite, with a throw-away secret."""

    ENV_NAME = "development"
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"


class TestingConfig(Config):
    """Fast hashes and no CSRF surprises; tests set their own database."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL") or "sqlite://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name, not a secret
    ACCESS_CODE_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_STORAGE_URI = "memory://"


class ProductionConfig(Config):
    """Real elections: secure cookies, HSTS, and a real secret or no start."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for the whole
    # site and for this host only, so no sibling subdomain can plant a session (fixation).
    SESSION_COOKIE_NAME = "__Host-session"
    PREFERRED_URL_SCHEME = "https"
    # Shipped for several workers: one count of failed sign-ins for every process.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def selected_config() -> type[Config]:
    """Return the settings class named by ``ELECTIONS_ENV``."""
    name = _env("ELECTIONS_ENV", "development") or "development"
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"ELECTIONS_ENV={name!r} is not one of {', '.join(CONFIGS)}") from None
