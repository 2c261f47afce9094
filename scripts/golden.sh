#!/usr/bin/env bash
# Regenerates the golden outputs under sim/tests/golden/ (the runner's report and trace of
# every preset, and the reports of a seed sweep), then checks them, and shows what changed.
# Run it after an intended change of behaviour, or after a merge (a conflict in a golden
# file included: take either side, then regenerate). Review the diff before committing.
#
#   scripts/golden.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

UPDATE_GOLDEN=1 cargo test -q -p replication-sim --test golden
cargo test -q -p replication-sim --test golden
git status --short -- sim/tests/golden
printf 'golden files: %s, %s in all\n' \
  "$(find sim/tests/golden -type f | wc -l)" "$(du -sh sim/tests/golden | cut -f1)"
