"""The floor under a vote: a tiny WSGI app that only writes a vote's rows, for ``bench/load.py``.

``POST /vote`` with ``student`` and one ``p<position>=<choices as stored>`` per position
writes that vote's participation rows and ballot rows, one multi-row INSERT each, in one
transaction on a raw psycopg connection (one per worker process), and answers 303 as the
real cast does. No framework, no session, no sign-in, no CSRF token, no
eligibility, no audit entry, no receipt page: whatever the real app costs beyond this
is the price of those. ``GET /healthz`` answers 200 for the harness's readiness check.

Run by the benchmark as ``gunicorn -c gunicorn.conf.py bench.reference_app:app`` with
``DATABASE_URL`` set; the schema is the app's own.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

import psycopg

_CONNECTION: psycopg.Connection[Any] | None = None
_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _connection() -> psycopg.Connection[Any]:
    """This worker's connection, opened on first use (after gunicorn has forked)."""
    global _CONNECTION
    if _CONNECTION is None or _CONNECTION.closed:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        _CONNECTION = psycopg.connect(url, autocommit=True)
    return _CONNECTION


def _tracking_code() -> str:
    """A receipt code of the real app's shape."""
    raw = "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(10))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _answer(start_response: StartResponse, status: str, body: bytes = b"") -> Iterable[bytes]:
    """A plain response; a 303 points at a receipt page, as the real cast's does."""
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    if status.startswith("303"):
        headers.append(("Location", "/receipt"))
    start_response(status, headers)
    return [body]


def cast(form: list[tuple[str, str]]) -> bool:
    """Write one vote's participation and ballot rows in one transaction; False if a repeat."""
    fields = dict(form)
    student = int(fields["student"])
    choices = sorted((int(name[1:]), value) for name, value in form if name.startswith("p"))
    connection = _connection()
    try:
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO participation (position_id, student_id) VALUES "
                + ", ".join(["(%s, %s)"] * len(choices)),
                [value for position, _ in choices for value in (position, student)],
            )
            cursor.execute(
                "INSERT INTO ballot (id, position_id, choices, tracking_code) VALUES "
                + ", ".join(["(%s, %s, %s, %s)"] * len(choices)),
                [
                    value
                    for position, choice in choices
                    for value in (secrets.token_hex(16), position, choice, _tracking_code())
                ],
            )
    except psycopg.errors.UniqueViolation:
        return False
    return True


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Route the two paths the benchmark uses."""
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
    if path == "/healthz":
        return _answer(start_response, "200 OK", b"ok")
    if path == "/vote" and method == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qsl(environ["wsgi.input"].read(size).decode())
        if cast(form):
            return _answer(start_response, "303 See Other")
        return _answer(start_response, "409 Conflict", b"already voted")
    return _answer(start_response, "404 Not Found")
