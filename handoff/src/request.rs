//! The signing request the app fetches from the request URL:
//!
//! ```json
//! { "format": "kazasu-request/2",
//!   "document": "KAZASU-SIGN-REQUEST/2\norigin\thttps://city.example.jp\n…",
//!   "display": { "origin": "…", "relying_party": "…", "title": "…", "request_id": "…", "nonce": "…",
//!                "issued_at": "…Z", "created_from": "…", "expires_at": "…Z", "submit_url": "…", "fields": [{"label": "…", "value": "…"}] } }
//! ```
//!
//! `document` is the exact text to sign (see [`super::document`]). `display` repeats its content as JSON for
//! relying-party pages and tools; the app parses the document, shows *that*, and refuses the request when
//! `display` says anything else, when the document's origin is not the origin the request was fetched from,
//! or when it has expired.

use serde::{Deserialize, Serialize};

use super::document::{Document, Field};
use super::time::{format_utc, parse_utc};
use super::url::HttpsUrl;
use crate::error::HandoffError;
use crate::limits::MAX_REQUEST_BODY;

pub const FORMAT: &str = "kazasu-request/2";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    document: String,
    display: Display,
}

#[derive(Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Display {
    origin: String,
    relying_party: String,
    title: String,
    request_id: String,
    nonce: String,
    issued_at: String,
    created_from: String,
    expires_at: String,
    submit_url: String,
    fields: Vec<Field>,
}

impl Display {
    fn of(d: &Document) -> Display {
        Display {
            origin: d.origin.clone(),
            relying_party: d.relying_party.clone(),
            title: d.title.clone(),
            request_id: d.request_id.clone(),
            nonce: d.nonce.clone(),
            issued_at: format_utc(d.issued_at),
            created_from: d.created_from.clone(),
            expires_at: format_utc(d.expires_at),
            submit_url: d.submit_url.clone(),
            fields: d.fields.clone(),
        }
    }
}

/// The request JSON a relying party serves for `document` (which it renders once and stores).
pub fn request_json(document: &Document) -> Result<Vec<u8>, HandoffError> {
    let bytes = document.render()?;
    let wire = Wire {
        format: FORMAT.into(),
        document: String::from_utf8(bytes).map_err(|_| HandoffError::InvalidUtf8 { what: "document" })?,
        display: Display::of(document),
    };
    serde_json::to_vec(&wire).map_err(|e| HandoffError::Malformed { what: "request", detail: e.to_string() })
}

/// A checked signing request. The only way to get one is [`SignRequest::from_json`], so the bytes it signs
/// are always the document it parsed and shows.
#[derive(Clone, Debug)]
pub struct SignRequest {
    url: HttpsUrl,
    document: Document,
    bytes: Vec<u8>,
}

impl SignRequest {
    /// Checks a request body fetched from `fetched_from` at time `now` (seconds since the epoch).
    pub fn from_json(fetched_from: &HttpsUrl, body: &[u8], now: i64) -> Result<SignRequest, HandoffError> {
        if body.len() > MAX_REQUEST_BODY {
            return Err(HandoffError::TooLong { what: "request", max: MAX_REQUEST_BODY, actual: body.len() });
        }
        std::str::from_utf8(body).map_err(|_| HandoffError::InvalidUtf8 { what: "request" })?;
        let wire: Wire = serde_json::from_slice(body)
            .map_err(|e| HandoffError::Malformed { what: "request", detail: e.to_string() })?;
        if wire.format != FORMAT {
            return Err(HandoffError::UnsupportedVersion);
        }
        let bytes = wire.document.into_bytes();
        let document = Document::parse(&bytes)?;
        if document.origin != fetched_from.origin() {
            return Err(HandoffError::OriginMismatch { expected: fetched_from.origin(), found: document.origin });
        }
        if wire.display != Display::of(&document) || parse_utc(&wire.display.expires_at) != Some(document.expires_at) {
            return Err(HandoffError::DisplayMismatch);
        }
        document.check_time(now)?;
        Ok(SignRequest { url: fetched_from.clone(), document, bytes })
    }

