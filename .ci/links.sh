#!/usr/bin/env bash
# Verified links (Android App Links, iOS Universal Links) from app-links.toml. Proves that
#   1. the config, the generated files (the well-known files, the Rust parser's host) and the apps' own files
#      (AndroidManifest.xml autoVerify filter, build.gradle.kts, Kazasu.entitlements, project.yml) agree on
#      host, paths (signing's and log-in's), package, signing-key fingerprint, team and bundle id (scripts/app-links.py --check);
#   2. that check fails when any one of them is changed alone (each mutation on a copy of the files);
#   3. the link parser unwraps the app link and refuses its look-alikes (kazasu-handoff's link tests);
#   4. the portal serves the two well-known files byte for byte as JSON, shows the app link as the
#      same-device link with the kazasu: link as fallback (both naming the request), and answers the app link
#      itself (opened where no app took it) with the request's origin, a bad one with 400.
# The portal binds to 127.0.0.1 and is stopped by PID, also on failure.
cd "$(dirname "$0")/.."
. .ci/lib/services.sh

ci_need python3-yaml "python3 -c 'import yaml'"
ci_need curl "command -v curl"
ci_install

echo "== links: config, generated files, manifest, gradle, entitlements and project.yml agree"
python3 scripts/app-links.py --check

echo "== links: the check fails when one file alone changes"
files=(app-links.toml portal/well-known/assetlinks.json portal/well-known/apple-app-site-association
  handoff/src/link/app_link_host.rs android/app/src/main/AndroidManifest.xml android/app/build.gradle.kts
  ios/App/Kazasu.entitlements ios/project.yml)
mutate() { # file python-expression-on-s  -> the check on the copy must fail naming the file
  local file=$1 expr=$2 copy="$work/tree"
  rm -rf "$copy"
  for f in "${files[@]}"; do mkdir -p "$copy/$(dirname "$f")" && cp "$f" "$copy/$f"; done
  python3 - "$copy/$file" "$expr" <<'EOF'
import sys
path, expr = sys.argv[1], sys.argv[2]
s = open(path, encoding="utf-8").read()
t = eval(expr, {"s": s})
assert t != s, f"the mutation {expr} changed nothing in {path}"
open(path, "w", encoding="utf-8").write(t)
EOF
  if out=$(python3 scripts/app-links.py --check --root "$copy" 2>&1); then
    fail "the check passed with $file changed by $expr"
  fi
  grep -q "$3" <<<"$out" || fail "the check did not name $3 for $expr: $out"
  echo "  refused: $file ($expr)"
}
mutate android/app/src/main/AndroidManifest.xml 's.replace("android:autoVerify=\"true\"", "")' AndroidManifest.xml
mutate android/app/src/main/AndroidManifest.xml 's.replace("android:host=\"kazasu.example\"", "android:host=\"evil.example\"")' AndroidManifest.xml
mutate android/app/src/main/AndroidManifest.xml 's.replace("android:path=\"/sign\"", "android:pathPrefix=\"/\"")' AndroidManifest.xml
mutate android/app/src/main/AndroidManifest.xml 's.replace("android:path=\"/login\"", "android:path=\"/other\"")' AndroidManifest.xml
mutate android/app/build.gradle.kts 's.replace("applicationId = \"jp.kazasu.app\"", "applicationId = \"jp.kazasu.other\"")' build.gradle.kts
mutate portal/well-known/assetlinks.json 's.replace("4B:41", "4B:42", 1)' assetlinks.json
mutate portal/well-known/apple-app-site-association 's.replace("KZSU000000.", "OTHER00000.")' apple-app-site-association
mutate portal/well-known/apple-app-site-association 's.replace("\"/sign\"", "\"/other\"")' apple-app-site-association
mutate portal/well-known/apple-app-site-association 's.replace("\"/login\"", "\"/other\"")' apple-app-site-association
mutate handoff/src/link/app_link_host.rs 's.replace("\"/login\"", "\"/other\"")' app_link_host.rs
mutate handoff/src/link/app_link_host.rs 's.replace("\"kazasu.example\"", "\"evil.example\"")' app_link_host.rs
mutate ios/project.yml 's.replace("DEVELOPMENT_TEAM: KZSU000000", "DEVELOPMENT_TEAM: OTHER00000")' project.yml
mutate ios/project.yml 's.replace("KAZASU_APPLINKS_DOMAIN: kazasu.example", "KAZASU_APPLINKS_DOMAIN: evil.example")' project.yml
mutate ios/App/Kazasu.entitlements 's.replace("applinks:$(KAZASU_APPLINKS_DOMAIN)", "applinks:evil.example")' Kazasu.entitlements
mutate app-links.toml 's.replace("package = \"jp.kazasu.app\"", "package = \"jp.kazasu.other\"")' assetlinks.json

