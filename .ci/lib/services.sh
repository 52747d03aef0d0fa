# Sourced by .ci/tls.sh and .ci/links.sh (from the repository root): the CI environment, Debian packages
# installed only when missing, a work folder removed on exit, services started in the background and stopped
# by PID on exit (also on failure), and kazasu-portal on 127.0.0.1 with the test PKI.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
export DEBIAN_FRONTEND=noninteractive
ci_name=$(basename "$0")
# shellcheck source=cargo.sh
source .ci/lib/cargo.sh
ci_start=$(date +%s)
ci_missing=()
ci_pids=()
work=$(mktemp -d)
chmod 755 "$work"

# ci_need PACKAGE TEST: PACKAGE is installed unless the shell command TEST succeeds.
ci_need() { eval "$2" >/dev/null 2>&1 || ci_missing+=("$1"); }
ci_install() {
  if [ ${#ci_missing[@]} -gt 0 ]; then
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${ci_missing[@]}"
  fi
}

ci_cleanup() {
  local i
  for ((i = ${#ci_pids[@]} - 1; i >= 0; i--)); do
    kill "${ci_pids[i]}" 2>/dev/null || true
    wait "${ci_pids[i]}" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap ci_cleanup EXIT

# fail WHY: says why, shows the end of every service log, exits 1.
fail() {
  echo "$ci_name: FAILED: $*" >&2
  local f
  for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $(basename "$f")" >&2; tail -20 "$f" >&2; }; done
  exit 1
}

# ci_start_portal ARGS…: the built portal on 127.0.0.1 (a port of its own), its log in $work/portal.log;
# sets portal_addr (host:port) once it listens.
ci_start_portal() {
  "$(ws_target_dir)/debug/kazasu-portal" --listen 127.0.0.1:0 --db "$work/portal.sqlite3" --ca fixtures/test-pki/sign-ca.pem \
    --crl fixtures/test-pki/sign-ca.crl.pem --addr-file "$work/addr" "$@" >"$work/portal.log" 2>&1 &
  local pid=$!
  ci_pids+=("$pid")
  for _ in $(seq 1 100); do
    [ -s "$work/addr" ] && break
    kill -0 "$pid" 2>/dev/null || fail "the portal exited"
    sleep 0.1
  done
  [ -s "$work/addr" ] || fail "the portal did not start"
  portal_addr=$(cat "$work/addr")
}

ci_passed() { echo "== $ci_name: all passed in $(($(date +%s) - ci_start)) s"; }
