#!/usr/bin/env bash
# Every test of the project, on a fresh Debian 12 machine (as root): installs what is needed, builds the
# workspace once (clippy linting every crate of ours as it compiles), runs the Rust workspace tests, brings up
# pcscd + vpcd with the software card for the PC/SC and OpenSC interop tests, then each part's own suite
# (.ci/*.sh), fuzzing last.
#
# Time (README.md, "The two commands"): every stage has a budget in seconds (the table below, the same as the
# README's); the table at the end shows what each took, and a stage over twice its budget is reported loudly
# (KAZASU_BUDGET_STRICT=1: it fails the run). What makes it fit on 2 cores:
#  - one target directory, one package selection and one feature set for every cargo command
#    (.ci/lib/cargo.sh), so each crate is built once; clippy runs inside that build (clippy-driver as the
#    compiler of our own crates, -D warnings) instead of checking everything again;
#  - each Rust test runs once: the suites skip what `cargo test --workspace` ran already
#    (KAZASU_WORKSPACE_TESTED);
#  - what waits for the network and the disk runs in the background beside the build: every Debian package of
#    the suites, the Swift chroot, pyHanko, Maven's downloads (.ci/provision.sh); and the fuzz targets' nightly
#    build, niced, so it only takes CPU time the foreground leaves idle. A background job's output is printed
#    when the run waits for it (each line prefixed with its name), and its failure fails the run.
#
# It leaves nothing behind but caches: everything it starts is stopped by PID (also on failure) — the background
# jobs with their children (each runs as its own process group), a Kotlin compile daemon started during the run
# included; every temporary file goes into one folder (TMPDIR for the whole run) that is removed at the end; the
# --virtual card's state lives there too. What stays is listed in README.md (packages, the Swift chroot,
# target/, fuzz/target, the caches). At the end: the table of times, and how many tests were skipped and why.
#
# Some tests fail on purpose (a reader that is not there, a serial port that is not one); the libraries they
# call print errors of their own. Those lines are marked "expected error (deliberate):" in the log.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never NO_COLOR=1 TERM=dumb
# shellcheck source=../.ci/lib/cargo.sh
source .ci/lib/cargo.sh

run_tmp=$(mktemp -d -t kazasu-test-all-XXXXXX)
export TMPDIR="$run_tmp" XDG_STATE_HOME="$run_tmp/state" PCSC_LOG="$run_tmp/pcscd.log"
# The suites write what they had to skip here (one line: COUNT<TAB>why); the closing line sums it up.
export KAZASU_SKIPPED_FILE="$run_tmp/skipped"
: >"$KAZASU_SKIPPED_FILE"
# The output of every run of #[ignore]d tests (cargo test -- --ignored) goes here: the closing check counts them.
export KAZASU_IGNORED_LOGS="$run_tmp/ignored"
mkdir -p "$KAZASU_IGNORED_LOGS"
run_t0=$(date +%s)
kotlin_daemons() { pgrep -f 'KotlinCompileDaemon|kotlin-daemon' 2>/dev/null | sort || true; }
daemons_before=$(kotlin_daemons)

# Budgets in seconds, for a fresh 2-core Debian 12 machine (README.md has the same table). A warm run (packages,
# chroot and target/ from an earlier run) takes far less in the stages that install or compile.
declare -A budget=(
  [setup]=120 [provision]=420 [fuzz-build]=900
  [build]=540 [layout]=20 [tests]=120 [pcsc]=30
  [nfc]=120 [qr]=60 [kotlin]=360 [apk]=150 [swift]=120 [portal]=90 [tls]=20 [links]=20 [postgres]=60 [pdf]=275 [fuzz]=120
)

