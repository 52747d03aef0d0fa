//! Generates the portal's words for people from the ja/en catalog l10n/messages.toml with kazasu-words, the
//! CLI's generator (one catalog, one checker): a bad catalog fails the build with the reason.

fn main() {
    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../l10n/messages.toml");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("messages.rs");
    if let Err(e) = kazasu_words::rust::write_functions(&catalog, &out) {
        panic!("{e}");
    }
}
