//! Replays every committed fuzz input of the QR targets (`fuzz/regressions/<target>/` and the seed corpora in
//! `fuzz/seeds/<target>/`) through the checks the fuzz targets run — with no `catch_unwind` around our code.

#[path = "../../fuzz/src/qr_checks.rs"]
mod qr_checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
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

#[test]
fn committed_qr_frame_inputs_hold() {
    assert!(replay("qr_frame", qr_checks::qr_frame) > 0);
}

#[test]
fn committed_qr_grid_inputs_hold() {
    assert!(replay("qr_grid", qr_checks::qr_grid) > 0);
}

#[test]
fn committed_qr_segments_inputs_hold() {
    assert!(replay("qr_segments", qr_checks::qr_segments) > 0);
}