stage_names=()
stage_secs=()
current=""
declare -A bg_pid=() bg_t0=()
over_budget=()
table() {
  local i name key b secs mark sum=0
  echo
  echo "| stage | seconds | budget | |"
  echo "|---|---:|---:|---|"
  for i in "${!stage_names[@]}"; do
    name=${stage_names[i]}
    secs=${stage_secs[i]}
    key=${name%% *}
    b=${budget[$key]:-}
    mark=""
    if [ -n "$b" ] && [ "$secs" -gt $((2 * b)) ]; then
      mark="OVER TWICE THE BUDGET"
      over_budget+=("$key: $secs s, budget $b s")
    elif [ -n "$b" ] && [ "$secs" -gt "$b" ]; then
      mark="over budget"
    fi
    case "$name" in *"(background)"*) ;; *) sum=$((sum + secs)) ;; esac
    echo "| $name | $secs | ${b:-} | $mark |"
  done
  echo "| foreground stages | $sum | | |"
  echo "| total (wall clock) | $(($(date +%s) - run_t0)) | 2225 | |"
}
finish() {
  local rc=$?
  set +e
  # Background jobs still running (the run failed before waiting for them): each with its children, by the
  # process group it leads.
  local name pid
  for name in "${!bg_pid[@]}"; do
    pid=${bg_pid[$name]}
    echo "test-all: stopping the background job $name (process group $pid)"
    kill -TERM -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    sed "s/^/[$name] /" "$run_tmp/bg-$name.log" 2>/dev/null | tail -n 20
  done
  # A Kotlin daemon this run started (the Maven build runs without one; this is the safety net): by PID.
  for pid in $(comm -13 <(echo "$daemons_before") <(kotlin_daemons)); do
    echo "test-all: stopping the Kotlin daemon $pid started by this run"
    kill "$pid" 2>/dev/null
  done
  table
  local line skipped=0 reasons=()
  while IFS=$'\t' read -r n why; do
    [ -n "$n" ] || continue
    skipped=$((skipped + n))
    reasons+=("$n: $why")
  done <"$KAZASU_SKIPPED_FILE"
  rm -rf "$run_tmp"
  for line in "${over_budget[@]}"; do
    echo "!! BUDGET: stage $line — more than twice its budget (README.md, \"The two commands\")"
  done
  if [ "$rc" -eq 0 ] && [ ${#over_budget[@]} -gt 0 ] && [ -n "${KAZASU_BUDGET_STRICT:-}" ]; then
    echo "== FAILED: over budget (KAZASU_BUDGET_STRICT is set)"
    rc=1
  fi
  local summary="skipped: $skipped"
  if [ "$skipped" -gt 0 ]; then summary+=" ($(IFS=';'; echo "${reasons[*]}" | sed 's/;/; /g'))"; fi
  if [ "$rc" -ne 0 ]; then
    echo "== FAILED in stage: ${current:-setup} (exit $rc); $summary"
  else
    echo "== all tests passed; $summary; ignored by \`cargo test --workspace\` and run with --ignored by their stages: $ignored_ran"
  fi
  exit "$rc"
}
ignored_ran=0
trap finish EXIT

# The log as it should read: colour codes removed, and the errors that deliberate-failure tests make
# libraries print (libnfc probing USB busses and serial ports that are not there) marked as expected.
tidy() {
  sed -u -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\x1b(B//g' \
    -e '/Unable to find USB busses\|Invalid serial port\|libnfc\.\(bus\|driver\)\.[a-z0-9_]*/s/^/expected error (deliberate): /'
}

# stage NAME WHAT COMMAND...: runs COMMAND with its output tidied, times it, stops the run on failure.
stage() {
  local name=$1 what=$2 t0 rc=0
  shift 2
  current=$name
  echo "== $name: $what (budget ${budget[$name]:-?} s)"
  t0=$(date +%s)
  "$@" 2>&1 | tidy || rc=$?
  stage_names+=("$name")
  stage_secs+=($(($(date +%s) - t0)))
  return "$rc"
}

# bg_start NAME WHAT COMMAND...: runs COMMAND in the background as its own process group (so that it can be
# stopped with all its children), its output into a log that bg_wait prints.
bg_start() {
  local name=$1 what=$2
  shift 2
  echo "== $name: $what — in the background (budget ${budget[$name]:-?} s; its output follows when the run waits for it)"
  bg_t0[$name]=$(date +%s)
  setsid bash -c '"$@"; rc=$?; date +%s >"$0.end"; exit $rc' "$run_tmp/bg-$name" "$@" \
    >"$run_tmp/bg-$name.log" 2>&1 </dev/null &
  bg_pid[$name]=$!
}

# bg_wait NAME: waits for the job, prints its output (each line prefixed with [NAME]), records its time (and
# the time the foreground waited for it); a failed job fails the run here.
bg_wait() {
  local name=$1 t0 rc=0 end
  t0=$(date +%s)
  current="$name (background)"
  wait "${bg_pid[$name]}" || rc=$?
  unset "bg_pid[$name]"
  tidy <"$run_tmp/bg-$name.log" | sed "s/^/[$name] /"
  end=$(cat "$run_tmp/bg-$name.end" 2>/dev/null || date +%s)
  stage_names+=("$name (background)")
  stage_secs+=($((end - bg_t0[$name])))
  if [ $(($(date +%s) - t0)) -gt 0 ]; then
    stage_names+=("waiting for $name")
    stage_secs+=($(($(date +%s) - t0)))
  fi
  [ "$rc" -eq 0 ] || echo "== $name (background) failed (exit $rc)"
  return "$rc"
}

# Tests counted from cargo's "test result:" lines of a log: FIELD is passed, failed or ignored.
count() { grep -h '^test result:' "$2" 2>/dev/null | grep -o "[0-9][0-9]* $1" | awk '{s += $1} END {print s + 0}'; }

stage setup "apt packages of the build, toolchain check" bash scripts/setup.sh
bg_start provision "the suites' Debian packages, the Swift chroot, pyHanko, Maven downloads" bash .ci/provision.sh
bg_start fuzz-build "nightly toolchain, cargo-fuzz, every fuzz target (niced)" nice -n 19 bash .ci/fuzz.sh --build-only

# Clippy inside the build: cargo runs clippy-driver as the compiler of the workspace's own crates (what
# `cargo clippy` does in check mode), so every crate of ours is linted while it is compiled, and no second,
# check-mode compilation of every dependency is needed. Every later cargo command of the run uses the same
# wrapper (it is part of what cargo remembers about a build), so nothing is compiled twice.
current="build"
RUSTC_WORKSPACE_WRAPPER=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver) ||
  { echo "test-all: clippy is not installed (rustup component add clippy)" >&2; exit 1; }
CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
stage build "every target of the workspace, features $KAZASU_FEATURES, linted by clippy (-D warnings)" \
  ws build --all-targets
stage layout "the TEST-ONLY software card only where asked for, import circles, rustfmt" bash scripts/check-layout.sh

workspace_tests() {
  # `|| return`: a stage's command runs left of `||` (stage()), where `set -e` does not stop a function, so a
  # failed test run would otherwise be forgotten by the next command.
  ws test 2>&1 | tee "$run_tmp/workspace-tests.log" || return 1
  # The photo-set tests are #[ignore]d (they need ../shared/qr-photos): run here when the set is there, and
  # under CI always (where its absence is a failure).
  if [ -d ../shared/qr-photos ] || [ -n "${CI:-}" ]; then
    ws test --test photos -- --ignored 2>&1 | tee "$KAZASU_IGNORED_LOGS/photos.log"
  else
    printf '%s\tthe QR photo-set tests (no photo set at ../shared/qr-photos)\n' \
      "$(grep -c '^#\[ignore' qr/tests/photos.rs)" >>"$KAZASU_SKIPPED_FILE"
  fi
}
stage tests "cargo test --workspace (+ the photo-set tests with --ignored)" workspace_tests
export KAZASU_WORKSPACE_TESTED=1

# Runs inside the stage's pipeline, i.e. in a subshell: its EXIT trap stops pcscd and the card by PID however
# the subshell ends.
pcsc_tests() {
  source .ci/pcsc.sh
  trap pcsc_stop EXIT
  local bin
  bin="$(ws_target_dir)/debug/kazasu"
  pcsc_start "$bin" || return 1
  KAZASU_BIN="$bin" ws test --test pcsc -- --ignored --test-threads=1 2>&1 | tee "$KAZASU_IGNORED_LOGS/pcsc.log"
}
stage pcsc "pcscd + vpcd + the software card; kazasu and OpenSC" pcsc_tests
# Everything below may need what the provisioning job installs.
bg_wait provision

# Each part's suite, when the part has one; fuzzing last (it needs the fuzz build).
for part in nfc qr kotlin apk swift portal tls links postgres pdf; do
  if [ -f ".ci/$part.sh" ]; then
    stage "$part" ".ci/$part.sh" bash ".ci/$part.sh"
  fi
done

# Every test `cargo test --workspace` ignored must have run in a stage with --ignored (or be counted as skipped):
# an ignored test no stage runs would be a dropped test.
ignored_total=$(count ignored "$run_tmp/workspace-tests.log")
ignored_ran=0
for log in "$KAZASU_IGNORED_LOGS"/*.log; do
  if [ -f "$log" ]; then ignored_ran=$((ignored_ran + $(count passed "$log"))); fi
done
photos_skipped=$(awk -F'\t' '/photo-set tests/ {s += $1} END {print s + 0}' "$KAZASU_SKIPPED_FILE")
echo "== #[ignore]d in \`cargo test --workspace\`: $ignored_total; run by their stages with --ignored: $ignored_ran; skipped: $photos_skipped"
if [ "$ignored_total" -ne $((ignored_ran + photos_skipped)) ]; then
  echo "!! an ignored test that no stage runs is a dropped test (give it a stage, or remove the #[ignore])"
  current="ignored tests that no stage runs"
  exit 1
fi
bg_wait fuzz-build
stage fuzz ".ci/fuzz.sh: replay of the committed inputs, fixed short runs" bash .ci/fuzz.sh
current=""
