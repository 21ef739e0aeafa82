#!/usr/bin/env bash
# Run every check: lint, the whole suite on SQLite, then again on PostgreSQL.
# PostgreSQL runs wherever its server binaries are installed (a throw-away cluster
# on loopback); browser tests run wherever /usr/bin/chromium is. With
# REQUIRE_FULL_SUITE=1 (as in CI) a missing one is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh

ruff check .
ruff format --check .
pybabel compile -q -d elections/translations 2>/dev/null || true

echo "== test suite on SQLite =="
python -m pytest -n 2 -p no:cacheprovider "$@"

if url="$(scripts/pg-test-server start 2>/dev/null)"; then
  echo "== test suite on PostgreSQL =="
  TEST_DATABASE_URL="$url" python -m pytest -n 2 -p no:cacheprovider -m "not browser" "$@"
elif [[ "${REQUIRE_FULL_SUITE:-}" == 1 ]]; then
  echo "PostgreSQL is required for the full suite but could not be started" >&2
  exit 1
else
  echo "PostgreSQL not installed here: skipped the PostgreSQL run (CI runs it)."
fi
