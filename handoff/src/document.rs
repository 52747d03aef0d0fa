//! The document a person signs: a canonical UTF-8 text that *is* what the app displays.
//!
//! ```text
//! KAZASU-SIGN-REQUEST/2
//! origin<TAB>https://city.example.jp
//! relying-party<TAB>伊勢市
//! title<TAB>住民票の写しの交付申請
//! request-id<TAB>q3Xv…
//! nonce<TAB>mZ1…
//! issued-at<TAB>2026-11-27T12:00:00Z
//! created-from<TAB>Windows · Chrome
//! expires-at<TAB>2026-11-27T12:10:00Z
//! submit<TAB>https://city.example.jp/r/q3Xv…/submit
//! field<TAB>交付を受ける通数<TAB>1
//! field<TAB>使用目的<TAB>年金の手続き
//! ```
//!
//! Every line ends with LF, including the last. The header lines come in exactly this order, then 0–64
//! `field` lines in display order. Values carry no control characters (so no TAB, CR or LF), no invisible
//! or direction-changing characters, and no leading or trailing white space. [`Document::parse`] accepts a
//! byte string only if rendering what it parsed gives the same bytes back, so one document has one spelling
//! and the app can show it field by field: what is shown is exactly what is signed.
//!
//! Version 2 added `created-from`: the kind of browser and platform the relying party saw when the request was
//! created. With `issued-at` it lets the app say "created on Windows · Chrome, 2 minutes ago" before the
//! password, so a person shown someone else's request (a relayed QR code) can notice that it is not the one they
//! opened. A version-1 document is refused as [`HandoffError::UnsupportedVersion`].

use super::time::{format_utc, parse_utc};
use super::url::HttpsUrl;
use crate::error::HandoffError;
use crate::limits::{
    MAX_CLOCK_SKEW_SECS, MAX_DOCUMENT_BYTES, MAX_FIELDS, MAX_LABEL_CHARS, MAX_NAME_CHARS, MAX_NONCE_CHARS,
    MAX_TITLE_CHARS, MAX_VALIDITY_SECS, MAX_VALUE_CHARS, MIN_NONCE_CHARS,
};

pub const MAGIC: &str = "KAZASU-SIGN-REQUEST/2";

/// A label/value pair the person confirms.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// The content of one signing request, as parsed from (or rendered into) its canonical bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The relying party's origin (`https://host[:port]`), shown to the person.
    pub origin: String,
    /// The relying party's display name, e.g. 伊勢市.
    pub relying_party: String,
    pub title: String,
    pub request_id: String,
    /// base64url (no padding) of 16–48 random bytes, single-use.
    pub nonce: String,
    /// Seconds since the Unix epoch.
    pub issued_at: i64,
    /// How the relying party saw the browser that created the request (`Windows · Chrome`), in its words.
    pub created_from: String,
    pub expires_at: i64,
    /// Where the signature goes; same origin as `origin`.
    pub submit_url: String,
    pub fields: Vec<Field>,
}

/// Characters never allowed in a value: they hide or reorder what the person sees.
fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c,
        '\u{00AD}'              // soft hyphen
        | '\u{061C}'            // Arabic letter mark
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
        | '\u{2028}'..='\u{202E}' // line/paragraph separators, bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, bidi isolates
        | '\u{FEFF}'            // BOM / zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
    )
}

/// Checks a displayed value: length in characters, no control/invisible characters, trimmed.
pub fn check_text(what: &'static str, value: &str, max_chars: usize, may_be_empty: bool) -> Result<(), HandoffError> {
    let n = value.chars().count();
    if n > max_chars {
        return Err(HandoffError::TooLong { what, max: max_chars, actual: n });
    }
    if n == 0 && !may_be_empty {
        return Err(HandoffError::Malformed { what, detail: "empty".into() });
    }
    if let Some(c) = value.chars().find(|&c| c.is_control() || is_invisible_or_bidi(c)) {
        return Err(HandoffError::Malformed {
            what,
            detail: format!("holds the invisible or control character U+{:04X}", c as u32),
        });
    }
    if value.trim() != value {
        return Err(HandoffError::Malformed { what, detail: "begins or ends with white space".into() });
    }
    Ok(())
}

