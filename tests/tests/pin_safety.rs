//! The citizens' rules, each as a behaviour, against the software card driven by the real host code.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use kazasu_core::flow;
use kazasu_core::softcard::{fixture, Quirks, SoftCard};
use kazasu_core::{CardError, HashAlgorithm, JpkiSession, LastTry, PinKind, SignPin, TransportError};
use kazasu_tests::{is_verify, Breaking, Loss, Spy};

fn pin(s: &str) -> SignPin {
    SignPin::new(s).unwrap()
}

fn sign(card: &mut SoftCard, p: &str, last: LastTry) -> Result<flow::Signed, CardError> {
    flow::sign(card, pin(p), last, HashAlgorithm::Sha256, b"application")
}

#[test]
fn the_counter_is_read_immediately_before_every_verify() {
    let mut spy = Spy::new(SoftCard::new());
    let _ = flow::sign(&mut spy, pin("WRONG1"), LastTry::NotConfirmed, HashAlgorithm::Sha256, b"x");
    let _ = flow::sign(&mut spy, pin(fixture::SIGN_PIN), LastTry::NotConfirmed, HashAlgorithm::Sha256, b"x").unwrap();
    let mut presentations = 0;
    for (i, c) in spy.sent.iter().enumerate() {
        if is_verify(c) && c.len() > 4 {
            presentations += 1;
            assert!(
                i > 0 && spy.sent[i - 1] == [0x00, 0x20, 0x00, 0x80],
                "APDU {i} is a VERIFY without a counter read before it"
            );
        }
    }
    assert_eq!(presentations, 2);
}

#[test]
fn a_wrong_pin_is_never_presented_twice() {
    let mut card = SoftCard::new();
    let err = sign(&mut card, "WRONG1", LastTry::NotConfirmed).unwrap_err();
    assert!(matches!(err, CardError::WrongPin { remaining: 4 }), "{err:?}");
    assert_eq!(card.log().pin_presentations, 1);
    assert_eq!(card.log().signatures, 0);
    assert_eq!(card.tries_left(true), 4);
}

#[test]
fn five_wrong_pins_block_and_a_sixth_verify_is_never_sent() {
    let mut card = SoftCard::new();
    for remaining in (1..=4).rev() {
        let err = sign(&mut card, "WRONG1", LastTry::NotConfirmed).unwrap_err();
        assert!(matches!(err, CardError::WrongPin { remaining: r } if r == remaining), "{err:?}");
    }
    // One try left: the fifth wrong PIN needs confirmation, and then locks the card (63C0).
    assert!(matches!(sign(&mut card, "WRONG1", LastTry::NotConfirmed), Err(CardError::NeedsLastTryConfirmation)));
    assert!(matches!(sign(&mut card, "WRONG1", LastTry::Confirmed), Err(CardError::Blocked)));
    assert_eq!(card.tries_left(true), 0);
    assert_eq!(card.log().pin_presentations, 5);
    // Locked: not even the right PIN, not even confirmed, is ever sent again.
    let mut spy = Spy::new(&mut card);
    assert!(matches!(
        flow::sign(&mut spy, pin(fixture::SIGN_PIN), LastTry::Confirmed, HashAlgorithm::Sha256, b"x"),
        Err(CardError::Blocked)
    ));
    assert_eq!(spy.pin_presentations(), 0);
    assert_eq!(card.log().pin_presentations, 5);
    let mut s = JpkiSession::open(&mut card).unwrap();
    assert_eq!(s.remaining_tries(PinKind::Sign).unwrap(), 0);
}

#[test]
fn every_locked_status_word_stops_the_pin() {
    // A card that answers VERIFY with 6983 (or the counter with 63C0) is blocked just the same.
    for quirks in [Quirks { locked_sw_6983: true, ..Quirks::default() }, Quirks::default()] {
        let mut card = SoftCard::new().with_quirks(quirks);
        card.set_sign_tries_left(0);
        assert!(matches!(sign(&mut card, fixture::SIGN_PIN, LastTry::Confirmed), Err(CardError::Blocked)));
        assert_eq!(card.log().pin_presentations, 0);
    }
}

