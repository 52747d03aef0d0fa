//! The app's side of the hand-off, over an [`HttpClient`] the platform provides (the CLI uses ureq; phones
//! their own stacks): fetch the request, let the shell show it, sign it with the card, submit.
//!
//! ```text
//! let url = parse_link(qr_text)?;                 // https only (http to loopback for development)
//! let req = fetch_request(&mut http, &url, now)?; // origin, size, UTF-8, display == document, expiry
//! show(req.document());                           // the shell draws every line; origin prominent
//! req.check_time(now)?;                           // again, right before the PIN is asked
//! // the card signs req.bytes_to_sign() in the one flow (kazasu_core::flow), which also runs fetch and submit
//! let receipt = submit(&mut http, &req, &submission)?;
//! ```

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::document::sanitize_text;
use super::login::{LoginChallenge, LoginResponse};
use super::request::SignRequest;
use super::submission::Submission;
use super::url::HttpsUrl;
use crate::error::{HandoffError, HttpError, Refusal};
use crate::limits::{MAX_NONCE_CHARS, MAX_REPLY_BODY, MAX_REQUEST_BODY, MIN_NONCE_CHARS};

/// An HTTP answer: status, and at most the requested number of body bytes (+1, to tell "too long").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// HTTP as the platform does it. Implementations must not follow redirects (a redirect would leave the origin
/// the person was shown), must verify TLS certificates as usual for https, and must stop reading a body after
/// `max_body + 1` bytes.
pub trait HttpClient {
    fn get(&mut self, url: &HttpsUrl, max_body: usize) -> Result<HttpResponse, HttpError>;
    fn post_json(&mut self, url: &HttpsUrl, body: &[u8], max_body: usize) -> Result<HttpResponse, HttpError>;
}

impl<C: HttpClient + ?Sized> HttpClient for &mut C {
    fn get(&mut self, url: &HttpsUrl, max_body: usize) -> Result<HttpResponse, HttpError> {
        (**self).get(url, max_body)
    }
    fn post_json(&mut self, url: &HttpsUrl, body: &[u8], max_body: usize) -> Result<HttpResponse, HttpError> {
        (**self).post_json(url, body, max_body)
    }
}

/// Whether the relying party accepted a submission.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyStatus {
    Accepted,
    #[default]
    Refused,
}

/// The relying party's answer to a fetch or a submission (other than the request itself).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub status: ReplyStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Refusal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// What the relying party transcribed from the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcribed: Option<Transcribed>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcribed {
    pub name: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<String>,
}

impl Reply {
    pub fn accepted(request_id: &str, transcribed: Transcribed) -> Reply {
        Reply {
            status: ReplyStatus::Accepted,
            request_id: Some(request_id.into()),
            transcribed: Some(transcribed),
            ..Reply::default()
        }
    }
    pub fn refused(code: Refusal, message: impl Into<String>) -> Reply {
        Reply { status: ReplyStatus::Refused, error: Some(code), message: Some(message.into()), ..Reply::default() }
    }
}

/// The relying party accepted the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub request_id: String,
    pub transcribed: Option<Transcribed>,
}

fn refusal_of(status: u16, body: &[u8]) -> HandoffError {
    let reply: Option<Reply> = serde_json::from_slice(body).ok();
    match reply.and_then(|r| Some((r.error?, r.message.unwrap_or_default()))) {
        Some((Refusal::Replayed, _)) => HandoffError::Replayed,
        // The server's words are shown to the person: cleaned and bounded like any displayed value.
        Some((code, message)) => HandoffError::Refused { status, code, message: sanitize_text(&message, 200) },
        None => HandoffError::HttpStatus { status },
    }
}

fn bounded(resp: HttpResponse, what: &'static str, max: usize) -> Result<HttpResponse, HandoffError> {
    if resp.body.len() > max {
        return Err(HandoffError::TooLong { what, max, actual: resp.body.len() });
    }
    Ok(resp)
}

/// Fetches and checks the request behind a link (see [`SignRequest::from_json`]). Nothing is signed here.
pub fn fetch_request<C: HttpClient>(client: &mut C, url: &HttpsUrl, now: i64) -> Result<SignRequest, HandoffError> {
    let resp = client.get(url, MAX_REQUEST_BODY)?;
    let resp = bounded(resp, "request", MAX_REQUEST_BODY)?;
    if resp.status != 200 {
        return Err(refusal_of(resp.status, &resp.body));
    }
    SignRequest::from_json(url, &resp.body, now)
}

/// Posts the submission to the request's submit URL (same origin, checked when the request was parsed).
pub fn submit<C: HttpClient>(
    client: &mut C,
    request: &SignRequest,
    submission: &Submission,
) -> Result<Receipt, HandoffError> {
    let url = request.submit_url()?;
    if url.origin() != request.origin() {
        return Err(HandoffError::OriginMismatch { expected: request.origin().into(), found: url.origin() });
    }
    let resp = client.post_json(&url, &submission.to_json(), MAX_REPLY_BODY)?;
    let resp = bounded(resp, "reply", MAX_REPLY_BODY)?;
    if resp.status != 200 {
        return Err(refusal_of(resp.status, &resp.body));
    }
    let reply: Reply = serde_json::from_slice(&resp.body)
        .map_err(|e| HandoffError::Malformed { what: "reply", detail: e.to_string() })?;
    if reply.status != ReplyStatus::Accepted
        || reply.request_id.as_deref() != Some(request.document().request_id.as_str())
    {
        return Err(HandoffError::Malformed { what: "reply", detail: "not an acceptance of this request".into() });
    }
    Ok(Receipt { request_id: reply.request_id.unwrap_or_default(), transcribed: reply.transcribed })
}

