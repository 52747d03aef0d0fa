//! Generates the CLI's message functions from the ja/en catalog l10n/messages.toml with kazasu-words (the one
//! checker and generator of every platform's words). A bad catalog fails the build with the reason.

fn main() {
    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../l10n/messages.toml");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("messages.rs");
    if let Err(e) = kazasu_words::rust::write_functions(&catalog, &out) {
        panic!("{e}");
    }
}
