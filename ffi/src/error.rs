//! The errors apps see, and the one place where core errors become them.
//!
//! Small and machine-readable on purpose: the shells turn each variant into words (Japanese first). No variant
//! carries a PIN or APDU data; `Internal.detail` is for logs and bug reports, never shown as the reason.

use kazasu_core::error::CardError;
use kazasu_core::pin::PinError;
use kazasu_core::transport::TransportError as CoreTransportError;

/// What went wrong, as an app needs to know it.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KazasuError {
    /// The card refused the PIN; `remaining` tries are left (at least 1).
    #[error("wrong PIN; {remaining} tries left")]
    WrongPin { remaining: u32 },
    /// The signature PIN is locked. Only a municipal office (or the JPKI PIN reset app with a convenience-store
    /// kiosk) can reset it.
    #[error("the signature PIN is locked")]
    Blocked,
    /// One try is left and the call did not carry the person's explicit confirmation. The PIN was not sent.
    #[error("only one try is left: ask for explicit confirmation first")]
    NeedsLastTryConfirmation,
    /// The link was lost while the card was checking the PIN: whether a try was spent is unknown.
    /// Do not retry automatically; the next attempt reads the counter again and the person types the PIN again.
    #[error("the card was lost while it checked the PIN; the outcome is unknown")]
    VerifyOutcomeUnknown,
    /// The card left the field, the link timed out, or the shell's transport failed.
    #[error("the card was lost")]
    CardLost,
    /// The tag answered, but it holds no JPKI application (not a マイナンバーカード).
    #[error("not a JPKI card")]
    NotJpkiCard,
    /// The card or link cannot do what was asked (e.g. a command that needs extended length on a short link).
    #[error("unsupported: {reason}")]
    Unsupported { reason: String },
    /// The typed PIN breaks the format rules (6–16 of A–Z, 0–9). No try was spent. `reason` never has the PIN.
    #[error("invalid PIN: {reason}")]
    InvalidPin { reason: String },
    /// This `SignPin` was already handed to the card once (a typed PIN is presented at most once).
    #[error("this PIN was already used; ask the person to type it again")]
    PinAlreadyUsed,
    /// Anything else (unexpected card answer, malformed certificate, bug). `detail` is for logs.
    #[error("internal error: {detail}")]
    Internal { detail: String },
}

/// How the shell's transport reports a failed exchange (what Kotlin/Swift throw from `transceive`).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum TransportError {
    /// The tag left the field (Android `TagLostException`, iOS tag connection lost).
    #[error("card lost")]
    CardLost,
    /// The card did not answer in time.
    #[error("timeout")]
    Timeout,
    /// Any other I/O failure of the link. `reason` is the platform's message, never APDU data.
    #[error("link failure: {reason}")]
    Io { reason: String },
}

/// Any exception the shell's transport throws that is not a `TransportError` (an `IOException`, a
/// `RuntimeException` from a bug…) arrives here instead of panicking: the link is treated as lost.
impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::Io { reason: e.reason }
    }
}

/// An undeclared exception from any other foreign callback (the progress listener) becomes `Internal`.
impl From<uniffi::UnexpectedUniFFICallbackError> for KazasuError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KazasuError::Internal { detail: format!("callback failed: {}", e.reason) }
    }
}

impl From<TransportError> for CoreTransportError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::CardLost => CoreTransportError::CardLost,
            TransportError::Timeout => CoreTransportError::Timeout,
            TransportError::Io { reason } => CoreTransportError::Reader(reason),
        }
    }
}

impl From<CoreTransportError> for TransportError {
    fn from(e: CoreTransportError) -> Self {
        match e {
            CoreTransportError::CardLost | CoreTransportError::NoCard => TransportError::CardLost,
            CoreTransportError::Timeout => TransportError::Timeout,
            CoreTransportError::Reader(reason) => TransportError::Io { reason },
        }
    }
}

impl From<PinError> for KazasuError {
    fn from(e: PinError) -> Self {
        KazasuError::InvalidPin { reason: e.to_string() }
    }
}

/// The one mapping from the core's card errors to app errors.
impl From<CardError> for KazasuError {
    fn from(e: CardError) -> Self {
        match e {
            CardError::WrongPin { remaining } => KazasuError::WrongPin { remaining: remaining.into() },
            CardError::Blocked => KazasuError::Blocked,
            CardError::NeedsLastTryConfirmation => KazasuError::NeedsLastTryConfirmation,
            CardError::VerifyOutcomeUnknown(_) => KazasuError::VerifyOutcomeUnknown,
            // Every link failure outside VERIFY is "the card was lost" to the person: hold it again.
            CardError::Transport(_) | CardError::SessionClosed => KazasuError::CardLost,
            CardError::NotJpkiCard => KazasuError::NotJpkiCard,
            CardError::PinUnavailable => KazasuError::PinAlreadyUsed,
            CardError::Apdu(e) => KazasuError::Unsupported { reason: e.to_string() },
            other => KazasuError::Internal { detail: other.to_string() },
        }
    }
}
