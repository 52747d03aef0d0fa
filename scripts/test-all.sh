#!/usr/bin/env bash
# Every test of the project, on a fresh Debian 12 machine (as root): installs what is needed, runs the Rust
# workspace tests, brings up pcscd + vpcd with the software card for the PC/SC and OpenSC interop tests, then
# each part's own suite (.ci/*.sh).
#
# It leaves nothing behind but caches: everything it starts is stopped by PID (also on failure), a Kotlin
# compile daemon started during the run included; every temporary file goes into one folder (TMPDIR for the
# whole run) that is removed at the end; the --virtual card's state lives there too. What stays: the installed
# Debian packages, cargo's and Maven's caches, target/, and the Swift chroot (/var/cache/kazasu/trixie-swift,
# ~2.7 GB; see README.md). At the end: a table of the time each stage took.
#
# Some tests fail on purpose (a reader that is not there, a serial port that is not one); the libraries they
# call print errors of their own. Those lines are marked "expected error (deliberate):" in the log.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never NO_COLOR=1 TERM=dumb

run_tmp=$(mktemp -d -t kazasu-test-all-XXXXXX)
export TMPDIR="$run_tmp" XDG_STATE_HOME="$run_tmp/state" PCSC_LOG="$run_tmp/pcscd.log"
kotlin_daemons() { pgrep -f 'KotlinCompileDaemon|kotlin-daemon' 2>/dev/null | sort || true; }
daemons_before=$(kotlin_daemons)

stage_names=()
stage_secs=()
current=""
table() {
  local i total=0
  echo
  echo "| stage | seconds |"
  echo "|---|---:|"
  for i in "${!stage_names[@]}"; do
    echo "| ${stage_names[i]} | ${stage_secs[i]} |"
    total=$((total + stage_secs[i]))
  done
  echo "| total | $total |"
}
finish() {
  local rc=$?
  set +e
  # A Kotlin daemon this run started (the Maven build runs without one; this is the safety net): by PID.
  local pid
  for pid in $(comm -13 <(echo "$daemons_before") <(kotlin_daemons)); do
    echo "test-all: stopping the Kotlin daemon $pid started by this run"
    kill "$pid" 2>/dev/null
  done
  rm -rf "$run_tmp"
  table
  if [ "$rc" -ne 0 ]; then echo "== FAILED in stage: ${current:-setup} (exit $rc)"; fi
  exit "$rc"
}
trap finish EXIT

# The log as it should read: colour codes removed, and the errors that deliberate-failure tests make
# libraries print (libnfc probing USB busses and serial ports that are not there) marked as expected.
tidy() {
  sed -u -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\x1b(B//g' \
    -e '/Unable to find USB busses\|Invalid serial port\|libnfc\.\(bus\|driver\)\.[a-z0-9_]*/s/^/expected error (deliberate): /'
}

# stage NAME COMMAND...: runs COMMAND with its output tidied, times it, stops the run on failure.
stage() {
  local name=$1 t0 rc=0
  shift
  current=$name
  echo "== $name"
  t0=$(date +%s)
  "$@" 2>&1 | tidy || rc=$?
  stage_names+=("$name")
  stage_secs+=($(($(date +%s) - t0)))
  return "$rc"
}

stage "setup (apt packages, toolchain check)" bash scripts/setup.sh
# The CLI's software card (--virtual, `card serve`) is a feature: the tests and the PC/SC bed ask for it.
stage "build" bash -c 'cargo build --workspace --all-targets --features kazasu/virtual-card && cargo build -p kazasu --features nfc,virtual-card'
stage "layout: the TEST-ONLY software card only where asked for, clippy, rustfmt" bash scripts/check-layout.sh
stage "workspace tests" cargo test --workspace --features kazasu/virtual-card

# Runs inside the stage's pipeline, i.e. in a subshell: its EXIT trap stops pcscd and the card by PID however
# the subshell ends.
pcsc_tests() {
  source .ci/pcsc.sh
  trap pcsc_stop EXIT
  pcsc_start "$PWD/target/debug/kazasu" || return 1
  KAZASU_BIN="$PWD/target/debug/kazasu" cargo test --workspace --test pcsc -- --ignored --test-threads=1
}
stage "PC/SC: pcscd + vpcd + the software card; kazasu and OpenSC" pcsc_tests

# Each part's suite, when the part has one; fuzzing last (the longest, and it needs every target to build).
for part in .ci/nfc.sh .ci/qr.sh .ci/kotlin.sh .ci/swift.sh .ci/portal.sh .ci/tls.sh .ci/links.sh .ci/postgres.sh \
  .ci/pdf.sh .ci/fuzz.sh; do
  if [ -f "$part" ]; then
    stage "$part" bash "$part"
  fi
done
current=""
echo "== all tests passed"
