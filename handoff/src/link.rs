//! What a QR code or deep link carries: the https URL of one signing request, either as is
//! (`https://city.example.jp/r/ID`), inside the apps' verified link (`https://<app-link host>/sign?r=<percent-
//! encoded URL>`: an Android App Link / iOS Universal Link, which only the genuine app can claim), or inside
//! the app's custom scheme (`kazasu://sign?r=<percent-encoded URL>`, the fallback any app could claim). A phone
//! browser opens either link in the app (「端末内のアプリで署名する」).
//!
//! A log-in challenge (`crate::login`) travels the same ways under `login` instead of `sign`
//! (`https://<app-link host>/login?r=…`, `kazasu://login?r=…`); [`parse_any_link`] is the one parser for both and
//! says which kind a link is.
//!
//! The app-link host and path come from `app-links.toml` (generated into [`app_link_host`] by
//! `scripts/app-links.py`). A link to that path on that host is never itself a request URL: it is only ever
//! unwrapped, so a relayed app link cannot make the app fetch the link instead of the request.

mod app_link_host;

use super::url::{percent_decode, percent_encode, HttpsUrl};
use crate::limits::MAX_URL_LEN;
use crate::HandoffError;

pub use app_link_host::{APP_LINK_HOST, APP_LINK_PATH, LOGIN_APP_LINK_PATH};

pub const DEEP_LINK_PREFIX: &str = "kazasu://sign?r=";
/// The custom-scheme link of a log-in challenge (`kazasu://login?r=<percent-encoded challenge URL>`).
pub const LOGIN_DEEP_LINK_PREFIX: &str = "kazasu://login?r=";
const HTTPS: &str = "https://";
const QUERY: &str = "?r=";

/// The longest link prefix (custom scheme or app link, signing or log-in), which bounds a link's length.
pub const LONGEST_PREFIX: usize = {
    let app = HTTPS.len() + APP_LINK_HOST.len() + max(APP_LINK_PATH.len(), LOGIN_APP_LINK_PATH.len()) + QUERY.len();
    max(app, max(DEEP_LINK_PREFIX.len(), LOGIN_DEEP_LINK_PREFIX.len()))
};

/// Longest QR / deep-link payload: room for the app link or deep link of any URL of [`MAX_URL_LEN`], every
/// byte of which may need a percent-escape (three bytes).
pub const MAX_LINK_LEN: usize = LONGEST_PREFIX + 3 * MAX_URL_LEN;

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// What a link asks the app to do with the URL it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// Fetch a signing request and sign it (`…/sign?r=`, or a plain request URL).
    Sign,
    /// Fetch a log-in challenge and answer it with the auth key (`…/login?r=`).
    Login,
}

impl LinkKind {
    const ALL: [LinkKind; 2] = [LinkKind::Sign, LinkKind::Login];

    fn deep_link_prefix(self) -> &'static str {
        match self {
            LinkKind::Sign => DEEP_LINK_PREFIX,
            LinkKind::Login => LOGIN_DEEP_LINK_PREFIX,
        }
    }

    fn app_link_path(self) -> &'static str {
        match self {
            LinkKind::Sign => APP_LINK_PATH,
            LinkKind::Login => LOGIN_APP_LINK_PATH,
        }
    }
}

/// A parsed link: what to do, and the https URL to fetch for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub kind: LinkKind,
    pub url: HttpsUrl,
}

/// The one parser of QR payloads, app links and deep links, for signing and log-in alike. A plain https URL is
/// a signing request's; a log-in is only ever reached through a `login` link.
pub fn parse_any_link(text: &str) -> Result<Link, HandoffError> {
    if text.len() > MAX_LINK_LEN {
        return Err(HandoffError::TooLong { what: "link", max: MAX_LINK_LEN, actual: text.len() });
    }
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let is_custom = text.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("kazasu:"));
    if is_custom {
        for kind in LinkKind::ALL {
            if let Some(encoded) = strip_prefix_ignore_case(text, kind.deep_link_prefix()) {
                let url = inner_request_url(encoded, "a kazasu: link carries exactly one parameter")?;
                return Ok(Link { kind, url });
            }
        }
        return Err(HandoffError::InvalidUrl(
            "a kazasu: link must be kazasu://sign?r= or kazasu://login?r=<https URL>",
        ));
    }
    for kind in LinkKind::ALL {
        if let Some(encoded) = strip_prefix_ignore_case(text, &app_link_prefix(kind)) {
            let url = inner_request_url(encoded, "an app link carries exactly one parameter")?;
            return Ok(Link { kind, url });
        }
    }
    let url = HttpsUrl::parse(text)?;
    if is_app_link(&url) {
        return Err(HandoffError::InvalidUrl("an app link must be https://<app-link host>/sign?r=<https URL>"));
    }
    Ok(Link { kind: LinkKind::Sign, url })
}

