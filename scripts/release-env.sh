# Sourced (in a subshell) before `trunk build --release` and `trunk serve --release`: the
# release build's size settings. Everything the app serves must stay under 250 KB gzip.
#
# Rust's standard library comes prebuilt for speed, with every panic's message and location.
# Rebuilding it for size (-Zbuild-std with its optimize_for_size feature) and letting a panic
# stop the module at once, without formatting a message (panic=immediate-abort), takes about
# 32 KB gzip off the bundle. Both are unstable: RUSTC_BOOTSTRAP=1 lets the stable toolchain use
# them, and the rust-src component (scripts/setup.sh adds it) provides the library's source.
#
# The price: a panic in the release build shows the error panel without Rust's message. The
# panel's report holds the scenario link, which replays the run exactly; a debug build
# (`trunk serve` without --release) or the native runner then shows the message.
#
# Not for the component tests: wasm-bindgen-test reports failures through panics.
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort"
