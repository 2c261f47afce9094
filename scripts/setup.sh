#!/usr/bin/env bash
# Installs what building and testing Replication Lab needs, skipping whatever is
# already present at the right version. Safe to run again and again.
#
#   scripts/setup.sh          everything (toolchain, crates, browser, npm tools)
#   scripts/setup.sh native   only what the engine's native tests need (the crates)
#
# A first full set-up on a 2-core machine takes 12 to 20 minutes, almost all of it compiling
# trunk and wasm-bindgen-cli from source (no prebuilt binaries are reachable); see the README.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# Must equal the wasm-bindgen crate version pinned with `=` in Cargo.toml.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -1)
what=${1:-all}

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# Tools installed by `cargo install` land in $CARGO_HOME/bin; ~/.cargo/bin is where an earlier
# set-up (or rustup itself) put them.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
started=$SECONDS
timed() { # timed LABEL COMMAND...: runs the command and says how long it took
  local label=$1 t0=$SECONDS
  shift
  "$@"
  say "$label done in $((SECONDS - t0)) s"
}

# rust-toolchain.toml pins the stable version and lists clippy, rustfmt and the wasm32 target;
# rustup installs a missing toolchain from it, but not always a missing target or component.
have() { grep -x "$1" >/dev/null; } # grep without -q: with pipefail, -q could SIGPIPE rustup
if ! rustup component list --installed | have 'clippy-x86_64-unknown-linux-gnu' ||
  ! rustup component list --installed | have 'rustfmt-x86_64-unknown-linux-gnu'; then
  say "adding the clippy and rustfmt components"
  rustup component add clippy rustfmt
fi

# Every crate, for the host and for wasm32: Trunk runs cargo with --offline (Trunk.toml), and
# a plain `cargo fetch` can miss crates that only one target uses.
say "fetching crates (seconds; about 160 MB into an empty registry)"
cargo fetch --locked --quiet
cargo fetch --locked --quiet --target wasm32-unknown-unknown

[ "$what" = native ] && { say "native tools ready ($((SECONDS - started)) s)"; exit 0; }

if ! rustup target list --installed | have wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION: compiles from source, 8 to 16 minutes on 2 cores, once"
  timed "trunk" cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION: compiles from source, about 4 minutes on 2 cores, once"
  timed "wasm-bindgen-cli" cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian's chromium and chromium-driver: about 1 to 2 minutes, once"
  as_root apt-get update -qq
  timed "chromium" as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# npm tools and wasm-opt (the binaryen package ships one that reads this Rust's output).
if ! cmp -s package-lock.json node_modules/.installed-lock.json 2>/dev/null; then
  say "installing npm tools (playwright-core, binaryen for wasm-opt, terser, axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-lock.json
fi
say "ready ($((SECONDS - started)) s)"
