//! A card that leaves at every APDU of a tap — before the card saw the command, or after it processed it — on
//! an extended and on a short link, through the FFI's `SigningFlow` as the phones drive it: no try is ever
//! spent beyond the one password presentation, the password is presented again only after the person typed it
//! again, a typed error (a notice) comes back, and a second tap signs.
#![cfg(feature = "testing")]

use std::sync::Arc;

use kazasu_ffi::flow::{CallbackFailure, FlowObserver, FlowState, Notice, SigningFlow};
use kazasu_ffi::testing::{software_card_sign_pin, SoftwareCard};
use kazasu_ffi::HashAlgorithm;

struct Ignore;

impl FlowObserver for Ignore {
    fn on_state(&self, _: FlowState) -> Result<(), CallbackFailure> {
        Ok(())
    }
}

fn flow() -> Arc<SigningFlow> {
    let f =
        SigningFlow::for_bytes("form".into(), b"application".to_vec(), HashAlgorithm::Sha256, Arc::new(Ignore), None);
    f.clone().start();
    f.clone().accept();
    f.clone().enter_pin(software_card_sign_pin().into_bytes());
    f
}

#[test]
fn a_card_lost_at_any_apdu_spends_no_extra_try_and_the_next_tap_signs() {
    for (short, taps) in [(false, 8u32), (true, 15u32)] {
        for at in 1..=taps {
            for answer_lost in [false, true] {
                let what = format!("short={short} exchange {at} answer_lost={answer_lost}");
                let card = Arc::new(if short { SoftwareCard::short_only() } else { SoftwareCard::new() });
                let f = flow();
                card.lose_link_at(at, answer_lost);
                assert!(f.clone().card_present(card.clone().link()), "{what}");
                let presented_before_loss = card.pin_presentations();
                match f.state() {
                    // The password never reached the card: it is kept for the next tap.
                    FlowState::HoldCard { notice: Some(Notice::CardLost) } => {
                        assert_eq!(presented_before_loss, 0, "{what}")
                    }
                    // Lost during VERIFY: whether the card saw the password is unknown here (0 or 1 presentation);
                    // it is forgotten and typed again.
                    FlowState::EnterPin { notice: Some(Notice::VerifyOutcomeUnknown), .. } => {
                        assert!(presented_before_loss <= 1, "{what}");
                        f.clone().enter_pin(software_card_sign_pin().into_bytes());
                    }
                    // The card accepted it, then went: type it again.
                    FlowState::EnterPin { notice: Some(Notice::CardLostAfterPin), .. } => {
                        assert_eq!(presented_before_loss, 1, "{what}");
                        f.clone().enter_pin(software_card_sign_pin().into_bytes());
                    }
                    other => panic!("{what}: unexpected state {other:?}"),
                }
                assert!(f.clone().card_present(card.clone().link()), "{what}");
                assert!(matches!(f.state(), FlowState::Signed { .. }), "{what}: {:?}", f.state());
                assert_eq!(card.sign_pin_tries(), 5, "{what}: a try was spent");
                assert_eq!(card.pin_presentations(), presented_before_loss + 1, "{what}");
            }
        }
    }
}
