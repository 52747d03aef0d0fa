#!/usr/bin/env bash
# Issue 6: libnfc readers. Builds kazasu-nfc against Debian's libnfc and runs its tests against the
# emulated PN532 (tools/pn532-emu) on a pseudo-terminal: libnfc's own pn532_uart driver and nfc-list open
# it, the whole JPKI sign flow runs through it, and signatures are checked with the openssl tool.
# Self-contained: installs what it needs, starts no services (the emulator runs inside the test
# processes and ends with them). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# libnfc-dev + pkg-config: nfc1-sys links the system libnfc; libclang-dev: its bindgen step;
# libnfc-bin: nfc-list for the libnfc-tool test; openssl: the independent signature check;
# libssl-dev: kazasu-core's openssl crate.
packages=(libnfc-dev libnfc-bin pkg-config libclang-dev clang openssl libssl-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "nfc.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# No libnfc configuration from the environment may leak into the tests.
unset LIBNFC_DEVICE LIBNFC_DEFAULT_DEVICE LIBNFC_AUTO_SCAN LIBNFC_INTRUSIVE_SCAN LIBNFC_LOG_LEVEL

# shellcheck source=lib/cargo.sh
source .ci/lib/cargo.sh
if ws_tested; then
    # The emulator alone and the transport without libnfc (every entry point says NotBuilt): run by
    # scripts/test-all.sh's `cargo test --workspace` already.
    echo "nfc.sh: pn532-emu's tests and kazasu-nfc's without libnfc ran in the workspace tests"
else
    # The emulator alone (frames, pty host, its binary with the software card).
    cargo test -p pn532-emu
    # The transport without libnfc: every entry point says NotBuilt.
    cargo test -p kazasu-nfc
fi
# With libnfc: the workspace's resolution and features plus the CLI's `nfc` (kazasu-nfc/libnfc), so only
# kazasu-nfc, nfc1 and the CLI compile again. The transport through libnfc against the emulator:
nfc=(--workspace --features "$KAZASU_FEATURES_NFC")
cargo test "${nfc[@]}" --test nfc_list --test transport --test sign_flow --test readers

# The kazasu CLI built with libnfc (and the software card), end to end against the emulator binary: readers,
# sign, card lost during VERIFY (exit 7, no try spent), verify with kazasu and with openssl cms.
cargo build -q "${nfc[@]}" --bin kazasu --bin pn532-emu --example bench
target="$(ws_target_dir)"
work="$(mktemp -d)"
emu_pid=""
cleanup() {
    exec 3>&- 2>/dev/null || true
    if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
# Private copies: the other suites use target/debug/kazasu without libnfc, put back right away (cargo keeps
# both builds; it only links the file again).
cp "$target/debug/kazasu" "$work/kazasu"
cp "$target/debug/pn532-emu" "$work/pn532-emu"
cp "$target/debug/examples/bench" "$work/nfc-bench"
ws build -q --bin kazasu
kazasu="$work/kazasu"
emu_bin="$work/pn532-emu"
passed=0
failed=0
check() { # check NAME COMMAND... : run, count
    local name="$1"; shift
    if "$@"; then passed=$((passed + 1)); echo "ok   - $name"; else failed=$((failed + 1)); echo "FAIL - $name"; fi
}
start_emu() { # start_emu ARGS... : emulator on a fresh pty, stdin held open through fd 3
    mkfifo "$work/emu.in"
    "$emu_bin" "$@" <"$work/emu.in" >"$work/emu.out" 2>"$work/emu.err" &
    emu_pid=$!
    exec 3>"$work/emu.in"
    for _ in $(seq 50); do [ -s "$work/emu.out" ] && break; sleep 0.1; done
    pty="$(head -n1 "$work/emu.out")"
}
stop_emu() {
    exec 3>&-
    wait "$emu_pid" || true
    emu_pid=""
    rm -f "$work/emu.in"
}

printf '申請書 (kazasu libnfc CI)\n' >"$work/form.txt"
ca_pem="$work/sign-ca.pem"
openssl x509 -inform DER -in fixtures/test-pki/sign-ca.der -out "$ca_pem"

start_emu --leave-at-ins 20:data --return-after-ms 300
check "readers lists the libnfc device" \
    bash -c "LIBNFC_DEVICE='pn532_uart:$pty' '$kazasu' --lang en readers 2>/dev/null | grep -qx 'libnfc	pn532_uart:$pty.*'"
rc=0
echo ABC123 | "$kazasu" --lang en --nfc "pn532_uart:$pty" sign "$work/form.txt" --pin-stdin >"$work/lost.out" 2>&1 || rc=$?
check "card leaving during VERIFY exits 7 (outcome unknown)" test "$rc" -eq 7
check "no signature was written after the lost card" test ! -e "$work/form.txt.p7s"
sleep 0.6 # the emulator puts the card back after 300 ms
echo ABC123 | "$kazasu" --lang en --nfc "pn532_uart:$pty" sign "$work/form.txt" --pin-stdin >"$work/sign.out" 2>&1 || true
check "the next attempt sees all 5 tries and signs" grep -q "5 tries left" "$work/sign.out"
check "kazasu verify accepts the signature" "$kazasu" --lang en verify --ca fixtures/test-pki/sign-ca.der "$work/form.txt"
check "openssl cms verifies the detached CMS" \
    openssl cms -verify -binary -inform DER -in "$work/form.txt.p7s" -content "$work/form.txt" -CAfile "$ca_pem" -purpose any -out /dev/null
stop_emu
if [ "$failed" -ne 0 ]; then cat "$work"/*.out >&2 || true; fi
echo "nfc-cli: $passed passed, $failed failed"
test "$failed" -eq 0

# Timings (a table; not a pass/fail gate).
"$work/nfc-bench"
