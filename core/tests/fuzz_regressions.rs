//! Replays every committed fuzz input — the crashes the fuzzers found (`fuzz/regressions/<target>/`) and the
//! seed corpora (`fuzz/seeds/<target>/`) — through the very checks the fuzz targets run, under plain
//! `cargo test`. See fuzz/README.md.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

#[path = "../../fuzz/src/core_checks.rs"]
mod core_checks;

#[path = "../../fuzz/src/replay.rs"]
mod replay;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    replay::replay(env!("CARGO_MANIFEST_DIR"), target, check)
}

#[test]
fn committed_document_inputs_hold() {
    assert!(replay("document", core_checks::document) > 0);
}

#[test]
fn committed_request_json_inputs_hold() {
    assert!(replay("request_json", core_checks::request_json) > 0);
}

#[test]
fn committed_submission_json_inputs_hold() {
    assert!(replay("submission_json", core_checks::submission_json) > 0);
}

#[test]
fn committed_link_inputs_hold() {
    assert!(replay("link", core_checks::link) > 0);
}

#[test]
fn committed_certificate_inputs_hold() {
    assert!(replay("certificate", core_checks::certificate) > 0);
}

#[test]
fn committed_rapdu_inputs_hold() {
    assert!(replay("rapdu", core_checks::rapdu) > 0);
}

#[test]
fn committed_session_inputs_hold() {
    assert!(replay("session", core_checks::session) > 0);
}

#[test]
fn committed_softcard_apdu_inputs_hold() {
    assert!(replay("softcard_apdu", core_checks::softcard_apdu) > 0);
}
