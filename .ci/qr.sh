#!/usr/bin/env bash
# kazasu-qr: the QR scanner/generator crate. Pure Rust, no system packages, no services.
#  1. its tests in release mode (the photo tests decode ~250 PNG/WebP/JPEG photos from
#     ../shared/qr-photos beside the repo, and fails if that folder is missing);
#  2. the benchmark table (decode rate per folder, false positives, ms per frame) in quick mode,
#     for the log only: speed goals are read from the table, never asserted.
# Exits non-zero on any test failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

echo "== qr.sh: cargo test --release -p kazasu-qr"
cargo test --release -p kazasu-qr

echo "== qr.sh: qrcompare smoke: the side-by-side benchmark runs (one set, Rust decoders; the full run with"
echo "   ZXing-C++ is scripts/qr-bench.sh, not part of CI)"
cargo run --release -q -p kazasu-qr --example qrcompare -- --sets qrcode-1 --reps 1 --no-camera

echo "== qr.sh: qrbench --quick (informational)"
cargo run --release -q -p kazasu-qr --example qrbench -- --quick
