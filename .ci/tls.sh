#!/usr/bin/env bash
# The hand-off over real TLS: kazasu-portal behind Debian's nginx as an https reverse proxy on 127.0.0.1, with a
# test CA made here by openssl. Proves that
#   1. `kazasu --virtual sign-request https://localhost:PORT/r/ID`, trusting only the test CA (SSL_CERT_FILE),
#      fetches, signs and submits through the proxy, and the portal records the signature (its status JSON,
#      read with the creating browser's cookie over the same https origin, says "signed");
#   2. the same request through a proxy whose certificate (same CA) names another host is refused before
#      anything is sent: exit 1, the wrong-host message, no request reaches that proxy;
#   3. the right proxy with a trust store holding only another CA is refused: exit 1, the untrusted message.
# Services bind to loopback only and are stopped by PID, also on failure.
cd "$(dirname "$0")/.."
. .ci/lib/services.sh

ci_need nginx "[ -x /usr/sbin/nginx ]"
ci_need openssl "command -v openssl"
ci_need curl "command -v curl"
ci_need python3 "command -v python3"
ci_install
# Debian's package may start its own nginx on port 80 (all addresses) where services start on install: this
# script installed it, so it stops that one; only the loopback instance below is used.
if [[ " ${ci_missing[*]} " == *" nginx "* ]] && [ -s /run/nginx.pid ]; then
  /usr/sbin/nginx -s stop || true
fi

echo "== tls: build"
ws build -q --bin kazasu --bin kazasu-portal
kazasu_bin="$(ws_target_dir)/debug/kazasu"

echo "== tls: a test CA, a server certificate for localhost/127.0.0.1, one for another name, another CA"
ca() { # name
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Kazasu TLS test $1" \
    -keyout "$work/$1.key" -out "$work/$1.pem" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() { # name ca san
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "$work/$1.key" -out "$work/$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$3" >"$work/$1.ext"
  openssl x509 -req -in "$work/$1.csr" -CA "$work/$2.pem" -CAkey "$work/$2.key" -CAcreateserial -days 1 \
    -extfile "$work/$1.ext" -out "$work/$1.pem" 2>/dev/null
}
ca test-ca
ca other-ca
leaf localhost test-ca "DNS:localhost,IP:127.0.0.1"
leaf elsewhere test-ca "DNS:city.example.jp"
mkdir -p "$work/empty-dir"

# Two free loopback ports for the proxies (the good one is the public origin); the portal picks its own.
ports=$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
read -r port_good port_wrong <<<"$ports"
origin="https://localhost:$port_good"

ci_start_portal --public-origin "$origin" --client-ip-header X-Real-IP
echo "== tls: portal on $portal_addr (public origin $origin), nginx on :$port_good and :$port_wrong"

server() { # port cert
  cat <<EOF
  server {
    listen 127.0.0.1:$1 ssl;
    server_name localhost;
    ssl_certificate $work/$2.pem;
    ssl_certificate_key $work/$2.key;
    access_log $work/access-$1.log;
    location / {
      proxy_pass http://$portal_addr;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-Proto https;
    }
  }
EOF
}
mkdir -p "$work/nginx-tmp"
cat >"$work/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 64; }
http {
  client_body_temp_path $work/nginx-tmp/body;
  proxy_temp_path $work/nginx-tmp/proxy;
  fastcgi_temp_path $work/nginx-tmp/fastcgi;
  uwsgi_temp_path $work/nginx-tmp/uwsgi;
  scgi_temp_path $work/nginx-tmp/scgi;
  ssl_protocols TLSv1.2 TLSv1.3;
$(server "$port_good" localhost)
$(server "$port_wrong" elsewhere)
}
EOF
/usr/sbin/nginx -e "$work/nginx-error.log" -c "$work/nginx.conf" &
nginx_pid=$!
ci_pids+=("$nginx_pid")

for _ in $(seq 1 100); do
  curl -fsS --cacert "$work/test-ca.pem" "$origin/" -o /dev/null 2>/dev/null && break
  kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited"
  sleep 0.1
