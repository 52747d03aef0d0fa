#!/usr/bin/env bash
# Every test of the project, on a fresh Debian 12 machine (as root): installs what is needed, runs the Rust
# workspace tests, brings up pcscd + vpcd with the software card for the PC/SC and OpenSC interop tests, then
# each part's own suite (.ci/*.sh). Everything it starts is stopped by PID, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

echo "== build"
cargo build --workspace --all-targets
cargo build -p kazasu --features nfc

echo "== workspace tests"
cargo test --workspace

echo "== PC/SC: pcscd + vpcd + the software card; kazasu and OpenSC against it"
source .ci/pcsc.sh
trap pcsc_stop EXIT
pcsc_start "$PWD/target/debug/kazasu"
KAZASU_BIN="$PWD/target/debug/kazasu" cargo test --workspace --test pcsc -- --ignored --test-threads=1
pcsc_stop
trap - EXIT

for part in .ci/nfc.sh .ci/qr.sh .ci/kotlin.sh .ci/swift.sh .ci/portal.sh; do
  if [ -f "$part" ]; then
    echo "== $part"
    bash "$part"
  fi
done
echo "== all tests passed"
