//! Signing bytes through the FFI's `SigningFlow`, driven from Rust as a shell drives it: a "foreign" card
//! transport around the software card (feature `testing`), with the failures a shell's NFC code can raise. The
//! PIN rules of the scenario table (`tests/scenarios.rs`) are not repeated here; this file holds what the table
//! cannot say: the signature verifies with the returned certificate for every hash, the identity is read from
//! it, and whatever a shell's link throws or answers is a notice, never a panic.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails
#![cfg(feature = "testing")]

mod common;
use common::Seen;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use kazasu_ffi::testing::{software_card_sign_pin, verify_signature_for_tests, SoftwareCard};
use kazasu_ffi::{
    CallbackFailure, CardTransport, FlowObserver, FlowState, Gender, HashAlgorithm, Notice, PinRule, SignStep,
    SignedDocument, SigningFlow, TransportError,
};

const DOC: &[u8] = "転入届: 山田太郎".as_bytes();

/// What a shell implements, here around the software card: the n-th exchange (`fail_on`, from 1) raises an
/// exception the scaffolding does not know (a Kotlin `IOException`) instead of reaching the card; `caps_throw`
/// makes the capability queries throw. Every command is recorded.
struct Shell {
    card: Arc<SoftwareCard>,
    fail_on: Option<u32>,
    caps_throw: bool,
    calls: AtomicU32,
    commands: Mutex<Vec<Vec<u8>>>,
}

impl Shell {
    fn new(card: &Arc<SoftwareCard>, fail_on: Option<u32>) -> Arc<Shell> {
        Arc::new(Shell {
            card: card.clone(),
            fail_on,
            caps_throw: false,
            calls: AtomicU32::new(0),
            commands: Mutex::default(),
        })
    }
}

impl CardTransport for Shell {
    fn transceive(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.commands.lock().unwrap().push(command.clone());
        if self.fail_on == Some(n) {
            return Err(uniffi::UnexpectedUniFFICallbackError::new("java.io.IOException: Transceive failed").into());
        }
        self.card.transceive(command)
    }
    fn supports_extended_length(&self) -> Result<bool, TransportError> {
        if self.caps_throw {
            return Err(uniffi::UnexpectedUniFFICallbackError::new("SecurityException: Tag is out of date").into());
        }
        Ok(self.card.supports_extended_length())
    }
    fn max_transceive_length(&self) -> Result<u32, TransportError> {
        if self.caps_throw {
            return Err(TransportError::CardLost);
        }
        Ok(0)
    }
}

/// A flow over `data`, accepted, with `pin` typed: waiting for the card.
fn waiting_for_card(data: &[u8], algorithm: HashAlgorithm, pin: &str, seen: Arc<Seen>) -> Arc<SigningFlow> {
    let f = SigningFlow::for_bytes("転入届.txt".into(), data.to_vec(), algorithm, seen, None);
    f.clone().start();
    f.clone().accept();
    f.clone().enter_pin(pin.as_bytes().to_vec());
    f
}

fn right_pin_flow() -> Arc<SigningFlow> {
    waiting_for_card(DOC, HashAlgorithm::Sha256, &software_card_sign_pin(), Arc::default())
}

fn signed(flow: &SigningFlow) -> SignedDocument {
    match flow.state() {
        FlowState::Signed { result } => result,
        other => panic!("not signed: {other:?}"),
    }
}

#[test]
fn one_tap_signs_the_shown_bytes_with_each_hash_and_the_signature_verifies_with_the_returned_certificate() {
    for algorithm in [HashAlgorithm::Sha256, HashAlgorithm::Sha384, HashAlgorithm::Sha512] {
        for card in [SoftwareCard::new(), SoftwareCard::short_only()] {
            let card = Arc::new(card);
            let flow = waiting_for_card(DOC, algorithm, &software_card_sign_pin(), Arc::default());
            assert!(flow.clone().card_present(card.clone().link()));
            let s = signed(&flow);
            assert_eq!(s.algorithm, algorithm);
            assert!(verify_signature_for_tests(s.certificate.clone(), algorithm, DOC.to_vec(), s.signature.clone()));
            // Over exactly the shown bytes, with exactly that hash.
            let mut other = DOC.to_vec();
            other.push(b' ');
            assert!(!verify_signature_for_tests(s.certificate.clone(), algorithm, other, s.signature.clone()));
            let wrong_hash =
                if algorithm == HashAlgorithm::Sha256 { HashAlgorithm::Sha512 } else { HashAlgorithm::Sha256 };
            assert!(!verify_signature_for_tests(s.certificate.clone(), wrong_hash, DOC.to_vec(), s.signature.clone()));
            // The identity comes from the returned certificate.
            assert!(s.identity.name.is_some() && s.identity.address.is_some());
            assert_eq!(s.identity.date_of_birth_iso.as_deref(), Some("1985-04-01"));
            assert_ne!(s.identity.gender_code, Gender::Unknown);
            assert_eq!((card.pin_presentations(), card.signatures(), card.sign_pin_tries()), (1, 1, 5));
        }
    }
}