done
curl -fsS --cacert "$work/test-ca.pem" "$origin/" -o /dev/null || fail "the portal is not reachable through nginx"

create() { # cookie-jar -> Created JSON
  curl -fsS --cacert "$work/test-ca.pem" -c "$1" -H 'Content-Type: application/json' \
    -d '{"scope":"self","copies":"1","honseki":"omit","purpose":"TLS test","phone":"0596-00-0000"}' \
    "$origin/api/applications"
}
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

kazasu() { # trust-file args... ; the PIN on stdin, the virtual card's state in the work folder
  local trust=$1
  shift
  printf 'ABC123\n' | env -u LANG -u LC_ALL -u LC_MESSAGES XDG_STATE_HOME="$work/state" \
    SSL_CERT_FILE="$trust" SSL_CERT_DIR="$work/empty-dir" "$kazasu_bin" "$@"
}

echo "== tls: sign-request through nginx, trusting the test CA"
created=$(create "$work/jar1")
request_url=$(field request_url <<<"$created")
view=$(field view_id <<<"$created")
case "$request_url" in "$origin/r/"*) ;; *) fail "request URL $request_url is not on $origin" ;; esac
set +e
kazasu "$work/test-ca.pem" --virtual sign-request "$request_url" --pin-stdin >"$work/ok.out" 2>"$work/ok.err"
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$work/ok.out" "$work/ok.err" >&2; fail "sign-request exited $rc"; }
grep -q "$origin" "$work/ok.out" || { cat "$work/ok.out" >&2; fail "the receipt does not name $origin"; }
status=$(curl -fsS --cacert "$work/test-ca.pem" -b "$work/jar1" "$origin/a/$view/status")
[ "$(field state <<<"$status")" = signed ] || fail "the portal did not record the signature: $status"
echo "signed through TLS; portal status: signed"

# refused NAME TRUST-FILE URL PROXY-PORT EN-WORDS JA-WORDS: sign-request exits 1 before asking the password,
# says why in English and Japanese and that nothing was signed, and no HTTP request reaches that proxy.
refused() {
  local name=$1 trust=$2 url=$3 port=$4 en=$5 ja=$6 rc lang
  local log="$work/access-$port.log" before
  before=$(wc -l <"$log" 2>/dev/null || echo 0)
  for lang in en ja; do
    set +e
    kazasu "$trust" --lang "$lang" --virtual sign-request "$url" --pin-stdin >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
    set -e
    cat "$work/$name.err"
    [ "$rc" = 1 ] || fail "$name ($lang): exit $rc, expected 1"
    if [ "$lang" = en ]; then
      grep -q "$en" "$work/$name.err" || fail "$name: no '$en'"
      grep -q "Nothing was signed" "$work/$name.err" || fail "$name: does not say nothing was signed"
      grep -qi "password" "$work/$name.err" && fail "$name: the password was asked"
    else
      grep -q "$ja" "$work/$name.err" || fail "$name: no '$ja'"
      grep -q "何も署名していません" "$work/$name.err" || fail "$name: does not say nothing was signed (ja)"
      grep -q "パスワード" "$work/$name.err" && fail "$name: the password was asked (ja)"
    fi
  done
  [ "$(wc -l <"$log" 2>/dev/null || echo 0)" = "$before" ] || fail "$name: a request reached the proxy"
}

echo "== tls: a certificate for another host name is refused before anything is sent"
created=$(create "$work/jar2")
request_url=$(field request_url <<<"$created")
view=$(field view_id <<<"$created")
refused wrong-host "$work/test-ca.pem" "https://localhost:$port_wrong/r/$(field request_id <<<"$created")" \
  "$port_wrong" "was issued for another name" "別の名前のサイトのもの"

echo "== tls: a certificate from an authority the client does not trust is refused"
refused untrusted "$work/other-ca.pem" "$request_url" "$port_good" "is not from a trusted authority" \
  "信頼できる認証局のものではありません"
status=$(curl -fsS --cacert "$work/test-ca.pem" -b "$work/jar2" "$origin/a/$view/status")
[ "$(field state <<<"$status")" = pending ] || fail "refused requests changed the application: $status"

ci_passed
