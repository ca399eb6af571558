#!/usr/bin/env bash
# One command: set up, create the SQLite database with demo data, and serve on port 8000.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
.venv/bin/prior-approval load-demo
exec .venv/bin/flask --app "service.app:create_app()" run --host 127.0.0.1 --port "${PORT:-8000}"
