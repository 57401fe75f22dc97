#!/usr/bin/env bash
# Builds the web UI (ui/ → ui/dist): installs its npm packages from the committed lock
# file when they are missing or older than the lock, then type-checks and bundles.
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  echo "ui: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
npm run --silent build
