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
pybabel -q compile -d elections/translations

echo "== test suite on SQLite =="
# Tests marked `postgres` need TEST_DATABASE_URL: they run in the PostgreSQL pass below.
python -m pytest -n 2 -p no:cacheprovider -m "not postgres" "$@"

if url="$(scripts/pg-test-server start 2>/dev/null)"; then
  echo "== test suite on PostgreSQL =="
  TEST_DATABASE_URL="$url" python -m pytest -n 2 -p no:cacheprovider -m "not browser" "$@"
elif [[ "${REQUIRE_FULL_SUITE:-}" == 1 ]]; then
  echo "PostgreSQL is required for the full suite but could not be started" >&2
  exit 1
else
  echo "PostgreSQL not installed here: skipped the PostgreSQL run (CI runs it)."
fi

# Known vulnerabilities in the installed dependencies: pip-audit (in the test extra) asks
# PyPI's advisory data, and nothing else, about every package. Where PyPI cannot answer,
# pip-audit skips every package and still prints "No known vulnerabilities found" with exit
# status 0, so its JSON report is read here instead. A known vulnerability always fails the
# run. An audit that could not be done fails in CI (REQUIRE_FULL_SUITE=1), where PyPI must be
# reachable; elsewhere (offline laptops, sandboxes) it is reported as NOT DONE and the run
# goes on, because the tests above say nothing about it either way.
audit_dependencies() {
  local report status=0
  report="$(mktemp)"
  pip-audit --skip-editable --progress-spinner off --format json --output "$report" \
    2>/dev/null || status=$?
  python - "$report" "$status" <<'PY'
import json
import sys

path, status = sys.argv[1], int(sys.argv[2])
try:
    with open(path, encoding="utf-8") as file:
        packages = json.load(file)["dependencies"]
except (OSError, ValueError, KeyError):
    print(f"dependency audit NOT DONE: pip-audit stopped (exit status {status}) with no report")
    sys.exit(2)
vulnerable = [p for p in packages if p.get("vulns")]
skipped = [p["name"] for p in packages if "skip_reason" in p]
for package in vulnerable:
    ids = ", ".join(v["id"] for v in package["vulns"])
    print(f"VULNERABLE: {package['name']} {package['version']}: {ids}")
if vulnerable:
    sys.exit(1)
if skipped:
    print(
        f"dependency audit NOT DONE for {len(skipped)} of {len(packages)} packages: PyPI's"
        f" vulnerability data could not be reached ({', '.join(skipped[:4])}, ...)"
    )
    sys.exit(2)
print(f"no known vulnerabilities in {len(packages)} installed packages")
PY
}

if command -v pip-audit >/dev/null 2>&1; then
  echo "== dependency audit (pip-audit) =="
  audit_status=0
  audit_dependencies || audit_status=$?
  if [[ $audit_status == 1 ]]; then
    exit 1
  elif [[ $audit_status != 0 && "${REQUIRE_FULL_SUITE:-}" == 1 ]]; then
    echo "the dependency audit is required for the full suite" >&2
    exit 1
  fi
elif [[ "${REQUIRE_FULL_SUITE:-}" == 1 ]]; then
  echo "pip-audit is required for the full suite: pip install -e '.[test]'" >&2
  exit 1
else
  echo "pip-audit not installed: skipped the dependency audit (CI runs it)."
fi
