#!/usr/bin/env bash
# PC/SC test bed: pcscd with vsmartcard's vpcd reader in a private network namespace (vpcd listens on all
# interfaces; the namespace keeps it off the machine's network), and the software card connected to it from
# inside that namespace (`kazasu card serve`, i.e. kazasu-vpcd in softcard/vpcd/, the card's side of vpcd's link).
# PC/SC clients outside reach pcscd through its unix socket as usual.
#
#   source .ci/pcsc.sh; pcsc_start /path/to/kazasu; ...; pcsc_stop
#   bash .ci/pcsc.sh      (all of it: build, the bed up, the PC/SC tests, the bed down; see the end)
# Sets PCSC_PIDS (what it started, stopped by PID).
set -u

pcsc_install() {
  local need=()
  for p in pcscd libpcsclite-dev vsmartcard-vpcd opensc iproute2 util-linux; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
  fi
}

pcsc_start() { # pcsc_start KAZASU_BIN [serve args...]
  local kazasu=$1; shift
  [ -x "$kazasu" ] || { echo "pcsc.sh: no kazasu binary at $kazasu" >&2; return 1; }
  PCSC_PIDS=()
  if pgrep -x -r R,S,D pcscd >/dev/null; then
    echo "pcsc.sh: a pcscd is already running; refusing to start a second one" >&2
    return 1
  fi
  mkdir -p /run/pcscd
  # exec: the PID we get is pcscd's own, inside the new network namespace.
  # pcscd's own messages go to a log (OpenSC's probing makes it print harmless IFDControl errors).
  unshare --net sh -c 'ip link set lo up && exec pcscd --foreground --error' >"${PCSC_LOG:-/tmp/kazasu-pcscd.log}" 2>&1 &
  PCSC_PIDS+=($!)
  local pcscd_pid=$!
  for _ in $(seq 1 100); do
    [ -S /run/pcscd/pcscd.comm ] && break
    sleep 0.1
  done
  nsenter --net="/proc/$pcscd_pid/ns/net" "$kazasu" card serve --vpcd 127.0.0.1:35963 "$@" 2>/dev/null &
  PCSC_PIDS+=($!)
  # Wait until pcscd sees the card in the reader.
  for _ in $(seq 1 100); do
    if "$kazasu" readers 2>/dev/null | grep -q "card present"; then return 0; fi
    sleep 0.1
  done
  echo "pcsc.sh: the software card did not appear in vpcd's reader" >&2
  return 1
}

pcsc_stop() {
  local pid
  for pid in "${PCSC_PIDS[@]:-}"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PCSC_PIDS[@]:-}"; do
    if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  done
  PCSC_PIDS=()
  return 0
}

# Run directly (`bash .ci/pcsc.sh`, as root, from anywhere): builds kazasu and kazasu-portal if needed, brings
# the test bed up, runs the PC/SC tests (tests/tests/pcsc.rs: signing, OpenSC, the portal's signature and its
# log-in with the auth key) against it, and takes it down again by PID. scripts/test-all.sh sources this file
# instead and runs the same tests in its `pcsc` stage.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -eo pipefail
  cd "$(dirname "$0")/.."
  export PATH="$HOME/.cargo/bin:$PATH"
  # shellcheck source=lib/cargo.sh
  source .ci/lib/cargo.sh
  pcsc_install
  ws build --bin kazasu --bin kazasu-portal
  bin="$(ws_target_dir)/debug/kazasu"
  trap pcsc_stop EXIT
  t0=$(date +%s)
  pcsc_start "$bin"
  KAZASU_BIN="$bin" ws test --test pcsc -- --ignored --test-threads=1
  echo "pcsc.sh: the test bed and its tests took $(($(date +%s) - t0)) s"
fi
