#!/usr/bin/env bash
# Benchmark (prints tables; not a test): APDUs and bytes per full sign flow by link kind, and the wall time of
# `kazasu sign` through pcscd + vpcd against `pkcs11-tool --sign` (OpenSC) on the same software card.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
runs=${RUNS:-20}
cargo build --release -q -p kazasu --features virtual-card
cargo build --release -q -p kazasu-tests --examples
echo "## APDUs and bytes per sign flow"
target/release/examples/flow_traffic
echo
source .ci/pcsc.sh
trap pcsc_stop EXIT
pcsc_start "$PWD/target/release/kazasu"
work=$(mktemp -d)
echo "bench data" > "$work/data"
median_ms() { # command... ; runs it $runs times, prints the median wall time in ms
  local times=() t0 t1
  for _ in $(seq 1 "$runs"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'
}
kazasu_sign() { echo ABC123 | target/release/kazasu --reader "Virtual PCD" sign --pin-stdin --out-dir "$work" "$work/data"; }
opensc_sign() {
  pkcs11-tool --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --token-label "JPKI (Digital Signature PIN)" \
    --login --pin ABC123 --sign --mechanism SHA256-RSA-PKCS --id 02 -i "$work/data" -o "$work/sig"
}
k=$(median_ms kazasu_sign)
o=$(median_ms opensc_sign)
echo "## Wall time of one signature through pcscd + vpcd (median of $runs runs, software card)"
echo "| tool | ms |"
echo "|---|---:|"
echo "| kazasu sign (counter, VERIFY, read sign cert, sign, write JSON + CMS) | $k |"
echo "| pkcs11-tool --sign (OpenSC, login + sign) | $o |"
rm -rf "$work"
