#!/usr/bin/env bash
# The app's APK without Gradle: aapt (manifest + resources against the platform), D8 (the app's classes, the
# Kotlin standard library, JNA for Android), zipalign, apksigner with a debug key made for this build.
#
#   android/tools/build-apk.sh [--bindings DIR] [--out FILE.apk] [--rust-release]
#
#  1. With an NDK (ANDROID_NDK_HOME): ../build-rust.sh builds the Rust library for its ABIs (its release
#     profile with --rust-release) and writes the bindings; their libkazasu_ffi.so go to lib/<abi>/. Without one (CI): no Rust library in the APK — it
#     installs, but stops at start-up, where KazasuApplication first calls the core — and the bindings come
#     from --bindings DIR (CI: generated from the host build, .ci/apk.sh) or signing/build/generated/uniffi/kotlin.
#  2. Maven (../apk/pom.xml, local repository $KAZASU_M2_REPO or /root/.m2/repository): aapt-package.sh makes the
#     resource package and R.java; app + signing + bindings compiled against android-all and that R; the Kotlin
#     standard library, JNA's AAR and R8 fetched.
#  3. D8 (--min-api = minSdk, --lib = the platform jar) over the classes, kotlin-stdlib and JNA's classes.jar;
#     classes*.dex and lib/<abi>/ (libjnidispatch.so from JNA's AAR, libkazasu_ffi.so when built) added to the
#     resource package by `aapt add`.
#  4. zipalign -p 4; apksigner sign with a key keytool makes now (RSA 3072, in a temporary folder removed on
#     exit; its password only in the environment of keytool and apksigner, never on a command line), then
#     apksigner verify --verbose.
# Output: android/apk/target/kazasu-debug.apk unless --out. Every build has a new key: installing over an earlier
# build of this script needs `adb uninstall jp.kazasu.app` first.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bindings=""
out=""
rust_profile=()
while (($#)); do
    case "$1" in
    --bindings) bindings=$(realpath "${2:?--bindings DIR}"); shift 2 ;;
    --out) out=$(realpath -m "${2:?--out FILE.apk}"); shift 2 ;;
    --rust-release) rust_profile=(--release); shift ;;
    *) echo "usage: build-apk.sh [--bindings DIR] [--out FILE.apk] [--rust-release]" >&2; exit 2 ;;
    esac
done
build="$here/apk/target"
out=${out:-$build/kazasu-debug.apk}
m2="${KAZASU_M2_REPO:-/root/.m2/repository}"
for tool in java javac mvn keytool aapt zipalign apksigner; do
    command -v "$tool" >/dev/null || { echo "build-apk.sh: $tool missing (see android/README.md)" >&2; exit 1; }
done
t0=$(date +%s)
t_step=$t0
# took WHAT: how long the step since the last one took.
took() { local now; now=$(date +%s); echo "   ($1: $((now - t_step)) s)"; t_step=$now; }

# The ABIs of the APK: build-rust.sh's defaults (JNA's AAR has each of them).
abis=(arm64-v8a armeabi-v7a x86_64)
rust_libs=""
if [ -n "${ANDROID_NDK_HOME:-}" ]; then
    echo "== build-apk.sh: the Rust library for ${abis[*]} (build-rust.sh, NDK at $ANDROID_NDK_HOME)"
    "$here/build-rust.sh" "${rust_profile[@]}" "${abis[@]}"
    took "build-rust.sh"
    rust_libs="$here/signing/src/main/jniLibs"
    # The bindings must be the ones generated from that library (uniffi checks their checksums at load).
    bindings="$here/signing/build/generated/uniffi/kotlin"
else
    echo "== build-apk.sh: no ANDROID_NDK_HOME — the APK is built WITHOUT the Rust library (lib/<abi>/libkazasu_ffi.so):"
    echo "   it installs, but stops at start-up (the first call into the core); build-rust.sh makes the library where"
    echo "   an NDK is present."
    bindings=${bindings:-$here/signing/build/generated/uniffi/kotlin}
