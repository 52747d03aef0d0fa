#!/usr/bin/env bash
# Coverage-guided fuzzing, briefly: every cargo-fuzz target in fuzz/ runs 20 s (FUZZ_SECS) from the committed
# seed corpora (fuzz/seeds/). A crash, a broken promise (the targets assert them) or a hang fails the script;
# the input is left in fuzz/artifacts/<target>/. The long runs and their numbers: fuzz/README.md.
# Installs a nightly toolchain if none is installed, and cargo-fuzz once (kept in ~/.cargo/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
secs=${FUZZ_SECS:-20}

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
for t in $(cargo +nightly fuzz list); do
  echo "== fuzz.sh: $t for ${secs}s"
  mkdir -p "corpus/$t" "artifacts/$t" "seeds/$t"
  # timeout: a target that stops reporting (a hang libFuzzer cannot interrupt) fails the run too.
  timeout $((secs + 300)) "target/x86_64-unknown-linux-gnu/release/$t" "corpus/$t" "seeds/$t" \
    -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -artifact_prefix="artifacts/$t/" -print_final_stats=1 \
    >"artifacts/$t/log" 2>&1 || { tail -n 40 "artifacts/$t/log"; echo "fuzz.sh: $t failed" >&2; exit 1; }
  grep -E '^(#[0-9]+|stat::number_of_executed_units)' "artifacts/$t/log" | tail -n 2
done
echo "== fuzz.sh: no crash"
