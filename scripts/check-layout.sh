#!/usr/bin/env bash
# Checks of the layout that no unit test sees: the software card with the TEST-ONLY keys is linked only into
# builds that ask for it (the CLI's feature virtual-card, the FFI's feature testing), the readers depend on the
# card protocol only, no import circle between files and no import from a module back to the module that routes
# to it (scripts/check-imports.py, exceptions being removed in scripts/import-allow.txt), clippy has nothing to
# say about any target, and the code is formatted as rustfmt.toml says.
# Clippy: when scripts/test-all.sh calls this, its build already compiled every crate of ours through
# clippy-driver with -D warnings (RUSTC_WORKSPACE_WRAPPER), the same lints on the same targets and features as
# the `cargo clippy` below, which then is not run a second time.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
for build in "kazasu" "kazasu-ffi" "kazasu-portal" "kazasu-core" "kazasu-nfc" "kazasu-pcsc"; do
  # The software card, or its vpcd server (softcard/vpcd), which brings it along.
  if cargo tree -q -p "$build" -e normal --prefix none | grep -q '^kazasu-\(softcard\|vpcd\) '; then
    echo "check-layout: $build links the software card (TEST-ONLY keys) without asking for it" >&2
    fail=1
  fi
done
# A reader is a transport: it needs the card protocol's Transport trait (kazasu-card), not the core.
for reader in "kazasu-nfc" "kazasu-pcsc"; do
  if cargo tree -q -p "$reader" -e normal --prefix none | grep -q '^kazasu-core '; then
    echo "check-layout: the reader $reader depends on kazasu-core; it needs kazasu-card only" >&2
    fail=1
  fi
done
for build in "kazasu --features virtual-card" "kazasu-ffi --features testing"; do
  # shellcheck disable=SC2086
  if ! cargo tree -q -p $build -e normal --prefix none | grep -q '^kazasu-softcard '; then
    echo "check-layout: $build should link the software card" >&2
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "check-layout: the software card is linked only where asked for"
{ python3 scripts/check-imports.py --self-test && python3 scripts/check-imports.py; } || fail=1
if [[ "${RUSTC_WORKSPACE_WRAPPER:-}" == *clippy-driver && "${CLIPPY_ARGS:-}" == *warnings* ]]; then
  echo "check-layout: clippy clean (it linted every target while the build compiled it, -D warnings)"
else
  cargo clippy -q --workspace --all-targets --features kazasu/virtual-card,kazasu-ffi/testing -- -D warnings
  echo "check-layout: clippy clean"
fi
cargo fmt --all --check
echo "check-layout: rustfmt clean"
exit "$fail"
