//! The hand-off protocol (`docs/handoff.md`) for the phone shells: link → fetch → show → sign → submit.
//!
//! The shells never parse a link or a request: they hand the QR text or deep link to
//! [`request_url_of_link`], fetch through [`SigningRequest::fetch`] with their own HTTP stack (the foreign
//! [`HttpTransport`]), draw what [`SigningRequest::display`] returns, sign with
//! [`crate::CardSession::sign_request`] (which signs exactly the request's document bytes — the shell never
//! passes bytes) and post with [`SigningRequest::submit`]. Everything is checked by the core's
//! `handoff` module; this file only bridges types and maps errors into [`HandoffFailure`].
//!
//! [`HandoffFailure`] is separate from [`KazasuError`] on purpose: adding variants to `KazasuError` would break
//! the exhaustive `when`/`switch` over it in both shells. Card failures during `sign_request` arrive as
//! `HandoffFailure::Card { error }` carrying the unchanged `KazasuError`.

use std::sync::{Arc, LazyLock, Mutex};

use kazasu_core::handoff::time::format_utc;
use kazasu_core::handoff::{
    self as core, HandoffError, HttpClient, HttpError, HttpResponse, HttpsUrl, Refusal, SeenNonces, SignRequest,
};

use crate::error::KazasuError;
use crate::session::SignedDocument;

/// How many signed nonces the app remembers (process lifetime) to refuse a replayed request before the PIN.
const SEEN_NONCES: usize = 1024;

static SEEN: LazyLock<Arc<Mutex<SeenNonces>>> = LazyLock::new(|| Arc::new(Mutex::new(SeenNonces::new(SEEN_NONCES))));

/// The app's memory of signed nonces (process lifetime), shared by every flow.
pub(crate) fn signed_nonces() -> Arc<Mutex<SeenNonces>> {
    SEEN.clone()
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
/// Called on the thread that called into the core — never call the core's hand-off functions on the UI thread.
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
        let reply = self.0.post_json(url.to_string(), body.to_vec(), limit(max_body)).map_err(|e| HttpError(e.to_string()))?;
        answer(reply, max_body)
    }
}

// ───────────────────────────────────────────── errors ─────────────────────────────────────────────

/// A relying party's machine-readable refusal (`{"status":"refused","error":…}`), see `docs/handoff.md` §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum RefusalCode {
    NotFound,
    Expired,
    Replayed,
    Malformed,
    TooLarge,
    Mismatch,
    BadSignature,
    BadCertificate,
    Internal,
    Unknown,
}

impl From<Refusal> for RefusalCode {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotFound => RefusalCode::NotFound,
            Refusal::Expired => RefusalCode::Expired,
            Refusal::Replayed => RefusalCode::Replayed,
            Refusal::Malformed => RefusalCode::Malformed,
            Refusal::TooLarge => RefusalCode::TooLarge,
            Refusal::Mismatch => RefusalCode::Mismatch,
            Refusal::BadSignature => RefusalCode::BadSignature,
            Refusal::BadCertificate => RefusalCode::BadCertificate,
            Refusal::Internal => RefusalCode::Internal,
            Refusal::Unknown => RefusalCode::Unknown,
        }
    }
}

