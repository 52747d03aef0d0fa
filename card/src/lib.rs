//! kazasu-card: talking to a JPKI card (マイナンバーカード 公的個人認証) — APDUs and their spec-named constructors,
//! status words with typed meanings, the channel that owns GET RESPONSE / 6Cxx / chunking, the one
//! [`Transport`] trait every reader implements, the zeroizing PIN types, and [`JpkiSession`], where the
//! citizens' PIN rules are enforced. No certificates, no network, no I/O except through [`Transport`].
#![forbid(unsafe_code)]

// What front ends and the crates above use, one spelling each: the types at the root (from the private modules
// that hold them), and the protocol's vocabulary behind one module path each (`apdu::`, `atr::`, `channel::`,
// `ids::`, `sw::`), which the software card, the readers and the fuzzers speak.
pub mod apdu;
pub mod atr;
pub mod channel;
mod digest;
mod error;
pub mod ids;
mod jpki;
mod pin;
pub mod sw;
mod transport;

pub use digest::HashAlgorithm;
pub use error::CardError;
pub use jpki::{der_total_length, CertificateKind, JpkiSession, LastTry, PinKind, RetryState, TokenKind};
pub use pin::{AuthPin, CardPin, PinBytes, PinError, SignPin, AUTH_PIN_LEN, SIGN_PIN_MAX_LEN, SIGN_PIN_MIN_LEN};
pub use transport::{LinkCapabilities, Transport, TransportError};
