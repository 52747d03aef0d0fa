//! Replays the signing flow's scenario table (`tests/scenarios/signing-flow.json`) through the FFI's
//! `SigningFlow` — the object the phones drive — with the software card and the fake relying party. The
//! Kotlin and Swift tests replay the same table through their bindings.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails
#![cfg(feature = "testing")]

mod common;
use common::Seen;

use std::sync::Arc;

use kazasu_ffi::flow::{FlowState, SigningFlow};
use kazasu_ffi::testing::{describe_state, FakeRelyingParty, PostFault, SoftwareCard, TestClock};
use kazasu_ffi::HashAlgorithm;
use serde_json::Value;

const TABLE: &str = include_str!("../../tests/scenarios/signing-flow.json");

fn check_state(name: &str, at: &str, state: FlowState, want: &Value) {
    let got = describe_state(state.clone());
    assert_eq!(Some(got.name.as_str()), want["state"].as_str(), "{name}: {at}: state {state:?}");
    if let Some(n) = want.get("notice") {
        assert_eq!(got.notice.as_deref(), n.as_str(), "{name}: {at}: notice of {state:?}");
    }
    if let Some(k) = want.get("known_tries") {
        assert_eq!(got.known_tries.map(u64::from), k.as_u64(), "{name}: {at}: known tries of {state:?}");
    }
    if let Some(r) = want.get("can_resend") {
        assert_eq!(got.can_resend, r.as_bool(), "{name}: {at}: can_resend of {state:?}");
    }
    if let Some(w) = want.get("way_out") {
        assert_eq!(Some(got.way_out.as_str()), w.as_str(), "{name}: {at}: way out of {state:?}");
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
    card.set_sign_pin_tries(scenario["card"]["tries"].as_u64().unwrap() as u8);
    let rp = Arc::new(FakeRelyingParty::new("https://city.example.jp".into()).unwrap());
    let clock = Arc::new(TestClock::new(rp.now()));
    let seen = Arc::new(Seen::default());
    let flow = match scenario["subject"].as_str() {
        Some("request") => {
            let url = rp.create_request(600).unwrap();
            let link = rp.deep_link(url).unwrap();
            SigningFlow::for_link(link, rp.clone().http(), seen.clone(), Some(clock.clone().clock()))
        }
        _ => SigningFlow::for_bytes(
            "申請書.txt".into(),
            "住民票の写しの交付申請".as_bytes().to_vec(),
            HashAlgorithm::Sha256,
            seen.clone(),
            Some(clock.clone().clock()),
        ),
    };
    flow.clone().start();
    assert!(flow.wait_idle(10_000), "{name}: fetch did not end");
    for (i, step) in scenario["steps"].as_array().unwrap().iter().enumerate() {
        let at = format!("step {i} {step}");
        match step["do"].as_str().unwrap() {
            "accept" => flow.clone().accept(),
            "pin" => flow.clone().enter_pin(step["text"].as_str().unwrap().as_bytes().to_vec()),
            "tap" => {
                let used = flow.clone().card_present(card.clone().link());
                assert_eq!(used, step.get("used").and_then(Value::as_bool).unwrap_or(true), "{name}: {at}: card used");
            }
            "confirm_last_try" => flow.clone().confirm_last_try(),
            "decline_last_try" => flow.clone().decline_last_try(),
            "file" => flow.clone().file(),
            "resend" => flow.clone().resend(),
            "cancel" => flow.clone().cancel(),
            "lose_link_before" => card.lose_link_before(ins(step)),
            "lose_answer_of" => card.lose_answer_of(ins(step)),
            "lose_answer_of_pin" => card.lose_answer_of_pin_presentation(),
            "rp_fail_next_post" => rp.fail_next_post(match step["mode"].as_str().unwrap() {
                "no_answer" => PostFault::NoAnswer,
                "answer_lost" => PostFault::AnswerLost,
                "status_503" => PostFault::Status503,
                other => panic!("{name}: unknown post fault {other}"),
            }),
            "advance_clock" => clock.advance(step["secs"].as_i64().unwrap()),
            "expect" => check_state(name, &at, flow.state(), step),
            other => panic!("{name}: unknown step {other}"),
        }
        assert!(flow.wait_idle(10_000), "{name}: {at}: network work did not end");
    }
    let want = &scenario["expect"];
    check_state(name, "end", flow.state(), want);
    // The observer saw every change, in order, and the last one it saw is the state now.
    assert_eq!(seen.0.lock().unwrap().last(), Some(&flow.state()), "{name}: observer's last state");
    let counts = [
        ("presentations", u64::from(card.pin_presentations())),
        ("signatures", u64::from(card.signatures())),
        ("tries_left", u64::from(card.sign_pin_tries())),
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
    for s in scenarios {
        replay(s);
    }
}