#[test]
fn a_shell_exception_before_verify_keeps_the_pin_for_the_next_tap_and_after_it_asks_for_the_pin_again() {
    // One tap on an extended link: 1 SELECT AP, 2 SELECT PIN EF, 3 counter, 4 VERIFY, 5 SELECT cert EF,
    // 6 READ BINARY, 7 SELECT key EF, 8 SIGN.
    for fail_on in 1..=8u32 {
        let card = Arc::new(SoftwareCard::new());
        let flow = right_pin_flow();
        assert!(flow.clone().card_present(Shell::new(&card, Some(fail_on))));
        let notice = match flow.state() {
            FlowState::HoldCard { notice: Some(n) } => {
                assert!(fail_on <= 3, "exchange {fail_on}: the password must be gone after VERIFY was sent");
                n
            }
            FlowState::EnterPin { notice: Some(n), .. } => {
                assert!(fail_on >= 4, "exchange {fail_on}: a password not presented is kept");
                flow.clone().enter_pin(software_card_sign_pin().into_bytes());
                n
            }
            other => panic!("exchange {fail_on}: {other:?}"),
        };
        let expected = match fail_on {
            1..=3 => Notice::CardLost,
            4 => Notice::VerifyOutcomeUnknown,
            _ => Notice::CardLostAfterPin,
        };
        assert_eq!(notice, expected, "exchange {fail_on}");
        assert_eq!(card.sign_pin_tries(), 5, "exchange {fail_on}: no try spent");
        assert_eq!(card.signatures(), 0, "exchange {fail_on}");
        assert!(card.pin_presentations() <= 1);
        let presented = card.pin_presentations();
        assert!(flow.clone().card_present(Shell::new(&card, None)));
        signed(&flow);
        assert_eq!(card.pin_presentations(), presented + 1, "exchange {fail_on}: presented once more, after typing");
    }
}

#[test]
fn a_wrong_pin_shows_the_tries_left_and_a_tap_without_typing_again_presents_nothing() {
    let card = Arc::new(SoftwareCard::new());
    let flow = waiting_for_card(DOC, HashAlgorithm::Sha256, "WRONG1", Arc::default());
    assert!(flow.clone().card_present(card.clone().link()));
    assert_eq!(
        flow.state(),
        FlowState::EnterPin { known_tries: Some(4), last_try: false, notice: Some(Notice::WrongPin { remaining: 4 }) }
    );
    // The flow wants the password, and knows the tries: a card now is not used at all.
    let exchanges = card.exchanges();
    assert!(!flow.clone().card_present(card.clone().link()));
    assert_eq!(
        flow.state(),
        FlowState::EnterPin { known_tries: Some(4), last_try: false, notice: Some(Notice::WrongPin { remaining: 4 }) }
    );
    assert_eq!((card.pin_presentations(), card.sign_pin_tries(), card.exchanges()), (1, 4, exchanges));
}

#[test]
fn a_password_outside_the_format_reaches_no_card_and_is_in_no_state() {
    let card = Arc::new(SoftwareCard::new());
    for (bad, rule) in [
        (&b"ABC12"[..], PinRule::Length),
        (b"ABCDEFGHIJ12345678", PinRule::Length),
        (b"ABC 12345", PinRule::Alphabet),
        (b"\xff\xfeAAAAAA", PinRule::Alphabet),
    ] {
        let seen = Arc::new(Seen::default());
        let flow = SigningFlow::for_bytes("転入届.txt".into(), DOC.to_vec(), HashAlgorithm::Sha256, seen.clone(), None);
        flow.clone().start();
        flow.clone().accept();
        flow.clone().enter_pin(bad.to_vec());
        assert_eq!(
            flow.state(),
            FlowState::EnterPin { known_tries: None, last_try: false, notice: Some(Notice::InvalidPin { rule }) }
        );
        // A tap now only reads the counter: nothing is presented.
        assert!(flow.clone().card_present(card.clone().link()));
        assert_eq!(flow.state(), FlowState::EnterPin { known_tries: Some(5), last_try: false, notice: None });
        let shown = format!("{:?} {flow:?}", seen.0.lock().unwrap());
        assert!(!shown.contains("ABC") && !shown.contains("AAAAAA"), "{shown}");
    }
    assert_eq!(card.pin_presentations(), 0);
}

