#!/usr/bin/env bash
# Issue 3: the uniffi bindings from Kotlin, on the JVM. Self-contained (installs what it is missing, starts no
# services), exits non-zero on any failure.
#  0. strings.xml, NoticeWords.kt (and iOS's files) are what kazasu-words produces from the catalog l10n/app.toml,
#     and every key the app's code names is in them;
#  1. the FFI crate's Rust tests with the exported software card (feature `testing`; under scripts/test-all.sh
#     they ran in its workspace tests);
#  2. the host cdylib with `testing` (the workspace's build, .ci/lib/cargo.sh), and the Kotlin bindings
#     generated from it in library mode by the in-repo uniffi-bindgen;
#  3. Maven (android/pom.xml): jvm-tests runs the Kotlin tests through those bindings (JNA loads the cdylib);
#     compile-check compiles every Android source (app + signing + bindings) against android-all (API 34),
#     compile-check-minsdk the same against API 28 (minSdk), so APIs newer than minSdk fail; robolectric runs the
#     app's Activities on Android's framework code (Robolectric 4.17, API 35 and 28) with the real core and the
#     software card, its resources compiled by android/tools/aapt-package.sh (Debian's aapt).
# Maven's local repository: $KAZASU_M2_REPO or /root/.m2/repository (reused between runs; Maven only fetches
# what is missing there).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

# JDK 17 + Maven for the Kotlin build; python3 writes the R stand-in; libssl-dev + pkg-config for the core's
# openssl feature (the software card signs with OpenSSL); aapt compiles the app's resources for Robolectric and
# unzip takes classes.jar out of Robolectric's two androidx.test aars.
packages=(openjdk-17-jdk-headless maven python3 libssl-dev pkg-config aapt unzip)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "kotlin.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# shellcheck source=lib/cargo.sh
source .ci/lib/cargo.sh
target_dir=$(ws_target_dir)
lib_dir="$target_dir/kotlin-lib"
lib="$lib_dir/libkazasu_ffi.so"
bindings="$target_dir/uniffi/kotlin"
m2="${KAZASU_M2_REPO:-/root/.m2/repository}"

echo "== kotlin.sh: the phones' words are those of the catalog (l10n/app.toml)"
cargo run -q -p kazasu-words -- --check

if ws_tested; then
    echo "== kotlin.sh: the FFI crate's Rust tests (feature testing) ran in the workspace tests"
else
    echo "== kotlin.sh: FFI Rust tests (feature testing)"
    cargo test -p kazasu-ffi --features testing
fi

echo "== kotlin.sh: cdylib (feature testing) and Kotlin bindings (library mode)"
# The workspace's build (.ci/lib/cargo.sh: feature testing included); fresh after scripts/test-all.sh's.
ws build -q --lib --bin uniffi-bindgen
generate() {
    # A private copy, so that another build of the workspace overwriting target/debug meanwhile cannot swap
    # the library the tests load (or the one the bindings are generated from).
    rm -rf "$lib_dir" && mkdir -p "$lib_dir" && cp "$target_dir/debug/libkazasu_ffi.so" "$lib"
    rm -rf "$bindings"
    "$target_dir/debug/uniffi-bindgen" generate --no-format --library "$lib" --language kotlin --out-dir "$bindings"
    test -s "$bindings/jp/kazasu/ffi/kazasu_ffi.kt"
}
generate
# A cdylib's file name carries no feature hash: a build of kazasu-ffi without `testing` (e.g. a plain
# `cargo build`) overwrites the same target/debug/libkazasu_ffi.so while cargo still thinks the `testing` build
# is fresh. Then the bindings lack the test exports: touching a source file forces the relink (only this crate
# recompiles).
if ! grep -q 'class SoftwareCard' "$bindings/jp/kazasu/ffi/kazasu_ffi.kt"; then
    echo "kotlin.sh: $target_dir/debug/libkazasu_ffi.so was built without feature testing; rebuilding it"
    touch ffi/src/lib.rs
    ws build -q --lib
    generate
    grep -q 'class SoftwareCard' "$bindings/jp/kazasu/ffi/kazasu_ffi.kt"
fi

echo "== kotlin.sh: Maven — Kotlin tests on the JVM, the Android compile check, the app under Robolectric"
# `clean` so a test or source deleted from the tree cannot survive in target/ from an earlier run.
mvn -B -ntp -f android/pom.xml -Dmaven.repo.local="$m2" \
    -Dkazasu.bindings.dir="$bindings" -Dkazasu.lib.dir="$lib_dir" \
    clean test
echo "== kotlin.sh: passed"
