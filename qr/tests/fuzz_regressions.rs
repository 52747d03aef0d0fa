//! Replays every committed fuzz input of the QR targets (`fuzz/regressions/<target>/` and the seed corpora in
//! `fuzz/seeds/<target>/`) through the checks the fuzz targets run — with no `catch_unwind` around our code.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

#[path = "../../fuzz/src/qr_checks.rs"]
mod qr_checks;

#[path = "../../fuzz/src/replay.rs"]
mod replay;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    replay::replay(env!("CARGO_MANIFEST_DIR"), target, check)
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
