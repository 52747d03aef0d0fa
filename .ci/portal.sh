#!/usr/bin/env bash
# CI for the hand-off and the reference relying party (kazasu-portal), self-contained on Debian 12 as root:
# installs Chromium and Node if missing, builds, runs the core hand-off tests and the portal's Rust tests
# (one per refusal, the bounded load test, the kill -9 restart test; under scripts/test-all.sh these ran in its
# workspace tests), then the real-browser test against a portal started here on 127.0.0.1 — stopped by PID,
# also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
export DEBIAN_FRONTEND=noninteractive

# shellcheck source=lib/cargo.sh
source .ci/lib/cargo.sh
ws_tested || bash scripts/setup.sh
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

echo "== portal: build"
ws build -q --bin kazasu --bin kazasu-portal
target=$(ws_target_dir)

if ws_tested; then
  echo "== core and portal: the hand-off and hostile-input tests, the portal's refusals, load (bounded) and"
  echo "   kill -9 restart tests ran in the workspace tests"
else
  echo "== core: hand-off protocol and hostile-input tests"
  cargo test -p kazasu-handoff
  cargo test -p kazasu-core --test handoff
  cargo test -p kazasu --features virtual-card --test handoff

  echo "== portal: refusals, load (bounded), kill -9 restart"
  cargo test -p kazasu-portal -- --nocapture --test-threads=1
fi

echo "== portal: real browser (chromium + playwright-core)"
(cd portal/browser-test && npm ci --no-audit --no-fund --loglevel=error)
work=$(mktemp -d)
portal_pid=""
cleanup() {
  if [ -n "$portal_pid" ]; then
    kill "$portal_pid" 2>/dev/null || true
    wait "$portal_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
"$target/debug/kazasu-portal" --listen 127.0.0.1:0 --db "$work/portal.sqlite3" \
  --ca fixtures/test-pki/sign-ca.pem --auth-ca fixtures/test-pki/auth-ca.pem \
  --crl fixtures/test-pki/sign-ca.crl.pem --crl fixtures/test-pki/auth-ca.crl.pem \
  --addr-file "$work/addr" >"$work/portal.log" 2>&1 &
portal_pid=$!
for _ in $(seq 1 200); do
  [ -s "$work/addr" ] && break
  kill -0 "$portal_pid" 2>/dev/null || { cat "$work/portal.log" >&2; echo "portal.sh: the portal exited" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/addr" ] || { echo "portal.sh: the portal did not start" >&2; exit 1; }
PORTAL_URL="http://$(cat "$work/addr")" KAZASU_BIN="$target/debug/kazasu" \
  timeout 180 node portal/browser-test/test.mjs
echo "== portal: all passed"
