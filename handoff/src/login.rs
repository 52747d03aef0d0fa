//! Log-in with the card's user-authentication certificate (利用者証明用電子証明書): the challenge a relying party
//! issues, the JSON the app fetches, and the response the app sends back. The relying party's verification is
//! [`crate::rp::login`].
//!
//! The challenge is a canonical UTF-8 text, like the signing document ([`crate::document`]): what the app shows
//! is parsed from exactly the bytes the auth key signs, so the signature covers the origin, the nonce, the
//! expiry and the session the challenge is bound to.
//!
//! ```text
//! KAZASU-LOGIN-CHALLENGE/1
//! origin<TAB>https://city.example.jp
//! relying-party<TAB>伊勢市
//! challenge-id<TAB>q3Xv…
//! nonce<TAB>mZ1…
//! issued-at<TAB>2026-11-27T12:00:00Z
//! created-from<TAB>Windows · Chrome
//! expires-at<TAB>2026-11-27T12:05:00Z
//! session<TAB>base64url(SHA-256 of the asking browser session's secret)
//! submit<TAB>https://city.example.jp/login/q3Xv…/response
//! ```
//!
//! Every line ends with LF. `session` binds the challenge to the browser session that asked for it: the
//! relying party gives the log-in only to that session (a challenge completed for another session is refused),
//! and since the line is signed, a response cannot be moved to another session's challenge. It is a hash, so
//! the phone learns nothing that would let it take over the session.
//!
//! The request the app fetches: `{"format":"kazasu-login/1","challenge":"KAZASU-LOGIN-CHALLENGE/1\n…"}`.
//! The response it posts to `submit`: `{"format":"kazasu-login-response/1","request_id":<challenge id>,
//! "nonce":…,"digest_algorithm":"sha256","signature":…,"certificate_chain":[<auth certificate>]}` — the shape of
//! a signing [`Submission`], so one parser checks both.

use serde::{Deserialize, Serialize};

use super::document::{check_origin, check_submit_url, check_text, check_validity, is_token};
use super::submission::Submission;
use super::time::{format_utc, parse_utc};
use super::url::HttpsUrl;

use crate::error::HandoffError;
use crate::limits::{MAX_CLOCK_SKEW_SECS, MAX_NAME_CHARS, MAX_NONCE_CHARS, MAX_REQUEST_BODY, MIN_NONCE_CHARS};
use crate::HashAlgorithm;

pub const MAGIC: &str = "KAZASU-LOGIN-CHALLENGE/1";
/// The fetched challenge's JSON format.
pub const FORMAT: &str = "kazasu-login/1";
/// The response's JSON format.
pub const RESPONSE_FORMAT: &str = "kazasu-login-response/1";
/// A log-in challenge is valid at most this long: a log-in is a moment, not an errand.
pub const MAX_LOGIN_VALIDITY_SECS: i64 = 600;
/// The challenge's canonical text, in bytes.
pub const MAX_CHALLENGE_BYTES: usize = 4 * 1024;
/// The digest the auth key signs the challenge with.
pub const LOGIN_DIGEST: HashAlgorithm = HashAlgorithm::Sha256;

/// The content of one log-in challenge, as parsed from (or rendered into) its canonical bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The relying party's origin, shown prominently.
    pub origin: String,
    /// Its display name (伊勢市).
    pub relying_party: String,
    pub challenge_id: String,
    /// base64url (no padding) of 16–48 random bytes, single use.
    pub nonce: String,
    pub issued_at: i64,
    /// How the relying party saw the browser that asked (`Windows · Chrome`), shown before the password.
    pub created_from: String,
    pub expires_at: i64,
    /// base64url (no padding) of the SHA-256 of the asking session's secret: [`session_binding`].
    pub session: String,
    /// Where the response goes; same origin.
    pub submit_url: String,
}

/// The `session` line for a browser session's secret (its cookie value): SHA-256, base64url without padding.
pub fn session_binding(session_secret: &[u8]) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    URL_SAFE_NO_PAD.encode(HashAlgorithm::Sha256.digest(session_secret))
}