fi
[ -s "$bindings/jp/kazasu/ffi/kazasu_ffi.kt" ] ||
    { echo "build-apk.sh: no uniffi bindings in $bindings (build-rust.sh writes them, or pass --bindings)" >&2; exit 1; }

echo "== build-apk.sh: Maven — aapt, the app's classes, kotlin-stdlib, JNA's AAR, R8"
# `clean`: a class of a deleted source must not survive in target/classes into the APK.
mvn -B -q -ntp -Dstyle.color=never -f "$here/apk/pom.xml" -Dmaven.repo.local="$m2" -Dkazasu.bindings.dir="$bindings" \
    clean process-classes
took "Maven"
deps="$build/apk-deps"
platform=$(cat "$build/platform.path")
[ -s "$platform" ] || { echo "build-apk.sh: the platform jar $platform is missing" >&2; exit 1; }
min_sdk=$(sed -nE 's/^[[:space:]]*minSdk[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p' "$here/app/build.gradle.kts" | head -n1)

stage="$build/apk-stage"
rm -rf "$stage" && mkdir -p "$stage/jna" "$stage/dex"
(cd "$stage/jna" && jar xf "$deps/jna.aar")

echo "== build-apk.sh: D8 (min API $min_sdk)"
# D8 takes class files and archives, not folders.
jar cf "$stage/app-classes.jar" -C "$build/classes" .
java -cp "$deps/r8.jar" com.android.tools.r8.D8 --min-api "$min_sdk" --lib "$platform" \
    --output "$stage/dex" "$stage/app-classes.jar" "$deps/kotlin-stdlib.jar" "$stage/jna/classes.jar"
took "D8"

# What goes into the resource package: the dex files and the native libraries, with the paths they have in the APK.
mkdir -p "$stage/apk"
cp "$stage"/dex/classes*.dex "$stage/apk/"
for abi in "${abis[@]}"; do
    mkdir -p "$stage/apk/lib/$abi"
    cp "$stage/jna/jni/$abi/libjnidispatch.so" "$stage/apk/lib/$abi/"
    if [ -n "$rust_libs" ]; then cp "$rust_libs/$abi/libkazasu_ffi.so" "$stage/apk/lib/$abi/"; fi
done
unsigned="$stage/unsigned.apk"
cp "$build/aapt/app.ap_" "$unsigned"
(cd "$stage/apk" && find . -type f | sed 's|^\./||' | sort | xargs aapt add "$unsigned" >/dev/null)

echo "== build-apk.sh: zipalign, a debug key, apksigner"
aligned="$stage/aligned.apk"
zipalign -f -p 4 "$unsigned" "$aligned"
keydir=$(mktemp -d)
trap 'rm -rf "$keydir"' EXIT
# The keystore's password: random, in this script's environment only (keytool's :env and apksigner's env:).
KAZASU_APK_KS_PASS=$(head -c 24 /dev/urandom | base64)
export KAZASU_APK_KS_PASS
keytool -genkeypair -keystore "$keydir/debug.p12" -storetype PKCS12 -storepass:env KAZASU_APK_KS_PASS \
    -alias kazasu-debug -keyalg RSA -keysize 3072 -validity 365 \
    -dname "CN=Kazasu debug build, OU=android/tools/build-apk.sh, O=not a release key"
mkdir -p "$(dirname "$out")"
apksigner sign --ks "$keydir/debug.p12" --ks-key-alias kazasu-debug --ks-pass env:KAZASU_APK_KS_PASS \
    --v4-signing-enabled false \
    --out "$out" "$aligned"
unset KAZASU_APK_KS_PASS
apksigner verify --verbose "$out"
took "aapt add, zipalign, key, signing, verifying"

echo "== build-apk.sh: $out ($(stat -c %s "$out") bytes, $(($(date +%s) - t0)) s)"
jar tf "$out" | grep -E '^(classes[0-9]*\.dex|lib/)' | sort | sed 's/^/   /'
if [ -z "$rust_libs" ]; then
    echo "   (no libkazasu_ffi.so: built without an NDK)"
fi
