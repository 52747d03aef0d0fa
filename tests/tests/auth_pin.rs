//! The citizens' PIN rules for the 4-digit user-authentication PIN (3 tries) of a log-in, each as a behaviour,
//! against the software card driven by the real host code: as strict as for the signature password.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::cell::Cell;

use kazasu_core::flow;
use kazasu_core::softcard::{fixture, Quirks, SoftCard};
use kazasu_core::CardPin;
use kazasu_core::{
    AuthPin, CardError, Certificate, HashAlgorithm, JpkiSession, LastTry, PinKind, SignPin, TransportError,
};
use kazasu_tests::{is_verify, Breaking, Loss, Spy};

const CHALLENGE: &[u8] = b"KAZASU-LOGIN-CHALLENGE/1\n(a challenge's bytes)\n";

fn pin(s: &str) -> AuthPin {
    AuthPin::new(s).unwrap()
}

fn log_in(card: &mut SoftCard, p: &str, last: LastTry) -> Result<flow::Authentication, CardError> {
    flow::log_in(card, pin(p), last, CHALLENGE).map(|(a, _)| a)
}

#[test]
fn one_tap_reads_the_auth_certificate_and_signs_the_challenge_with_the_auth_key() {
    let mut card = SoftCard::new();
    let (a, traffic) = flow::log_in(&mut card, pin(fixture::AUTH_PIN), LastTry::NotConfirmed, CHALLENGE).unwrap();
    assert_eq!(a.certificate, fixture::AUTH_CERT);
    let cert = Certificate::from_der(&a.certificate).unwrap();
    assert!(cert.is_auth_certificate() && cert.personal.is_none(), "a log-in sends nothing personal");
    kazasu_core::verify::verify_signature(&a.certificate, HashAlgorithm::Sha256, CHALLENGE, &a.signature).unwrap();
    // SELECT AP, SELECT 0018, counter, VERIFY, SELECT 000A, READ (extended), SELECT 0017, SIGN.
    assert_eq!(traffic.apdus, 8);
    assert_eq!((card.log().pin_presentations, card.log().signatures), (1, 1));
    assert_eq!(card.tries_left(false), 3);
    assert_eq!(card.tries_left(true), 5, "the sign PIN is not touched by a log-in");
}

#[test]
fn the_auth_certificate_is_read_without_any_pin() {
    let mut card = SoftCard::new();
    let mut s = JpkiSession::open(&mut card).unwrap();
    assert_eq!(s.read_auth_certificate().unwrap(), fixture::AUTH_CERT);
    assert_eq!(card.log().pin_presentations, 0);
}

#[test]
fn the_auth_counter_is_read_immediately_before_every_verify() {
    let mut spy = Spy::new(SoftCard::new());
    let _ = flow::log_in(&mut spy, pin("0000"), LastTry::NotConfirmed, CHALLENGE);
    flow::log_in(&mut spy, pin(fixture::AUTH_PIN), LastTry::NotConfirmed, CHALLENGE).unwrap();
    let mut presentations = 0;
    for (i, c) in spy.sent.iter().enumerate() {
        if is_verify(c) && c.len() > 4 {
            presentations += 1;
            assert_eq!(spy.sent[i - 1], [0x00, 0x20, 0x00, 0x80], "APDU {i}: VERIFY without a counter read before it");
            // …and that counter read was the auth PIN's: EF 0018 selected right before it.
            assert_eq!(
                spy.sent[i - 2],
                [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18],
                "APDU {i}: not the auth PIN's counter"
            );
        }
    }
    assert_eq!(presentations, 2);
}

#[test]
fn three_wrong_auth_pins_walk_the_counter_down_to_blocked_and_a_fourth_verify_is_never_sent() {
    let mut card = SoftCard::new();
    for remaining in [2, 1] {
        let err = log_in(&mut card, "0000", LastTry::NotConfirmed).unwrap_err();
        assert!(matches!(err, CardError::WrongPin { remaining: r } if r == remaining), "{err:?}");
        assert_eq!(card.tries_left(false), remaining);
    }
    // The third try is the last: not presented without confirmation, and then it locks the PIN (63C0).
    assert!(matches!(log_in(&mut card, "0000", LastTry::NotConfirmed), Err(CardError::NeedsLastTryConfirmation)));
    assert_eq!(card.log().pin_presentations, 2);
    assert!(matches!(log_in(&mut card, "0000", LastTry::Confirmed), Err(CardError::Blocked)));
    assert_eq!(card.tries_left(false), 0);
    assert_eq!(card.log().pin_presentations, 3);
    // Blocked: not even the right PIN, confirmed, is ever sent again.
    let mut spy = Spy::new(&mut card);
    let err = flow::log_in(&mut spy, pin(fixture::AUTH_PIN), LastTry::Confirmed, CHALLENGE).unwrap_err();
    assert!(matches!(err, CardError::Blocked), "{err:?}");
    assert_eq!(spy.pin_presentations(), 0);
    assert_eq!(card.log().signatures, 0);
    assert_eq!(card.tries_left(true), 5, "the signature password is another counter");
}

