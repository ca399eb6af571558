#!/usr/bin/env bash
# The test command: set up, then lint, check the import contracts (pyproject.toml) and run
# the whole suite on SQLite and PostgreSQL.
# Extra arguments go to pytest (e.g. ./test.sh -k owners_vote).
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache --no-logo
export TEST_DATABASES="${TEST_DATABASES:-sqlite,postgresql}"
exec .venv/bin/pytest "$@"
