#!/usr/bin/env bash
# Installs what Kazasu's build and tests need on Debian 12 (as root; idempotent) and checks the Rust toolchain.
#   bash scripts/setup.sh          the workspace build and the PC/SC and libnfc tests (scripts/test-all.sh)
#   bash scripts/setup.sh --demo   only what scripts/demo.sh builds and runs (kazasu, kazasu-portal)
# The suites' own packages (JDK, Chromium, PostgreSQL, …) are installed by them (.ci/provision.sh: all at once).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(
  build-essential pkg-config libssl-dev openssl        # core (OpenSSL verification, software card)
  libpcsclite-dev ca-certificates curl                 # the CLI's PC/SC readers; the demo's HTTP client
)
if [ "${1:-}" != "--demo" ]; then
  pkgs+=(
    pcscd vsmartcard-vpcd opensc                       # the PC/SC test bed: pcscd, the virtual reader, OpenSC
    libnfc-dev libnfc-bin clang libclang-dev           # libnfc readers (nfc1's bindgen needs libclang)
    iproute2 util-linux procps                         # network namespace for pcscd, process control
    python3-minimal                                    # scripts/check-imports.py (the layout stage)
  )
fi
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "setup.sh: needs root to install: ${missing[*]}" >&2; exit 1; }
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "setup.sh: Rust (rustup) is needed: https://rustup.rs" >&2; exit 1; }
