//! The signing flow through the FFI types, driven from Rust against the software card (feature `testing`).
//! The same behaviours are tested from Kotlin through the generated bindings (android/jvm-tests).
#![cfg(feature = "testing")]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use kazasu_ffi::testing::{software_card_sign_pin, SoftwareCard};
use kazasu_ffi::{CardSession, CardTransport, Gender, HashAlgorithm, KazasuError, SignPin, TransportError};

/// A "foreign" transport: what a shell implements, here around the software card, with an optional failure
/// that the shell's code raises as an unexpected exception on the n-th exchange.
struct Shell {
    card: Arc<SoftwareCard>,
    fail_on: Option<u32>,
    calls: AtomicU32,
}

impl CardTransport for Shell {
    fn transceive(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_on == Some(n) {
            // What the scaffolding hands over when a Kotlin/Swift transport throws something undeclared.
            return Err(uniffi::UnexpectedUniFFICallbackError::new("java.io.IOException: Transceive failed").into());
        }
        self.card.transceive(command)
    }
    fn supports_extended_length(&self) -> Result<bool, TransportError> {
        Ok(self.card.supports_extended_length())
    }
    fn max_transceive_length(&self) -> Result<u32, TransportError> {
        Ok(0)
    }
}

fn session(card: &Arc<SoftwareCard>, fail_on: Option<u32>) -> CardSession {
    CardSession::new(Arc::new(Shell { card: card.clone(), fail_on, calls: AtomicU32::new(0) }))
}

fn pin(s: &str) -> Arc<SignPin> {
    Arc::new(SignPin::new(s.as_bytes().to_vec()).unwrap())
}

const DOC: &[u8] = "転入届: 山田太郎".as_bytes();

#[test]
fn a_correct_pin_signs_the_shown_bytes_and_returns_a_verifiable_signature_with_the_identity() {
    for card in [SoftwareCard::new(), SoftwareCard::short_only()] {
        let card = Arc::new(card);
        let s = session(&card, None);
        assert_eq!(s.remaining_sign_pin_tries().unwrap(), 5);
        let signed = s.sign(pin(&software_card_sign_pin()), false, HashAlgorithm::Sha256, DOC.to_vec(), None).unwrap();
        kazasu_core::verify::verify_signature(&signed.certificate, kazasu_core::HashAlgorithm::Sha256, DOC, &signed.signature)
            .expect("the signature verifies against the returned certificate");
        assert!(signed.identity.name.is_some() && signed.identity.address.is_some());
        assert_ne!(signed.identity.gender_code, Gender::Unknown);
        assert_eq!(card.pin_presentations(), 1);
        assert_eq!(card.sign_pin_tries(), 5);
    }
}

#[test]
fn a_wrong_pin_reports_the_tries_left_and_the_same_pin_object_is_never_presented_again() {
    let card = Arc::new(SoftwareCard::new());
    let s = session(&card, None);
    let wrong = pin("WRONG1");
    match s.sign(wrong.clone(), false, HashAlgorithm::Sha256, DOC.to_vec(), None) {
        Err(KazasuError::WrongPin { remaining: 4 }) => {}
        other => panic!("{other:?}"),
    }
    assert!(wrong.is_used());
    assert!(matches!(s.sign(wrong, false, HashAlgorithm::Sha256, DOC.to_vec(), None), Err(KazasuError::PinAlreadyUsed)));
    assert_eq!(card.pin_presentations(), 1);
    assert_eq!(card.sign_pin_tries(), 4);
}

