"""The app factory: settings, extensions, blueprints, error pages and commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from config import Config, selected_config
from elections import audit, auth, cli, committee, errors, results, vote
from elections.campaign.views import bp as campaign_bp
from elections.extensions import babel, csrf, db, limiter, login_manager, migrate
from elections.i18n import language
from elections.models import engine
from elections.web import security

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    config: type[Config] | None = None, overrides: dict[str, Any] | None = None
) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and commands."""
    app = Flask(
        __name__, template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance")
    )
    app.config.from_object(config or selected_config())
    app.config.update(overrides or {})
    security.refuse_unsafe_production(app)
    Path(app.instance_path).mkdir(exist_ok=True)  # home of the default SQLite database

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app, locale_selector=language.select_locale, timezone_selector=language.school_timezone
    )

    engine.init_app(app)
    security.init_app(app)
    language.init_app(app)
    errors.init_app(app)
    blueprints = (auth.bp, vote.bp, committee.bp, audit.bp, audit.board_bp, results.bp, campaign_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app