impl Challenge {
    /// Checks every rule of the format (not the clock; see [`Challenge::check_time`]).
    pub fn validate(&self) -> Result<(), HandoffError> {
        check_origin(&self.origin)?;
        check_text("relying party name", &self.relying_party, MAX_NAME_CHARS, false)?;
        check_text("creating browser", &self.created_from, MAX_NAME_CHARS, false)?;
        if !is_token(&self.challenge_id, 8, 64) {
            return Err(HandoffError::Malformed {
                what: "challenge id",
                detail: "must be 8–64 of A–Z a–z 0–9 - _".into(),
            });
        }
        if !is_token(&self.nonce, MIN_NONCE_CHARS, MAX_NONCE_CHARS) {
            return Err(HandoffError::Malformed { what: "nonce", detail: "must be base64url of 16–48 bytes".into() });
        }
        // SHA-256 in base64url without padding: 43 characters.
        if !is_token(&self.session, 43, 43) {
            return Err(HandoffError::Malformed { what: "session", detail: "must be a SHA-256 in base64url".into() });
        }
        check_validity(self.issued_at, self.expires_at, MAX_LOGIN_VALIDITY_SECS)?;
        check_submit_url(&self.submit_url, &self.origin)
    }

    /// Refuses a challenge that has expired at `now`, or that claims to be issued too far in the future.
    pub fn check_time(&self, now: i64) -> Result<(), HandoffError> {
        if now >= self.expires_at {
            return Err(HandoffError::Expired { expires_at: format_utc(self.expires_at) });
        }
        if self.issued_at > now + MAX_CLOCK_SKEW_SECS {
            return Err(HandoffError::NotYetValid { issued_at: format_utc(self.issued_at) });
        }
        Ok(())
    }

    fn render_unchecked(&self) -> String {
        let mut s = String::with_capacity(512);
        for (key, value) in [
            ("", MAGIC.to_string()),
            ("origin", self.origin.clone()),
            ("relying-party", self.relying_party.clone()),
            ("challenge-id", self.challenge_id.clone()),
            ("nonce", self.nonce.clone()),
            ("issued-at", format_utc(self.issued_at)),
            ("created-from", self.created_from.clone()),
            ("expires-at", format_utc(self.expires_at)),
            ("session", self.session.clone()),
            ("submit", self.submit_url.clone()),
        ] {
            if !key.is_empty() {
                s.push_str(key);
                s.push('\t');
            }
            s.push_str(&value);
            s.push('\n');
        }
        s
    }

    /// The canonical bytes (what the auth key signs). Fails if the challenge breaks a rule.
    pub fn render(&self) -> Result<Vec<u8>, HandoffError> {
        self.validate()?;
        let out = self.render_unchecked();
        if out.len() > MAX_CHALLENGE_BYTES {
            return Err(HandoffError::TooLong { what: "challenge", max: MAX_CHALLENGE_BYTES, actual: out.len() });
        }
        Ok(out.into_bytes())
    }

    /// Parses canonical bytes; anything that is not exactly a rendering of a valid challenge is refused.
    pub fn parse(bytes: &[u8]) -> Result<Challenge, HandoffError> {
        if bytes.len() > MAX_CHALLENGE_BYTES {
            return Err(HandoffError::TooLong { what: "challenge", max: MAX_CHALLENGE_BYTES, actual: bytes.len() });
        }
        let text = std::str::from_utf8(bytes).map_err(|_| HandoffError::InvalidUtf8 { what: "challenge" })?;
        let malformed = |detail: &str| HandoffError::Malformed { what: "challenge", detail: detail.into() };
        let body = text.strip_suffix('\n').ok_or_else(|| malformed("does not end with a line feed"))?;
        let mut lines = body.split('\n');
        if lines.next() != Some(MAGIC) {
            return Err(HandoffError::UnsupportedVersion);
        }
        let mut header = |key: &'static str| -> Result<String, HandoffError> {
            let line = lines.next().ok_or_else(|| malformed(&format!("the {key} line is missing")))?;
            match line.split_once('\t') {
                Some((k, v)) if k == key => Ok(v.to_string()),
                _ => Err(malformed(&format!("expected the {key} line"))),
            }
        };
        let origin = header("origin")?;
        let relying_party = header("relying-party")?;
        let challenge_id = header("challenge-id")?;
        let nonce = header("nonce")?;
        let issued_at = parse_utc(&header("issued-at")?).ok_or_else(|| malformed("issued-at is not a UTC time"))?;
        let created_from = header("created-from")?;
        let expires_at = parse_utc(&header("expires-at")?).ok_or_else(|| malformed("expires-at is not a UTC time"))?;
        let session = header("session")?;
        let submit_url = header("submit")?;
        if lines.next().is_some() {
            return Err(malformed("a line after the submit line"));
        }
        let c = Challenge {
            origin,
            relying_party,
            challenge_id,
            nonce,
            issued_at,
            created_from,
            expires_at,
            session,
            submit_url,
        };
        c.validate()?;
        if c.render_unchecked().as_bytes() != bytes {
            return Err(malformed("not in canonical form"));
        }
        Ok(c)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    challenge: String,
}