#[test]
fn with_one_try_left_the_pin_is_presented_only_after_confirmation() {
    let mut card = SoftCard::new();
    card.set_sign_tries_left(1);
    let err = sign(&mut card, fixture::SIGN_PIN, LastTry::NotConfirmed).unwrap_err();
    assert!(matches!(err, CardError::NeedsLastTryConfirmation), "{err:?}");
    assert_eq!(card.log().pin_presentations, 0);
    assert_eq!(card.tries_left(true), 1);
    let signed = sign(&mut card, fixture::SIGN_PIN, LastTry::Confirmed).unwrap();
    assert!(!signed.signature.is_empty());
    assert_eq!(card.log().pin_presentations, 1);
    assert_eq!(card.tries_left(true), 5, "a right PIN resets the counter");
}

#[test]
fn confirmation_is_not_needed_while_more_than_one_try_is_left() {
    let mut card = SoftCard::new();
    card.set_sign_tries_left(2);
    sign(&mut card, fixture::SIGN_PIN, LastTry::NotConfirmed).unwrap();
}

#[test]
fn a_link_lost_during_verify_is_outcome_unknown_and_the_next_attempt_rereads_the_counter() {
    for loss in [Loss::BeforeCard, Loss::AfterCard] {
        let mut card = SoftCard::new();
        // APDU 0 SELECT AP, 1 SELECT EF, 2 counter, 3 VERIFY.
        let mut broken = Breaking::new(&mut card, 3, loss);
        let err =
            flow::sign(&mut broken, pin("WRONG1"), LastTry::NotConfirmed, HashAlgorithm::Sha256, b"x").unwrap_err();
        assert!(matches!(err, CardError::VerifyOutcomeUnknown(TransportError::CardLost)), "{loss:?}: {err:?}");
        let spent = if loss == Loss::AfterCard { 1 } else { 0 };
        assert_eq!(card.log().pin_presentations, spent);
        card.power_cycle();
        // The next attempt learns the true count from the card before presenting anything.
        let mut spy = Spy::new(&mut card);
        let mut session = JpkiSession::open(&mut spy).unwrap();
        assert_eq!(session.remaining_tries(PinKind::Sign).unwrap() as usize, 5 - spent);
    }
}

#[test]
fn a_closed_session_never_sends_again() {
    let mut card = SoftCard::new();
    let mut broken = Breaking::new(&mut card, 2, Loss::BeforeCard);
    let mut session = JpkiSession::open(&mut broken).unwrap();
    assert!(session.remaining_tries(PinKind::Sign).is_err());
    let err = session.verify_sign_pin(pin(fixture::SIGN_PIN), LastTry::Confirmed).unwrap_err();
    assert!(matches!(err, CardError::SessionClosed), "{err:?}");
    assert_eq!(card.log().pin_presentations, 0);
}

