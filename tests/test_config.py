"""Settings: production refuses to start unsafely."""

from __future__ import annotations

import pytest

from config import ProductionConfig, selected_config
from elections import create_app


@pytest.mark.parametrize("secret", [None, "", "short"])
def test_production_refuses_a_missing_or_weak_secret_key(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, {"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_starts_with_a_real_secret_and_secure_cookies():
    app = create_app(
        ProductionConfig, {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("ELECTIONS_ENV", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        selected_config()