    /// What to show: every line of it, the origin prominently.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The exact bytes to sign (the canonical rendering of [`SignRequest::document`]).
    pub fn bytes_to_sign(&self) -> &[u8] {
        &self.bytes
    }

    /// The origin the request came from (== the document's origin), to be shown to the person.
    pub fn origin(&self) -> &str {
        &self.document.origin
    }

    pub fn url(&self) -> &HttpsUrl {
        &self.url
    }

    pub fn submit_url(&self) -> Result<HttpsUrl, HandoffError> {
        HttpsUrl::parse(&self.document.submit_url)
    }

    /// Refuses an expired request. Call right before asking for the PIN, and again before signing.
    pub fn check_time(&self, now: i64) -> Result<(), HandoffError> {
        self.document.check_time(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::tests::sample;

    const NOW: i64 = 1_800_000_000;

    fn url() -> HttpsUrl {
        HttpsUrl::parse("https://city.example.jp/r/req_0123456789").unwrap()
    }

    #[test]
    fn a_request_from_its_own_origin_is_accepted_and_signs_its_document_bytes() {
        let doc = sample(NOW);
        let body = request_json(&doc).unwrap();
        let req = SignRequest::from_json(&url(), &body, NOW).unwrap();
        assert_eq!(req.document(), &doc);
        assert_eq!(req.bytes_to_sign(), doc.render().unwrap());
        assert_eq!(req.origin(), "https://city.example.jp");
    }

    #[test]
    fn a_request_naming_another_origin_is_refused() {
        let body = request_json(&sample(NOW)).unwrap();
        let from = HttpsUrl::parse("https://evil.example/r/req_0123456789").unwrap();
        assert!(matches!(SignRequest::from_json(&from, &body, NOW), Err(HandoffError::OriginMismatch { .. })));
        let other_port = HttpsUrl::parse("https://city.example.jp:8443/r/x").unwrap();
        assert!(matches!(SignRequest::from_json(&other_port, &body, NOW), Err(HandoffError::OriginMismatch { .. })));
    }

    #[test]
    fn display_fields_that_differ_from_the_signed_bytes_are_refused() {
        let body = request_json(&sample(NOW)).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["display"]["fields"][0]["value"] = "100".into();
        let tampered = serde_json::to_vec(&v).unwrap();
        assert_eq!(SignRequest::from_json(&url(), &tampered, NOW).unwrap_err(), HandoffError::DisplayMismatch);
        // …and the document changed while the display stays: still a mismatch.
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let doc = v["document"].as_str().unwrap().replace("\t1\n", "\t100\n");
        v["document"] = doc.into();
        let tampered = serde_json::to_vec(&v).unwrap();
        assert_eq!(SignRequest::from_json(&url(), &tampered, NOW).unwrap_err(), HandoffError::DisplayMismatch);
    }

    #[test]
    fn expired_oversized_unknown_and_non_utf8_requests_are_refused() {
        let body = request_json(&sample(NOW)).unwrap();
        assert!(matches!(SignRequest::from_json(&url(), &body, NOW + 600), Err(HandoffError::Expired { .. })));
        let big = vec![b' '; MAX_REQUEST_BODY + 1];
        assert!(matches!(SignRequest::from_json(&url(), &big, NOW), Err(HandoffError::TooLong { .. })));
        let mut bad = body.clone();
        bad.insert(1, 0xC0);
        assert!(matches!(SignRequest::from_json(&url(), &bad, NOW), Err(HandoffError::InvalidUtf8 { .. })));
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["format"] = "kazasu-request/9".into();
        assert_eq!(
            SignRequest::from_json(&url(), &serde_json::to_vec(&v).unwrap(), NOW).unwrap_err(),
            HandoffError::UnsupportedVersion
        );
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["extra"] = "x".into();
        assert!(matches!(
            SignRequest::from_json(&url(), &serde_json::to_vec(&v).unwrap(), NOW),
            Err(HandoffError::Malformed { .. })
        ));
        for junk in [&b""[..], b"null", b"[]", b"{\"format\":1}", b"{"] {
            assert!(SignRequest::from_json(&url(), junk, NOW).is_err());
        }
    }
}
