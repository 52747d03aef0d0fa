# Sourced by scripts/test-all.sh, scripts/demo.sh and the .ci scripts that run cargo (from the repository root):
# one package selection and one feature set for every build and test of the workspace, so that cargo builds
# each dependency once.
#
# Cargo resolves the features of the dependencies over the packages a command selects: `cargo test -p X` after
# `cargo build --workspace` rebuilds every dependency whose features come out differently for X alone (and a
# run of scripts/test-all.sh used to build the same crates under five or six resolutions). So every command
# here selects the whole workspace with the same features and narrows down with target filters (`--test NAME`,
# `--bin NAME`, `--example NAME`), which leave the resolution alone.
#
# The features: the CLI's software card (`--virtual`, `card serve`; the tests, the PC/SC bed and the demo ask
# for it) and the FFI's exported software card (`testing`: the Kotlin and Swift tests load that cdylib). Both
# link the TEST-ONLY keys; scripts/check-layout.sh proves that builds without the features do not.
KAZASU_FEATURES=kazasu/virtual-card,kazasu-ffi/testing
# The same plus libnfc readers in the CLI (.ci/nfc.sh): only kazasu-nfc and the CLI build again for it.
KAZASU_FEATURES_NFC=$KAZASU_FEATURES,kazasu/nfc

# No incremental compilation: these builds start from a clean tree or reuse finished artifacts, where its caches
# (target/debug/incremental, 1.5 GB after one test run) only cost disk and time. Set for every command here alike,
# since cargo rebuilds our crates when it changes.
export CARGO_INCREMENTAL=0

# ws SUBCOMMAND ARGS…: cargo SUBCOMMAND over the whole workspace with the one feature set.
ws() {
  local sub=$1
  shift
  cargo "$sub" --workspace --features "$KAZASU_FEATURES" "$@"
}

# The target directory (CARGO_TARGET_DIR or the workspace's target/).
# (Without python3: the demo runs on a machine that may not have it.)
ws_target_dir() {
  cargo metadata --format-version 1 --no-deps | grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4
}

# Whether scripts/test-all.sh already built the workspace and ran `cargo test --workspace` in this run: the
# suites then skip the Rust tests that run there (each test runs once per run) and the builds it did.
ws_tested() { [ -n "${KAZASU_WORKSPACE_TESTED:-}" ]; }
