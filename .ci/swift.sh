#!/usr/bin/env bash
# Issue 4: the Swift package (ios/) built and tested on Linux through the real uniffi bindings.
# Self-contained: installs debootstrap if missing, exits non-zero on any failure, leaves nothing mounted.
# Runs as root (debootstrap, chroot, mounts). Times: ~4 min on a fresh machine (chroot ~2.5 min, 2.7 GB; under
# scripts/test-all.sh the chroot is made in the background during the build, .ci/provision.sh),
# ~20 s when the chroot and the Swift build directory are reused and nothing changed.
#  0. Localizable.strings and L10n.swift (the key enum, notice → words) are what kazasu-words produces from the
#     catalog l10n/app.toml, every key the Swift code names is in them, and none it never names;
#  1. the host cdylib of kazasu-ffi with feature `testing` (exports the software card): the workspace's build;
#  2. the Swift bindings (kazasu_ffi.swift + C header + modulemap) generated from it in library mode by the
#     in-repo uniffi-bindgen into ios/Sources (git-ignored, rewritten every run: they cannot go stale); the
#     package and the app may not use the test-only exports (checked against ffi/src/testing.rs);
#  3. a Debian 13 (trixie) minbase chroot with `swiftlang` (6.0.3), created once and reused
#     ($KAZASU_SWIFT_CHROOT, default /var/cache/kazasu/trixie-swift — outside the repo);
#  4. inside `unshare --mount --propagation private`: /proc, the repo and target/debug (read-only) are mounted
#     into the chroot, `swift build` and `swift test` run there against the .so built on the host (the tests
#     replay tests/scenarios/signing-flow.json, passed as $KAZASU_SCENARIOS), then the iOS
#     app's files are type-checked against SDK stand-ins (ios/ci/). The mount namespace dies with the unshare
#     process, so no mount can outlive the run; a trap unmounts anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

chroot_dir="${KAZASU_SWIFT_CHROOT:-/var/cache/kazasu/trixie-swift}"

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v unshare >/dev/null || need+=(util-linux)
command -v python3 >/dev/null || need+=(python3)
dpkg-query -W -f='${Status}' debian-archive-keyring 2>/dev/null | grep -q "install ok installed" || need+=(debian-archive-keyring)
for p in libssl-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
    echo "swift.sh: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The Debian mirror apt already uses on this machine (the only one reachable in CI).
debian_mirror() {
    local m
    m=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1=="deb"{for(i=2;i<=NF;i++) if ($i ~ /^https?:/) print $i}';
           cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '$1=="URIs:"{for(i=2;i<=NF;i++) print $i}'; } |
         grep -E '/debian/?$' | head -n1)
    echo "${m:-http://deb.debian.org/debian}"
}

# Creates the trixie chroot with swiftlang unless a finished one is there. Built in a temporary directory and
# renamed at the end, so an interrupted run never leaves a half-made chroot that looks ready.
ensure_chroot() {
    if [ -f "$chroot_dir/.kazasu-swift-ready" ]; then
        echo "swift.sh: reusing $chroot_dir"
        return
    fi
    local mirror tmp
    mirror=$(debian_mirror)
    tmp="$chroot_dir.partial"
    echo "swift.sh: creating the trixie chroot in $chroot_dir from $mirror"
    mkdir -p "$(dirname "$chroot_dir")"
    rm -rf "$tmp"
    debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        trixie "$tmp" "$mirror" >"$tmp.log" 2>&1 || { tail -n 30 "$tmp.log"; return 1; }
    cp /etc/resolv.conf "$tmp/etc/resolv.conf"
    # The chroot has none of this run's folders: TMPDIR set by scripts/test-all.sh would make swift give up
    # (couldNotFindTmpDir); the chroot's own /tmp serves.
    env -u TMPDIR -u XDG_STATE_HOME unshare --mount --propagation private -- bash -euc '
        c=$1
        trap "umount -l \"\$c/proc\" 2>/dev/null || true" EXIT
        mount -t proc proc "$c/proc"
        export DEBIAN_FRONTEND=noninteractive
        chroot "$c" apt-get update -qq
        chroot "$c" apt-get install -y -qq --no-install-recommends swiftlang libc6-dev >/dev/null
        chroot "$c" apt-get clean
        # swift finds its runtime through $ORIGIN, which needs /proc/self/exe: only works with /proc mounted.
        chroot "$c" swift --version
    ' _ "$tmp"
    touch "$tmp/.kazasu-swift-ready"
    rm -rf "$chroot_dir"
    mv "$tmp" "$chroot_dir"
    rm -f "$tmp.log"
}

if [ "${1:-}" = "--chroot-only" ]; then
    ensure_chroot
    exit 0
fi

# shellcheck source=lib/cargo.sh
source .ci/lib/cargo.sh
target_dir=$(ws_target_dir)
lib="$target_dir/debug/libkazasu_ffi.so"

