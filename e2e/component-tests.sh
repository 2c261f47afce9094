#!/usr/bin/env bash
# Component tests of the web app (tests/*.rs of the root package) in headless Chromium:
# cargo builds them for wasm32, and .cargo/config.toml makes wasm-bindgen-test-runner the
# runner, which starts chromedriver (CHROMEDRIVER) with the capabilities in e2e/webdriver.json.
#
#   e2e/component-tests.sh [extra cargo test args, e.g. a test name filter]
set -euo pipefail
cd "$(dirname "$0")/.."
source e2e/env.sh

for tool in wasm-bindgen-test-runner "$CHROMEDRIVER"; do
  command -v "$tool" >/dev/null || { echo "component-tests: $tool not found; run scripts/setup.sh" >&2; exit 1; }
done
# The runner must match the wasm-bindgen crate exactly, or the tests fail to load obscurely.
want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -1)
have=$(wasm-bindgen-test-runner --version | awk '{print $2}')
if [ -n "$want" ] && [ "$want" != "$have" ]; then
  echo "component-tests: wasm-bindgen-test-runner is $have, Cargo.toml pins $want; run scripts/setup.sh" >&2
  exit 1
fi

# Slow first builds and a cold browser on 2 cores: give the runner time before it gives up.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
export WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-30}"
# --tests: unit and integration tests only. Doc tests would also be cross-compiled for wasm32
# (stable since Rust 1.89) and handed to the browser runner, which cannot run them.
exec cargo test -p replication-lab --target wasm32-unknown-unknown --tests "$@"
