#!/usr/bin/env bash
# Install everything the service and its tests need into .venv and node_modules.
# Safe to run again: it only does what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e ".[test]"
  touch "$stamp"
fi

# From Debian: Chromium for the browser tests (Playwright never downloads a browser
# here), and Compose's own parser for checking docker/compose.yaml (no Docker engine).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-noto-cjk)
# WeasyPrint (the 批复 and 请示 as PDF) lays text out with Pango, in Noto CJK.
[ -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
ldconfig -p | grep -q libpangoft2-1.0.so.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v docker-compose >/dev/null || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules/bpmnlint ] || [ ! -d node_modules/swagger-ui-dist ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --silent --no-audit --no-fund
fi