echo "== swift.sh: the phones' words are those of the catalog (l10n/app.toml)"
cargo run -q -p kazasu-words -- --check

echo "== swift.sh: cdylib (feature testing) and the in-repo uniffi-bindgen"
# The workspace's build (.ci/lib/cargo.sh: feature testing included); fresh after scripts/test-all.sh's.
ws build -q --lib --bin uniffi-bindgen

echo "== swift.sh: Swift bindings (library mode)"
ios/scripts/generate-bindings.sh "$lib" "$target_dir/debug/uniffi-bindgen"
# A cdylib's file name carries no feature hash: a workspace build without `testing` may have overwritten it
# while cargo still thinks the `testing` build is fresh (ffi/README.md). Then the bindings lack the test
# exports: rebuild once.
if ! grep -q 'class SoftwareCard' ios/Sources/KazasuFFI/kazasu_ffi.swift; then
    echo "swift.sh: $lib was built without feature testing; rebuilding it"
    touch ffi/src/lib.rs
    ws build -q --lib
    ios/scripts/generate-bindings.sh "$lib" "$target_dir/debug/uniffi-bindgen"
    grep -q 'class SoftwareCard' ios/Sources/KazasuFFI/kazasu_ffi.swift
fi
# The package's own code must build against the app's bindings too, which lack the `testing` exports
# (everything exported from ffi/src/testing.rs): only the tests may use them. Their Swift names, from the source:
test_only=$(python3 - ffi/src/testing.rs <<'PY'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
names = set(re.findall(r"pub struct (\w+)", src))
names |= set(re.findall(r"pub enum (\w+)", src))
for fn in re.findall(r"#\[uniffi::export\]\s*pub fn (\w+)", src):
    head, *rest = fn.split("_")
    names.add(head + "".join(w.capitalize() for w in rest))
print("|".join(sorted(names)))
PY
)
[ -n "$test_only" ] || { echo "swift.sh: found no testing exports in ffi/src/testing.rs" >&2; exit 1; }
if grep -rnwE "$test_only" ios/Sources/Kazasu ios/App; then
    echo "swift.sh: the package or the app uses a testing-only export (above: $test_only); keep those in Tests/" >&2
    exit 1
fi

ensure_chroot

echo "== swift.sh: swift build + swift test in the trixie chroot"
# Inside a private mount namespace: every mount below disappears with it, whatever happens; the trap also
# unmounts explicitly (lazy) so the chroot is clean for the next run.
unshare --mount --propagation private -- bash -euc '
    c=$1 repo=$2 libdir=$3
    mounted=()
    cleanup() { for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done; }
    trap cleanup EXIT
    mount -t proc proc "$c/proc"; mounted+=("$c/proc")
    mkdir -p "$c/kazasu/repo" "$c/kazasu/lib" "$c/kazasu/build"
    mount --bind "$repo" "$c/kazasu/repo"; mounted+=("$c/kazasu/repo")
    mount --bind -o ro "$libdir" "$c/kazasu/lib"; mounted+=("$c/kazasu/lib")
    run() {
        chroot "$c" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
            LD_LIBRARY_PATH=/kazasu/lib "$@"
    }
    flags=(--package-path /kazasu/repo/ios --scratch-path /kazasu/build
           -Xlinker -L/kazasu/lib -Xlinker -rpath -Xlinker /kazasu/lib)
    run swift --version
    run swift build "${flags[@]}" --build-tests
    log=$(mktemp)
    rc=0
    # The scenario table the Rust and Kotlin tests replay too (ios/Tests/KazasuTests/ScenarioTests.swift).
    run env KAZASU_SCENARIOS=/kazasu/repo/tests/scenarios/signing-flow.json \
        swift test "${flags[@]}" --skip-build >"$log" 2>&1 || rc=$?
    cat "$log"
    # A run that found no tests is a failure too.
    executed=$(grep -oE "Executed [0-9]+ tests?" "$log" | tail -n1 | grep -oE "[0-9]+" || echo 0)
    rm -f "$log"
    if [ "$rc" -ne 0 ] || [ "$executed" -eq 0 ]; then
        echo "swift.sh: swift test failed (exit $rc, $executed XCTest tests executed)" >&2
        exit 1
    fi
    # The iOS app target cannot be built without the iOS SDK: type-check its files against SDK stand-ins.
    run bash /kazasu/repo/ios/ci/typecheck-app.sh /kazasu/repo/ios /kazasu/build/debug/Modules
' _ "$chroot_dir" "$repo" "$target_dir/debug"

if grep -qs " $chroot_dir/" /proc/mounts; then
    echo "swift.sh: something is still mounted under $chroot_dir" >&2
    exit 1
fi
echo "== swift.sh: passed"