#[test]
fn a_lost_link_at_any_apdu_spends_no_extra_try_and_a_second_attempt_succeeds() {
    for short_only in [false, true] {
        let quirks = Quirks { short_only, ..Quirks::default() };
        let total = sign(&mut SoftCard::new().with_quirks(quirks), fixture::SIGN_PIN, LastTry::NotConfirmed)
            .unwrap()
            .traffic
            .apdus;
        for at in 0..total {
            for loss in [Loss::BeforeCard, Loss::AfterCard] {
                let mut card = SoftCard::new().with_quirks(quirks);
                let mut broken = Breaking::new(&mut card, at, loss);
                let err =
                    flow::sign(&mut broken, pin(fixture::SIGN_PIN), LastTry::NotConfirmed, HashAlgorithm::Sha256, b"x")
                        .unwrap_err();
                assert!(
                    matches!(
                        err,
                        CardError::Transport(TransportError::CardLost)
                            | CardError::VerifyOutcomeUnknown(TransportError::CardLost)
                    ),
                    "short={short_only} at={at} {loss:?}: {err:?}"
                );
                assert!(card.log().pin_presentations <= 1);
                assert_eq!(card.tries_left(true), 5, "short={short_only} at={at} {loss:?}");
                card.power_cycle();
                // The same break with a wrong PIN costs at most the one try that PIN was typed for.
                let mut wrong = SoftCard::new().with_quirks(quirks);
                let _ = flow::sign(
                    Breaking::new(&mut wrong, at, loss),
                    pin("WRONG1"),
                    LastTry::NotConfirmed,
                    HashAlgorithm::Sha256,
                    b"x",
                );
                assert!(wrong.log().pin_presentations <= 1 && wrong.tries_left(true) >= 4);
                let signed = sign(&mut card, fixture::SIGN_PIN, LastTry::NotConfirmed).unwrap();
                kazasu_core::verify::verify_signature(
                    &signed.certificate,
                    HashAlgorithm::Sha256,
                    b"application",
                    &signed.signature,
                )
                .unwrap();
            }
        }
    }
}

#[test]
fn an_unknown_retry_count_is_never_bet_on() {
    // A card that answers the counter query with 9000 or 6300 gives no count: the PIN stays unsent.
    struct Odd(u16);
    impl kazasu_core::Transport for Odd {
        fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok(match c {
                [0x00, 0x20, 0x00, 0x80] => self.0.to_be_bytes().to_vec(),
                [0x00, 0x20, ..] => panic!("a PIN was presented against an unknown count"),
                _ => vec![0x90, 0x00],
            })
        }
    }
    for sw in [0x9000u16, 0x6300] {
        let err =
            flow::sign(Odd(sw), pin(fixture::SIGN_PIN), LastTry::Confirmed, HashAlgorithm::Sha256, b"x").unwrap_err();
        assert!(matches!(err, CardError::UnexpectedStatus { .. }), "{sw:04X}: {err:?}");
    }
}

#[test]
fn a_deferred_pin_is_taken_only_when_the_counter_allows_presenting_it() {
    use std::cell::Cell;
    // The link fails at SELECT EF (1) or at the counter read (2): the PIN is never taken.
    for at in [1, 2] {
        let mut card = SoftCard::new();
        let taken = Cell::new(false);
        let mut session = JpkiSession::open(Breaking::new(&mut card, at, Loss::BeforeCard)).unwrap();
        let err = session
            .verify_sign_pin_with(LastTry::NotConfirmed, || {
                taken.set(true);
                Some(pin(fixture::SIGN_PIN))
            })
            .unwrap_err();
        assert!(matches!(err, CardError::Transport(TransportError::CardLost)), "{err:?}");
        assert!(!taken.get(), "the PIN was taken although it could not be presented (at {at})");
    }
    // One try left and no confirmation: not taken either.
    let mut card = SoftCard::new();
    card.set_sign_tries_left(1);
    let taken = Cell::new(false);
    let mut session = JpkiSession::open(&mut card).unwrap();
    let err = session.verify_sign_pin_with(LastTry::NotConfirmed, || {
        taken.set(true);
        None
    });
    assert!(matches!(err, Err(CardError::NeedsLastTryConfirmation)));
    assert!(!taken.get());
    // Allowed, but nothing to give: nothing presented.
    let mut session = JpkiSession::open(&mut card).unwrap();
    assert!(matches!(session.verify_sign_pin_with(LastTry::Confirmed, || None), Err(CardError::PinUnavailable)));
    assert_eq!(card.log().pin_presentations, 0);
    // And the ordinary case presents it once.
    let mut session = JpkiSession::open(&mut card).unwrap();
    session.verify_sign_pin_with(LastTry::Confirmed, || Some(pin(fixture::SIGN_PIN))).unwrap();
    assert_eq!(card.log().pin_presentations, 1);
}
