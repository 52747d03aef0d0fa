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

# The emulator alone (frames, pty host, its binary with the software card).
cargo test -p pn532-emu
# The transport without libnfc: every entry point says NotBuilt.
cargo test -p kazasu-nfc
# The transport through libnfc against the emulator.
cargo test -p kazasu-nfc --features libnfc