#[test]
fn a_card_without_the_jpki_application_is_named_and_the_pin_is_kept() {
    struct Empty;
    impl CardTransport for Empty {
        fn transceive(&self, _command: Vec<u8>) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x6A, 0x82])
        }
        fn supports_extended_length(&self) -> Result<bool, TransportError> {
            Ok(false)
        }
        fn max_transceive_length(&self) -> Result<u32, TransportError> {
            Ok(261)
        }
    }
    let flow = right_pin_flow();
    assert!(flow.clone().card_present(Arc::new(Empty)));
    assert_eq!(flow.state(), FlowState::HoldCard { notice: Some(Notice::NotJpkiCard) });
    let card = Arc::new(SoftwareCard::new());
    assert!(flow.clone().card_present(card.clone().link()));
    signed(&flow);
    assert_eq!(card.pin_presentations(), 1);
}

#[test]
fn a_response_without_a_status_word_and_throwing_link_queries_are_a_lost_card_not_a_panic() {
    struct Broken;
    impl CardTransport for Broken {
        fn transceive(&self, _command: Vec<u8>) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x90])
        }
        fn supports_extended_length(&self) -> Result<bool, TransportError> {
            Err(uniffi::UnexpectedUniFFICallbackError::new("SecurityException: tag out of date").into())
        }
        fn max_transceive_length(&self) -> Result<u32, TransportError> {
            Err(TransportError::CardLost)
        }
    }
    let flow = right_pin_flow();
    assert!(flow.clone().card_present(Arc::new(Broken)));
    assert_eq!(flow.state(), FlowState::HoldCard { notice: Some(Notice::CardLost) });
}

#[test]
fn a_link_that_cannot_say_what_it_carries_is_used_with_short_apdus_and_signs() {
    let card = Arc::new(SoftwareCard::new());
    let shell = Arc::new(Shell { caps_throw: true, ..Arc::into_inner(Shell::new(&card, None)).unwrap() });
    let flow = right_pin_flow();
    assert!(flow.clone().card_present(shell.clone()));
    signed(&flow);
    let commands = shell.commands.lock().unwrap();
    assert_eq!(commands.len(), 15, "the short-link count");
    assert!(commands.iter().all(|c| c.len() <= 5 + 255 + 1), "only short APDUs were sent");
}

#[test]
fn an_observer_and_a_clock_that_throw_do_not_stop_the_flow() {
    struct Throwing;
    impl FlowObserver for Throwing {
        fn on_state(&self, _: FlowState) -> Result<(), CallbackFailure> {
            Err(uniffi::UnexpectedUniFFICallbackError::new("java.lang.IllegalStateException: UI gone").into())
        }
    }
    impl kazasu_ffi::FlowClock for Throwing {
        fn now(&self) -> Result<i64, CallbackFailure> {
            Err(uniffi::UnexpectedUniFFICallbackError::new("java.lang.IllegalStateException: no clock").into())
        }
    }
    let card = Arc::new(SoftwareCard::new());
    let flow = SigningFlow::for_bytes(
        "転入届.txt".into(),
        DOC.to_vec(),
        HashAlgorithm::Sha256,
        Arc::new(Throwing),
        Some(Arc::new(Throwing)),
    );
    flow.clone().start();
    flow.clone().accept();
    flow.clone().enter_pin(software_card_sign_pin().into_bytes());
    assert!(flow.clone().card_present(card.clone().link()));
    signed(&flow);
    // And every state change is still delivered after a throw.
    let seen = Arc::new(Seen::default());
    let second = waiting_for_card(DOC, HashAlgorithm::Sha256, &software_card_sign_pin(), seen.clone());
    assert!(second.clone().card_present(card.link()));
    let steps: Vec<_> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|s| match s {
            FlowState::Working { step } => Some(*step),
            _ => None,
        })
        .collect();
    let mut distinct = steps.clone();
    distinct.dedup();
    assert_eq!(
        distinct,
        [SignStep::Connecting, SignStep::VerifyingPin, SignStep::ReadingCertificate, SignStep::Signing]
    );
}
