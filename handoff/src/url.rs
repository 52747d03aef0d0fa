//! A deliberately small, strict URL type for the hand-off: `https://host[:port]/path?query`, or `http://` to a
//! loopback host (development only). No user info (`https://city.example@evil.example/` is refused), no
//! fragment, no non-ASCII (an IRI must arrive percent-encoded), no backslashes or spaces. The origin is
//! normalised (lower-case host, default port dropped) so two spellings of one origin compare equal.

use super::{HandoffError, SchemeRefusal, MAX_URL_LEN};

/// A checked request/submit URL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HttpsUrl {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
    path_and_query: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Scheme {
    Https,
    /// Only with a loopback host.
    Http,
}

fn is_path_char(b: u8) -> bool {
    // RFC 3986 pchar + '/' + '?' (unreserved, sub-delims, ':', '@', pct-encoded checked separately).
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b)
}

impl HttpsUrl {
    pub fn parse(text: &str) -> Result<HttpsUrl, HandoffError> {
        if text.len() > MAX_URL_LEN {
            return Err(HandoffError::TooLong { what: "URL", max: MAX_URL_LEN, actual: text.len() });
        }
        let bad = |why: &'static str| HandoffError::InvalidUrl(why);
        if !text.is_ascii() {
            return Err(bad("non-ASCII characters (they must be percent-encoded)"));
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((s, rest)) if s.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
            Some((s, rest)) if s.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
            Some((s, _)) => {
                return Err(HandoffError::Scheme(SchemeRefusal::NotHttps { found: s.chars().take(16).collect() }))
            }
            None => return Err(bad("no scheme")),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("user info (name@host) is not allowed"));
        }
        let (host, port) = split_host_port(authority)?;
        let host = check_host(host)?;
        if path.contains('#') {
            return Err(bad("a fragment (#…) is not allowed"));
        }
        let bytes = path.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if !is_path_char(b) {
                return Err(bad("a character that must be percent-encoded"));
            }
            if b == b'%'
                && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            {
                return Err(bad("a % that does not start a percent-escape"));
            }
        }
        let path_and_query = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
        let url = HttpsUrl { scheme, port: port.filter(|&p| p != scheme.default_port()), host, path_and_query };
        // The limit holds for the spelling we print and send as well: `https://h?q` gains a '/'.
        let normal_len = url.to_string().len();
        if normal_len > MAX_URL_LEN {
            return Err(HandoffError::TooLong { what: "URL", max: MAX_URL_LEN, actual: normal_len });
        }
        if url.scheme == Scheme::Http && !url.is_loopback() {
            return Err(HandoffError::Scheme(SchemeRefusal::PlainHttp));
        }
        Ok(url)
    }

    /// `scheme://host[:port]`, the part the person is shown and that every URL of one request must share.
    pub fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{p}", self.scheme.name(), self.host),
            None => format!("{}://{}", self.scheme.name(), self.host),
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port to connect to (the default one when the URL names none).
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::Https
    }

    /// `localhost`, 127.0.0.0/8 or `[::1]`.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self.host == "[::1]"
            || self.host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl std::fmt::Display for HttpsUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.origin(), self.path_and_query)
    }
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
    fn default_port(self) -> u16 {
        match self {
            Scheme::Https => 443,
            Scheme::Http => 80,
        }
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), HandoffError> {
    let bad = |why: &'static str| HandoffError::InvalidUrl(why);
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let end = rest.find(']').ok_or(bad("unclosed [ in the host"))?;
        let host = &authority[..end + 2];
        let after = &rest[end + 1..];
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return Err(bad("junk after the IPv6 host")),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(bad("port out of range")),
        },
        Some(_) => return Err(bad("the port must be 1–65535")),
    };
    Ok((host, port))
}

fn check_host(host: &str) -> Result<String, HandoffError> {
    let bad = |why: &'static str| HandoffError::InvalidUrl(why);
    if host.is_empty() {
        return Err(bad("no host"));
    }
    if host.len() > 253 {
        return Err(bad("host name too long"));
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip: std::net::Ipv6Addr = inner.parse().map_err(|_| bad("not an IPv6 address"))?;
        return Ok(format!("[{ip}]"));
    }
    let lower = host.to_ascii_lowercase();
    let labels_ok = lower.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if !labels_ok {
        return Err(bad("not a valid host name"));
    }
    // Something that looks numeric must be a real dotted IPv4 address (no 0x7f.1, no 2130706433).
    if lower.rsplit('.').next().is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
        && lower.parse::<std::net::Ipv4Addr>().is_err()
    {
        return Err(bad("not a valid IPv4 address"));
    }
    Ok(lower)
}

