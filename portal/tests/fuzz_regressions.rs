//! Replays every committed input of the `portal_submit` fuzz target (`fuzz/regressions/portal_submit/` and
//! `fuzz/seeds/portal_submit/`) through the check it runs: the real router, an open request, a pinned clock.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

#[path = "../../fuzz/src/portal_checks.rs"]
mod portal_checks;

#[path = "../../fuzz/src/replay.rs"]
mod replay;

#[test]
fn committed_portal_submit_inputs_hold() {
    assert!(replay::replay(env!("CARGO_MANIFEST_DIR"), "portal_submit", portal_checks::portal_submit) > 0);
}
