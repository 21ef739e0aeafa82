#!/usr/bin/env bash
# Run every check: lint, the whole suite on SQLite, then again on PostgreSQL.
# PostgreSQL runs wherever its server binaries are installed (a throw-away cluster
# on loopback); the tests of the shared sign-in limits start their own redis-server on
# loopback wherever Debian's is installed; browser tests run wherever /usr/bin/chromium is.
# With REQUIRE_FULL_SUITE=1 (as in CI) a missing one is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh

ruff check .
ruff format --check .
pybabel -q compile -d elections/translations

echo "== test suite on SQLite =="
# Tests marked `postgres` need TEST_DATABASE_URL: they run in the PostgreSQL pass below.
python -m pytest -n 2 --dist loadfile -p no:cacheprovider -m "not postgres" "$@"

if url="$(scripts/pg-test-server start 2>/dev/null)"; then
  echo "== test suite on PostgreSQL =="
  TEST_DATABASE_URL="$url" python -m pytest -n 2 --dist loadfile -p no:cacheprovider -m "not browser" "$@"
elif [[ "${REQUIRE_FULL_SUITE:-}" == 1 ]]; then
  echo "PostgreSQL is required for the full suite but could not be started" >&2
  exit 1
else
  echo "PostgreSQL not installed here: skipped the PostgreSQL run (CI runs it)."
fi

# Known vulnerabilities in the locked dependencies (pip-audit over requirements-dev.lock).
# A known vulnerability fails the run. Where no advisory service can be reached (as in this
# project's sandboxed CI, whose registry mirror serves packages but not advisories), the
# audit is reported loudly as NOT DONE and the run goes on: see scripts/audit-dependencies.
if command -v pip-audit >/dev/null 2>&1; then
  echo "== dependency audit (pip-audit) =="
  python scripts/audit-dependencies
else
  echo "pip-audit not installed: skipped the dependency audit."
fi
