//! What a QR code or deep link carries: the https URL of one signing request, either as is
//! (`https://city.example.jp/r/ID`) or inside the app's custom scheme (`kazasu://sign?r=<percent-encoded URL>`),
//! which a phone browser opens in the app (「端末内のアプリで署名する」).

use super::url::{percent_decode, percent_encode, HttpsUrl};
use super::{HandoffError, MAX_LINK_LEN};

pub const DEEP_LINK_PREFIX: &str = "kazasu://sign?r=";

/// The request URL inside a QR payload or deep link.
pub fn parse_link(text: &str) -> Result<HttpsUrl, HandoffError> {
    if text.len() > MAX_LINK_LEN {
        return Err(HandoffError::TooLong { what: "link", max: MAX_LINK_LEN, actual: text.len() });
    }
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let is_custom = text.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("kazasu:"));
    if is_custom {
        let encoded = text
            .get(..DEEP_LINK_PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(DEEP_LINK_PREFIX))
            .map(|_| &text[DEEP_LINK_PREFIX.len()..])
            .ok_or(HandoffError::InvalidUrl("a kazasu: link must be kazasu://sign?r=<https URL>"))?;
        if encoded.contains(['&', '#']) {
            return Err(HandoffError::InvalidUrl("a kazasu: link carries exactly one parameter"));
        }
        return HttpsUrl::parse(&percent_decode(encoded)?);
    }
    HttpsUrl::parse(text)
}

/// [`parse_link`] on a QR code's raw payload bytes, which must be UTF-8.
pub fn parse_link_bytes(bytes: &[u8]) -> Result<HttpsUrl, HandoffError> {
    if bytes.len() > MAX_LINK_LEN {
        return Err(HandoffError::TooLong { what: "link", max: MAX_LINK_LEN, actual: bytes.len() });
    }
    parse_link(std::str::from_utf8(bytes).map_err(|_| HandoffError::InvalidUtf8 { what: "QR payload" })?)
}

/// The custom-scheme link for a request URL (same content as the QR code).
pub fn deep_link(url: &HttpsUrl) -> String {
    format!("{DEEP_LINK_PREFIX}{}", percent_encode(&url.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MAX_URL_LEN;

    #[test]
    fn a_plain_link_and_its_deep_link_name_the_same_request() {
        let url = parse_link("https://city.example.jp/r/abcdEFGH1234\n").unwrap();
        let deep = deep_link(&url);
        assert_eq!(deep, "kazasu://sign?r=https%3A%2F%2Fcity.example.jp%2Fr%2FabcdEFGH1234");
        assert_eq!(parse_link(&deep).unwrap(), url);
        assert_eq!(parse_link("KAZASU://SIGN?R=https%3A%2F%2Fcity.example.jp%2Fr%2FabcdEFGH1234").unwrap(), url);
    }

    #[test]
    fn the_deep_link_of_any_accepted_url_is_accepted() {
        // Found by the `link` fuzz target (fuzz/regressions/link/): an accepted URL of ~700 bytes had a deep
        // link over the old 2048-byte limit, so the app refused the link its own relying party made.
        let longest = format!("https://city.example.jp/{}", "/".repeat(MAX_URL_LEN - 24));
        let url = parse_link(&longest).unwrap();
        assert_eq!(url.to_string().len(), MAX_URL_LEN);
        let deep = deep_link(&url);
        assert!(deep.len() > 2048 && deep.len() <= MAX_LINK_LEN, "{}", deep.len());
        assert_eq!(parse_link(&deep).unwrap(), url);
    }

    #[test]
    fn hostile_links_are_refused() {
        assert!(matches!(parse_link("http://evil.example/r/1"), Err(HandoffError::Scheme(_))));
        assert!(matches!(parse_link("kazasu://sign?r=http%3A%2F%2Fevil.example%2F"), Err(HandoffError::Scheme(_))));
        assert!(parse_link("kazasu://other?r=https%3A%2F%2Fa.example%2F").is_err());
        assert!(parse_link("kazasu://sign?r=https%3A%2F%2Fa.example%2F&u=https%3A%2F%2Fb.example").is_err());
        assert!(matches!(parse_link("kazasu://sign?r=%FF"), Err(HandoffError::InvalidUtf8 { .. })));
        assert!(matches!(parse_link_bytes(b"https://a.example/\xFF"), Err(HandoffError::InvalidUtf8 { .. })));
        assert!(matches!(parse_link(&"h".repeat(MAX_LINK_LEN + 1)), Err(HandoffError::TooLong { .. })));
        assert!(parse_link("").is_err());
        assert!(parse_link("kazasu:").is_err());
        assert!(parse_link("WIFI:S:net;T:WPA;P:x;;").is_err());
    }
}
