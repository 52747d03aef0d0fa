//! What the flow tells the person, as typed values the front ends turn into words (the CLI, Android and iOS
//! each from the same catalog). The one mapping from card and hand-off errors to notices is here.

use crate::handoff::{HandoffError, Refusal};
use crate::CardError;
use crate::PinError;

/// Why the typed password was refused before anything reached the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinRule {
    /// The signature password is not 6–16 characters.
    Length,
    /// The signature password holds a character other than A–Z and 0–9.
    Alphabet,
    /// The user-authentication PIN (log-in) is not exactly 4 digits.
    FourDigits,
}

/// Something to tell the person: the outcome of a step that did not go as hoped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    // ── the card ──
    /// The card refused the password; `remaining` tries are left (≥ 1).
    WrongPin { remaining: u8 },
    /// Only one try is left: using it needs the person's explicit confirmation.
    LastTry,
    /// The card left the field (or the reader failed) before the password was presented: hold it again; the
    /// typed password is kept for the next tap when it was typed.
    CardLost,
    /// The link was lost while the card checked the password: whether the try counted is unknown. The password
    /// is forgotten and must be typed again; the next tap reads the counter first.
    VerifyOutcomeUnknown,
    /// The card was lost after the password was accepted (reading the certificate or signing): type the
    /// password again and hold the card again.
    CardLostAfterPin,
    /// The tag holds no JPKI application (not a マイナンバーカード).
    NotJpkiCard,
    /// The card did not say how many tries are left: the password is not presented against an unknown count.
    TriesUnknown,
    /// The typed password breaks the format rules; no try was spent.
    InvalidPin { rule: PinRule },
    /// The link cannot carry what the card needs (e.g. a reader without extended length where it is needed).
    CardUnsupported,
    /// The card answered something it should not have (a status word or data outside the protocol).
    CardFault,

    // ── the hand-off ──
    /// The QR code or link is not a Kazasu signing request.
    InvalidLink,
    /// The relying party's request breaks the protocol (size, UTF-8, JSON shape, document rules).
    InvalidRequest,
    /// The request names another site than the one it came from: possibly an impersonation.
    OriginMismatch { expected: String, found: String },
    /// What the request would show differs from what would be signed.
    DisplayMismatch,
    /// The request has expired: start again on the relying party's page.
    Expired,
    /// The request is dated in the future: the phone's clock (or the site's) is wrong.
    NotYetValid,
    /// This request was already signed (by this app, or the relying party says so).
    AlreadySigned,
    /// The relying party does not know this request (any more).
    RequestNotFound,
    /// No answer from the relying party.
    Network,
    /// An HTTP status without an understandable refusal (a redirect, a proxy error page).
    HttpStatus { status: u16 },
    /// The relying party refused the signature for another reason; `message` is its own words, cleaned and
    /// bounded — show it as the site's words, never as ours.
    Refused { code: Refusal, message: String },
}

impl Notice {
    /// The one mapping from a card error to a notice. `pin_was_presented` tells a link lost after VERIFY from
    /// one lost before it.
    pub fn of_card(error: &CardError, pin_was_presented: bool) -> Notice {
        match error {
            CardError::WrongPin { remaining } => Notice::WrongPin { remaining: *remaining },
            CardError::NeedsLastTryConfirmation => Notice::LastTry,
            CardError::VerifyOutcomeUnknown(_) => Notice::VerifyOutcomeUnknown,
            CardError::Transport(_) | CardError::SessionClosed if pin_was_presented => Notice::CardLostAfterPin,
            CardError::Transport(_) | CardError::SessionClosed => Notice::CardLost,
            CardError::NotJpkiCard => Notice::NotJpkiCard,
            // An unknown count (9000 / 6300 to the counter query) is never bet on.
            CardError::UnexpectedStatus { command: crate::apdu::CommandName::RetryCounter, .. } => Notice::TriesUnknown,
            CardError::Apdu(_) => Notice::CardUnsupported,
            // Blocked is a state of its own; PinUnavailable cannot happen inside the flow (it holds the PIN).
            CardError::Blocked
            | CardError::PinUnavailable
            | CardError::SecurityStatusNotSatisfied { .. }
            | CardError::NotFound { .. }
            | CardError::UnexpectedStatus { .. }
            | CardError::Malformed { .. } => Notice::CardFault,
        }
    }

