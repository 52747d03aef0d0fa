//! The hand-off between a relying party (a city's application site) and the signing app: what a QR code or
//! deep link carries, the signing request the app fetches, what the app submits, and the relying party's
//! verification. Protocol description: `docs/handoff.md`.
//!
//! - [`link`]: the QR / app-link / deep-link payload → the request's https URL.
//! - [`document`]: the canonical UTF-8 document that is both displayed and signed.
//! - [`request`]: the request JSON the app fetches, checked against the URL it came from.
//! - [`submission`]: what the app sends back (signature, certificate chain, digest algorithm).
//! - [`client`]: fetch and submit over an [`HttpClient`] the platform provides (the flow in `kazasu-core`
//!   runs them around the card).
//! - [`rp`]: the relying party's verification of a submission (feature `openssl`).
//!
//! No I/O: HTTP goes through [`HttpClient`]. The card's part is the signing flow's (`kazasu-core`).

pub mod client;
pub mod document;
pub mod link;
pub mod request;
#[cfg(feature = "openssl")]
pub mod rp;
pub mod submission;
pub mod time;
pub mod url;

pub use client::{fetch_request, submit, HttpClient, HttpError, HttpResponse, Receipt, SeenNonces};
pub use document::{Document, Field};
pub use link::{app_link, deep_link, parse_link, parse_link_bytes};
pub use request::SignRequest;
pub use submission::Submission;
pub use url::HttpsUrl;

/// The card's digest algorithms and the PKI's certificate and verification, under the names this crate uses.
pub(crate) use kazasu_card::digest;
#[cfg(feature = "openssl")]
pub(crate) use kazasu_pki::{anchors, cert, policy, verify};

/// Longest request or submit URL.
pub const MAX_URL_LEN: usize = 1024;
/// Longest QR / deep-link payload: room for the app link or deep link of any URL of [`MAX_URL_LEN`], every
/// byte of which may need a percent-escape (three bytes).
pub const MAX_LINK_LEN: usize = link::LONGEST_PREFIX + 3 * MAX_URL_LEN;
/// Display name of the relying party, in characters.
pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_TITLE_CHARS: usize = 128;
pub const MAX_LABEL_CHARS: usize = 64;
pub const MAX_VALUE_CHARS: usize = 512;
pub const MAX_FIELDS: usize = 64;
/// The signed document, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024;
/// The request JSON the app fetches.
pub const MAX_REQUEST_BODY: usize = 64 * 1024;
/// The submission JSON the relying party accepts.
pub const MAX_SUBMISSION_BODY: usize = 64 * 1024;
/// The relying party's answer to a submission.
pub const MAX_REPLY_BODY: usize = 16 * 1024;
/// Nonce: base64url without padding of 16–48 bytes.
pub const MIN_NONCE_CHARS: usize = 22;
pub const MAX_NONCE_CHARS: usize = 64;
/// A request is valid at most this long after it was issued.
pub const MAX_VALIDITY_SECS: i64 = 3600;
/// How far in the future an issue time may lie (clocks differ).
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
pub const MAX_SIGNATURE_BYTES: usize = 1024;
pub const MAX_CERTIFICATE_BYTES: usize = 8 * 1024;
pub const MAX_CHAIN_LEN: usize = 4;

