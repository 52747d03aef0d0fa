#!/usr/bin/env bash
# The main job on one machine with the built-in software card (test PKI, signature password ABC123,
# authentication password 1234), on a fresh Debian 12 (installs what it needs via scripts/setup.sh):
#  0. the log-in: the reference relying party (kazasu-portal) starts on 127.0.0.1; the desktop browser (curl
#     with a cookie jar) presses 「マイナンバーカードでログイン」, the log-in page's link is answered with the
#     card's user-authentication certificate (kazasu login: the site, that nothing personal is sent, the relay
#     warning, the 4-digit password, one tap), and the browser takes its session: its account page names the
#     account made from the certificate, and nothing personal;
#  1. the hand-off, in the same browser: an application
#     (住民票の写しの交付申請) is created, its QR code is rendered and decoded (kazasu scan), the request is
#     fetched, shown, signed with the software card and submitted (kazasu sign-request), the portal verifies it
#     against the test sign CA + CRL, and the verified application with name, address and birth date
#     transcribed from the certificate is printed;
#     The first try uses a wrong password on purpose: the card says how many tries are left, nothing is
#     signed, and the software card remembers the count (its state lives in this run's folder);
#  2. a file signed with `kazasu sign` and verified twice (kazasu verify, openssl cms -verify).
# Messages are in Japanese (--lang ja) throughout. Everything started here is stopped by PID, also on failure.
# Time: about 5 minutes on a fresh 2-core machine (apt ~1 min, the build ~4 min), seconds after that. It builds
# only the two programs it runs, in the dev profile (nothing here needs optimised code: the cryptography is
# OpenSSL's), with the same features as scripts/test-all.sh, so the test command reuses what it built.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
echo "== installing what the build needs (Debian packages; about a minute the first time, then nothing)"
bash scripts/setup.sh --demo
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=../.ci/lib/cargo.sh
source .ci/lib/cargo.sh
# The committed test PKI expires (fixtures/README.md): within 30 days of that (or with KAZASU_DEMO_FRESH_PKI=1)
# this run issues its own and builds the software card with it.
pki=$PWD/fixtures/test-pki
if [ -n "${KAZASU_DEMO_FRESH_PKI:-}" ] || ! openssl x509 -checkend $((30 * 86400)) -noout -in "$pki/sign.pem" >/dev/null; then
  pki=$PWD/target/demo-test-pki
  echo "== a fresh test PKI for this run (the committed one expires soon)"
  bash fixtures/generate.sh "$pki" >/dev/null
  export KAZASU_TEST_PKI=$pki
