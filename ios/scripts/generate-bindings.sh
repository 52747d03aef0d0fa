#!/usr/bin/env bash
# Generates the Swift bindings of kazasu-ffi into the package, from a built library, with the in-repo
# uniffi-bindgen (library mode: the bindgen reads the metadata the uniffi macros embedded in the library).
#
#   ios/scripts/generate-bindings.sh LIBRARY [BINDGEN]
#
# LIBRARY: libkazasu_ffi.so (Linux, tests: built with `--features testing`) or libkazasu_ffi.a / .dylib (macOS,
# app: built without it). BINDGEN defaults to target/debug/uniffi-bindgen (built if missing).
# Writes (all generated, git-ignored, rewritten on every run so they cannot go stale):
#   Sources/KazasuFFI/kazasu_ffi.swift             the Swift API
#   Sources/kazasu_ffiFFI/kazasu_ffiFFI.h          the C declarations it calls
#   Sources/kazasu_ffiFFI/module.modulemap         module `kazasu_ffiFFI`, linking libkazasu_ffi (Linux)
#   generated/kazasu_ffiFFI.modulemap              uniffi's own modulemap (for the xcframework headers)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"
lib="$(realpath "${1:?usage: generate-bindings.sh LIBRARY [BINDGEN]}")"
bindgen="${2:-}"
if [ -z "$bindgen" ]; then
    target_dir=$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    bindgen="$target_dir/debug/uniffi-bindgen"
    [ -x "$bindgen" ] || (cd "$repo" && cargo build -q -p uniffi-bindgen)
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# From the repo: library mode finds the crate (and ffi/uniffi.toml) through cargo metadata.
(cd "$repo" && "$bindgen" generate --no-format --library "$lib" --language swift --out-dir "$out" >/dev/null)
for f in kazasu_ffi.swift kazasu_ffiFFI.h kazasu_ffiFFI.modulemap; do
    [ -s "$out/$f" ] || { echo "generate-bindings: uniffi-bindgen wrote no $f" >&2; exit 1; }
done

# uniffi names C parameters after the Rust ones and does not escape C keywords: a Rust parameter called
# `signed` (or `int`, `default`, …) makes the header unparsable for clang. Parameter names in C prototypes carry
# no ABI meaning and Swift calls these functions positionally, so such a name gets a trailing underscore.
python3 - "$out/kazasu_ffiFFI.h" <<'PY'
import re, sys
path = sys.argv[1]
keywords = ("auto break case char const continue default do double else enum extern float for goto if inline int "
            "long register restrict return short signed sizeof static struct switch typedef union unsigned void "
            "volatile while _Bool _Complex _Imaginary").split()
types = r"(?:RustBuffer|ForeignBytes|RustCallStatus\s*\*\s*_Nonnull|u?int(?:8|16|32|64)_t|float|double|void\s*\*|\w+\s*\*)"
pattern = re.compile(r"(\b" + types + r"\s+)(" + "|".join(keywords) + r")(?=\s*[,)\n])")
text = open(path, encoding="utf-8").read()
fixed, n = pattern.subn(lambda m: m.group(1) + m.group(2) + "_", text)
if n:
    sys.stderr.write(f"generate-bindings: {n} C parameter(s) named after a C keyword renamed in the header\n")
    open(path, "w", encoding="utf-8").write(fixed)
PY
# SwiftPM's system-library module (Linux): the same module name, plus the library to link.
cat >"$out/module.modulemap" <<'MAP'
module kazasu_ffiFFI {
    header "kazasu_ffiFFI.h"
    link "kazasu_ffi"
    export *
}
MAP
# Replace a file only when its content changed, so an unchanged API does not trigger a Swift rebuild.
put() {
    mkdir -p "$(dirname "$2")"
    cmp -s "$1" "$2" || cp "$1" "$2"
}
put "$out/kazasu_ffi.swift" "$here/Sources/KazasuFFI/kazasu_ffi.swift"
put "$out/kazasu_ffiFFI.h" "$here/Sources/kazasu_ffiFFI/kazasu_ffiFFI.h"
put "$out/module.modulemap" "$here/Sources/kazasu_ffiFFI/module.modulemap"
put "$out/kazasu_ffiFFI.modulemap" "$here/generated/kazasu_ffiFFI.modulemap"
echo "generate-bindings: Swift bindings from $(basename "$lib") written to ios/Sources"