/// The request URL inside a QR payload, an app link or a custom-scheme deep link of a signing request. A
/// log-in link is refused here: it is not a request to sign.
pub fn parse_link(text: &str) -> Result<HttpsUrl, HandoffError> {
    match parse_any_link(text)? {
        Link { kind: LinkKind::Sign, url } => Ok(url),
        Link { kind: LinkKind::Login, .. } => Err(HandoffError::InvalidUrl("a log-in link is not a signing request")),
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|_| &text[prefix.len()..])
}

/// The request URL in a link's one parameter: never an app link itself (a link is unwrapped once, not fetched).
fn inner_request_url(encoded: &str, one_parameter: &'static str) -> Result<HttpsUrl, HandoffError> {
    if encoded.contains(['&', '#']) {
        return Err(HandoffError::InvalidUrl(one_parameter));
    }
    let url = HttpsUrl::parse(&percent_decode(encoded)?)?;
    if is_app_link(&url) {
        return Err(HandoffError::InvalidUrl("a link cannot carry another link"));
    }
    Ok(url)
}

/// `https://<app-link host>/sign?r=` (or `/login?r=`).
fn app_link_prefix(kind: LinkKind) -> String {
    format!("{HTTPS}{APP_LINK_HOST}{}{QUERY}", kind.app_link_path())
}

/// Whether `url` is on the app-link host at the app-link path (in any spelling, with any query): the form of
/// a link, not of a request.
pub fn is_app_link(url: &HttpsUrl) -> bool {
    let path = url.path_and_query().split('?').next().unwrap_or_default();
    url.is_https()
        && url.host() == APP_LINK_HOST
        && LinkKind::ALL.iter().any(|k| path.eq_ignore_ascii_case(k.app_link_path()))
}

/// [`parse_link`] on a QR code's raw payload bytes, which must be UTF-8.
pub fn parse_link_bytes(bytes: &[u8]) -> Result<HttpsUrl, HandoffError> {
    if bytes.len() > MAX_LINK_LEN {
        return Err(HandoffError::TooLong { what: "link", max: MAX_LINK_LEN, actual: bytes.len() });
    }
    parse_link(std::str::from_utf8(bytes).map_err(|_| HandoffError::InvalidUtf8 { what: "QR payload" })?)
}

/// The custom-scheme link for a request URL (same content as the QR code): the fallback when the app link
/// does not open the app.
pub fn deep_link(url: &HttpsUrl) -> String {
    format!("{DEEP_LINK_PREFIX}{}", percent_encode(&url.to_string()))
}

/// The verified https link for a request URL (`https://<app-link host>/sign?r=…`): the same-device link a
/// relying party shows first, which the OS opens only in the app whose ids the host's well-known files name.
pub fn app_link(url: &HttpsUrl) -> String {
    format!("{}{}", app_link_prefix(LinkKind::Sign), percent_encode(&url.to_string()))
}

/// The custom-scheme link of a log-in challenge URL (`kazasu://login?r=…`).
pub fn login_deep_link(url: &HttpsUrl) -> String {
    format!("{LOGIN_DEEP_LINK_PREFIX}{}", percent_encode(&url.to_string()))
}

