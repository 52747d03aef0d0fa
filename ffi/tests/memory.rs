//! The app's memory of filed requests outlives the app: `remember_signed_requests_in` names its file, every
//! filed request is written there, and a later start (here: naming a copy of the file, as a restarted process
//! reads it) refuses the same request before the password. Its own test binary: the memory is process-wide.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails
#![cfg(feature = "testing")]

mod common;
use common::Seen;

use std::sync::Arc;

use kazasu_ffi::testing::{software_card_sign_pin, FakeRelyingParty, SoftwareCard, TestClock};
use kazasu_ffi::{remember_signed_requests_in, FlowState, Notice, SigningFlow};

#[test]
fn a_filed_request_is_refused_after_a_restart_of_the_app() {
    let dir = std::env::temp_dir().join(format!("kazasu-ffi-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("signed-requests");
    remember_signed_requests_in(file.display().to_string());

    let rp = Arc::new(FakeRelyingParty::new("https://city.example.jp".into()).unwrap());
    let clock = Arc::new(TestClock::new(rp.now()));
    let url = rp.create_request(600).unwrap();
    let open = |url: &str| {
        let f = SigningFlow::for_link(
            url.into(),
            rp.clone().http(),
            Arc::new(Seen::default()),
            Some(clock.clone().clock()),
        );
        f.clone().start();
        assert!(f.wait_idle(10_000));
        f
    };
    let flow = open(&url);
    flow.clone().accept();
    flow.clone().enter_pin(software_card_sign_pin().into_bytes());
    assert!(flow.clone().card_present(Arc::new(SoftwareCard::new()).link()));
    let before_filing = std::fs::read_to_string(&file).unwrap_or_default();
    let filed_nonce = nonce_of(&flow).expect("the request under review");
    flow.clone().file();
    assert!(flow.wait_idle(10_000));
    assert!(matches!(flow.state(), FlowState::Done { .. }), "{:?}", flow.state());
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!((before_filing.lines().count(), after.lines().count()), (0, 1), "written when filed, not before");

    assert_eq!(after.trim_end(), filed_nonce, "the filed request's nonce");

    // A request this process never signed, but an earlier run of the app filed (its nonce is in the file the
    // restarted app names): refused at accept, before the password, the card untouched.
    let other = open(&rp.create_request(600).unwrap());
    let nonce = nonce_of(&other).unwrap();
    let earlier_run = dir.join("from-an-earlier-run");
    std::fs::write(&earlier_run, format!("{nonce}\n")).unwrap();
    remember_signed_requests_in(earlier_run.display().to_string());
    other.clone().accept();
    assert_eq!(other.state(), FlowState::Failed { notice: Notice::AlreadySigned });
    // What this process remembered is kept in the newly named file as well.
    assert_eq!(std::fs::read_to_string(&earlier_run).unwrap(), format!("{nonce}\n{filed_nonce}\n"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The nonce line of the request a flow shows or showed.
fn nonce_of(flow: &SigningFlow) -> Option<String> {
    let text = match flow.state() {
        FlowState::ReviewRequest { request, .. } | FlowState::ConfirmFiling { request, .. } => request.signed_text,
        _ => return None,
    };
    text.lines().find_map(|l| l.strip_prefix("nonce\t")).map(str::to_string)
}
