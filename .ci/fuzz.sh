#!/usr/bin/env bash
# Coverage-guided fuzzing, briefly and reproducibly: every cargo-fuzz target in fuzz/ first replays its committed
# inputs (the seed corpus fuzz/seeds/<target> and the crashes found before, fuzz/regressions/<target>) under the
# fuzz build (debug assertions on), then runs a fixed number of executions from them (about 5 s each on this
# machine; the table below) with a fixed seed, so a run explores the same inputs on every machine and a finding
# here is a finding on any checkout of the same tree — a random run found a crash in CI that the same tree had
# passed locally. Exploring further is the long runs' job (fuzz/run-long.sh; numbers in fuzz/README.md). A
# crash, a broken promise (the targets assert them) or a hang fails the script; the input is left in
# fuzz/artifacts/<target>/.
# FUZZ_SEED and FUZZ_SCALE (a factor on the executions) explore other inputs on purpose.
# Installs a nightly toolchain if none is installed, and cargo-fuzz once (kept in ~/.cargo/bin).
#   bash .ci/fuzz.sh --build-only   installs and builds only (scripts/test-all.sh runs this niced in the
#                                   background while other stages run, then this script without it)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
seed=${FUZZ_SEED:-20261130}
scale=${FUZZ_SCALE:-1}
# Executions per target: what 5 s gave each one on this machine with other builds running (a quarter of the
# 20 s runs before 2026-12-06: the test command's time budget; FUZZ_SCALE=4 runs those).
declare -A runs=(
  [certificate]=500000 [document]=1750000 [link]=1250000 [portal_submit]=15000 [qr_frame]=1000
  [qr_grid]=12500 [qr_segments]=350000 [rapdu]=750000 [request_json]=500000 [session]=160000
  [softcard_apdu]=5000 [submission_json]=1250000
)
# The main build's clippy wrapper (scripts/test-all.sh) is stable's clippy-driver: not for the nightly build here.
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "== fuzz.sh: installing the nightly toolchain"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== fuzz.sh: installing cargo-fuzz"
  cargo +nightly install cargo-fuzz --version 0.13.2 --locked
fi

cd fuzz
echo "== fuzz.sh: building every target (nightly, sanitizer coverage)"
cargo +nightly fuzz build -O -a -s none
[ "${1:-}" = "--build-only" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in $(cargo +nightly fuzz list); do
  n=$(( ${runs[$t]:-100000} * scale ))
  # The regressions of a target that has none yet: an empty folder.
  regressions="regressions/$t"
  [ -d "$regressions" ] || regressions="$work/no-regressions-$t"
  echo "== fuzz.sh: $t: replays $(find "seeds/$t" -type f | wc -l) seeds and $(find "$regressions" -type f 2>/dev/null | wc -l) regressions, then $n executions from seed $seed"
  # A fresh working corpus (not fuzz/corpus, the long runs' own): the same start on every machine. libFuzzer
  # runs every input of the folders named after it first (the replay), then mutates.
  mkdir -p "$work/$t" "artifacts/$t" "seeds/$t" "$regressions"
  # -max_total_time only guards a much slower machine (it then runs a prefix of the same sequence); timeout: a
  # target that stops reporting (a hang libFuzzer cannot interrupt) fails the run too.
  timeout 400 "target/x86_64-unknown-linux-gnu/release/$t" "$work/$t" "seeds/$t" "$regressions" \
    -seed="$seed" -runs="$n" -max_total_time=$((45 * scale)) -timeout=25 -rss_limit_mb=2048 -artifact_prefix="artifacts/$t/" \
    -print_final_stats=1 >"artifacts/$t/log" 2>&1 || { tail -n 40 "artifacts/$t/log"; echo "fuzz.sh: $t failed" >&2; exit 1; }
  grep -E '^(#[0-9]+|stat::number_of_executed_units)' "artifacts/$t/log" | tail -n 2
done
echo "== fuzz.sh: no crash"