/// What [`percent_encode`] leaves as it is: RFC 3986's unreserved characters (letters, digits, `-._~`).
const NOT_UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters (for a URL inside a query value).
pub fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// Decodes percent-escapes; the result must be UTF-8. A `%` that starts no escape stays as it is (a URL read
/// from the result refuses it: [`HttpsUrl::parse`]).
pub fn percent_decode(text: &str) -> Result<String, HandoffError> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| HandoffError::InvalidUtf8 { what: "link" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_are_parsed_and_their_origin_normalised() {
        let u = HttpsUrl::parse("HTTPS://City.Example.JP:443/r/abc?x=1").unwrap();
        assert_eq!(u.origin(), "https://city.example.jp");
        assert_eq!(u.path_and_query(), "/r/abc?x=1");
        assert_eq!(u.to_string(), "https://city.example.jp/r/abc?x=1");
        assert_eq!(HttpsUrl::parse("https://a.example:8443").unwrap().to_string(), "https://a.example:8443/");
        assert_eq!(HttpsUrl::parse("http://127.0.0.1:8080/r/x").unwrap().origin(), "http://127.0.0.1:8080");
        assert!(HttpsUrl::parse("http://[::1]:9/").unwrap().is_loopback());
        assert!(HttpsUrl::parse("http://localhost/").is_ok());
    }

    #[test]
    fn plain_http_to_another_host_and_other_schemes_are_refused() {
        for bad in
            ["http://city.example.jp/r/1", "http://10.0.0.1/", "ftp://x/", "javascript://x/", "file:///etc/passwd"]
        {
            assert!(matches!(HttpsUrl::parse(bad), Err(HandoffError::Scheme(_))), "{bad}");
        }
    }

    #[test]
    fn tricky_spellings_are_refused() {
        for bad in [
            "https://city.example@evil.example/",
            "https://evil.example/#https://city.example",
            "https://evil example/",
            "https://シティ.example/",
            "https://a.example/\\x",
            "https://a.example/%zz",
            "https://a.example/%4",
            "https://a.example:0/",
            "https://a.example:99999/",
            "https://a.example:/",
            "https://0x7f.1/",
            "http://2130706433/",
            "https:///path",
            "https://-a.example/",
            "https://[::1/",
            "noscheme",
        ] {
            assert!(HttpsUrl::parse(bad).is_err(), "{bad}");
        }
        let long = format!("https://a.example/{}", "x".repeat(MAX_URL_LEN));
        assert!(matches!(HttpsUrl::parse(&long), Err(HandoffError::TooLong { .. })));
    }

    #[test]
    fn a_url_whose_normal_form_is_over_the_limit_is_refused() {
        // The query-only spelling is within the limit; its normal form gains the '/' of an empty path.
        let text = format!("https://a.example?{}", "q".repeat(MAX_URL_LEN - "https://a.example?".len()));
        assert_eq!(text.len(), MAX_URL_LEN);
        assert!(
            matches!(HttpsUrl::parse(&text), Err(HandoffError::TooLong { actual, .. }) if actual == MAX_URL_LEN + 1)
        );
        let fits = &text[..MAX_URL_LEN - 1];
        assert_eq!(HttpsUrl::parse(fits).unwrap().to_string().len(), MAX_URL_LEN);
    }

    #[test]
    fn a_percent_that_starts_no_escape_is_kept_by_decoding_and_refused_by_the_url() {
        for text in
            ["https%3A%2F%2Fa.example%2Fr%2", "https%3A%2F%2Fa.example%2Fr%zz", "https%3A%2F%2Fa.example%2Fr%+1"]
        {
            let decoded = percent_decode(text).unwrap();
            assert!(decoded.starts_with("https://a.example/r%"), "{decoded}");
            assert!(HttpsUrl::parse(&decoded).is_err(), "{decoded}");
        }
    }

    #[test]
    fn percent_coding_round_trips_and_refuses_invalid_utf8() {
        let s = "https://a.example/r/1?x=伊勢&y=%";
        assert_eq!(percent_decode(&percent_encode(s)).unwrap(), s);
        assert!(matches!(percent_decode("%FF%FE"), Err(HandoffError::InvalidUtf8 { .. })));
        assert_eq!(percent_decode("%F").unwrap(), "%F");
        assert_eq!(percent_decode("%é").unwrap(), "%é");
    }
}
