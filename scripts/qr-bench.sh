#!/usr/bin/env bash
# Side-by-side QR benchmark (prints tables; not a test): kazasu-qr's `decode`, rxing, ZXing-C++ (PyPI
# `zxing-cpp`, the reference) and rqrr on the same luma buffers of every set in ../shared/qr-photos, then
# kazasu-qr and rxing on 1280x720 camera frames. Read rate (exact text), wrong text, false positives,
# median / p90 / total thread CPU ms of the decode call per set.
#   REPS=3 (best of REPS per frame)   ROUNDS=3 (alternating rounds, least time per photo over them)
#   QR_BENCH_ARGS="--misses" (extra qrcompare flags)
# ZXing-C++ runs in a venv under ~/.cache/kazasu-qr-bench (created once; pip from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
reps=${REPS:-3}
rounds=${ROUNDS:-3}
venv="${XDG_CACHE_HOME:-$HOME/.cache}/kazasu-qr-bench/venv"
if ! "$venv/bin/python" -c 'import zxingcpp, numpy' 2>/dev/null; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get install -y -q --no-install-recommends python3-venv >/dev/null
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'zxing-cpp==3.1.1' 'numpy>=1.24'
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p kazasu-qr --example qrcompare
target/release/examples/qrcompare --dump "$work"
# Rounds of ZXing-C++ and of the Rust decoders alternate, and each photo keeps its least time per
# decoder over all rounds: the shared machine's speed drifts by tens of percent over a minute, and
# one round each would let that drift fall on one decoder.
zxing="" earlier=""
for r in $(seq 1 "$rounds"); do
  "$venv/bin/python" qr/bench/zxing_cpp.py "$work" "$reps"
  mv "$work/zxing-cpp.tsv" "$work/zxing-cpp-$r.tsv"
  zxing="$zxing${zxing:+,}$work/zxing-cpp-$r.tsv"
  if [ "$r" -lt "$rounds" ]; then
    target/release/examples/qrcompare --reps "$reps" --no-camera --times "$work/rust-$r.tsv" >/dev/null
    earlier="$earlier${earlier:+,}$work/rust-$r.tsv"
  fi
done
# shellcheck disable=SC2086
target/release/examples/qrcompare --reps "$reps" --zxing "$zxing" ${earlier:+--min-times "$earlier"} ${QR_BENCH_ARGS:-}
