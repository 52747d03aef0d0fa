#!/usr/bin/env bash
# The main job on the built-in software card, on a fresh machine: install what is needed, build, sign a
# sample application with the software card (test PKI, sign PIN ABC123), and verify the result twice
# (kazasu verify against the test sign CA and its CRL, and openssl cms -verify).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -q -p kazasu
kazasu=target/release/kazasu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/application.txt" <<'TXT'
伊勢市 スマート申請（見本）
申請内容: 住民票の写しの交付
通数: 1
TXT
echo "== kazasu --virtual sign"
echo ABC123 | "$kazasu" --virtual sign --pin-stdin "$work/application.txt"
echo "== kazasu verify"
"$kazasu" verify --ca fixtures/test-pki/sign-ca.pem --crl fixtures/test-pki/sign-ca.crl.pem "$work/application.txt"
echo "== openssl cms -verify"
openssl cms -verify -binary -inform DER -in "$work/application.txt.p7s" -content "$work/application.txt" \
  -CAfile fixtures/test-pki/sign-ca.pem -out /dev/null
