//! The hand-off between a relying party (a city's application site) and the signing app: what a QR code or
//! deep link carries, the signing request the app fetches, what the app submits, and the relying party's
//! verification. Protocol description: `docs/handoff.md`.
//!
//! - [`link`]: the QR / app-link / deep-link payload → the request's https URL.
//! - [`document`]: the canonical UTF-8 document that is both displayed and signed.
//! - [`request`]: the request JSON the app fetches, checked against the URL it came from.
//! - [`login`]: log-in with the user-authentication certificate: the challenge, its JSON, the response.
//! - [`Submission`]: what the app sends back (signature, certificate chain, digest algorithm).
//! - [`client`]: fetch and submit over an [`HttpClient`] the platform provides (the flow in `kazasu-core`
//!   runs them around the card).
//! - [`rp`]: the relying party's verification of a submission (feature `openssl`).
//!
//! No I/O: HTTP goes through [`HttpClient`]. The card's part is the signing flow's (`kazasu-core`).

pub mod client;
pub mod document;
pub mod link;
pub mod login;
pub mod request;
#[cfg(feature = "openssl")]
pub mod rp;
mod submission;
pub mod time;
mod url;

mod error;
mod limits;

pub use error::{CertificateRefusal, HandoffError, HttpError, Refusal, SchemeRefusal};
pub use limits::{
    MAX_CERTIFICATE_BYTES, MAX_CHAIN_LEN, MAX_CLOCK_SKEW_SECS, MAX_DOCUMENT_BYTES, MAX_FIELDS, MAX_LABEL_CHARS,
    MAX_NAME_CHARS, MAX_NONCE_CHARS, MAX_REPLY_BODY, MAX_REQUEST_BODY, MAX_SIGNATURE_BYTES, MAX_SUBMISSION_BODY,
    MAX_TITLE_CHARS, MAX_URL_LEN, MAX_VALIDITY_SECS, MAX_VALUE_CHARS, MIN_NONCE_CHARS,
};
pub use link::MAX_LINK_LEN;

pub use client::{fetch_request, submit, HttpClient, HttpResponse, Receipt, SeenNonces};
pub use document::{Document, Field};
pub use link::{
    app_link, deep_link, login_app_link, login_deep_link, parse_any_link, parse_link, parse_link_bytes, Link, LinkKind,
};
pub use login::{LoginChallenge, LoginResponse};
pub use request::SignRequest;
pub use submission::Submission;
pub use url::{percent_decode, HttpsUrl};

/// The card's digest algorithms and the PKI's certificate and verification, under the names this crate uses.
pub(crate) use kazasu_card::HashAlgorithm;
#[cfg(feature = "openssl")]
pub(crate) use kazasu_pki::{anchors, cert, policy, verify};
