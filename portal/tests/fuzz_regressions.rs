//! Replays every committed input of the `portal_submit` fuzz target (`fuzz/regressions/portal_submit/` and
//! `fuzz/seeds/portal_submit/`) through the check it runs: the real router, an open request, a pinned clock.

#[path = "../../fuzz/src/portal_checks.rs"]
mod portal_checks;

use std::path::Path;

#[test]
fn committed_portal_submit_inputs_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for kind in ["regressions", "seeds"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind).join("portal_submit")) else { continue };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            eprintln!("replaying {}", path.display());
            portal_checks::portal_submit(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    assert!(n > 0);
}
