#!/usr/bin/env bash
# Benchmark (prints tables; not a test): APDUs and bytes per full sign flow by link kind, and the wall time of
# `kazasu sign` through pcscd + vpcd against `pkcs11-tool --sign` (OpenSC) on the same software card, with a
# table of where kazasu's time goes (phases logged by KAZASU_TIMINGS=1, see kazasu_pcsc::timed).
#
# The three kinds of run are interleaved (kazasu, pkcs11-tool, kazasu with timings; the order turns every run)
# so that a shared machine whose speed drifts affects them alike; medians of RUNS (default 21) each.
# SKIP_BUILD=1 uses the binaries already built.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
runs=${RUNS:-21}
if [ -z "${SKIP_BUILD:-}" ]; then
  bash scripts/setup.sh
  cargo build --release -q -p kazasu --features virtual-card
  cargo build --release -q -p kazasu-tests --examples
fi
if [ -x target/release/examples/flow_traffic ]; then
  echo "## APDUs and bytes per sign flow"
  target/release/examples/flow_traffic
  echo
fi
source .ci/pcsc.sh
work=$(mktemp -d)
trap 'pcsc_stop; rm -rf "$work"' EXIT
pcsc_start "$PWD/target/release/kazasu"
echo "bench data" > "$work/data"
echo ABC123 > "$work/pin"

bin=$PWD/target/release/kazasu
kazasu=("$bin" --reader "Virtual PCD" sign --pin-stdin --out-dir "$work" "$work/data")
opensc=(pkcs11-tool --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --token-label "JPKI (Digital Signature PIN)"
  --login --pin ABC123 --sign --mechanism SHA256-RSA-PKCS --id 02 -i "$work/data" -o "$work/sig")
# KAZASU_BEFORE=/path/to/an/older/kazasu: measured in the same runs, for a before/after comparison.
before=()
if [ -n "${KAZASU_BEFORE:-}" ]; then
  before=("$KAZASU_BEFORE" "${kazasu[@]:1}")
fi

# run NAME command...: appends the wall time in µs to $work/NAME.wall. The clock is bash's own
# (EPOCHREALTIME): a `date` process, or a $(…) subshell, per reading would add a process start to every run.
run() {
  local name=$1; shift
  run_t0=${EPOCHREALTIME/[.,]/}
  "$@" <"$work/pin" >/dev/null 2>"$work/stderr" || { echo "failed: $*" >&2; cat "$work/stderr" >&2; return 1; }
  run_t1=${EPOCHREALTIME/[.,]/}
  echo $((run_t1 - run_t0)) >>"$work/$name.wall"
}
# timed NAME command...: a run with KAZASU_TIMINGS=1; its phases go to $work/NAME.phases as
# "run<TAB>phase<TAB>µs", one line per logged phase, with the process's start (from before the fork to main) and
# exit (from the end of main until the shell sees the process end) from main's clock marks, and a "wall" line.
timed() {
  local name=$1 start end; shift
  KAZASU_TIMINGS=1 run "$name" "$@"
  start=$(sed -n 's/.*mark=main epoch_us=\([0-9]*\)$/\1/p' "$work/stderr")
  end=$(sed -n 's/.*mark=main end epoch_us=\([0-9]*\)$/\1/p' "$work/stderr")
  {
    [ -z "$start" ] || printf '%s\tprocess start (fork, exec, libraries, until main)\t%s\n' "$i" $((start - run_t0))
    sed -n 's/.*phase=\(.*\) us=\([0-9]*\)$/\1\t\2/p' "$work/stderr" | awk -v r="$i" -F'\t' '{print r "\t" $1 "\t" $2}'
    [ -z "$end" ] || printf '%s\tprocess exit (after main, until the shell sees it end)\t%s\n' "$i" $((run_t1 - end))
    printf '%s\twall\t%s\n' "$i" $((run_t1 - run_t0))
  } >>"$work/$name.phases"
}
# median < numbers (one a line) → the median, in ms with two decimals
median_ms() {
  sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "-"; exit} m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'
}

