//! Generates the portal's words for people from the ja/en catalog l10n/messages.toml, with the CLI's generator
//! (one catalog, one checker): a bad catalog fails the build with the reason.

#[path = "../cli/build/catalog.rs"]
mod catalog;

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../l10n/messages.toml");
    println!("cargo::rerun-if-changed={}", path.display());
    println!("cargo::rerun-if-changed=../cli/build/catalog.rs");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let entries = catalog::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("messages.rs");
    std::fs::write(&out, catalog::generate(&entries)).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
