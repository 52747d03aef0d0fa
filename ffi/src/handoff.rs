//! The hand-off protocol (`docs/handoff.md`) as the shells see it: the foreign [`HttpTransport`] through which
//! the core fetches requests and sends signatures, and what `SigningFlow` shows of them ([`RequestDisplay`],
//! [`SubmissionReceipt`], a relying party's [`RefusalCode`]). The shells never parse a link or a request: the
//! flow does (`SigningFlow::for_link`), with the core's `handoff` module; this file only bridges types.

use std::sync::{Arc, LazyLock, Mutex};

use kazasu_core::handoff::time::format_utc;
use kazasu_core::handoff::{
    self as core, HttpClient, HttpError, HttpResponse, HttpsUrl, Refusal, SeenNonces, SignRequest,
};

/// How many signed nonces the app remembers to refuse a replayed request before the PIN.
const SEEN_NONCES: usize = 1024;

static SEEN: LazyLock<Arc<Mutex<SeenNonces>>> = LazyLock::new(|| Arc::new(Mutex::new(SeenNonces::new(SEEN_NONCES))));

/// The app's memory of signed nonces, shared by every flow: in memory until the app names its file
/// ([`remember_signed_requests_in`]).
pub(crate) fn signed_nonces() -> Arc<Mutex<SeenNonces>> {
    SEEN.clone()
}

/// Keeps the memory of filed requests in `path` (a file in the app's private storage: Android `filesDir`, iOS
/// Application Support), so that a request signed before a restart of the app is still refused before the
/// password. Call once at start-up, before the first flow; what this process remembered so far is kept too.
/// A file that cannot be read starts an empty memory (the relying party's single use still holds).
#[uniffi::export]
pub fn remember_signed_requests_in(path: String) {
    let mut from_file = SeenNonces::in_file(path, SEEN_NONCES);
    if let Ok(mut seen) = SEEN.lock() {
        seen.move_into(&mut from_file);
        *seen = from_file;
    }
}

// ───────────────────────────────────────────── HTTP (foreign) ─────────────────────────────────────────────

/// An HTTP answer as the shell received it: the status and at most `max_body + 1` body bytes.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HttpReply {
    pub status: u32,
    pub body: Vec<u8>,
}

/// How the shell's HTTP stack reports that no answer came (what Kotlin/Swift throw from `HttpTransport`).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum HttpFailure {
    /// No answer: DNS, TLS, connection, timeout, I/O. `reason` is the platform's message (shown only in logs).
    #[error("network failure: {reason}")]
    Network { reason: String },
}

/// Any other exception the shell's HTTP code throws (an `IOException`, a `RuntimeException` from a bug, a Swift
/// error of another type) arrives here as a value instead of a panic.
impl From<uniffi::UnexpectedUniFFICallbackError> for HttpFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        HttpFailure::Network { reason: e.reason }
    }
}

/// HTTP as the platform does it (Android `HttpURLConnection`, iOS `URLSession`), implemented by the shell.
///
/// Called on a worker thread of `SigningFlow` (never the UI thread), one call at a time per flow.
/// Implementations MUST:
/// - **not follow redirects** (Android: `instanceFollowRedirects = false`; iOS: a delegate that refuses
///   `willPerformHTTPRedirection`): a 3xx is returned as it is, and the core refuses it;
/// - verify TLS certificates as the platform normally does (no custom trust);
/// - **stop reading the body after `max_body + 1` bytes** (the core reports "too large" when it sees more than
///   `max_body`), and return non-2xx answers with their body (the relying party's refusal is JSON);
/// - use short timeouts (about 15 s), no caching, no cookies.
///
/// `post_json` sends `body` with `Content-Type: application/json`. Throw `HttpFailure.Network` (or anything
/// else: it arrives as `Network`) when there is no answer at all.
#[uniffi::export(with_foreign)]
pub trait HttpTransport: Send + Sync {
    fn get(&self, url: String, max_body: u32) -> Result<HttpReply, HttpFailure>;
    fn post_json(&self, url: String, body: Vec<u8>, max_body: u32) -> Result<HttpReply, HttpFailure>;
}

/// Bridges a foreign [`HttpTransport`] to the core's [`HttpClient`].
pub(crate) struct ForeignHttp(pub(crate) Arc<dyn HttpTransport>);

fn limit(max_body: usize) -> u32 {
    u32::try_from(max_body).unwrap_or(u32::MAX - 1)
}

/// The shell's answer as the core sees it: a status that fits HTTP, and never more than `max_body + 1` bytes
/// kept (a shell that read too much is cut here; the core then reports "too large").
fn answer(reply: HttpReply, max_body: usize) -> Result<HttpResponse, HttpError> {
    let status = u16::try_from(reply.status)
        .ok()
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| HttpError(format!("not an HTTP status: {}", reply.status)))?;
    let mut body = reply.body;
    body.truncate(max_body.saturating_add(1));
    Ok(HttpResponse { status, body })
}

