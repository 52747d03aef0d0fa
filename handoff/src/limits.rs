//! The hand-off's size and time limits: every length a link, request, document, submission or reply may have,
//! and how long a request stays valid. Checked where each is parsed; refused with `HandoffError::TooLong`.

/// Longest request or submit URL.
pub const MAX_URL_LEN: usize = 1024;
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
