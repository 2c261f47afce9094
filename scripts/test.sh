#!/usr/bin/env bash
# Installs whatever is missing, then runs every test of Replication Lab:
#   1. the engine, natively: unit, scenario (one per lesson), property and determinism tests;
#   2. the web app's component tests, in headless Chromium (wasm-bindgen-test);
#   3. the end-to-end tests: the release build served on loopback, driven in headless Chromium.
#
#   scripts/test.sh            everything
#   scripts/test.sh native     only the engine's native tests (no browser needed)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1mtest:\033[0m %s\n' "$*"; }

what=${1:-all}
if [ "$what" = native ]; then
  scripts/setup.sh native
else
  scripts/setup.sh
fi
export PATH="$HOME/.cargo/bin:$PATH"

say "engine tests (cargo test -p replication-sim)"
cargo test -p replication-sim -q

say "scenario runner: every preset checks"
for f in scenarios/*.json; do
  cargo run -q -p replication-sim --bin scenario -- check "$f"
done

[ "$what" = native ] && exit 0

SKIP_SETUP=1 e2e/run-all.sh
say "all tests passed"