/// The JSON a relying party serves at the challenge URL, for a challenge it rendered once and stored.
pub fn challenge_json(challenge_bytes: &[u8]) -> Result<Vec<u8>, HandoffError> {
    Challenge::parse(challenge_bytes)?;
    let challenge =
        String::from_utf8(challenge_bytes.to_vec()).map_err(|_| HandoffError::InvalidUtf8 { what: "challenge" })?;
    serde_json::to_vec(&Wire { format: FORMAT.into(), challenge })
        .map_err(|e| HandoffError::Malformed { what: "challenge", detail: e.to_string() })
}

/// A checked log-in challenge, as the app holds it: only [`LoginChallenge::from_json`] makes one, so the bytes
/// the auth key signs are always the ones it parsed and shows.
#[derive(Clone, Debug)]
pub struct LoginChallenge {
    url: HttpsUrl,
    challenge: Challenge,
    bytes: Vec<u8>,
}

impl LoginChallenge {
    /// Checks a challenge body fetched from `fetched_from` at `now`: size, UTF-8, shape, the canonical text,
    /// its origin == the origin it came from, and the clock.
    pub fn from_json(fetched_from: &HttpsUrl, body: &[u8], now: i64) -> Result<LoginChallenge, HandoffError> {
        if body.len() > MAX_REQUEST_BODY {
            return Err(HandoffError::TooLong { what: "challenge", max: MAX_REQUEST_BODY, actual: body.len() });
        }
        std::str::from_utf8(body).map_err(|_| HandoffError::InvalidUtf8 { what: "challenge" })?;
        let wire: Wire = serde_json::from_slice(body)
            .map_err(|e| HandoffError::Malformed { what: "challenge", detail: e.to_string() })?;
        if wire.format != FORMAT {
            return Err(HandoffError::UnsupportedVersion);
        }
        let bytes = wire.challenge.into_bytes();
        let challenge = Challenge::parse(&bytes)?;
        if challenge.origin != fetched_from.origin() {
            return Err(HandoffError::OriginMismatch { expected: fetched_from.origin(), found: challenge.origin });
        }
        challenge.check_time(now)?;
        Ok(LoginChallenge { url: fetched_from.clone(), challenge, bytes })
    }

    /// What to show: the origin prominently, the relying party's name, where and when it was asked for.
    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }

    /// The exact bytes the auth key signs.
    pub fn bytes_to_sign(&self) -> &[u8] {
        &self.bytes
    }

    pub fn origin(&self) -> &str {
        &self.challenge.origin
    }

    pub fn url(&self) -> &HttpsUrl {
        &self.url
    }

    pub fn nonce(&self) -> &str {
        &self.challenge.nonce
    }

    pub fn submit_url(&self) -> Result<HttpsUrl, HandoffError> {
        HttpsUrl::parse(&self.challenge.submit_url)
    }

    /// Refuses an expired challenge. Called before the password is asked and again before the card signs.
    pub fn check_time(&self, now: i64) -> Result<(), HandoffError> {
        self.challenge.check_time(now)
    }
}

/// What the app sends back: the auth key's signature over the challenge's bytes, with the auth certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginResponse(pub Submission);

impl LoginResponse {
    pub fn new(challenge: &LoginChallenge, signature: Vec<u8>, certificate: Vec<u8>) -> LoginResponse {
        let c = challenge.challenge();
        LoginResponse(Submission {
            request_id: c.challenge_id.clone(),
            nonce: c.nonce.clone(),
            algorithm: LOGIN_DIGEST,
            signature,
            certificate_chain: vec![certificate],
        })
    }

    pub fn to_json(&self) -> Vec<u8> {
        self.0.to_json_as(RESPONSE_FORMAT)
    }

