//! The checks behind the fuzz targets in `fuzz_targets/`. Each module is also compiled (with `#[path]`) into
//! the regression tests of the crate it checks, so a committed crash input replays under plain `cargo test`.

pub mod core_checks;
pub mod portal_checks;
pub mod qr_checks;
