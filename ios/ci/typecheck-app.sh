#!/usr/bin/env bash
# Runs inside the trixie chroot (from .ci/swift.sh, after `swift build`): type-checks the iOS app's Swift files
# (App/Sources) against the stand-ins in apple-stubs/ for the SDK parts they use and the real Kazasu module.
# Catches wrong use of the package and Swift errors in the app glue; not a substitute for a Mac build
# (see apple-stubs/README.md).
set -euo pipefail
ios=${1:-/kazasu/repo/ios}
modules=${2:-/kazasu/build/debug/Modules}
stubs="$ios/ci/apple-stubs"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
emit() {
    swiftc -parse-as-library -emit-module -module-name "$1" -emit-module-path "$out/$1.swiftmodule" -I "$out" \
        "$stubs/$1.swift"
}
# In dependency order.
for m in UIKit CoreVideo AVFoundation CoreNFC SwiftUI; do emit "$m"; done
files=("$ios"/App/Sources/*.swift)
swiftc -typecheck -parse-as-library -swift-version 5 -warnings-as-errors -I "$out" -I "$modules" \
    -Xcc -fmodule-map-file="$ios/Sources/kazasu_ffiFFI/module.modulemap" "${files[@]}"
echo "typecheck-app: ${#files[@]} app files type-check against the Kazasu module and the SDK stand-ins"