/// Fetches and checks the log-in challenge behind a `login` link ([`LoginChallenge::from_json`]).
pub fn fetch_challenge<C: HttpClient>(
    client: &mut C,
    url: &HttpsUrl,
    now: i64,
) -> Result<LoginChallenge, HandoffError> {
    let resp = client.get(url, MAX_REQUEST_BODY)?;
    let resp = bounded(resp, "challenge", MAX_REQUEST_BODY)?;
    if resp.status != 200 {
        return Err(refusal_of(resp.status, &resp.body));
    }
    LoginChallenge::from_json(url, &resp.body, now)
}

/// Posts a log-in answer to the challenge's submit URL (same origin) and reads the relying party's verdict:
/// accepted for this challenge (a [`Receipt`] without transcribed data: a log-in hands over none), or refused.
pub fn submit_login<C: HttpClient>(
    client: &mut C,
    challenge: &LoginChallenge,
    response: &LoginResponse,
) -> Result<Receipt, HandoffError> {
    let url = challenge.submit_url()?;
    if url.origin() != challenge.origin() {
        return Err(HandoffError::OriginMismatch { expected: challenge.origin().into(), found: url.origin() });
    }
    let resp = client.post_json(&url, &response.to_json(), MAX_REPLY_BODY)?;
    let resp = bounded(resp, "reply", MAX_REPLY_BODY)?;
    if resp.status != 200 {
        return Err(refusal_of(resp.status, &resp.body));
    }
    let reply: Reply = serde_json::from_slice(&resp.body)
        .map_err(|e| HandoffError::Malformed { what: "reply", detail: e.to_string() })?;
    let id = challenge.challenge().challenge_id.as_str();
    if reply.status != ReplyStatus::Accepted || reply.request_id.as_deref() != Some(id) {
        return Err(HandoffError::Malformed { what: "reply", detail: "not an acceptance of this log-in".into() });
    }
    Ok(Receipt { request_id: id.to_string(), transcribed: None })
}

/// Nonces this app already signed and filed (bounded, oldest forgotten first), so a replayed request is refused
/// before the password is asked, whatever the server does. A phone keeps them in a file ([`SeenNonces::in_file`])
/// so that a restart of the app does not forget them.
#[derive(Debug)]
pub struct SeenNonces {
    set: HashSet<String>,
    order: VecDeque<String>,
    capacity: usize,
    file: Option<PathBuf>,
}

impl SeenNonces {
    /// In memory only.
    pub fn new(capacity: usize) -> SeenNonces {
        SeenNonces { set: HashSet::new(), order: VecDeque::new(), capacity: capacity.max(1), file: None }
    }

    /// Kept in `path` (one nonce per line, oldest first), loaded now and rewritten after each new nonce. A
    /// missing file is an empty memory; lines that are no nonce are skipped; a file that cannot be read is
    /// logged and the memory starts empty (the relying party's single use still holds).
    pub fn in_file(path: impl Into<PathBuf>, capacity: usize) -> SeenNonces {
        let path = path.into();
        let mut seen = SeenNonces::new(capacity);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                for nonce in text.lines().filter(|l| is_nonce(l)) {
                    seen.insert(nonce.to_string());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => log::warn!("signed-request memory unreadable ({}); starting empty", e.kind()),
        }
        seen.file = Some(path);
        seen
    }

    /// Refuses a request whose nonce was signed before.
    pub fn check(&self, request: &SignRequest) -> Result<(), HandoffError> {
        if self.set.contains(&request.document().nonce) {
            return Err(HandoffError::Replayed);
        }
        Ok(())
    }

    /// Whether `nonce` was recorded (a signed request's, or an answered log-in challenge's).
    pub fn contains(&self, nonce: &str) -> bool {
        self.set.contains(nonce)
    }

    /// Records a nonce (an answered log-in challenge's) and writes the file; false when it was there already.
    pub fn record_nonce(&mut self, nonce: &str) -> bool {
        let added = self.insert(nonce.to_string());
        if added {
            if let Err(e) = self.save() {
                log::warn!("signed-request memory not written ({}); kept in memory", e.kind());
            }
        }
        added
    }

    /// Records a signed request's nonce (and writes the file, when there is one).
    pub fn record(&mut self, request: &SignRequest) {
        if self.insert(request.document().nonce.clone()) {
            if let Err(e) = self.save() {
                log::warn!("signed-request memory not written ({}); kept in memory", e.kind());
            }
        }
    }

    /// Adds what this memory holds to `other` (oldest first), which writes its file if it has one.
    pub fn move_into(&mut self, other: &mut SeenNonces) {
        let mut added = false;
        for nonce in std::mem::take(&mut self.order) {
            added |= other.insert(nonce);
        }
        self.set.clear();
        if added {
            if let Err(e) = other.save() {
                log::warn!("signed-request memory not written ({}); kept in memory", e.kind());
            }
        }
    }

    fn insert(&mut self, nonce: String) -> bool {
        if !self.set.insert(nonce.clone()) {
            return false;
        }
        self.order.push_back(nonce);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }

    /// Writes the whole list to a temporary file beside the target and renames it over the target: a crash
    /// leaves the old list or the new one, never half of one.
    fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let mut text = String::with_capacity(self.order.len() * 48);
        for nonce in &self.order {
            text.push_str(nonce);
            text.push('\n');
        }
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut f = std::fs::File::create(&tmp)?;
            std::io::Write::write_all(&mut f, text.as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    }
}

fn is_nonce(line: &str) -> bool {
    (MIN_NONCE_CHARS..=MAX_NONCE_CHARS).contains(&line.len())
        && line.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