    /// Parses a response body under the size limits. Verifies nothing cryptographic.
    pub fn from_json(body: &[u8]) -> Result<LoginResponse, HandoffError> {
        Submission::from_json_as(body, RESPONSE_FORMAT, "log-in response").map(LoginResponse)
    }

    pub fn challenge_id(&self) -> &str {
        &self.0.request_id
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const NOW: i64 = 1_800_000_000;

    pub fn sample(now: i64) -> Challenge {
        Challenge {
            origin: "https://city.example.jp".into(),
            relying_party: "伊勢市（見本）".into(),
            challenge_id: "login_0123456789".into(),
            nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
            issued_at: now - 10,
            created_from: "Windows · Chrome".into(),
            expires_at: now + 290,
            session: session_binding(b"the asking browser's session secret"),
            submit_url: "https://city.example.jp/login/login_0123456789/response".into(),
        }
    }

    fn url() -> HttpsUrl {
        HttpsUrl::parse("https://city.example.jp/login/login_0123456789").unwrap()
    }

    #[test]
    fn a_challenge_round_trips_through_its_canonical_bytes_which_hold_origin_nonce_expiry_and_session() {
        let c = sample(NOW);
        let bytes = c.render().unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with("KAZASU-LOGIN-CHALLENGE/1\norigin\thttps://city.example.jp\n"), "{text}");
        for part in [&c.nonce, &format_utc(c.expires_at), &c.session, &c.challenge_id] {
            assert!(text.contains(part.as_str()), "{part} is not signed");
        }
        assert_eq!(Challenge::parse(&bytes).unwrap(), c);
        let fetched = LoginChallenge::from_json(&url(), &challenge_json(&bytes).unwrap(), NOW).unwrap();
        assert_eq!(fetched.bytes_to_sign(), &bytes[..]);
        assert_eq!(fetched.challenge(), &c);
    }

    #[test]
    fn another_spelling_another_origin_or_an_expired_challenge_is_refused() {
        let bytes = sample(NOW).render().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        for v in [
            text.replace('\n', "\r\n"),
            format!("{text}\n"),
            text.replace("KAZASU-LOGIN-CHALLENGE/1", "KAZASU-SIGN-REQUEST/2"),
            text.replace("origin\thttps://city.example.jp", "origin\thttps://CITY.example.jp"),
            format!("{text}field\ta\tb\n"),
        ] {
            assert!(Challenge::parse(v.as_bytes()).is_err(), "{v:?}");
        }
        let body = challenge_json(&bytes).unwrap();
        let evil = HttpsUrl::parse("https://evil.example/login/x").unwrap();
        assert!(matches!(LoginChallenge::from_json(&evil, &body, NOW), Err(HandoffError::OriginMismatch { .. })));
        assert!(matches!(LoginChallenge::from_json(&url(), &body, NOW + 300), Err(HandoffError::Expired { .. })));
        let mut long = sample(NOW);
        long.expires_at = long.issued_at + MAX_LOGIN_VALIDITY_SECS + 1;
        assert!(long.render().is_err(), "a log-in challenge lives at most ten minutes");
        let mut other = sample(NOW);
        other.submit_url = "https://evil.example/collect".into();
        assert!(matches!(other.render(), Err(HandoffError::OriginMismatch { .. })));
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["format"] = "kazasu-request/2".into();
        assert!(LoginChallenge::from_json(&url(), &serde_json::to_vec(&v).unwrap(), NOW).is_err());
    }

    #[test]
    fn a_response_round_trips_and_is_not_a_signing_submission() {
        let fetched =
            LoginChallenge::from_json(&url(), &challenge_json(&sample(NOW).render().unwrap()).unwrap(), NOW).unwrap();
        let r = LoginResponse::new(&fetched, vec![7; 256], vec![0x30, 0x82, 1, 2]);
        assert_eq!(LoginResponse::from_json(&r.to_json()).unwrap(), r);
        assert_eq!(r.challenge_id(), "login_0123456789");
        assert_eq!(Submission::from_json(&r.to_json()).unwrap_err(), HandoffError::UnsupportedVersion);
        assert_eq!(
            LoginResponse::from_json(&r.0.to_json()).unwrap_err(),
            HandoffError::UnsupportedVersion,
            "a signing submission is no log-in response"
        );
    }
}