impl HttpClient for ForeignHttp {
    fn get(&mut self, url: &HttpsUrl, max_body: usize) -> Result<HttpResponse, HttpError> {
        let reply = self.0.get(url.to_string(), limit(max_body)).map_err(|e| HttpError(e.to_string()))?;
        answer(reply, max_body)
    }

    fn post_json(&mut self, url: &HttpsUrl, body: &[u8], max_body: usize) -> Result<HttpResponse, HttpError> {
        let reply =
            self.0.post_json(url.to_string(), body.to_vec(), limit(max_body)).map_err(|e| HttpError(e.to_string()))?;
        answer(reply, max_body)
    }
}

// ───────────────────────────────────────── the relying party's refusal ─────────────────────────────────────────

/// A relying party's machine-readable refusal (`{"status":"refused","error":…}`), see `docs/handoff.md` §4: the
/// core's `Refusal`, exported under the name the shells know (remote, as the notices in `flow.rs`).
pub type RefusalCode = Refusal;

#[uniffi::remote(Enum)]
pub enum RefusalCode {
    NotFound,
    Expired,
    Replayed,
    Malformed,
    TooLarge,
    Mismatch,
    BadSignature,
    BadCertificate,
    RateLimited,
    RevocationUnavailable,
    Internal,
    Unknown,
}

// ───────────────────────────────────────────── the request ─────────────────────────────────────────────

/// One label/value line the person confirms.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RequestField {
    pub label: String,
    /// May be empty.
    pub value: String,
}

/// Everything the person must see before the PIN is asked. The document these come from is exactly what is
/// signed; show every field, the origin prominently.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RequestDisplay {
    /// `https://host[:port]` the request was fetched from — show it prominently.
    pub origin: String,
    /// False for a development origin (`http://localhost…`): the shell should say so.
    pub origin_is_https: bool,
    /// The relying party's name as it states it (e.g. 伊勢市); the origin is what proves who it is.
    pub relying_party: String,
    pub title: String,
    pub request_id: String,
    /// Seconds since the Unix epoch.
    pub issued_at: i64,
    pub expires_at: i64,
    /// The same instants as `YYYY-MM-DDTHH:MM:SSZ` (UTC); shells format them for the person's locale.
    pub issued_at_utc: String,
    pub expires_at_utc: String,
    pub fields: Vec<RequestField>,
    /// The exact text that is signed (UTF-8 of the document bytes), for a "show the signed text" view.
    pub signed_text: String,
}

/// What the relying party reports after it verified the signature: what it transcribed from the certificate.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SubmissionReceipt {
    pub request_id: String,
    /// 氏名
    pub name: Option<String>,
    /// 住所
    pub address: Option<String>,
    /// 生年月日, as the relying party reports it
    pub date_of_birth: Option<String>,
}

/// What the person sees of a checked request.
pub(crate) fn display_of(request: &SignRequest) -> RequestDisplay {
    let d = request.document();
    RequestDisplay {
        origin: d.origin.clone(),
        origin_is_https: request.url().is_https(),
        relying_party: d.relying_party.clone(),
        title: d.title.clone(),
        request_id: d.request_id.clone(),
        issued_at: d.issued_at,
        expires_at: d.expires_at,
        issued_at_utc: format_utc(d.issued_at),
        expires_at_utc: format_utc(d.expires_at),
        fields: d.fields.iter().map(|f| RequestField { label: f.label.clone(), value: f.value.clone() }).collect(),
        signed_text: String::from_utf8_lossy(request.bytes_to_sign()).into_owned(),
    }
}

/// What the relying party transcribed, as the shells show it.
pub(crate) fn receipt_of(receipt: core::Receipt) -> SubmissionReceipt {
    let t = receipt.transcribed.unwrap_or_default();
    SubmissionReceipt {
        request_id: receipt.request_id,
        name: t.name,
        address: t.address,
        date_of_birth: t.date_of_birth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_that_reads_too_much_is_cut_and_a_nonsense_status_is_a_network_error() {
        let r = answer(HttpReply { status: 200, body: vec![1; 100] }, 10).unwrap();
        assert_eq!(r.body.len(), 11);
        assert!(answer(HttpReply { status: 70000, body: vec![] }, 10).is_err());
        assert!(answer(HttpReply { status: 0, body: vec![] }, 10).is_err());
    }

    #[test]
    fn an_exception_thrown_by_the_shell_is_a_network_failure() {
        let e: HttpFailure = uniffi::UnexpectedUniFFICallbackError::new("java.io.IOException: reset").into();
        assert!(matches!(e, HttpFailure::Network { ref reason } if reason.contains("IOException")));
    }
}
