#!/usr/bin/env bash
# Serves Replication Lab on loopback for a person to use: http://127.0.0.1:8080/
#
#   scripts/serve.sh            trunk serve --release (rebuilds and reloads on file changes)
#   scripts/serve.sh --static   build once, then serve dist/ with e2e/server.mjs (no watcher)
#   PORT=9000 scripts/serve.sh  another port
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8080}"

scripts/setup.sh
source e2e/env.sh
source scripts/release-env.sh
# Trunk.toml sets offline = true, which makes Trunk call cargo with --offline: fetch first
# (with the release settings, so the standard library's own crates come too).
cargo fetch --quiet

if [ "${1:-}" = --static ]; then
  trunk build --release
  exec node e2e/server.mjs --root dist --port "$port"
fi
exec trunk serve --release --address 127.0.0.1 --port "$port"