/// Why a hand-off step failed. Small and machine-readable: the shells turn each variant into words.
/// Nothing was signed after any variant other than `Card` (and `Card` is the card flow's own outcome).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum HandoffFailure {
    /// The QR text or deep link is not a Kazasu request link (wrong scheme, not https, malformed, too long).
    #[error("not a Kazasu request link: {reason}")]
    InvalidLink { reason: String },
    /// The relying party's request breaks the protocol (size, UTF-8, JSON shape, document rules). `reason` is
    /// for logs.
    #[error("invalid request: {reason}")]
    InvalidRequest { reason: String },
    /// The request names another origin than the one it was fetched from (or its submit URL does).
    #[error("the request names origin {found}, but it came from {expected}")]
    OriginMismatch { expected: String, found: String },
    /// The request's display part says something other than the document that would be signed.
    #[error("the request's display does not match its document")]
    DisplayMismatch,
    /// The request has expired (`expires_at` as `YYYY-MM-DDTHH:MM:SSZ`). No PIN is asked.
    #[error("the request expired at {expires_at}")]
    Expired { expires_at: String },
    /// The request claims to be issued in the future: the phone's clock (or the relying party's) is wrong.
    #[error("the request is issued in the future ({issued_at})")]
    NotYetValid { issued_at: String },
    /// This phone already signed this request, or the relying party says it was already signed.
    #[error("this request was already signed")]
    Replayed,
    /// No answer from the relying party (the shell's HTTP failed or threw). `reason` is for logs.
    #[error("network failure: {reason}")]
    Network { reason: String },
    /// The relying party answered with an HTTP status and no understandable refusal (e.g. a redirect).
    #[error("the server answered HTTP {status}")]
    HttpStatus { status: u32 },
    /// The relying party refused; `rp_message` is its own words, cleaned (no control/invisible characters) and
    /// at most 200 characters. (Not named `message`: that would clash with Kotlin's `Throwable.message`.)
    #[error("the relying party refused: {rp_message}")]
    Refused { status: u32, code: RefusalCode, rp_message: String },
    /// The card flow failed (wrong PIN, lost card, …): the unchanged card error.
    #[error("card: {error}")]
    Card { error: KazasuError },
    /// A bug or an impossible answer. `detail` is for logs.
    #[error("internal error: {detail}")]
    Internal { detail: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HandoffFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        HandoffFailure::Internal { detail: format!("callback failed: {}", e.reason) }
    }
}

impl From<KazasuError> for HandoffFailure {
    fn from(error: KazasuError) -> Self {
        HandoffFailure::Card { error }
    }
}

/// The one mapping from the core's hand-off errors to [`HandoffFailure`] (for a request or a reply).
impl From<HandoffError> for HandoffFailure {
    fn from(e: HandoffError) -> Self {
        match e {
            HandoffError::OriginMismatch { expected, found } => HandoffFailure::OriginMismatch { expected, found },
            HandoffError::DisplayMismatch => HandoffFailure::DisplayMismatch,
            HandoffError::Expired { expires_at } => HandoffFailure::Expired { expires_at },
            HandoffError::NotYetValid { issued_at } => HandoffFailure::NotYetValid { issued_at },
            HandoffError::Replayed => HandoffFailure::Replayed,
            HandoffError::Http(reason) => HandoffFailure::Network { reason },
            HandoffError::HttpStatus { status } => HandoffFailure::HttpStatus { status: status.into() },
            HandoffError::Refused { status, code, message } => {
                HandoffFailure::Refused { status: status.into(), code: code.into(), rp_message: message }
            }
            HandoffError::BadSignature | HandoffError::BadCertificate(_) => {
                HandoffFailure::Internal { detail: e.to_string() }
            }
            HandoffError::Scheme(_)
            | HandoffError::InvalidUrl(_)
            | HandoffError::TooLong { .. }
            | HandoffError::InvalidUtf8 { .. }
            | HandoffError::Malformed { .. }
            | HandoffError::UnsupportedVersion => HandoffFailure::InvalidRequest { reason: e.to_string() },
        }
    }
}

fn link_failure(e: HandoffError) -> HandoffFailure {
    HandoffFailure::InvalidLink { reason: e.to_string() }
}

// ───────────────────────────────────────────── the link ─────────────────────────────────────────────

