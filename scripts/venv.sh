# Sourced by run.sh and test.sh: create .venv, install the project, and activate it.
#
# The pip that `python3 -m venv` gives differs by Python release (23.2 on 3.11.7) and has had
# resolver bugs with hash-checked locks, so it installs only requirements-bootstrap.lock: one
# pinned, hash-checked pip, setuptools and wheel. That pip installs the locked dependencies,
# and that setuptools builds the app (no build isolation, so nothing unpinned is fetched).
# The marker .venv/.installed is written only after every step succeeded.
install_venv() {
  rm -f .venv/.installed
  [[ -x .venv/bin/python ]] || python3 -m venv .venv || return
  .venv/bin/python -m pip install -q --require-hashes -r requirements-bootstrap.lock || return
  .venv/bin/python -m pip install -q --require-hashes -r requirements-dev.lock || return
  # setuptools announces every editable install with a page of advice: not a problem.
  PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . || return
  touch .venv/.installed
}

if [[ ! -f .venv/.installed ]] || [[ pyproject.toml -nt .venv/.installed ]] ||
  [[ requirements-bootstrap.lock -nt .venv/.installed ]] ||
  [[ requirements-dev.lock -nt .venv/.installed ]]; then
  if ! install_venv; then
    echo "Installing into .venv failed (see above); nothing is marked installed." >&2
    # `return` ends a sourced script; run directly, it fails and `exit` ends it.
    return 1 2>/dev/null || exit 1
  fi
fi
# shellcheck disable=SC1091
source .venv/bin/activate
