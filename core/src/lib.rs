//! Kazasu core: the JPKI (マイナンバーカード 公的個人認証) signing protocol with the citizens' PIN rules,
//! certificate parsing, verification, CMS output and a software card. No I/O except through [`Transport`].
#![forbid(unsafe_code)]

pub mod apdu;
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
pub use jpki::{JpkiSession, LastTry, PinKind};
pub use pin::{AuthPin, PinError, SignPin};
pub use transport::{LinkCapabilities, Transport, TransportError};
