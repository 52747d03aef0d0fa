//! Why a hand-off step was refused ([`HandoffError`]), and the refusal codes of the protocol ([`Refusal`]) the
//! relying party answers with.

/// A network failure (no answer at all).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(pub String);

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
