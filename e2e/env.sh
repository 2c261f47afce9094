# Sourced by the build, serve and test scripts: puts the pinned tools first on PATH.
#   node_modules/.bin  wasm-opt from binaryen 132 (Debian's 108 cannot read this Rust's output)
#   $CARGO_HOME/bin, ~/.cargo/bin  trunk 0.21.14, wasm-bindgen and wasm-bindgen-test-runner 0.2.130
# Trunk uses a tool from PATH only when its version equals Trunk.toml's [tools] pin; with
# `offline = true` it fails instead of downloading one.
_rl_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$_rl_repo/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
# Trunk's update check would ask the network for nothing useful.
export TRUNK_SKIP_VERSION_CHECK=true
# Component tests: wasm-bindgen-test-runner drives Debian's Chromium through chromedriver,
# with the headless flags in e2e/webdriver.json.
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="${WASM_BINDGEN_TEST_WEBDRIVER_JSON:-$_rl_repo/e2e/webdriver.json}"
unset _rl_repo
