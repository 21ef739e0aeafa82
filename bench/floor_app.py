"""The app's own floor under a cast: a student's form POST that does nothing, for ``bench/load.py``.

The real app, built by ``create_app`` with the deployment's settings (every extension,
every before- and after-request hook, the pool's pre-ping), plus one route:
``POST /bench/signed-in``, admitted exactly as the cast is (a student's signed session,
checked against the account's session version, and a valid CSRF token) and answered with
the cast's 303, without reading or writing anything else. Whatever a cast costs beyond
this is the vote itself: the booth, the ballot's validation, its rows, the audit entry and
the receipt.

Run by the benchmark as ``gunicorn -c gunicorn.conf.py 'bench.floor_app:create_floor_app()'``,
on the app server's database and secret key, so a student's cookies and token work on both.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, redirect
from werkzeug.wrappers import Response

from config import Config
from elections import create_app
from elections.domain.roles import Role
from elections.web.access import roles_required

FLOOR_PATH = "/bench/signed-in"

bp = Blueprint("bench", __name__)


@bp.post(FLOOR_PATH)
@roles_required(Role.student)
def signed_in() -> Response:
    """Admit the student as the cast does, then answer as the cast does."""
    return redirect("/vote/receipt", code=303)


def create_floor_app(
    config: type[Config] | None = None, overrides: dict[str, Any] | None = None
) -> Flask:
    """The app as ``create_app`` builds it, plus the floor's route."""
    app = create_app(config, overrides)
    app.register_blueprint(bp)
    return app
