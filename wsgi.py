"""The WSGI entry point for gunicorn and ``flask --app wsgi``."""

from elections import create_app

app = create_app()