/// Makes arbitrary user input fit [`check_text`]: control and invisible characters become spaces, runs of
/// white space collapse, the ends are trimmed, and the text is cut to `max_chars`. For relying parties that
/// build documents from form input.
pub fn sanitize_text(input: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in input.chars() {
        let c = if c.is_control() || is_invisible_or_bidi(c) { ' ' } else { c };
        if c.is_whitespace() && c != '\u{3000}' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    let cut: String = out.chars().take(max_chars).collect();
    cut.trim().to_string()
}

/// An id or nonce: `min..=max` characters of A–Z a–z 0–9 - _ (base64url).
pub(crate) fn is_token(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A relying party's origin as the formats carry it: a normalised `https://host[:port]`, nothing after it.
pub(crate) fn check_origin(origin: &str) -> Result<(), HandoffError> {
    let origin_url = HttpsUrl::parse(origin)?;
    if origin_url.origin() != origin || origin_url.path_and_query() != "/" {
        return Err(HandoffError::Malformed { what: "origin", detail: "not a normalised scheme://host[:port]".into() });
    }
    Ok(())
}

/// A validity period as the formats carry it: the expiry after the issue time and at most `max_secs` later.
pub(crate) fn check_validity(issued_at: i64, expires_at: i64, max_secs: i64) -> Result<(), HandoffError> {
    if expires_at <= issued_at || expires_at - issued_at > max_secs {
        return Err(HandoffError::Malformed {
            what: "expiry",
            detail: format!("must be after the issue time and at most {max_secs} s later"),
        });
    }
    Ok(())
}

/// Where the answer goes: an https URL in normal form at `origin` itself.
pub(crate) fn check_submit_url(submit_url: &str, origin: &str) -> Result<(), HandoffError> {
    let submit = HttpsUrl::parse(submit_url)?;
    if submit.to_string() != submit_url {
        return Err(HandoffError::Malformed { what: "submit URL", detail: "not in normal form".into() });
    }
    if submit.origin() != origin {
        return Err(HandoffError::OriginMismatch { expected: origin.to_string(), found: submit.origin() });
    }
    Ok(())
}

impl Document {
    /// Checks every rule of the format (not the clock; see [`Document::check_time`]).
    pub fn validate(&self) -> Result<(), HandoffError> {
        check_origin(&self.origin)?;
        check_text("relying party name", &self.relying_party, MAX_NAME_CHARS, false)?;
        check_text("title", &self.title, MAX_TITLE_CHARS, false)?;
        check_text("creating browser", &self.created_from, MAX_NAME_CHARS, false)?;
        if !is_token(&self.request_id, 8, 64) {
            return Err(HandoffError::Malformed {
                what: "request id",
                detail: "must be 8–64 of A–Z a–z 0–9 - _".into(),
            });
        }
        if !is_token(&self.nonce, MIN_NONCE_CHARS, MAX_NONCE_CHARS) {
            return Err(HandoffError::Malformed { what: "nonce", detail: "must be base64url of 16–48 bytes".into() });
        }
        check_validity(self.issued_at, self.expires_at, MAX_VALIDITY_SECS)?;
        check_submit_url(&self.submit_url, &self.origin)?;
        if self.fields.len() > MAX_FIELDS {
            return Err(HandoffError::TooLong { what: "fields", max: MAX_FIELDS, actual: self.fields.len() });
        }
        for f in &self.fields {
            check_text("field label", &f.label, MAX_LABEL_CHARS, false)?;
            check_text("field value", &f.value, MAX_VALUE_CHARS, true)?;
        }
        Ok(())
    }

    /// Refuses a request that has expired at `now`, or that claims to be issued too far in the future.
    pub fn check_time(&self, now: i64) -> Result<(), HandoffError> {
        if now >= self.expires_at {
            return Err(HandoffError::Expired { expires_at: format_utc(self.expires_at) });
        }
        if self.issued_at > now + MAX_CLOCK_SKEW_SECS {
            return Err(HandoffError::NotYetValid { issued_at: format_utc(self.issued_at) });
        }
        Ok(())
    }

    /// The canonical bytes (what is signed). Fails if the document breaks a rule.
    pub fn render(&self) -> Result<Vec<u8>, HandoffError> {
        self.validate()?;
        let out = self.render_unchecked();
        if out.len() > MAX_DOCUMENT_BYTES {
            return Err(HandoffError::TooLong { what: "document", max: MAX_DOCUMENT_BYTES, actual: out.len() });
        }
        Ok(out.into_bytes())
    }

    fn render_unchecked(&self) -> String {
        let mut s = String::with_capacity(512);
        let mut line = |parts: &[&str]| {
            s.push_str(&parts.join("\t"));
            s.push('\n');
        };
        line(&[MAGIC]);
        line(&["origin", &self.origin]);
        line(&["relying-party", &self.relying_party]);
        line(&["title", &self.title]);
        line(&["request-id", &self.request_id]);
        line(&["nonce", &self.nonce]);
        line(&["issued-at", &format_utc(self.issued_at)]);
        line(&["created-from", &self.created_from]);
        line(&["expires-at", &format_utc(self.expires_at)]);
        line(&["submit", &self.submit_url]);
        for f in &self.fields {
            line(&["field", &f.label, &f.value]);
        }
        s
    }

    /// Parses canonical bytes; anything that is not exactly a rendering of a valid document is refused.
    pub fn parse(bytes: &[u8]) -> Result<Document, HandoffError> {
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(HandoffError::TooLong { what: "document", max: MAX_DOCUMENT_BYTES, actual: bytes.len() });
        }
        let text = std::str::from_utf8(bytes).map_err(|_| HandoffError::InvalidUtf8 { what: "document" })?;
        let malformed = |detail: &str| HandoffError::Malformed { what: "document", detail: detail.into() };
        let body = text.strip_suffix('\n').ok_or_else(|| malformed("does not end with a line feed"))?;
        let mut lines = body.split('\n');
        if lines.next() != Some(MAGIC) {
            return Err(HandoffError::UnsupportedVersion);
        }
        let mut header = |key: &'static str| -> Result<&str, HandoffError> {
            let line = lines.next().ok_or_else(|| malformed(&format!("the {key} line is missing")))?;
            match line.split_once('\t') {
                Some((k, v)) if k == key => Ok(v),
                _ => Err(malformed(&format!("expected the {key} line"))),
            }
        };
        let origin = header("origin")?.to_string();
        let relying_party = header("relying-party")?.to_string();
        let title = header("title")?.to_string();
        let request_id = header("request-id")?.to_string();
        let nonce = header("nonce")?.to_string();
        let issued_at =
            parse_utc(header("issued-at")?).ok_or_else(|| malformed("issued-at is not YYYY-MM-DDTHH:MM:SSZ"))?;
        let created_from = header("created-from")?.to_string();
        let expires_at =
            parse_utc(header("expires-at")?).ok_or_else(|| malformed("expires-at is not YYYY-MM-DDTHH:MM:SSZ"))?;
        let submit_url = header("submit")?.to_string();
        let mut fields = Vec::new();
        for line in lines {
            let mut parts = line.splitn(3, '\t');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("field"), Some(label), Some(value)) => {
                    fields.push(Field { label: label.to_string(), value: value.to_string() })
                }
                _ => return Err(malformed("a line after the header is not a field")),
            }
            if fields.len() > MAX_FIELDS {
                return Err(HandoffError::TooLong { what: "fields", max: MAX_FIELDS, actual: fields.len() });
            }
        }
        let doc = Document {
            origin,
            relying_party,
            title,
            request_id,
            nonce,
            issued_at,
            created_from,
            expires_at,
            submit_url,
            fields,
        };
        doc.validate()?;
        if doc.render_unchecked().as_bytes() != bytes {
            return Err(malformed("not in canonical form"));
        }
        Ok(doc)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample(now: i64) -> Document {
        Document {
            origin: "https://city.example.jp".into(),
            relying_party: "伊勢市（見本）".into(),
            title: "住民票の写しの交付申請".into(),
            request_id: "req_0123456789".into(),
            nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
            issued_at: now - 10,
            created_from: "Windows · Chrome".into(),
            expires_at: now + 590,
            submit_url: "https://city.example.jp/r/req_0123456789/submit".into(),
            fields: vec![
                Field { label: "交付を受ける通数".into(), value: "1".into() },
                Field { label: "使用目的".into(), value: "年金の手続き　（本人）".into() },
                Field { label: "備考".into(), value: "".into() },
            ],
        }
    }

    #[test]
    fn a_document_round_trips_through_its_canonical_bytes() {
        let d = sample(1_800_000_000);
        let bytes = d.render().unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with("KAZASU-SIGN-REQUEST/2\norigin\thttps://city.example.jp\n"), "{text}");
        assert!(text.ends_with("field\t備考\t\n"), "{text}");
        assert_eq!(Document::parse(&bytes).unwrap(), d);
    }

    #[test]
    fn any_other_spelling_of_the_same_content_is_refused() {
        let bytes = sample(1_800_000_000).render().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let variants = [
            text.replace('\n', "\r\n"),
            text.trim_end().to_string(),
            format!("{text}\n"),
            format!("\u{FEFF}{text}"),
            text.replace("origin\thttps://city.example.jp", "origin\thttps://CITY.example.jp"),
            text.replace("origin\thttps://city.example.jp", "origin\thttps://city.example.jp:443"),
            text.replace("title\t", "title\t "),
            text.replace("field\t交付を受ける通数\t1", "field\t交付を受ける通数\t1\t"),
            text.replace("relying-party", "relying_party"),
            text.replace("KAZASU-SIGN-REQUEST/2", "KAZASU-SIGN-REQUEST/3"),
        ];
        for v in variants {
            assert!(Document::parse(v.as_bytes()).is_err(), "{v:?}");
        }
        let mut invalid_utf8 = bytes.clone();
        invalid_utf8.insert(40, 0xFF);
        assert_eq!(Document::parse(&invalid_utf8).unwrap_err(), HandoffError::InvalidUtf8 { what: "document" });
    }

    #[test]
    fn a_version_1_document_is_refused_as_an_older_format() {
        let text = String::from_utf8(sample(1_800_000_000).render().unwrap()).unwrap();
        let v1 = text
            .replace("KAZASU-SIGN-REQUEST/2", "KAZASU-SIGN-REQUEST/1")
            .replace("created-from\tWindows · Chrome\n", "");
        assert_eq!(Document::parse(v1.as_bytes()).unwrap_err(), HandoffError::UnsupportedVersion);
        let without_context = text.replace("created-from\tWindows · Chrome\n", "");
        assert!(matches!(Document::parse(without_context.as_bytes()), Err(HandoffError::Malformed { .. })));
        let mut d = sample(1_800_000_000);
        d.created_from = String::new();
        assert!(d.render().is_err(), "the creating browser is always stated");
    }

    #[test]
    fn hidden_or_reordering_characters_are_refused_in_every_value() {
        for c in ['\u{202E}', '\u{200B}', '\u{2066}', '\u{0007}', '\u{0085}', '\r', '\t', '\u{FEFF}'] {
            let mut d = sample(1_800_000_000);
            d.fields[0].value = format!("1{c}0");
            assert!(d.render().is_err(), "U+{:04X}", c as u32);
            let mut d = sample(1_800_000_000);
            d.relying_party = format!("伊勢{c}市");
            assert!(d.render().is_err(), "U+{:04X}", c as u32);
            let mut d = sample(1_800_000_000);
            d.created_from = format!("Windows{c} · Chrome");
            assert!(d.render().is_err(), "U+{:04X}", c as u32);
        }
        assert_eq!(sanitize_text("  年金\u{202E}の\t手続き\r\n（本人）  ", 100), "年金 の 手続き （本人）");
        assert_eq!(sanitize_text("あいうえお", 3), "あいう");
        let mut d = sample(1_800_000_000);
        d.fields[0].value = sanitize_text("\u{200B} 1 \n", 10);
        d.render().unwrap();
    }

    #[test]
    fn oversized_parts_are_refused() {
        let mut d = sample(1_800_000_000);
        d.title = "題".repeat(MAX_TITLE_CHARS + 1);
        assert!(matches!(d.render(), Err(HandoffError::TooLong { what: "title", .. })));
        let mut d = sample(1_800_000_000);
        d.fields = vec![Field { label: "a".into(), value: "b".into() }; MAX_FIELDS + 1];
        assert!(matches!(d.render(), Err(HandoffError::TooLong { what: "fields", .. })));
        let mut d = sample(1_800_000_000);
        d.fields = vec![Field { label: "a".into(), value: "長".repeat(MAX_VALUE_CHARS) }; MAX_FIELDS];
        assert!(matches!(d.render(), Err(HandoffError::TooLong { what: "document", .. })));
        assert!(matches!(Document::parse(&vec![b'a'; MAX_DOCUMENT_BYTES + 1]), Err(HandoffError::TooLong { .. })));
    }

    #[test]
    fn a_submit_url_on_another_origin_is_refused() {
        let mut d = sample(1_800_000_000);
        d.submit_url = "https://evil.example/collect".into();
        assert!(matches!(d.render(), Err(HandoffError::OriginMismatch { .. })));
        let mut d = sample(1_800_000_000);
        d.origin = "http://city.example.jp".into();
        assert!(matches!(d.render(), Err(HandoffError::Scheme(_))));
    }

    #[test]
    fn expiry_is_checked_against_the_clock() {
        let now = 1_800_000_000;
        let d = sample(now);
        d.check_time(now).unwrap();
        assert!(matches!(d.check_time(d.expires_at), Err(HandoffError::Expired { .. })));
        assert!(matches!(d.check_time(d.issued_at - MAX_CLOCK_SKEW_SECS - 1), Err(HandoffError::NotYetValid { .. })));
        let mut long = sample(now);
        long.expires_at = long.issued_at + MAX_VALIDITY_SECS + 1;
        assert!(long.render().is_err());
    }

    #[test]
    fn random_mutations_of_a_document_never_panic() {
        let bytes = sample(1_800_000_000).render().unwrap();
        let mut rng = 0x9E3779B97F4A7C15u64;
        for _ in 0..5000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut b = bytes.clone();
            let i = (rng as usize) % b.len();
            match rng >> 60 {
                0..=7 => b[i] = (rng >> 8) as u8,
                8..=11 => b.truncate(i),
                _ => b.insert(i, (rng >> 16) as u8),
            }
            let _ = Document::parse(&b);
        }
    }
}
