#!/usr/bin/env bash
# Builds kazasu-ffi for iOS (device + simulator) as a static library, generates the Swift bindings from it, and
# assembles ios/kazasu_ffiFFI.xcframework (library + C header + module map) for the Swift package.
#
# Needs macOS with Xcode (xcodebuild, lipo) and rustup. Not run in CI (Linux has no iOS SDK).
#   ios/scripts/build-xcframework.sh            # release build
#   PROFILE=debug ios/scripts/build-xcframework.sh
#
# The app build never has the `testing` feature: no software card, no test keys, and the core without OpenSSL
# (verification happens on the portal). The bindings generated here therefore lack the test-only exports; the
# package's tests run on Linux against a `testing` build instead (.ci/swift.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"
profile="${PROFILE:-release}"
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework: needs macOS with Xcode" >&2; exit 1; }

device=aarch64-apple-ios
sims=(aarch64-apple-ios-sim x86_64-apple-ios)
export IPHONEOS_DEPLOYMENT_TARGET=15.0
rustup target add "$device" "${sims[@]}"

cd "$repo"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
flag=(); [ "$profile" = release ] && flag=(--release)
for t in "$device" "${sims[@]}"; do
    # staticlib through `cargo rustc`: the crate's own crate-type stays cdylib+lib (lean host builds).
    cargo rustc -p kazasu-ffi --lib "${flag[@]}" --target "$t" --crate-type staticlib
done

work="$target_dir/ios-xcframework"
rm -rf "$work" && mkdir -p "$work/sim" "$work/headers"
lipo -create \
    "$target_dir/aarch64-apple-ios-sim/$profile/libkazasu_ffi.a" \
    "$target_dir/x86_64-apple-ios/$profile/libkazasu_ffi.a" \
    -output "$work/sim/libkazasu_ffi.a"

# Bindings from the device library (same metadata in every slice).
"$here/scripts/generate-bindings.sh" "$target_dir/$device/$profile/libkazasu_ffi.a"
cp "$here/Sources/kazasu_ffiFFI/kazasu_ffiFFI.h" "$work/headers/"
# The xcframework's module map must be called module.modulemap.
cp "$here/generated/kazasu_ffiFFI.modulemap" "$work/headers/module.modulemap"

rm -rf "$here/kazasu_ffiFFI.xcframework"
xcodebuild -create-xcframework \
    -library "$target_dir/$device/$profile/libkazasu_ffi.a" -headers "$work/headers" \
    -library "$work/sim/libkazasu_ffi.a" -headers "$work/headers" \
    -output "$here/kazasu_ffiFFI.xcframework"
echo "build-xcframework: ios/kazasu_ffiFFI.xcframework and the Swift bindings are ready ($profile)"
