//! `LoginFlow` through the FFI, beyond the scenario table: what the review shows, that a log-in never passes
//! for a signing (or the other way round), and that a challenge this app answered is not answered again.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails
#![cfg(feature = "testing")]

mod common;
use common::Seen;

use std::sync::{Arc, Mutex};

use kazasu_ffi::flow::{CallbackFailure, FlowState, Notice, SigningFlow};
use kazasu_ffi::login::{LoginFlow, LoginObserver, LoginState};
use kazasu_ffi::testing::{software_card_auth_pin, FakeRelyingParty, SoftwareCard, TestClock};
use kazasu_ffi::RequestAge;

#[derive(Default)]
struct SeenLogin(Mutex<Vec<LoginState>>);

impl LoginObserver for SeenLogin {
    fn on_state(&self, state: LoginState) -> Result<(), CallbackFailure> {
        self.0.lock().unwrap().push(state);
        Ok(())
    }
}

fn city() -> Arc<FakeRelyingParty> {
    Arc::new(FakeRelyingParty::new("https://city.example.jp".into()).unwrap())
}

fn login(rp: &Arc<FakeRelyingParty>, link: String) -> (Arc<LoginFlow>, Arc<SeenLogin>) {
    let clock = Arc::new(TestClock::new(rp.now()));
    let seen = Arc::new(SeenLogin::default());
    let flow = LoginFlow::for_link(link, rp.clone().http(), seen.clone(), Some(clock.clock()));
    flow.start();
    assert!(flow.wait_idle(10_000));
    (flow, seen)
}

#[test]
fn the_review_says_which_site_asks_and_when_and_the_end_says_who_logged_the_person_in() {
    let rp = city();
    let link = rp.login_link(rp.create_login_challenge(300).unwrap()).unwrap();
    let (flow, seen) = login(&rp, link);
    let LoginState::ReviewLogin { challenge, context } = flow.state() else { panic!("{:?}", flow.state()) };
    assert_eq!(challenge.origin, "https://city.example.jp");
    assert!(challenge.origin_is_https);
    assert_eq!(challenge.relying_party, "伊勢市（テスト）");
    assert_eq!(challenge.expires_at - challenge.issued_at, 300);
    assert_eq!((context.created_from.as_str(), context.age), ("Windows · Chrome", RequestAge::JustNow));
    flow.accept();
    assert_eq!(flow.state(), LoginState::EnterPin { known_tries: None, last_try: false, notice: None });
    flow.enter_pin(software_card_auth_pin().into_bytes());
    assert!(flow.card_present(Arc::new(SoftwareCard::new()).link()));
    assert!(flow.wait_idle(10_000));
    assert_eq!(
        flow.state(),
        LoginState::LoggedIn {
            origin: "https://city.example.jp".into(), relying_party: "伊勢市（テスト）".into()
        }
    );
    assert_eq!(seen.0.lock().unwrap().last(), Some(&flow.state()));
    assert_eq!(rp.accepted(), 1);
}

#[test]
fn a_log_in_gives_the_session_that_asked_an_account_and_the_same_card_the_same_account() {
    let rp = city();
    let card = Arc::new(SoftwareCard::new());
    let log_in = |url: &str| {
        let (flow, _) = login(&rp, rp.login_link(url.into()).unwrap());
        assert_eq!(rp.session_account(url.into()), None, "no session before the card answered");
        flow.accept();
        flow.enter_pin(software_card_auth_pin().into_bytes());
        assert!(flow.card_present(card.clone().link()));
        assert!(flow.wait_idle(10_000));
        assert!(matches!(flow.state(), LoginState::LoggedIn { .. }), "{:?}", flow.state());
        rp.session_account(url.into()).unwrap()
    };
    let (first, second) = (rp.create_login_challenge(300).unwrap(), rp.create_login_challenge(300).unwrap());
    let account = log_in(&first);
    // Another browser session, the same card: the same account, and nothing personal in its key.
    assert_eq!(log_in(&second), account);
    assert_eq!(account.len(), 43, "a SHA-256 in URL-safe base64: {account}");
    assert_eq!(rp.session_account(rp.create_login_challenge(300).unwrap()), None, "a session that did not log in");
}

#[test]
fn a_signing_password_is_refused_by_the_log_in_as_not_four_digits() {
    let rp = city();
    let (flow, _) = login(&rp, rp.login_link(rp.create_login_challenge(300).unwrap()).unwrap());
    flow.accept();
    flow.enter_pin(b"ABC123".to_vec());
    assert_eq!(
        flow.state(),
        LoginState::EnterPin {
            known_tries: None,
            last_try: false,
            notice: Some(Notice::InvalidPin { rule: kazasu_ffi::PinRule::FourDigits })
        }
    );
}

#[test]
fn a_log_in_link_is_no_signing_and_a_signing_link_no_log_in_and_neither_is_fetched() {
    let rp = city();
    let clock = Arc::new(TestClock::new(rp.now()));
    let login_link = rp.login_link(rp.create_login_challenge(300).unwrap()).unwrap();
    let sign =
        SigningFlow::for_link(login_link, rp.clone().http(), Arc::new(Seen::default()), Some(clock.clone().clock()));
    sign.clone().start();
    assert!(sign.wait_idle(10_000));
    assert_eq!(sign.state(), FlowState::Failed { notice: Notice::InvalidLink });
    let sign_link = rp.deep_link(rp.create_request(600).unwrap()).unwrap();
    let (flow, _) = login(&rp, sign_link);
    assert_eq!(flow.state(), LoginState::Failed { notice: Notice::InvalidLink });
    assert_eq!(rp.gets(), 0, "a link of the wrong kind was fetched");
}

#[test]
fn a_challenge_this_app_answered_is_not_answered_again() {
    let rp = city();
    let link = rp.login_link(rp.create_login_challenge(300).unwrap()).unwrap();
    let (flow, _) = login(&rp, link.clone());
    flow.accept();
    flow.enter_pin(software_card_auth_pin().into_bytes());
    assert!(flow.card_present(Arc::new(SoftwareCard::new()).link()));
    assert!(flow.wait_idle(10_000));
    assert!(matches!(flow.state(), LoginState::LoggedIn { .. }));
    // The same link again (a relayed or replayed QR code): refused after the fetch, before any password.
    let (again, _) = login(&rp, link);
    assert_eq!(again.state(), LoginState::Failed { notice: Notice::AlreadySigned });
    let card = Arc::new(SoftwareCard::new());
    assert!(!again.card_present(card.clone().link()));
    assert_eq!(card.exchanges(), 0);
}
