#!/usr/bin/env bash
# Runs the CLI's end-to-end test binaries (hand-off, log-in, virtual card, messages: they start `kazasu` as a child and
# feed its standard input, which once raced with children that exit before reading it) N times while every
# core is kept busy, and prints how many runs passed and failed. Exits non-zero when any run failed.
#
#   bash scripts/repeat-under-load.sh [N]        (default N=100; REPEAT_LOAD=0 runs without the load)
#
# The load is one busy loop per core, each bounded by `timeout` and stopped by PID when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
runs=${1:-100}
load=${REPEAT_LOAD:-1}

echo "== building the test binaries (cargo test -p kazasu --features virtual-card --no-run)"
mapfile -t bins < <(cargo test -q -p kazasu --features virtual-card --no-run --message-format=json 2>/dev/null |
  jq -r 'select(.reason == "compiler-artifact" and .profile.test == true and .executable != null
           and (.target.name == "handoff" or .target.name == "login" or .target.name == "virtual_card"
                or .target.name == "messages")) | .executable')
[ "${#bins[@]}" -eq 4 ] || { echo "repeat-under-load: expected the handoff, login, virtual_card and messages binaries, found: ${bins[*]:-none}" >&2; exit 1; }

work=$(mktemp -d -t kazasu-repeat-XXXXXX)
load_pids=()
cleanup() {
  local pid
  for pid in "${load_pids[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${load_pids[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$load" = 1 ]; then
  cores=$(nproc)
  for _ in $(seq 1 "$cores"); do
    timeout 3600 sh -c 'while :; do :; done' &
    load_pids+=($!)
  done
  echo "== load: $cores busy loops (PIDs ${load_pids[*]}), at most 1 h each"
fi

declare -A passed failed
for b in "${bins[@]}"; do passed[$b]=0; failed[$b]=0; done
start=$(date +%s)
for i in $(seq 1 "$runs"); do
  for b in "${bins[@]}"; do
    if "$b" -q >"$work/out" 2>&1; then
      passed[$b]=$((passed[$b] + 1))
    else
      failed[$b]=$((failed[$b] + 1))
      echo "run $i: $(basename "$b") FAILED:"
      grep -E "panicked|FAILED|failed" "$work/out" | head -n 20 || true
    fi
  done
  if [ $((i % 10)) -eq 0 ]; then echo "  $i/$runs runs done"; fi
done
elapsed=$(( $(date +%s) - start ))

echo
echo "| test binary | runs | passed | failed |"
echo "|---|---:|---:|---:|"
total_failed=0
for b in "${bins[@]}"; do
  name=$(basename "$b"); name=${name%-*}
  echo "| cli/tests/$name.rs | $runs | ${passed[$b]} | ${failed[$b]} |"
  total_failed=$((total_failed + failed[$b]))
done
echo "(load: $([ "$load" = 1 ] && echo "$(nproc) busy loops" || echo none); ${elapsed} s)"
[ "$total_failed" -eq 0 ]
