#!/usr/bin/env bash
# Set up and start the app on SQLite: install, migrate, seed the demo school when the
# database is empty, and serve on http://127.0.0.1:5000 (PORT to change).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh
pybabel -q compile -d elections/translations
flask --app wsgi db upgrade
flask --app wsgi demo --if-empty
exec flask --app wsgi run --host 127.0.0.1 --port "${PORT:-5000}"
