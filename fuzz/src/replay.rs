//! Replaying committed fuzz inputs under plain `cargo test`: the crates' `tests/fuzz_regressions.rs` include
//! this file (`#[path]`) beside the checks they replay, so one loop serves them all.

use std::path::Path;

/// Runs `check` on every committed input of `target` — the crashes the fuzzers found
/// (`fuzz/regressions/<target>/`), then the seed corpus (`fuzz/seeds/<target>/`), each in name order — and
/// returns how many there were. `crate_dir` is the including crate's `CARGO_MANIFEST_DIR`.
pub fn replay(crate_dir: &str, target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(crate_dir).join("../fuzz");
    let mut n = 0;
    for kind in ["regressions", "seeds"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind).join(target)) else { continue };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            eprintln!("replaying {}", path.display());
            check(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    n
}
