#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, starting from its seed
# corpus in fuzz/corpus/<target>/. A crash fails the run and leaves its reproducer in
# fuzz/crashes/<target>/ (add it to the corpus once fixed).
set -euo pipefail
build_dir=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
seconds=${2:-10}
cd "$(dirname "$0")/.."
shopt -s nullglob
targets=("$build_dir"/fuzz/*_fuzz)
if ((${#targets[@]} == 0)); then
  echo "fuzz: no targets in $build_dir/fuzz" >&2
  exit 1
fi
failed=0
for target in "${targets[@]}"; do
  name=$(basename "$target")
  corpus=fuzz/corpus/$name
  work=$(mktemp -d)
  crashes=fuzz/crashes/$name
  mkdir -p "$crashes"
  seeds=()
  [[ -d $corpus ]] && seeds=("$corpus")
  if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
      -artifact_prefix="$crashes/" "$work" "${seeds[@]}" >"$work.log" 2>&1; then
    runs=$(grep -oE 'Done [0-9]+ runs' "$work.log" | tail -1 || true)
    echo "fuzz: $name ok (${runs:-ran} in ${seconds}s)"
  else
    echo "fuzz: $name FAILED; reproducer in $crashes/" >&2
    tail -n 40 "$work.log" >&2
    failed=1
  fi
  rm -rf "$work" "$work.log"
done
exit $failed