    /// The one mapping from a hand-off error (fetching, checking, submitting) to a notice.
    pub fn of_handoff(error: &HandoffError) -> Notice {
        match error {
            HandoffError::Scheme(_) | HandoffError::InvalidUrl(_) => Notice::InvalidLink,
            HandoffError::TooLong { what: "link", .. } => Notice::InvalidLink,
            HandoffError::TooLong { .. }
            | HandoffError::InvalidUtf8 { .. }
            | HandoffError::Malformed { .. }
            | HandoffError::UnsupportedVersion => Notice::InvalidRequest,
            HandoffError::OriginMismatch { expected, found } => {
                Notice::OriginMismatch { expected: expected.clone(), found: found.clone() }
            }
            HandoffError::DisplayMismatch => Notice::DisplayMismatch,
            HandoffError::Expired { .. } => Notice::Expired,
            HandoffError::NotYetValid { .. } => Notice::NotYetValid,
            HandoffError::Replayed => Notice::AlreadySigned,
            HandoffError::Http(_) => Notice::Network,
            HandoffError::HttpStatus { status } => Notice::HttpStatus { status: *status },
            HandoffError::Refused { code: Refusal::Expired, .. } => Notice::Expired,
            HandoffError::Refused { code: Refusal::Replayed, .. } => Notice::AlreadySigned,
            HandoffError::Refused { code: Refusal::NotFound, .. } => Notice::RequestNotFound,
            HandoffError::Refused { code, message, .. } => Notice::Refused { code: *code, message: message.clone() },
            // Only a relying party verifies; an app never meets these, but they are not the person's fault.
            HandoffError::BadSignature | HandoffError::BadCertificate(_) => {
                Notice::Refused { code: error.refusal(), message: String::new() }
            }
        }
    }

    /// The notice for a typed password the core refused.
    pub fn of_pin(error: &PinError) -> Notice {
        let rule = match error {
            PinError::SignCharacter { .. } => PinRule::Alphabet,
            PinError::SignLength { .. } => PinRule::Length,
            PinError::AuthFormat => PinRule::FourDigits,
        };
        Notice::InvalidPin { rule }
    }
}

/// Whether sending the same signature again can help after `error`: no answer, or the relying party failed.
pub(crate) fn resend_may_help(error: &HandoffError) -> bool {
    match error {
        HandoffError::Http(_) => true,
        HandoffError::HttpStatus { status } => *status >= 500,
        // The relying party failed, is busy, or cannot check revocation now: the same signature may pass later.
        HandoffError::Refused {
            code: Refusal::Internal | Refusal::RateLimited | Refusal::RevocationUnavailable,
            ..
        } => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TransportError;

    #[test]
    fn a_link_lost_before_the_pin_is_told_apart_from_one_lost_after() {
        let lost = CardError::Transport(TransportError::CardLost);
        assert_eq!(Notice::of_card(&lost, false), Notice::CardLost);
        assert_eq!(Notice::of_card(&lost, true), Notice::CardLostAfterPin);
        assert_eq!(
            Notice::of_card(&CardError::VerifyOutcomeUnknown(TransportError::Timeout), true),
            Notice::VerifyOutcomeUnknown
        );
    }

    #[test]
    fn a_malformed_password_names_its_own_rule_the_four_digits_of_a_log_in_included() {
        use crate::{AuthPin, SignPin};
        let rule = |e: PinError| Notice::of_pin(&e);
        assert_eq!(rule(AuthPin::new("12a4").unwrap_err()), Notice::InvalidPin { rule: PinRule::FourDigits });
        assert_eq!(rule(SignPin::new("ABC").unwrap_err()), Notice::InvalidPin { rule: PinRule::Length });
        assert_eq!(rule(SignPin::new("ABC-123").unwrap_err()), Notice::InvalidPin { rule: PinRule::Alphabet });
    }

    #[test]
    fn the_relying_partys_refusals_have_their_own_notices() {
        let refused = |code| HandoffError::Refused { status: code_status(code), code, message: "x".into() };
        fn code_status(c: Refusal) -> u16 {
            c.http_status()
        }
        assert_eq!(Notice::of_handoff(&refused(Refusal::Expired)), Notice::Expired);
        assert_eq!(Notice::of_handoff(&refused(Refusal::Replayed)), Notice::AlreadySigned);
        assert_eq!(Notice::of_handoff(&refused(Refusal::NotFound)), Notice::RequestNotFound);
        assert_eq!(
            Notice::of_handoff(&refused(Refusal::BadCertificate)),
            Notice::Refused { code: Refusal::BadCertificate, message: "x".into() }
        );
        assert!(resend_may_help(&refused(Refusal::Internal)));
        assert!(resend_may_help(&refused(Refusal::RateLimited)));
        assert!(resend_may_help(&refused(Refusal::RevocationUnavailable)));
        assert!(!resend_may_help(&refused(Refusal::Malformed)));
        assert!(resend_may_help(&HandoffError::HttpStatus { status: 503 }));
        assert!(!resend_may_help(&HandoffError::HttpStatus { status: 302 }));
    }
}
