//! What can go wrong with a PDF, as one typed error (and the TSA answer's, which it carries, kept here so the
//! error module imports from no other).

/// Why a PDF could not be prepared, finished or read.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the file is {size} bytes; at most {max} are signed")]
    TooLarge { size: usize, max: usize },
    #[error("the PDF is encrypted; encrypted PDFs are not signed")]
    Encrypted,
    #[error("the file is not a readable PDF")]
    Damaged(#[source] lopdf::Error),
    #[error("the PDF's cross-reference data is damaged (readable only by repair), so no update can be appended")]
    Repaired,
    #[error("{offset} bytes come before the %PDF header: readers count the input's offsets from the header, and an update's could not agree with them")]
    BytesBeforeHeader { offset: usize },
    #[error("the PDF is certified (DocMDP P=1) or locked by a signed field so that no change is allowed: a new signature would invalidate that certification")]
    NoChangesAllowed,
    #[error("the PDF has no readable {what}")]
    Structure { what: &'static str },
    #[error("a field named {0:?} already exists")]
    FieldExists(String),
    #[error("the signature is {needed} bytes; {reserved} were reserved")]
    SignatureTooLarge { needed: usize, reserved: usize },
    #[error("the stamp's page {page} does not exist: the PDF has {pages} pages")]
    NoSuchPage { page: i32, pages: usize },
    #[error("the stamp's font: {0}")]
    Font(&'static str),
    #[error("the prepared file has no signature placeholder")]
    NoPlaceholder,
    #[error("the card's certificate is not the one the signature was to name")]
    OtherCertificate,
    #[error("the signature was made by another certificate, or over other bytes, than this signing prepared")]
    NotThisSession,
    #[error("this signing is already finished")]
    AlreadyFinished,
    #[error("the time-stamp authority did not answer")]
    TimeStampUnanswered(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the operating system's random generator failed (a time-stamp request's nonce)")]
    Random(#[source] getrandom::Error),
    #[error("the time-stamp authority's answer is not used")]
    TimeStamp(#[from] TimestampError),
    #[error("CMS encoding failed")]
    Der(#[from] der::Error),
    #[error("writing the update failed")]
    Write(#[source] std::io::Error),
}

/// Why a TSA's answer is not used.
#[derive(Debug, thiserror::Error)]
pub enum TimestampError {
    #[error("not DER: {0}")]
    Der(#[from] der::Error),
    #[error("the TSA refused ({0:?})")]
    Refused(cmpv2::status::PkiStatus),
    #[error("the answer holds no token")]
    NoToken,
    #[error("the token is not a signed TSTInfo")]
    NotTstInfo,
    #[error("the token is for other data (message imprint)")]
    WrongImprint,
    #[error("the token answers another request (nonce)")]
    WrongNonce,
    #[error("the token's own signature does not verify")]
    BadSignature,
}
