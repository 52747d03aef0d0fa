//! Kazasu core: the one signing flow ([`flow`]) that the CLI, the phones (through `ffi`) and the tests drive,
//! and the rooms it is built from, re-exported so front ends name one crate:
//!
//! | room | crate | holds |
//! |---|---|---|
//! | card protocol | `kazasu-card` | APDUs, status words, channel, [`Transport`], PIN types, the session and its PIN rules |
//! | PKI | `kazasu-pki` | certificates and the JPKI personal data, verification (OpenSSL), CMS |
//! | hand-off | `kazasu-handoff` | links, the signed document, requests, submissions, the relying party's checks |
//! | software card | `kazasu-softcard` (feature `softcard`) | the TEST-ONLY card for tests, the demo, `--virtual` |
//!
//! No I/O except through [`Transport`] and [`handoff::HttpClient`]. Time comes from a [`clock::Clock`].

pub mod clock;
pub mod flow;

pub use kazasu_card::{apdu, atr, channel, ids, sw};
pub use kazasu_handoff as handoff;
#[cfg(feature = "openssl")]
pub use kazasu_pki::{anchors, cms, crl, ocsp, revocation, verify};
pub use kazasu_pki::{cert, der, policy};
#[cfg(feature = "softcard")]
pub use kazasu_softcard as softcard;

pub use kazasu_card::{
    der_total_length, AuthPin, CardError, CardPin, CertificateKind, HashAlgorithm, JpkiSession, LastTry,
    LinkCapabilities, PinBytes, PinError, PinKind, RetryState, SignPin, TokenKind, Transport, TransportError,
};
pub use kazasu_pki::{CertError, Certificate, JpkiPolicy, PersonalData};