echo "== links: the parser unwraps the app link and refuses its look-alikes"
if ws_tested; then
  echo "  (kazasu-handoff's link tests ran in the workspace tests)"
else
  cargo test -q -p kazasu-handoff --lib link::
fi

echo "== links: the portal serves the well-known files and shows the app link first"
# The workspace's build (.ci/lib/cargo.sh), as portal.sh and tls.sh use it: nothing is rebuilt between them.
ws build -q --bin kazasu --bin kazasu-portal
ci_start_portal
base="http://$portal_addr"
for f in assetlinks.json apple-app-site-association; do
  type=$(curl -fsS -o "$work/$f" -w '%{content_type} %{http_code}' "$base/.well-known/$f") || fail "GET $f"
  [ "$type" = "application/json 200" ] || fail "$f served as $type"
  cmp -s "$work/$f" "portal/well-known/$f" || fail "$f served differs from portal/well-known/$f"
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/$f" || fail "$f is not JSON"
  echo "  served: /.well-known/$f"
done
curl -fsS -c "$work/jar" -H 'Content-Type: application/json' -o "$work/created.json" \
  -d '{"scope":"self","copies":"1","honseki":"omit","purpose":"links test","phone":"0596-00-0000"}' \
  "$base/api/applications" || fail "creating an application"
view=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["view_id"])' "$work/created.json")
curl -fsS -b "$work/jar" -o "$work/page.html" "$base/a/$view" || fail "GET the application page"
curl -sS -o "$work/no-app.html" -w '%{http_code}' \
  "$base/sign?r=$(python3 -c 'import json,sys,urllib.parse as u; print(u.quote(json.load(open(sys.argv[1]))["request_url"], safe="-._~"))' "$work/created.json")" \
  >"$work/no-app.code"
curl -sS -o /dev/null -w '%{http_code}' "$base/sign?r=https%3A%2F%2Fkazasu.example%2Fsign%3Fr%3Dx" >"$work/bad.code"
# A log-in's app link opened without the app: the site and the kazasu://login link (a GET; POST /login starts one).
login_challenge="$base/login/login_0123456789abcdef"
login_encoded=$(python3 -c 'import sys,urllib.parse as u; print(u.quote(sys.argv[1], safe="-._~"))' "$login_challenge")
curl -fsS -o "$work/no-app-login.html" "$base/login?r=$login_encoded" || fail "GET the log-in's app link page"
grep -q "href=\"kazasu://login?r=$login_encoded\"" "$work/no-app-login.html" || fail "the log-in's app link page lacks its kazasu://login link"
grep -q ">$base<" "$work/no-app-login.html" || fail "the log-in's app link page does not name the site"
python3 - "$work" <<'EOF' || fail "the page's links"
import html, json, pathlib, re, sys, tomllib, urllib.parse
work = pathlib.Path(sys.argv[1])
cfg = tomllib.load(open("app-links.toml", "rb"))
request_url = json.loads((work / "created.json").read_text())["request_url"]
page = (work / "page.html").read_text()
href = lambda id_: html.unescape(re.search(rf'id="{id_}" href="([^"]*)"', page).group(1))
encoded = urllib.parse.quote(request_url, safe="-._~")
want = {"same-device": f"https://{cfg['host']}{cfg['path']}?r={encoded}", "same-device-fallback": f"kazasu://sign?r={encoded}"}
created = json.loads((work / "created.json").read_text())
assert created["app_link"] == want["same-device"], f"the JSON's app_link is {created['app_link']}"
assert created["deep_link"] == want["same-device-fallback"], f"the JSON's deep_link is {created['deep_link']}"
for id_, link in want.items():
    assert href(id_) == link, f"#{id_} is {href(id_)}, expected {link}"
    print(f"  #{id_}: {link[:60]}…")
code = (work / "no-app.code").read_text()
no_app = (work / "no-app.html").read_text()
origin = urllib.parse.urlsplit(request_url)
assert code == "200" and f">{origin.scheme}://{origin.netloc}<" in no_app, f"the no-app page: {code}"
assert html.unescape(re.search(r'id="open-app" href="([^"]*)"', no_app).group(1)) == want["same-device-fallback"]
bad = (work / "bad.code").read_text()
assert bad == "400", f"a link inside the app link answered {bad}"
print("  the app link opened in a browser: the request's origin and the kazasu: link; a nested link: 400")
EOF

ci_passed