#[test]
fn a_right_auth_pin_on_the_confirmed_last_try_logs_in_and_resets_the_counter() {
    let mut card = SoftCard::new();
    card.set_auth_tries_left(1);
    assert!(matches!(
        log_in(&mut card, fixture::AUTH_PIN, LastTry::NotConfirmed),
        Err(CardError::NeedsLastTryConfirmation)
    ));
    assert_eq!(card.log().pin_presentations, 0);
    log_in(&mut card, fixture::AUTH_PIN, LastTry::Confirmed).unwrap();
    assert_eq!(card.tries_left(false), 3);
}

#[test]
fn every_locked_status_word_stops_the_auth_pin() {
    for quirks in [Quirks { locked_sw_6983: true, ..Quirks::default() }, Quirks::default()] {
        let mut card = SoftCard::new().with_quirks(quirks);
        card.set_auth_tries_left(0);
        assert!(matches!(log_in(&mut card, fixture::AUTH_PIN, LastTry::Confirmed), Err(CardError::Blocked)));
        assert_eq!(card.log().pin_presentations, 0);
    }
}

#[test]
fn a_link_lost_during_the_auth_verify_is_outcome_unknown_and_the_next_session_rereads_the_counter() {
    for loss in [Loss::BeforeCard, Loss::AfterCard] {
        let mut card = SoftCard::new();
        // APDU 0 SELECT AP, 1 SELECT EF 0018, 2 counter, 3 VERIFY.
        let err =
            flow::log_in(Breaking::new(&mut card, 3, loss), pin("0000"), LastTry::NotConfirmed, CHALLENGE).unwrap_err();
        assert!(matches!(err, CardError::VerifyOutcomeUnknown(TransportError::CardLost)), "{loss:?}: {err:?}");
        let spent = u8::from(loss == Loss::AfterCard);
        card.power_cycle();
        let mut session = JpkiSession::open(&mut card).unwrap();
        assert_eq!(session.remaining_tries(PinKind::Auth).unwrap(), 3 - spent);
    }
}

#[test]
fn a_deferred_auth_pin_is_taken_only_when_its_counter_allows_presenting_it() {
    // The link fails at SELECT EF (1) or at the counter read (2): the PIN is never taken.
    for at in [1, 2] {
        let mut card = SoftCard::new();
        let taken = Cell::new(false);
        let mut session = JpkiSession::open(Breaking::new(&mut card, at, Loss::BeforeCard)).unwrap();
        let err = session
            .verify_auth_pin_with(LastTry::NotConfirmed, || {
                taken.set(true);
                Some(pin(fixture::AUTH_PIN))
            })
            .unwrap_err();
        assert!(matches!(err, CardError::Transport(TransportError::CardLost)), "{err:?}");
        assert!(!taken.get(), "taken although it could not be presented (at {at})");
    }
    let mut card = SoftCard::new();
    card.set_auth_tries_left(1);
    let mut session = JpkiSession::open(&mut card).unwrap();
    let taken = Cell::new(false);
    let err = session.verify_auth_pin_with(LastTry::NotConfirmed, || {
        taken.set(true);
        None
    });
    assert!(matches!(err, Err(CardError::NeedsLastTryConfirmation)) && !taken.get());
    session.verify_auth_pin_with(LastTry::Confirmed, || Some(pin(fixture::AUTH_PIN))).unwrap();
    assert_eq!(card.log().pin_presentations, 1);
}

#[test]
fn a_pin_of_the_other_kind_is_never_presented_to_a_counter() {
    let mut card = SoftCard::new();
    let mut session = JpkiSession::open(&mut card).unwrap();
    let sign = CardPin::Sign(SignPin::new(fixture::SIGN_PIN).unwrap());
    let err = session.verify_pin_with(PinKind::Auth, LastTry::Confirmed, || Some(sign)).unwrap_err();
    assert!(matches!(err, CardError::PinUnavailable), "{err:?}");
    assert_eq!(card.log().pin_presentations, 0);
    assert_eq!(card.tries_left(false), 3);
}

#[test]
fn a_lost_link_at_any_apdu_of_a_log_in_spends_at_most_the_one_try_it_presented() {
    let total =
        flow::log_in(&mut SoftCard::new(), pin(fixture::AUTH_PIN), LastTry::NotConfirmed, CHALLENGE).unwrap().1.apdus;
    for at in 0..total {
        for loss in [Loss::BeforeCard, Loss::AfterCard] {
            let mut card = SoftCard::new();
            let r = flow::log_in(Breaking::new(&mut card, at, loss), pin("0000"), LastTry::NotConfirmed, CHALLENGE);
            assert!(r.is_err());
            assert!(card.log().pin_presentations <= 1, "at {at} {loss:?}");
            assert!(card.tries_left(false) >= 2, "at {at} {loss:?}: more than one try spent");
            card.power_cycle();
            flow::log_in(&mut card, pin(fixture::AUTH_PIN), LastTry::NotConfirmed, CHALLENGE).unwrap();
        }
    }
}