fi
echo "== building kazasu and kazasu-portal (dev profile; about 4 minutes on 2 cores the first time, then seconds)"
ws build --bin kazasu --bin kazasu-portal
target=$(ws_target_dir)
kazasu=$target/debug/kazasu
portal=$target/debug/kazasu-portal
echo "(ready after $(($(date +%s) - t0)) s; the demo itself takes a few seconds)"
work=$(mktemp -d -t kazasu-demo-XXXXXX)
# The software card's state (tries left) for this demo only; the person's own stays untouched.
export XDG_STATE_HOME="$work/state"
portal_pid=""
cleanup() {
  if [ -n "$portal_pid" ]; then
    kill "$portal_pid" 2>/dev/null || true
    wait "$portal_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== the reference relying party on loopback"
# The city staff's token for the back office (the only place with the full transcription).
openssl rand -hex 32 >"$work/office-token"
"$portal" --listen 127.0.0.1:0 --db "$work/portal.sqlite3" --rp-name "伊勢市（見本）" \
  --ca "$pki/sign-ca.pem" --auth-ca "$pki/auth-ca.pem" --crl "$pki/sign-ca.crl.pem" --crl "$pki/auth-ca.crl.pem" \
  --office-token-file "$work/office-token" \
  --addr-file "$work/addr" >"$work/portal.log" 2>&1 &
portal_pid=$!
for _ in $(seq 1 200); do
  [ -s "$work/addr" ] && break
  kill -0 "$portal_pid" 2>/dev/null || { cat "$work/portal.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/addr" ] || { echo "demo: the portal did not start" >&2; exit 1; }
base="http://$(cat "$work/addr")"
echo "portal: $base (pid $portal_pid)"

echo "== 0. log-in: the desktop page's 「マイナンバーカードでログイン」 (the browser here: curl with a cookie jar)"
curl -fsS -c "$work/cookies" -o /dev/null "$base/"
# The form token is the form cookie's value (a field of curl's Netscape cookie jar).
form_token=$(sed 's/^#HttpOnly_//' "$work/cookies" | awk -F '\t' '$6 == "kazasu-form" { print $7 }')
# As a desktop Chrome on Linux, which the page and the app then name as where the log-in was started.
browser="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
login_page=$(curl -fsS -A "$browser" -b "$work/cookies" -c "$work/cookies" -o /dev/null -w '%{redirect_url}' \
  -d "form_token=$form_token" "$base/login")
login_id=${login_page#"$base/login/"}
login_id=${login_id%/wait}
echo "log-in page: $login_page"
login_link=$(curl -fsS -b "$work/cookies" "$login_page" | tr '>' '\n' | sed -n 's/.*id="same-device" href="\([^"]*\)".*/\1/p' |
  sed 's/&#x3d;/=/g; s/&#61;/=/g; s/&amp;/\&/g')
echo "same-device link: $login_link"
echo "== the phone (here: kazasu --virtual login): the site, nothing personal, the relay warning, the password (1234), one tap"
echo 1234 | "$kazasu" --lang ja --virtual login "$login_link" --pin-stdin
echo "== the browser that started the log-in takes it; its account page"
curl -fsS -b "$work/cookies" "$base/login/$login_id/status" | grep -q '"verified"'
curl -fsS -b "$work/cookies" -c "$work/cookies" -X POST -o /dev/null "$base/login/$login_id/redeem"
curl -fsS -b "$work/cookies" "$base/account" >"$work/account.html"
grep -o 'アカウント: [A-Za-z0-9_-]*' "$work/account.html"
if grep -q 'かざす' "$work/account.html"; then echo "demo: the account page shows a name" >&2; exit 1; fi

echo "== 1. hand-off: the applicant fills 住民票の写しの交付申請 on the desktop page"
curl -fsS -c "$work/cookies" -H 'Content-Type: application/json' -X POST "$base/api/applications" \
  -d '{"scope":"self","copies":"1","honseki":"omit","purpose":"年金の手続き","phone":"0596-23-1111"}' >"$work/created.json"
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$work/created.json"; }
view=$(field view_id)
request_url=$(field request_url)
echo "desktop page: $base/a/$view"
echo "same-device link: $(field deep_link)"

echo "== the page's QR code, rendered and decoded (kazasu scan)"
curl -fsS -b "$work/cookies" -o "$work/qr.png" "$base/a/$view/qr.png"
scanned=$("$kazasu" --lang ja scan "$work/qr.png")
echo "QR code → $scanned"
[ "$scanned" = "$request_url" ] || { echo "demo: the QR code does not carry the request URL" >&2; exit 1; }

echo "== the phone (here: kazasu --virtual): fetch, show — and a wrong signature password (on purpose)"
rc=0
echo WRONG9 | "$kazasu" --lang ja --virtual sign-request "$scanned" --pin-stdin || rc=$?
[ "$rc" -eq 3 ] || { echo "demo: a wrong password should end with exit code 3, got $rc" >&2; exit 1; }
echo "(exit code $rc: wrong password, one try used, nothing signed or sent)"

echo "== again with the right password: the card still counts the wrong try (4 left); sign, submit"
echo ABC123 | "$kazasu" --lang ja --virtual sign-request "$scanned" --pin-stdin

echo "== the desktop page's view: signed and verified, the name masked, no address or birth date"
curl -fsS -b "$work/cookies" "$base/a/$view/application.txt"
echo "== the verified application, as the city's staff see it (identity transcribed from the certificate)"
printf 'Authorization: Bearer %s\n' "$(cat "$work/office-token")" >"$work/office-auth"  # header from a file: not in argv
curl -fsS -H @"$work/office-auth" "$base/office/applications/$(field request_id)/application.txt" | tee "$work/application.txt"
grep -q "署名検証済み" "$work/application.txt"
grep -q "氏名: かざす　花子" "$work/application.txt"

kill "$portal_pid"
wait "$portal_pid" 2>/dev/null || true
portal_pid=""

echo "== 2. a file: kazasu --virtual sign, kazasu verify, openssl cms -verify"
cat > "$work/application.txt" <<'TXT'
伊勢市 スマート申請（見本）
申請内容: 住民票の写しの交付
通数: 1
TXT
echo "-- kazasu sign: the signer, as the card's signature certificate states it"
echo ABC123 | "$kazasu" --lang ja --virtual sign --pin-stdin "$work/application.txt"
echo "-- kazasu verify: the same signer, checked against the test sign CA and its CRL"
"$kazasu" --lang ja verify --ca "$pki/sign-ca.pem" --crl "$pki/sign-ca.crl.pem" "$work/application.txt"
echo "-- openssl cms -verify: the detached CMS, independently"
openssl cms -verify -binary -inform DER -in "$work/application.txt.p7s" -content "$work/application.txt" \
  -CAfile "$pki/sign-ca.pem" -out /dev/null
echo "== demo done in $(($(date +%s) - t0)) s"
