//! kazasu-ffi: the uniffi face of kazasu-core for the phone shells (Kotlin on Android, Swift on iOS).
//!
//! This is the only crate that knows uniffi. Signing has one way through it: [`SigningFlow`], the core's one
//! signing flow. It holds:
//! - [`flow`]: `SigningFlow` (states the shell renders, events it forwards, the cards it hands over) and its
//!   observer, clock and notices;
//! - [`signed`]: what a signing gives back (`SignedDocument`, `Identity`, `HashAlgorithm`) and the tap's steps;
//! - [`transport`]: the foreign `CardTransport` (the shell's NFC tag: bytes in, bytes out) bridged to the core's
//!   `Transport` trait;
//! - [`login`]: `LoginFlow`, log-in with the user-authentication certificate: the same core flow (a log-in
//!   subject) and machinery as `SigningFlow`, with its own screens (`LoginState`);
//! - [`handoff`]: the foreign `HttpTransport` bridged to the core's HTTP client, and what the flow shows of a
//!   request and of the relying party's answer;
//! - [`error`]: the small machine-readable errors of the link and of a camera frame;
//! - [`qr`]: the camera-frame QR decoder (`decode_luma`);
//! - [`testing`] (feature `testing` only): the in-process software card, a fake relying party and a test
//!   clock, for Kotlin/Swift tests.
//!
//! Nothing here may panic on input from the shell or the card: every path returns a typed error or a notice.

uniffi::setup_scaffolding!();

pub mod consent;
pub mod error;
pub mod flow;
pub mod handoff;
pub mod login;
pub mod pdf;
pub mod qr;
pub mod signed;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transport;

pub use consent::{CreationContext, Disclosure, PersonalItem, Recipient, RequestAge};
pub use error::{FrameError, TransportError};
pub use flow::{
    way_out_of, BytesDisplay, CallbackFailure, FlowClock, FlowObserver, FlowState, Notice, PinRule, SigningFlow, WayOut,
};
pub use handoff::{
    remember_signed_requests_in, HttpFailure, HttpReply, HttpTransport, RefusalCode, RequestDisplay, RequestField,
    SubmissionReceipt,
};
pub use login::{login_way_out_of, LoginDisplay, LoginFlow, LoginObserver, LoginState};
pub use qr::{decode_luma, QrScanner};
pub use signed::{Gender, HashAlgorithm, Identity, SignStep, SignedDocument};
pub use transport::CardTransport;
