#!/usr/bin/env bash
# kazasu-qr: the QR scanner/generator crate. Pure Rust, no system packages, no services.
#  1. its tests, the photo-set tests included (#[ignore]d in a plain `cargo test`: they decode ~250
#     PNG/WebP/JPEG photos from ../shared/qr-photos beside the repo, and fail if that folder is missing);
#     under scripts/test-all.sh these ran in its workspace tests stage already;
#  2. the benchmark tables (decode rate per folder, false positives, ms per frame) in quick mode, for the log
#     only: speed goals are read from the table, never asserted. Built in the dev profile with the rest of the
#     workspace (kazasu-qr, rqrr, rxing and the image decoders at opt-level 2, Cargo.toml), so the milliseconds
#     are only indicative here;
#     the figures in qr/README.md come from release builds (scripts/qr-bench.sh).
# Without the photo set the photo-set parts are skipped and said to be (scripts/test-all.sh counts them in its
# closing line); with CI set its absence is a failure.
# Exits non-zero on any test failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# shellcheck source=lib/cargo.sh
source .ci/lib/cargo.sh

photos_present=""
if [ -d ../shared/qr-photos ] || [ -n "${CI:-}" ]; then photos_present=1; fi

if ws_tested; then
  echo "== qr.sh: kazasu-qr's tests ran in the workspace tests (the photo-set tests with --ignored)"
else
  echo "== qr.sh: cargo test -p kazasu-qr"
  cargo test -p kazasu-qr
  if [ -n "$photos_present" ]; then
    echo "== qr.sh: the photo-set tests (--ignored)"
    cargo test -p kazasu-qr --test photos -- --ignored
  fi
fi

if [ -z "$photos_present" ]; then
  echo "== qr.sh: SKIPPED qrcompare and qrbench: the QR photo set is not at ../shared/qr-photos"
  if [ -n "${KAZASU_SKIPPED_FILE:-}" ]; then
    printf '2\tqrcompare and qrbench (no photo set at ../shared/qr-photos)\n' >>"$KAZASU_SKIPPED_FILE"
  fi
  exit 0
fi
ws build -q --example qrcompare --example qrbench
examples="$(ws_target_dir)/debug/examples"

echo "== qr.sh: qrcompare smoke: the side-by-side benchmark runs (one set, Rust decoders; the full run with"
echo "   ZXing-C++ is scripts/qr-bench.sh, not part of CI)"
"$examples/qrcompare" --sets qrcode-1 --reps 1 --no-camera

echo "== qr.sh: qrbench --quick (informational)"
"$examples/qrbench" --quick
