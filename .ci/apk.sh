#!/usr/bin/env bash
# Issue 21: the Android app as an APK, assembled without Gradle, and checked against what it promises.
# Self-contained (installs what it is missing, starts no services), exits non-zero on any failure.
#  1. Kotlin bindings generated from the workspace's host cdylib (as .ci/kotlin.sh makes them; that build has
#     the `testing` feature, so the bindings carry the test-only wrappers too — harmless without the library);
#  2. android/tools/build-apk.sh: aapt, the app's classes, D8, zipalign, apksigner with a key made for the build.
#     No NDK here, so no Rust library in the APK (the script says so; android/README.md, "The APK");
#  3. android/tools/check-apk.py: `aapt dump badging` / `aapt dump xmltree` against build.gradle.kts,
#     app-links.toml and the README's promises, the manifest's classes in the dex, zipalign -c, apksigner verify;
#  4. the check fails when a promise is broken: manifests changed one way each on a copy of android/app, a
#     Gradle file there whose package, versionCode or targetSdk the APK would then disagree with, an unsigned
#     APK and an APK changed after signing.
# Maven's local repository: $KAZASU_M2_REPO or /root/.m2/repository, as for .ci/kotlin.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

# aapt, zipalign, apksigner: Debian's android-sdk-build-tools family; JDK + Maven for the classes and D8.
packages=(openjdk-17-jdk-headless maven python3 aapt zipalign apksigner)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "apk.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# shellcheck source=lib/cargo.sh
source .ci/lib/cargo.sh
target_dir=$(ws_target_dir)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "apk.sh: FAILED: $*" >&2; exit 1; }

echo "== apk.sh: Kotlin bindings from the host cdylib (library mode)"
# The workspace's build (.ci/lib/cargo.sh); fresh after scripts/test-all.sh's and .ci/kotlin.sh's.
ws build -q --lib --bin uniffi-bindgen
# A private copy of the library, so a build of the workspace meanwhile cannot change what the bindings come from.
mkdir -p "$work/lib" && cp "$target_dir/debug/libkazasu_ffi.so" "$work/lib/"
"$target_dir/debug/uniffi-bindgen" generate --no-format --library "$work/lib/libkazasu_ffi.so" --language kotlin \
    --out-dir "$work/bindings"

echo "== apk.sh: the APK (android/tools/build-apk.sh)"
t0=$(date +%s)
android/tools/build-apk.sh --bindings "$work/bindings" --out "$work/kazasu-debug.apk"
echo "apk.sh: built in $(($(date +%s) - t0)) s"

echo "== apk.sh: the APK keeps the manifest's promises, is aligned and verifies"
python3 android/tools/check-apk.py "$work/kazasu-debug.apk"

