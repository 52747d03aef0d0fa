//! Replays the signing flow's scenario table (`tests/scenarios/signing-flow.json`) through the FFI's
//! `SigningFlow` — the object the phones drive — with the software card and the fake relying party. The
//! Kotlin and Swift tests replay the same table through their bindings.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails
#![cfg(feature = "testing")]

mod common;
use common::Seen;

use std::sync::{Arc, Mutex};

use kazasu_ffi::flow::{CallbackFailure, SigningFlow};
use kazasu_ffi::login::{LoginFlow, LoginObserver, LoginState};
use kazasu_ffi::testing::{
    describe_login_state, describe_state, FakeRelyingParty, PostFault, SoftwareCard, StateSummary, TestClock,
};
use kazasu_ffi::transport::CardTransport;
use kazasu_ffi::HashAlgorithm;
use serde_json::Value;

#[derive(Default)]
struct SeenLogin(Mutex<Vec<LoginState>>);

impl LoginObserver for SeenLogin {
    fn on_state(&self, state: LoginState) -> Result<(), CallbackFailure> {
        self.0.lock().unwrap().push(state);
        Ok(())
    }
}

/// The flow a row drives: a signing (`SigningFlow`) or a log-in (`LoginFlow`), with the same events.
enum Driven {
    Sign(Arc<SigningFlow>, Arc<Seen>),
    Login(Arc<LoginFlow>, Arc<SeenLogin>),
}

impl Driven {
    fn start(&self) {
        match self {
            Driven::Sign(f, _) => f.clone().start(),
            Driven::Login(f, _) => f.start(),
        }
    }
    fn accept(&self) {
        match self {
            Driven::Sign(f, _) => f.clone().accept(),
            Driven::Login(f, _) => f.accept(),
        }
    }
    fn enter_pin(&self, typed: &str) {
        match self {
            Driven::Sign(f, _) => f.clone().enter_pin(typed.as_bytes().to_vec()),
            Driven::Login(f, _) => f.enter_pin(typed.as_bytes().to_vec()),
        }
    }
    fn card_present(&self, link: Arc<dyn CardTransport>) -> bool {
        match self {
            Driven::Sign(f, _) => f.clone().card_present(link),
            Driven::Login(f, _) => f.card_present(link),
        }
    }
    fn confirm_last_try(&self) {
        match self {
            Driven::Sign(f, _) => f.clone().confirm_last_try(),
            Driven::Login(f, _) => f.confirm_last_try(),
        }
    }
    fn decline_last_try(&self) {
        match self {
            Driven::Sign(f, _) => f.clone().decline_last_try(),
            Driven::Login(f, _) => f.decline_last_try(),
        }
    }
    fn file(&self) {
        match self {
            Driven::Sign(f, _) => f.clone().file(),
            Driven::Login(..) => panic!("a log-in has no filing step"),
        }
    }
    fn resend(&self) {
        match self {
            Driven::Sign(f, _) => f.clone().resend(),
            Driven::Login(f, _) => f.resend(),
        }
    }
    fn cancel(&self) {
        match self {
            Driven::Sign(f, _) => f.clone().cancel(),
            Driven::Login(f, _) => f.cancel(),
        }
    }
    fn wait_idle(&self) -> bool {
        match self {
            Driven::Sign(f, _) => f.wait_idle(10_000),
            Driven::Login(f, _) => f.wait_idle(10_000),
        }
    }
    fn summary(&self) -> (StateSummary, String) {
        match self {
            Driven::Sign(f, _) => (describe_state(f.state()), format!("{:?}", f.state())),
            Driven::Login(f, _) => (describe_login_state(f.state()), format!("{:?}", f.state())),
        }
    }
    /// The observer's last state is the state now.
    fn observer_saw_the_last_state(&self) -> bool {
        match self {
            Driven::Sign(f, seen) => seen.0.lock().unwrap().last() == Some(&f.state()),
            Driven::Login(f, seen) => seen.0.lock().unwrap().last() == Some(&f.state()),
        }
    }
}

const TABLE: &str = include_str!("../../tests/scenarios/signing-flow.json");

fn check_state(name: &str, at: &str, (got, state): (StateSummary, String), want: &Value) {
    assert_eq!(Some(got.name.as_str()), want["state"].as_str(), "{name}: {at}: state {state}");
    if let Some(n) = want.get("notice") {
        assert_eq!(got.notice.as_deref(), n.as_str(), "{name}: {at}: notice of {state}");
    }
    if let Some(k) = want.get("known_tries") {
        assert_eq!(got.known_tries.map(u64::from), k.as_u64(), "{name}: {at}: known tries of {state}");
    }
    if let Some(r) = want.get("can_resend") {
        assert_eq!(got.can_resend, r.as_bool(), "{name}: {at}: can_resend of {state}");
    }
    if let Some(w) = want.get("way_out") {
        assert_eq!(Some(got.way_out.as_str()), w.as_str(), "{name}: {at}: way out of {state}");
    }
    if let Some(l) = want.get("last_try") {
        assert_eq!(got.last_try, l.as_bool(), "{name}: {at}: last try of {state}");
    }
    if let Some(d) = want.get("reader_done") {
        assert_eq!(got.reader_done, d.as_bool(), "{name}: {at}: reader done at {state}");
    }
}