# A first run of each outside the measurement (pcscd's first client, files in the page cache).
i=0
run warm "${kazasu[@]}"
run warm "${opensc[@]}"
[ ${#before[@]} -eq 0 ] || run warm "${before[@]}"
kinds=(kazasu opensc kazasu-timed version true)
[ ${#before[@]} -eq 0 ] || kinds+=(before before-timed)
for i in $(seq 1 "$runs"); do
  # every run starts with the next kind, so no kind always follows the same other one
  n=${#kinds[@]}
  for j in $(seq 0 $((n - 1))); do
    case ${kinds[$(((i + j) % n))]} in
      kazasu) run kazasu "${kazasu[@]}" ;;
      opensc) run opensc "${opensc[@]}" ;;
      kazasu-timed) timed kazasu-timed "${kazasu[@]}" ;;
      version) run version "$bin" --version ;;
      true) run true /bin/true ;;
      before) run before "${before[@]}" ;;
      before-timed) timed before-timed "${before[@]}" ;;
    esac
  done
done

k=$(median_ms <"$work/kazasu.wall")
o=$(median_ms <"$work/opensc.wall")
ratio() { awk -v k="$1" -v o="$2" 'BEGIN {printf "%.2f", k/o}'; }
# paired_ratio A B: the median over runs of A's time / B's time in the same run (the two ran next to each other,
# so a drift of the machine's speed between runs cancels out)
paired_ratio() {
  paste "$work/$1.wall" "$work/$2.wall" | awk '{print int(1000000 * $1 / $2)}' | median_ms | awk '{printf "%.2f", $1 / 1000}'
}
echo "## Wall time of one signature through pcscd + vpcd (median of $runs interleaved runs, software card)"
echo "| tool | ms | / pkcs11-tool | / pkcs11-tool, run by run |"
echo "|---|---:|---:|---:|"
echo "| kazasu sign (counter tap; signing tap: counter, VERIFY, read sign cert, sign; write JSON + CMS) | $k |" \
  "$(ratio "$k" "$o") | $(paired_ratio kazasu opensc) |"
if [ ${#before[@]} -gt 0 ]; then
  b=$(median_ms <"$work/before.wall")
  echo "| kazasu sign, before ($KAZASU_BEFORE) | $b | $(ratio "$b" "$o") | $(paired_ratio before opensc) |"
fi
echo "| pkcs11-tool --sign (OpenSC, login + sign) | $o | 1.00 | 1.00 |"
echo "| for reference: kazasu --version (a process start and exit, no card) | $(median_ms <"$work/version.wall") | | |"
echo "| for reference: /bin/true | $(median_ms <"$work/true.wall") | | |"
echo

# phase_table NAME: medians per phase of $work/NAME.phases
phase_table() {
  local f=$work/$1.phases
  # Per run and phase: the sum of that phase's durations and how often it was logged; phases in first-seen order.
  awk -F'\t' '{k=$1 SUBSEP $2; s[k]+=$3; n[k]++; if (!($2 in seen)) {seen[$2]=1; order[++p]=$2}}
    END {for (i=1;i<=p;i++) print order[i]; print "--"; for (k in s) {split(k,a,SUBSEP); print a[1] "\t" a[2] "\t" s[k] "\t" n[k]}}' \
    "$f" >"$work/sums"
  sed '1,/^--$/d' "$work/sums" >"$work/per-run"
  echo "| phase | calls per run | ms |"
  echo "|---|---:|---:|"
  sed '/^--$/q' "$work/sums" | sed '$d' | while IFS= read -r p; do
    [ "$p" = wall ] && continue
    local calls ms
    calls=$(awk -F'\t' -v p="$p" '$2==p {print $4}' "$work/per-run" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    ms=$(awk -F'\t' -v p="$p" '$2==p {print $3}' "$work/per-run" | median_ms)
    printf '| %s | %s | %s |\n' "$p" "$calls" "$ms"
  done
  echo "| wall time of the timed run | 1 | $(awk -F'\t' '$2=="wall" {print $3}' "$f" | median_ms) |"
}
echo "## Where kazasu sign's time goes (KAZASU_TIMINGS=1; median per run over $runs runs, ms)"
echo "cli: phases that follow each other; pcsc: the PC/SC calls inside them (pcscd answers each; a transmit also"
echo "goes through vpcd to the card and back). On a loaded machine a run often waits a few ms for a processor"
echo "somewhere (where it did shows in no median): the medians add up to less than the median run."
phase_table kazasu-timed
if [ ${#before[@]} -gt 0 ]; then
  echo
  echo "## The same, before ($KAZASU_BEFORE)"
  phase_table before-timed
fi
