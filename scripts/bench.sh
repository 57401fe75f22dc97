#!/usr/bin/env bash
# Runs every benchmark of a build and prints its results (markdown tables).
#   scripts/bench.sh build/release
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${1:-build/release}
shopt -s nullglob
benches=("$BUILD_DIR"/bench/*_bench)
if ((${#benches[@]} == 0)); then
  echo "bench: no benchmarks in $BUILD_DIR/bench; build with HEELER_BENCH=ON first" >&2
  exit 1
fi
status=0
for bench in "${benches[@]}"; do
  [[ -x $bench ]] || continue
  echo "### $(basename "$bench")"
  "$bench" || status=$?
  echo
done
exit $status
