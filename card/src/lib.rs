//! kazasu-card: talking to a JPKI card (マイナンバーカード 公的個人認証) — APDUs and their spec-named constructors,
//! status words with typed meanings, the channel that owns GET RESPONSE / 6Cxx / chunking, the one
//! [`Transport`] trait every reader implements, the zeroizing PIN types, and [`JpkiSession`], where the
//! citizens' PIN rules are enforced. No certificates, no network, no I/O except through [`Transport`].
#![forbid(unsafe_code)]

pub mod apdu;
pub mod atr;
pub mod channel;
pub mod digest;
pub mod error;
pub mod ids;
pub mod jpki;
pub mod pin;
pub mod sw;
pub mod transport;

pub use digest::HashAlgorithm;
pub use error::CardError;
pub use jpki::{JpkiSession, LastTry, PinKind, RetryState, TokenKind};
pub use pin::{AuthPin, CardPin, PinError, SignPin};
pub use transport::{LinkCapabilities, Transport, TransportError};