#[test]
fn the_last_try_is_used_only_with_confirmation() {
    let card = Arc::new(SoftwareCard::new());
    card.set_sign_pin_tries(1);
    let s = session(&card, None);
    assert!(matches!(
        s.sign(pin("WRONG1"), false, HashAlgorithm::Sha256, DOC.to_vec(), None),
        Err(KazasuError::NeedsLastTryConfirmation)
    ));
    assert_eq!(card.pin_presentations(), 0, "no PIN reached the card");
    assert!(matches!(s.sign(pin("WRONG1"), true, HashAlgorithm::Sha256, DOC.to_vec(), None), Err(KazasuError::Blocked)));
    assert_eq!(card.sign_pin_tries(), 0);
    assert_eq!(s.remaining_sign_pin_tries().unwrap(), 0);
    assert!(matches!(
        s.sign(pin(&software_card_sign_pin()), true, HashAlgorithm::Sha256, DOC.to_vec(), None),
        Err(KazasuError::Blocked)
    ));
    assert_eq!(card.pin_presentations(), 1, "never presented to a locked card");
}

#[test]
fn a_shell_exception_mid_flow_is_card_lost_and_spends_no_try() {
    // Exchanges: 1 SELECT AP, 2 SELECT PIN EF, 3 counter (while the PIN is held), 4 SELECT PIN EF, 5 counter,
    // 6 VERIFY, 7 SELECT cert EF, 8 READ BINARY …
    let card = Arc::new(SoftwareCard::new());
    let s = session(&card, Some(8));
    assert!(matches!(
        s.sign(pin(&software_card_sign_pin()), false, HashAlgorithm::Sha256, DOC.to_vec(), None),
        Err(KazasuError::CardLost)
    ));
    assert_eq!(card.sign_pin_tries(), 5);
    assert_eq!(card.signatures(), 0);
}

#[test]
fn a_link_lost_before_the_pin_left_keeps_the_pin_for_the_next_tap() {
    let card = Arc::new(SoftwareCard::new());
    let p = pin(&software_card_sign_pin());
    for fail_on in [1, 2, 3] {
        let s = session(&card, Some(fail_on));
        assert!(matches!(s.sign(p.clone(), false, HashAlgorithm::Sha256, DOC.to_vec(), None), Err(KazasuError::CardLost)));
        assert!(!p.is_used());
    }
    assert_eq!(card.pin_presentations(), 0);
    assert!(session(&card, None).sign(p.clone(), false, HashAlgorithm::Sha256, DOC.to_vec(), None).is_ok());
    assert!(p.is_used());
}

#[test]
fn a_link_lost_during_verify_is_outcome_unknown_and_not_retried() {
    let card = Arc::new(SoftwareCard::new());
    card.lose_answer_of_pin_presentation();
    let p = pin("WRONG1");
    let s = session(&card, None);
    assert!(matches!(
        s.sign(p.clone(), false, HashAlgorithm::Sha256, DOC.to_vec(), None),
        Err(KazasuError::VerifyOutcomeUnknown)
    ));
    assert!(p.is_used());
    assert_eq!(card.pin_presentations(), 1);
    // The card did count it; the next attempt learns that from the counter.
    assert_eq!(s.remaining_sign_pin_tries().unwrap(), 4);
}

#[test]
fn a_card_without_the_jpki_application_is_named() {
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
    let s = CardSession::new(Arc::new(Empty));
    assert!(matches!(s.remaining_sign_pin_tries(), Err(KazasuError::NotJpkiCard)));
}

#[test]
fn a_response_without_status_word_is_a_typed_error_not_a_panic() {
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
    let s = CardSession::new(Arc::new(Broken));
    assert!(matches!(s.remaining_sign_pin_tries(), Err(KazasuError::CardLost)));
}

#[test]
fn a_phone_signature_takes_8_exchanges_on_an_extended_link_and_15_on_a_short_one() {
    for (card, expected) in [(SoftwareCard::new(), 8), (SoftwareCard::short_only(), 15)] {
        let card = Arc::new(card);
        let shell = Arc::new(Shell { card: card.clone(), fail_on: None, calls: AtomicU32::new(0) });
        let s = CardSession::new(shell.clone());
        s.sign(pin(&software_card_sign_pin()), false, HashAlgorithm::Sha256, DOC.to_vec(), None).unwrap();
        assert_eq!(shell.calls.load(Ordering::SeqCst), expected);
    }
}
