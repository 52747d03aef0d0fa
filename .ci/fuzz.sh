#!/usr/bin/env bash
# Coverage-guided fuzzing, briefly and reproducibly: every cargo-fuzz target in fuzz/ runs a fixed number of
# executions (about 20 s each on this machine; the table below) from the committed seed corpora (fuzz/seeds/)
# with a fixed seed, so a run explores the same inputs on every machine and a finding here is a finding on any
# checkout of the same tree — a random run found a crash in CI that the same tree had passed locally. Exploring
# further is the long runs' job (fuzz/run-long.sh; numbers in fuzz/README.md). A crash, a broken promise (the
# targets assert them) or a hang fails the script; the input is left in fuzz/artifacts/<target>/.
# FUZZ_SEED and FUZZ_SCALE (a factor on the executions) explore other inputs on purpose.
# Installs a nightly toolchain if none is installed, and cargo-fuzz once (kept in ~/.cargo/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
seed=${FUZZ_SEED:-20261130}
scale=${FUZZ_SCALE:-1}
# Executions per target: what 20 s gave each one on this machine with other builds running.
declare -A runs=(
  [certificate]=2000000 [document]=7000000 [link]=5000000 [portal_submit]=60000 [qr_frame]=4000
  [qr_grid]=50000 [qr_segments]=1400000 [rapdu]=3000000 [request_json]=2000000 [session]=650000
  [softcard_apdu]=19000 [submission_json]=5000000
)

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
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in $(cargo +nightly fuzz list); do
  n=$(( ${runs[$t]:-100000} * scale ))
  echo "== fuzz.sh: $t, $n executions from seed $seed"
  # A fresh working corpus (not fuzz/corpus, the long runs' own): the same start on every machine.
  mkdir -p "$work/$t" "artifacts/$t" "seeds/$t"
  # -max_total_time only guards a much slower machine (it then runs a prefix of the same sequence); timeout: a
  # target that stops reporting (a hang libFuzzer cannot interrupt) fails the run too.
  timeout 400 "target/x86_64-unknown-linux-gnu/release/$t" "$work/$t" "seeds/$t" \
    -seed="$seed" -runs="$n" -max_total_time=90 -timeout=25 -rss_limit_mb=2048 -artifact_prefix="artifacts/$t/" \
    -print_final_stats=1 >"artifacts/$t/log" 2>&1 || { tail -n 40 "artifacts/$t/log"; echo "fuzz.sh: $t failed" >&2; exit 1; }
  grep -E '^(#[0-9]+|stat::number_of_executed_units)' "artifacts/$t/log" | tail -n 2
done
echo "== fuzz.sh: no crash"