fn ins(step: &Value) -> u8 {
    u8::from_str_radix(step["ins"].as_str().expect("ins"), 16).expect("hex ins")
}

fn replay(scenario: &Value) {
    let name = scenario["name"].as_str().unwrap();
    let card = Arc::new(match scenario["card"]["link"].as_str() {
        Some("short") => SoftwareCard::short_only(),
        _ => SoftwareCard::new(),
    });
    let login = scenario["subject"].as_str() == Some("login");
    let tries = scenario["card"]["tries"].as_u64().unwrap() as u8;
    if login {
        card.set_auth_pin_tries(tries);
    } else {
        card.set_sign_pin_tries(tries);
    }
    let rp = Arc::new(FakeRelyingParty::new("https://city.example.jp".into()).unwrap());
    let clock = Arc::new(TestClock::new(rp.now()));
    let seen = Arc::new(Seen::default());
    let flow = match scenario["subject"].as_str() {
        Some("login") => {
            let link = rp.login_link(rp.create_login_challenge(300).unwrap()).unwrap();
            let seen = Arc::new(SeenLogin::default());
            let flow = LoginFlow::for_link(link, rp.clone().http(), seen.clone(), Some(clock.clone().clock()));
            Driven::Login(flow, seen)
        }
        Some("request") => {
            let url = rp.create_request(600).unwrap();
            let link = rp.deep_link(url).unwrap();
            let flow = SigningFlow::for_link(link, rp.clone().http(), seen.clone(), Some(clock.clone().clock()));
            Driven::Sign(flow, seen)
        }
        _ => {
            let flow = SigningFlow::for_bytes(
                "申請書.txt".into(),
                "住民票の写しの交付申請".as_bytes().to_vec(),
                HashAlgorithm::Sha256,
                seen.clone(),
                Some(clock.clone().clock()),
            );
            Driven::Sign(flow, seen)
        }
    };
    flow.start();
    assert!(flow.wait_idle(), "{name}: fetch did not end");
    for (i, step) in scenario["steps"].as_array().unwrap().iter().enumerate() {
        let at = format!("step {i} {step}");
        match step["do"].as_str().unwrap() {
            "accept" => flow.accept(),
            "pin" => flow.enter_pin(step["text"].as_str().unwrap()),
            "tap" => {
                let used = flow.card_present(card.clone().link());
                assert_eq!(used, step.get("used").and_then(Value::as_bool).unwrap_or(true), "{name}: {at}: card used");
            }
            "confirm_last_try" => flow.confirm_last_try(),
            "decline_last_try" => flow.decline_last_try(),
            "file" => flow.file(),
            "resend" => flow.resend(),
            "cancel" => flow.cancel(),
            "lose_link_before" => card.lose_link_before(ins(step)),
            "lose_answer_of" => card.lose_answer_of(ins(step)),
            "lose_answer_of_pin" => card.lose_answer_of_pin_presentation(),
            "rp_fail_next_post" => rp.fail_next_post(match step["mode"].as_str().unwrap() {
                "no_answer" => PostFault::NoAnswer,
                "answer_lost" => PostFault::AnswerLost,
                "status_503" => PostFault::Status503,
                other => panic!("{name}: unknown post fault {other}"),
            }),
            "rp_distrust_auth_ca" => rp.distrust_auth_ca(),
            "advance_clock" => clock.advance(step["secs"].as_i64().unwrap()),
            "expect" => check_state(name, &at, flow.summary(), step),
            other => panic!("{name}: unknown step {other}"),
        }
        assert!(flow.wait_idle(), "{name}: {at}: network work did not end");
    }
    let want = &scenario["expect"];
    check_state(name, "end", flow.summary(), want);
    // The observer saw every change, in order, and the last one it saw is the state now.
    assert!(flow.observer_saw_the_last_state(), "{name}: observer's last state");
    let tries_left = if login { card.auth_pin_tries() } else { card.sign_pin_tries() };
    let counts = [
        ("presentations", u64::from(card.pin_presentations())),
        ("signatures", u64::from(card.signatures())),
        ("tries_left", u64::from(tries_left)),
        ("apdus", u64::from(card.exchanges())),
        ("rp_accepted", u64::from(rp.accepted())),
    ];
    for (key, got) in counts {
        if let Some(w) = want.get(key) {
            assert_eq!(Some(got), w.as_u64(), "{name}: {key}");
        }
    }
}

#[test]
fn every_scenario_of_the_table_holds_through_the_ffi_flow() {
    let table: Value = serde_json::from_str(TABLE).unwrap();
    let scenarios = table["scenarios"].as_array().unwrap();
    assert!(scenarios.len() >= 20);
    assert!(scenarios.iter().filter(|s| s["subject"] == "login").count() >= 7, "the log-in rows are missing");
    for s in scenarios {
        replay(s);
    }
}