/// The verified https link of a log-in challenge URL (`https://<app-link host>/login?r=…`).
pub fn login_app_link(url: &HttpsUrl) -> String {
    format!("{}{}", app_link_prefix(LinkKind::Login), percent_encode(&url.to_string()))
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
    fn an_app_link_is_unwrapped_to_the_request_it_carries_never_fetched_itself() {
        let url = parse_link("https://city.example.jp/r/abcdEFGH1234").unwrap();
        let link = app_link(&url);
        assert_eq!(
            link,
            format!("https://{APP_LINK_HOST}{APP_LINK_PATH}?r=https%3A%2F%2Fcity.example.jp%2Fr%2FabcdEFGH1234")
        );
        assert_eq!(parse_link(&link).unwrap(), url);
        // Scheme and host in any case, around spaces, as a QR code may carry them.
        let shouted = format!(
            " HTTPS://{}{}\n",
            APP_LINK_HOST.to_ascii_uppercase(),
            &link["https://".len() + APP_LINK_HOST.len()..]
        );
        assert_eq!(parse_link(&shouted).unwrap(), url);
        // The app link, the deep link and the plain URL name the same request.
        assert_eq!(parse_link(&deep_link(&url)).unwrap(), parse_link(&link).unwrap());
        // Another page on the app-link host is an ordinary URL (a relying party may live there too).
        let other = format!("https://{APP_LINK_HOST}/r/abc");
        assert_eq!(parse_link(&other).unwrap().to_string(), other);
    }

    #[test]
    fn the_app_link_of_any_accepted_url_is_accepted() {
        // Every byte of the longest URL needs an escape: the app link is at its longest.
        let longest = format!("https://city.example.jp/{}", "/".repeat(MAX_URL_LEN - 24));
        let url = parse_link(&longest).unwrap();
        let link = app_link(&url);
        assert!(link.len() > 3 * MAX_URL_LEN - 72 && link.len() <= MAX_LINK_LEN, "{}", link.len());
        assert_eq!(parse_link(&link).unwrap(), url);
    }

    #[test]
    fn app_link_look_alikes_and_nested_links_are_refused() {
        let inner = "https%3A%2F%2Fcity.example.jp%2Fr%2F1";
        let host = APP_LINK_HOST;
        for bad in [
            // The app-link path in another spelling is refused, not fetched as a request.
            format!("https://{host}{APP_LINK_PATH}"),
            format!("https://{host}{APP_LINK_PATH}?x=1&r={inner}"),
            format!("https://{host}:443{APP_LINK_PATH}?r={inner}"),
            format!("https://{host}{APP_LINK_PATH}?q={inner}"),
            // One parameter only.
            format!("https://{host}{APP_LINK_PATH}?r={inner}&r=https%3A%2F%2Fevil.example%2F"),
            format!("https://{host}{APP_LINK_PATH}?r={inner}#x"),
            // A link inside a link: the request URL may not itself be an app link.
            format!(
                "https://{host}{APP_LINK_PATH}?r={}",
                percent_encode(&format!("https://{host}{APP_LINK_PATH}?r={inner}"))
            ),
            format!("kazasu://sign?r={}", percent_encode(&format!("https://{host}{APP_LINK_PATH}?r={inner}"))),
        ] {
            assert!(matches!(parse_link(&bad), Err(HandoffError::InvalidUrl(_))), "{bad} was accepted");
        }
        assert!(matches!(
            parse_link(&format!("https://{host}{APP_LINK_PATH}?r=http%3A%2F%2Fevil.example%2F")),
            Err(HandoffError::Scheme(_))
        ));
        assert!(matches!(
            parse_link(&format!("https://{host}{APP_LINK_PATH}?r=%FF")),
            Err(HandoffError::InvalidUtf8 { .. })
        ));
        // Only the configured host unwraps: the same path elsewhere is an ordinary request URL.
        let elsewhere = format!("https://evil.example{APP_LINK_PATH}?r={inner}");
        assert_eq!(parse_link(&elsewhere).unwrap().host(), "evil.example");
    }

    #[test]
    fn one_parser_tells_a_log_in_link_from_a_signing_link() {
        let url = HttpsUrl::parse("https://city.example.jp/login/abcdEFGH1234").unwrap();
        for link in [login_deep_link(&url), login_app_link(&url), login_deep_link(&url).to_ascii_uppercase()] {
            let parsed = parse_any_link(&link);
            let parsed = parsed.map(|l| (l.kind, l.url.to_string().to_ascii_lowercase()));
            assert_eq!(parsed, Ok((LinkKind::Login, url.to_string().to_ascii_lowercase())), "{link}");
            // A log-in link never passes for a signing request.
            assert!(matches!(parse_link(&link), Err(HandoffError::InvalidUrl(_))), "{link}");
        }
        assert_eq!(parse_any_link(&deep_link(&url)).unwrap().kind, LinkKind::Sign);
        assert_eq!(parse_any_link(url.to_string().as_str()).unwrap().kind, LinkKind::Sign);
        // The log-in path on the app-link host is a link form, never fetched as a request.
        assert!(parse_any_link(&format!("https://{APP_LINK_HOST}{LOGIN_APP_LINK_PATH}")).is_err());
        let nested = login_deep_link(&HttpsUrl::parse(&login_app_link(&url)).unwrap());
        assert!(matches!(parse_any_link(&nested), Err(HandoffError::InvalidUrl(_))));
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