/// The https URL of the signing request inside a scanned QR text or a `kazasu://sign?r=…` deep link
/// (`http` only to a loopback host, for development). Everything the core's `parse_link` refuses is
/// `InvalidLink`.
#[uniffi::export]
pub fn request_url_of_link(text: String) -> Result<String, HandoffFailure> {
    core::parse_link(&text).map(|u| u.to_string()).map_err(link_failure)
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

/// A fetched and checked signing request (origin, size, UTF-8, display == document, expiry, not signed here
/// before). The only way to get one is [`SigningRequest::fetch`]; it signs exactly the document it shows.
#[derive(Debug, uniffi::Object)]
pub struct SigningRequest {
    inner: SignRequest,
}

#[uniffi::export]
impl SigningRequest {
    /// GETs `url` (a request URL from [`request_url_of_link`]; a link is accepted too) through `http` and checks
    /// the answer at `now` (seconds since the epoch, the phone's clock). Blocking: call off the UI thread.
    #[uniffi::constructor]
    pub fn fetch(http: Arc<dyn HttpTransport>, url: String, now: i64) -> Result<Arc<Self>, HandoffFailure> {
        let url = core::parse_link(&url).map_err(link_failure)?;
        let inner = core::fetch_request(&mut ForeignHttp(http), &url, now)?;
        seen()?.check(&inner)?;
        Ok(Arc::new(SigningRequest { inner }))
    }

    /// What to show: every field, the origin prominently, the expiry.
    pub fn display(&self) -> RequestDisplay {
        display_of(&self.inner)
    }

    /// The URL the request was fetched from.
    pub fn request_url(&self) -> String {
        self.inner.url().to_string()
    }

    /// `Expired` (or `NotYetValid`) at `now`. Call right before asking for the PIN; `sign_request` checks again.
    pub fn check_not_expired(&self, now: i64) -> Result<(), HandoffFailure> {
        Ok(self.inner.check_time(now)?)
    }

    /// POSTs the signature to the request's submit URL (same origin, checked) and returns what the relying
    /// party transcribed. `signed_document` is what `CardSession.sign_request` returned for this request.
    /// Never signs again by itself; a failure here leaves the signature with the shell (it may offer to send it
    /// again). (Not named `signed`: that is a C keyword, and the Swift bindings' C header would not compile.)
    pub fn submit(
        &self,
        http: Arc<dyn HttpTransport>,
        signed_document: SignedDocument,
    ) -> Result<SubmissionReceipt, HandoffFailure> {
        let s = signed_document;
        let submission = core::Submission::new(&self.inner, s.algorithm.into(), s.signature, s.certificate);
        let receipt = core::submit(&mut ForeignHttp(http), &self.inner, &submission)?;
        Ok(receipt_of(receipt))
    }
}

impl SigningRequest {
    /// What `CardSession::sign_request` checks before the PIN is taken or the card touched: not expired, and
    /// not a nonce this app already signed.
    pub(crate) fn check_before_pin(&self, now: i64) -> Result<(), HandoffFailure> {
        self.inner.check_time(now)?;
        seen()?.check(&self.inner)?;
        Ok(())
    }

    /// The exact bytes to sign: the document that was parsed and is shown.
    pub(crate) fn bytes_to_sign(&self) -> &[u8] {
        self.inner.bytes_to_sign()
    }

    /// Remembers that this request's nonce was signed (a second request with it is refused before the PIN).
    pub(crate) fn record_signed(&self) {
        if let Ok(mut s) = SEEN.lock() {
            s.record(&self.inner);
        }
    }
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
    SubmissionReceipt { request_id: receipt.request_id, name: t.name, address: t.address, date_of_birth: t.date_of_birth }
}

fn seen() -> Result<std::sync::MutexGuard<'static, SeenNonces>, HandoffFailure> {
    SEEN.lock().map_err(|_| HandoffFailure::Internal { detail: "nonce memory poisoned".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deep_link_and_its_qr_text_give_the_same_url_and_hostile_links_are_invalid() {
        let url = request_url_of_link("https://city.example.jp/r/abcdEFGH1234".into()).unwrap();
        assert_eq!(url, "https://city.example.jp/r/abcdEFGH1234");
        let deep = request_url_of_link("kazasu://sign?r=https%3A%2F%2Fcity.example.jp%2Fr%2FabcdEFGH1234".into()).unwrap();
        assert_eq!(deep, url);
        for bad in [
            "http://evil.example/r/1",
            "kazasu://sign?r=http%3A%2F%2Fevil.example%2F",
            "https://city.example.jp@evil.example/r/1",
            "kazasu://sign?r=%FF",
            "WIFI:S:net;T:WPA;P:x;;",
            "",
        ] {
            assert!(matches!(request_url_of_link(bad.into()), Err(HandoffFailure::InvalidLink { .. })), "{bad}");
        }
        assert!(matches!(request_url_of_link("h".repeat(5000)), Err(HandoffFailure::InvalidLink { .. })));
    }

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
