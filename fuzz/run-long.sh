#!/usr/bin/env bash
# The long fuzz runs recorded in README.md: each target named on the command line (default: all) runs once,
# niced, one at a time, until 5 million executions or 15 CPU-minutes (ulimit -t 900; FUZZ_CPU_SECS to change),
# whichever comes first.
# The working corpus grows in corpus/<target> (not committed), crashes land in artifacts/<target>/, the log
# in logs/<target>.log and user/system/wall seconds in logs/<target>.time. Needs nightly + cargo-fuzz.
set -u
cd "$(dirname "$0")"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t" "seeds/$t"
  nice -n 19 cargo +nightly fuzz build -O -a -s none "$t" >"logs/$t.build.log" 2>&1 || { echo "$t: build failed"; continue; }
  bin=target/x86_64-unknown-linux-gnu/release/$t
  (
    ulimit -t "${FUZZ_CPU_SECS:-900}"
    exec /usr/bin/time -f "%U %S %e" -o "logs/$t.time" nice -n 19 "$bin" "corpus/$t" "seeds/$t" \
      -runs=5000000 -max_total_time=5400 -rss_limit_mb=2048 -artifact_prefix="artifacts/$t/" -print_final_stats=1
  ) >"logs/$t.log" 2>&1
  echo "$t: exit $? $(cat "logs/$t.time" 2>/dev/null | tail -1) | $(grep -E '^#[0-9]+' "logs/$t.log" | tail -1)"
done
