//! Where the software card's test PKI comes from: `fixtures/test-pki` (the committed set), or the directory
//! named by `KAZASU_TEST_PKI` at build time — the demo issues a fresh PKI there when the committed one nears
//! its expiry (fixtures/README.md). Tests never set it: they pin their clock inside the committed set's validity.

fn main() {
    println!("cargo:rerun-if-env-changed=KAZASU_TEST_PKI");
    // The default is relative to src/lib.rs (where `include_bytes!` resolves it), so a build output never
    // names the checkout's absolute path: a moved checkout or another worktree sharing target/ still builds.
    let dir = match std::env::var("KAZASU_TEST_PKI") {
        Ok(dir) if !dir.is_empty() => dir,
        _ => "../../fixtures/test-pki".to_string(),
    };
    println!("cargo:rustc-env=KAZASU_TEST_PKI_DIR={dir}");
}
