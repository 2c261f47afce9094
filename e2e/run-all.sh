#!/usr/bin/env bash
# The web app's whole browser test run: release build with Trunk, component tests in headless
# Chromium, then the end-to-end tests against the built dist/. scripts/test.sh calls this.
#
#   e2e/run-all.sh            (SKIP_SETUP=1 to skip scripts/setup.sh when tools are known present)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1mrun-all:\033[0m %s\n' "$*"; }

[ "${SKIP_SETUP:-0}" = 1 ] || scripts/setup.sh
source e2e/env.sh

say "release build: trunk build --release (dist/)"
trunk build --release

say "component tests (wasm-bindgen-test in headless Chromium)"
e2e/component-tests.sh

say "end-to-end tests (playwright-core, headless Chromium, dist/ on loopback)"
node e2e/run.mjs

say "bytes each page loads (the embed is held to its budget; see the README's bundle section)"
node e2e/bytes.mjs
