# Sourced by run.sh and test.sh: create .venv once, install the project, and activate it.
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
if [[ ! -f .venv/.installed ]] || [[ pyproject.toml -nt .venv/.installed ]] ||
  [[ requirements-dev.lock -nt .venv/.installed ]]; then
  # Exactly the locked versions, each file checked against its recorded hash; then the
  # app itself, whose dependencies are all in the lock already.
  .venv/bin/pip install -q --require-hashes -r requirements-dev.lock
  .venv/bin/pip install -q --no-deps -e .
  touch .venv/.installed
fi
# shellcheck disable=SC1091
source .venv/bin/activate