/// Why a link, request, submission or reply was refused. Nothing is signed after any of these.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    #[error("not an https link: {0}")]
    Scheme(SchemeRefusal),
    #[error("invalid URL: {0}")]
    InvalidUrl(&'static str),
    #[error("the {what} is too long ({actual} > {max})")]
    TooLong { what: &'static str, max: usize, actual: usize },
    #[error("the {what} is not valid UTF-8")]
    InvalidUtf8 { what: &'static str },
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("unsupported request format version")]
    UnsupportedVersion,
    #[error("the request names origin {found}, but it came from {expected}")]
    OriginMismatch { expected: String, found: String },
    #[error("the request's display fields do not match the document to be signed")]
    DisplayMismatch,
    #[error("the request expired at {expires_at}")]
    Expired { expires_at: String },
    #[error("the request claims to be issued in the future ({issued_at})")]
    NotYetValid { issued_at: String },
    #[error("this request was already signed (replay)")]
    Replayed,
    #[error("network error: {0}")]
    Http(#[from] HttpError),
    #[error("the server answered HTTP {status} without an explanation")]
    HttpStatus { status: u16 },
    #[error("the relying party refused: {code} ({message})")]
    Refused { status: u16, code: Refusal, message: String },
    #[error("the signature does not match the request's document and the certificate's key")]
    BadSignature,
    #[error("the certificate is not acceptable: {0}")]
    BadCertificate(CertificateRefusal),
}

/// Why a URL's scheme was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemeRefusal {
    /// Plain http to another computer: http is allowed only to this computer, for development.
    #[error("plain http is allowed only to this computer, for development")]
    PlainHttp,
    /// Another scheme; `found` is its first 16 characters.
    #[error("the scheme {found:?} is not https")]
    NotHttps { found: String },
}

/// Why a relying party refuses a submission's certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertificateRefusal {
    #[error("the submission carries no certificate")]
    Missing,
    #[error("the certificate cannot be read")]
    Unreadable,
    #[error("it is not a JPKI signature certificate")]
    NotSignCertificate,
    /// A test card's certificate, and this relying party accepts only real cards.
    #[error("it is a test card's certificate, which this relying party does not accept")]
    TestCard,
    #[error("it was not issued by the trusted sign CA")]
    UnknownIssuer,
    #[error("it has expired")]
    Expired,
    #[error("it is not valid yet")]
    NotYetValid,
    #[error("it is revoked")]
    Revoked,
    #[error("the CRL is not current")]
    CrlNotCurrent,
    #[error("the CRL is not the sign CA's")]
    CrlNotTrusted,
    /// None of the relying party's CRLs covers the certificate's CRL distribution point (J-LIS issues one CRL per
    /// municipality's point; the relying party lacks that one).
    #[error("no CRL of the relying party covers its CRL distribution point")]
    NoCrlForDistributionPoint,
    #[error("the OCSP responder says it is revoked")]
    OcspRevoked,
    #[error("the OCSP responder does not know it")]
    OcspUnknown,
    /// The responder could not be reached, or its answer could not be trusted (bad signature or signer, wrong
    /// nonce, not current, garbage): nothing is accepted without a trustworthy answer.
    #[error("its revocation status could not be established: the OCSP responder cannot be reached or its answer cannot be trusted")]
    OcspUnavailable,
    #[error("it carries no name, address or birth date")]
    NoPersonalData,
}

/// Machine-readable refusal codes a relying party answers with (`{"status":"refused","error":code,…}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    NotFound,
    Expired,
    Replayed,
    Malformed,
    TooLarge,
    Mismatch,
    BadSignature,
    BadCertificate,
    /// Too many requests from this client: try again later (HTTP 429).
    RateLimited,
    /// The relying party cannot check revocation now (its CRL is not current or missing, its OCSP responder
    /// cannot be reached or trusted): try again later (HTTP 503).
    RevocationUnavailable,
    Internal,
    #[serde(other)]
    Unknown,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        f.write_str(&s)
    }
}

impl Refusal {
    /// The HTTP status a relying party answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Refusal::NotFound => 404,
            Refusal::Expired => 410,
            Refusal::Replayed => 409,
            Refusal::Malformed | Refusal::Mismatch => 400,
            Refusal::TooLarge => 413,
            Refusal::BadSignature | Refusal::BadCertificate => 422,
            Refusal::RateLimited => 429,
            Refusal::RevocationUnavailable => 503,
            Refusal::Internal | Refusal::Unknown => 500,
        }
    }
}

impl HandoffError {
    /// The refusal code a relying party reports for this error.
    pub fn refusal(&self) -> Refusal {
        match self {
            HandoffError::TooLong { .. } => Refusal::TooLarge,
            HandoffError::Expired { .. } | HandoffError::NotYetValid { .. } => Refusal::Expired,
            HandoffError::Replayed => Refusal::Replayed,
            HandoffError::OriginMismatch { .. } | HandoffError::DisplayMismatch => Refusal::Mismatch,
            HandoffError::BadSignature => Refusal::BadSignature,
            // The relying party cannot establish revocation now: the same signature may pass later.
            HandoffError::BadCertificate(
                CertificateRefusal::CrlNotCurrent
                | CertificateRefusal::NoCrlForDistributionPoint
                | CertificateRefusal::OcspUnavailable,
            ) => Refusal::RevocationUnavailable,
            HandoffError::BadCertificate(_) => Refusal::BadCertificate,
            HandoffError::Refused { code, .. } => *code,
            HandoffError::Http(_) | HandoffError::HttpStatus { .. } => Refusal::Internal,
            _ => Refusal::Malformed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Refusal;

    #[test]
    fn refusal_codes_round_trip_as_the_protocol_spells_them_and_an_unknown_one_is_unknown() {
        for (code, text, status) in [
            (Refusal::RateLimited, "rate-limited", 429),
            (Refusal::RevocationUnavailable, "revocation-unavailable", 503),
            (Refusal::BadCertificate, "bad-certificate", 422),
            (Refusal::NotFound, "not-found", 404),
        ] {
            assert_eq!(code.to_string(), text);
            assert_eq!(serde_json::from_str::<Refusal>(&format!("\"{text}\"")).unwrap(), code);
            assert_eq!(code.http_status(), status);
        }
        assert_eq!(serde_json::from_str::<Refusal>("\"a-code-from-the-future\"").unwrap(), Refusal::Unknown);
    }
}
