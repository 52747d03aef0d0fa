//! `cargo run -p uniffi-bindgen -- generate --library target/debug/libkazasu_ffi.so --language kotlin --out-dir OUT`
//!
//! Kept in the workspace so the generator always matches the uniffi version the FFI crate was built with.
fn main() {
    uniffi::uniffi_bindgen_main()
}
