#!/usr/bin/env bash
# Serves Replication Lab on loopback for a person to use: http://127.0.0.1:8080/
#
#   scripts/serve.sh            trunk serve --release (rebuilds and reloads on file changes)
#   scripts/serve.sh --static   build once, then serve dist/ with e2e/server.mjs (no watcher)
#   PORT=9000 scripts/serve.sh  another port
#
# After scripts/setup.sh, a plain `trunk serve` in the project root also works (a debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8080}"

scripts/setup.sh
source e2e/env.sh

if [ "${1:-}" = --static ]; then
  trunk build --release
  exec node e2e/server.mjs --root dist --port "$port"
fi
exec trunk serve --release --address 127.0.0.1 --port "$port"
