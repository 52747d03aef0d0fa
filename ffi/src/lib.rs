//! kazasu-ffi: the uniffi face of kazasu-core for the phone shells (Kotlin on Android, Swift on iOS).
//!
//! This is the only crate that knows uniffi. It holds:
//! - [`transport`]: the foreign `CardTransport` (the shell's NFC tag: bytes in, bytes out) bridged to the core's
//!   `Transport` trait;
//! - [`pin`]: `SignPin`, the zeroizing, use-once PIN object the shell builds from the typed characters;
//! - [`flow`]: `SigningFlow`, the core's one signing flow (states the shell renders, events it forwards);
//! - [`session`]: `CardSession`, the signing flow (counter first, last-try confirmation, one presentation);
//! - [`handoff`]: the hand-off protocol (link → fetch through the foreign `HttpTransport` → show → sign →
//!   submit), its own error enum `HandoffFailure`;
//! - [`error`]: the small machine-readable error enum, mapped from the core's errors in one place;
//! - [`qr`]: the camera-frame QR decoder (`decode_luma`);
//! - [`testing`] (feature `testing` only): the in-process software card and a fake relying party, for
//!   Kotlin/Swift tests.
//!
//! Nothing here may panic on input from the shell or the card: every path returns a typed error.

uniffi::setup_scaffolding!();

pub mod error;
pub mod flow;
pub mod handoff;
pub mod pin;
pub mod qr;
pub mod session;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transport;

pub use error::{KazasuError, TransportError};
pub use flow::{BytesDisplay, CallbackFailure, FlowClock, FlowObserver, FlowState, Notice, PinRule, SigningFlow};
pub use handoff::{
    request_url_of_link, HandoffFailure, HttpFailure, HttpReply, HttpTransport, RefusalCode, RequestDisplay,
    RequestField, SigningRequest, SubmissionReceipt,
};
pub use pin::SignPin;
pub use qr::decode_luma;
pub use session::{CardSession, Gender, HashAlgorithm, Identity, SignProgress, SignStep, SignedDocument};
pub use transport::CardTransport;