echo "== apk.sh: the check fails when a promise is broken"
platform=$(cat android/apk/target/platform.path)
# refused FILE EXPR WORDS: FILE (under android/) changed by the Python expression EXPR on s, on a copy of what
# aapt-package.sh reads; the resource package made from it must fail check-apk.py with WORDS in its output.
refused() {
    local file=$1 expr=$2 words=$3 tree="$work/tree" out
    rm -rf "$tree" "$work/pkg"
    mkdir -p "$tree/android/tools" "$tree/android/app/src"
    cp -a android/app/src/main "$tree/android/app/src/"
    cp android/app/build.gradle.kts "$tree/android/app/"
    cp android/tools/aapt-package.sh "$tree/android/tools/"
    python3 - "$tree/android/$file" "$expr" <<'EOF'
import re, sys
path, expr = sys.argv[1], sys.argv[2]
s = open(path, encoding="utf-8").read()
t = eval(expr, {"s": s, "re": re})
assert t != s, f"the change {expr} changed nothing in {path}"
open(path, "w", encoding="utf-8").write(t)
EOF
    bash "$tree/android/tools/aapt-package.sh" "$platform" "$work/pkg" >/dev/null
    if out=$(python3 android/tools/check-apk.py --manifest-only "$work/pkg/app.ap_" 2>&1); then
        fail "the check passed with $file changed by $expr"
    fi
    grep -qF -- "$words" <<<"$out" || fail "the check did not say '$words' for $expr: $out"
    echo "  refused: $file: $expr"
}
m=app/src/main/AndroidManifest.xml
refused $m 's.replace("android:autoVerify=\"true\"", "")' "lacks android:autoVerify=true"
refused $m 's.replace("android:host=\"kazasu.example\"", "android:host=\"evil.example\"")' "no VIEW/DEFAULT/BROWSABLE intent filter for https://kazasu.example/sign"
refused $m 's.replace("<data android:scheme=\"kazasu\"", "<data android:scheme=\"kazasu-other\"")' "the fallback kazasu://sign"
refused $m 's.replace("android:path=\"/login\"", "android:path=\"/other\"")' "no VIEW/DEFAULT/BROWSABLE intent filter for https://kazasu.example/login"
refused $m 's.replace("<data android:scheme=\"kazasu\" android:host=\"login\" />", "")' "the fallback kazasu://login"
refused $m 's.replace("<category android:name=\"android.intent.category.LAUNCHER\" />", "")' "launchable activities []"
refused $m 's.replace("<uses-permission android:name=\"android.permission.CAMERA\" />", "")' "permissions ['android.permission.INTERNET', 'android.permission.NFC']"
refused $m 's.replace("<uses-permission android:name=\"android.permission.INTERNET\" />", "")' "missing from the APK; aapt merges no manifests"
refused $m 's.replace("<uses-permission android:name=\"android.permission.NFC\" />", "<uses-permission android:name=\"android.permission.NFC\" /><uses-permission android:name=\"android.permission.READ_CONTACTS\" />")' "promised exactly"
refused $m 's.replace("android:name=\"android.hardware.nfc\" android:required=\"true\"", "android:name=\"android.hardware.nfc\" android:required=\"false\"")' "android.hardware.nfc is not a required feature"
refused $m 's.replace("<uses-feature android:name=\"android.hardware.camera\" android:required=\"false\" />", "")' "android.hardware.camera is required (implied"
refused $m 's.replace("android:exported=\"false\"", "android:exported=\"true\"", 1)' "exported components"
refused $m 's.replace("android:allowBackup=\"false\"", "android:allowBackup=\"true\"")' "allowBackup"
# The packaging must carry build.gradle.kts's values: a copy whose Gradle file says otherwise makes an APK the
# check (reading the real build.gradle.kts) refuses.
refused app/build.gradle.kts 're.sub(r"targetSdk = \d+", "targetSdk = 27", s)' "targetSdkVersion is '27'"
refused app/build.gradle.kts 're.sub(r"versionCode = \d+", "versionCode = 999", s)' "versionCode is '999'"
refused app/build.gradle.kts 're.sub(r"applicationId = \"[^\"]+\"", "applicationId = \"jp.kazasu.other\"", s)' "package name is 'jp.kazasu.other'"

stage=android/apk/target/apk-stage
if python3 android/tools/check-apk.py "$stage/aligned.apk" >"$work/out" 2>&1; then
    fail "the check passed an unsigned APK"
fi
grep -q "apksigner verify failed" "$work/out" || fail "an unsigned APK was not refused by apksigner: $(cat "$work/out")"
echo "  refused: the APK before signing"
cp "$work/kazasu-debug.apk" "$work/changed.apk"
echo "added after signing" >"$work/extra.txt"
(cd "$work" && aapt add changed.apk extra.txt >/dev/null)
if python3 android/tools/check-apk.py "$work/changed.apk" >"$work/out" 2>&1; then
    fail "the check passed an APK changed after signing"
fi
grep -q "apksigner verify failed" "$work/out" || fail "a changed APK was not refused by apksigner: $(cat "$work/out")"
echo "  refused: the APK with a file added after signing"
echo "== apk.sh: passed"
