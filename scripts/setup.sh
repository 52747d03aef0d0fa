#!/usr/bin/env bash
# Installs what Kazasu's build and tests need on Debian 12 (as root; idempotent) and checks the Rust toolchain.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(
  build-essential pkg-config libssl-dev openssl        # core (OpenSSL verification, software card)
  pcscd libpcsclite-dev vsmartcard-vpcd opensc         # PC/SC readers, the virtual reader, OpenSC interop
  libnfc-dev libnfc-bin clang libclang-dev             # libnfc readers (nfc1's bindgen needs libclang)
  iproute2 util-linux procps ca-certificates curl      # network namespace for pcscd, process control
)
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
