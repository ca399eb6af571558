#!/usr/bin/env bash
# One command: set up, create the SQLite database with demo data, start the background
# worker (deadlines, reminders, scheduled reports) and serve the site on port 8000.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
.venv/bin/prior-approval load-demo
.venv/bin/prior-approval worker --interval 30 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT
.venv/bin/flask --app "service.app:create_app()" run --host 127.0.0.1 --port "${PORT:-8000}"
