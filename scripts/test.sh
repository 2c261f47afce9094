#!/usr/bin/env bash
# Installs whatever is missing, then runs every test of Replication Lab:
#   0. the lints: rustfmt, and clippy with warnings as errors, for the host and for wasm32;
#   1. the engine, natively: unit, scenario (one per lesson), property, golden-output and
#      determinism tests; and the web app's unit tests (layout, reducer), natively;
#   2. the web app's component tests, in headless Chromium (wasm-bindgen-test);
#   3. the end-to-end tests: the release build served on loopback, driven in headless Chromium.
#
#   scripts/test.sh            everything
#   scripts/test.sh native     only the lints of the engine and its native tests (no browser)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1mtest:\033[0m %s\n' "$*"; }

what=${1:-all}
t0=$SECONDS
if [ "$what" = native ]; then
  scripts/setup.sh native
else
  scripts/setup.sh
fi
setup_s=$((SECONDS - t0))
source e2e/env.sh
t1=$SECONDS

say "lints: cargo fmt --all --check"
cargo fmt --all --check
if [ "$what" = native ]; then
  say "lints: cargo clippy (engine, host)"
  cargo clippy -q -p replication-sim --all-targets -- -D warnings
else
  say "lints: cargo clippy --all-targets (host)"
  cargo clippy -q --all-targets -- -D warnings
  say "lints: cargo clippy --all-targets (wasm32-unknown-unknown)"
  cargo clippy -q --all-targets --target wasm32-unknown-unknown -- -D warnings
  say "lints: cargo clippy, the lean embed build (wasm32-unknown-unknown, --no-default-features)"
  cargo clippy -q --bin replication-lab-embed --no-default-features --target wasm32-unknown-unknown -- -D warnings
fi

say "engine tests (cargo test -p replication-sim)"
cargo test -p replication-sim -q

if [ "$what" != native ]; then
  # The web app's pure parts (layout geometry, the reducer) run natively: the browser runner
  # skips plain #[test] functions, so these would otherwise never run.
  say "web app unit tests, natively (cargo test -p replication-lab --lib)"
  cargo test -p replication-lab --lib -q
fi

say "scenario runner: every preset checks"
for f in scenarios/*.json; do
  cargo run -q -p replication-sim --bin scenario -- check "$f"
done

if [ "$what" != native ]; then
  SKIP_SETUP=1 e2e/run-all.sh
fi
say "all tests passed: set-up took ${setup_s} s, the tests $((SECONDS - t1)) s"
