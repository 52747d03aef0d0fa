//! Kazasu core: the JPKI (マイナンバーカード 公的個人認証) signing protocol with the citizens' PIN rules,
//! certificate parsing, verification, CMS output and a software card. No I/O except through [`Transport`].
#![forbid(unsafe_code)]

pub mod apdu;
pub mod atr;
pub mod cert;
pub mod channel;
pub mod cms;
pub mod der;
pub mod digest;
pub mod error;
pub mod flow;
pub mod handoff;
pub mod ids;
pub mod jpki;
pub mod pin;
/// QR decoding of camera frames and QR generation (the `kazasu-qr` crate, kept separate so its image-heavy
/// tests and benchmarks build on their own).
pub use kazasu_qr as qr;
#[cfg(feature = "openssl")]
pub mod softcard;
pub mod sw;
pub mod transport;
#[cfg(feature = "openssl")]
pub mod verify;

pub use cert::{CertError, Certificate, PersonalData};
pub use digest::HashAlgorithm;
pub use error::CardError;
pub use jpki::{JpkiSession, LastTry, PinKind, RetryState, TokenKind};
pub use pin::{AuthPin, PinError, SignPin};
pub use transport::{LinkCapabilities, Transport, TransportError};
