#!/usr/bin/env bash
# Builds the Rust library (kazasu-ffi) for Android and writes the Kotlin bindings the Gradle build compiles.
# Needs: the Android NDK (ANDROID_NDK_HOME), cargo-ndk (`cargo install cargo-ndk`), and the Rust targets
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
# Not run in CI (no NDK there); CI builds the host library and the same bindings (.ci/kotlin.sh).
#
# Usage: android/build-rust.sh [--release] [ABI...]      (default ABIs: arm64-v8a armeabi-v7a x86_64)
# Output: signing/src/main/jniLibs/<abi>/libkazasu_ffi.so and signing/build/generated/uniffi/kotlin/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
profile=debug
cargo_profile=()
if [[ "${1:-}" == "--release" ]]; then
    profile=release
    cargo_profile=(--release)
    shift
fi
abis=("$@")
((${#abis[@]})) || abis=(arm64-v8a armeabi-v7a x86_64)

: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the NDK (e.g. \$ANDROID_HOME/ndk/27.2.12479018)}"
command -v cargo-ndk >/dev/null || { echo "cargo-ndk missing: cargo install cargo-ndk" >&2; exit 1; }

cd "$root"
# The app build leaves out the `testing` feature (test keys, software card) and the core's OpenSSL feature
# (kazasu-ffi depends on kazasu-core with default-features = false): no OpenSSL to cross-compile.
# --platform 28 = the app's minSdk.
ndk_args=()
for abi in "${abis[@]}"; do ndk_args+=(-t "$abi"); done
cargo ndk "${ndk_args[@]}" --platform 28 -o "$here/signing/src/main/jniLibs" \
    build -p kazasu-ffi "${cargo_profile[@]}"

# Bindings in library mode from the host build of the same crate and features (the metadata is the same on
# every target; the host build avoids needing a target-specific objdump).
touch ffi/src/lib.rs   # a cdylib carries no feature hash: make sure this is the no-`testing` build
cargo build -p kazasu-ffi "${cargo_profile[@]}"
cargo build -p uniffi-bindgen
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
out="$here/signing/build/generated/uniffi/kotlin"
rm -rf "$out"
"$target_dir/debug/uniffi-bindgen" generate --library "$target_dir/$profile/libkazasu_ffi.so" \
    --language kotlin --out-dir "$out"
echo "jniLibs: $(ls "$here/signing/src/main/jniLibs" | tr '\n' ' ')"
echo "bindings: $out"
