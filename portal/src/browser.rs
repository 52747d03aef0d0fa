//! What the portal writes into a request's `created-from` line: the kind of platform and browser that created
//! it, from the creating request's User-Agent, parsed by `woothee` (the UA classifier of the woothee project).
//! Only the families are kept ("Windows · Chrome"): a browser's version says nothing to the person, and
//! today's browsers freeze the OS version in the User-Agent (Windows 11 still says "Windows NT 10.0").

use axum::http::{header, HeaderMap};

/// Shown when the User-Agent says nothing the parser knows (a script, an empty header).
const UNKNOWN: &str = "不明";

/// `platform · browser` for the creating request's headers.
pub fn created_from(headers: &HeaderMap) -> String {
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    describe(ua)
}

/// `platform · browser` for one User-Agent string.
pub fn describe(user_agent: &str) -> String {
    let parsed = woothee::parser::Parser::new().parse(user_agent);
    let known = |s: &str| !s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN;
    let (os, name) = match &parsed {
        Some(r) => (r.os, r.name),
        None => ("", ""),
    };
    let platform = match os {
        o if o.starts_with("Windows") => "Windows",
        "Mac OSX" => "macOS",
        "iPhone" | "iPad" | "iPod" | "iOS" => "iOS",
        o if known(o) => o,
        _ => UNKNOWN,
    };
    let browser = if known(name) { name } else { UNKNOWN };
    let text = format!("{platform} · {browser}");
    // A document line allows no control characters and at most 64 characters; the parser's names are short
    // ASCII words, but this line is the portal's promise, so it is cleaned all the same.
    kazasu_core::handoff::document::sanitize_text(&text, kazasu_core::handoff::MAX_NAME_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_named_by_platform_and_family() {
        let chrome_windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                              Chrome/131.0.0.0 Safari/537.36";
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                             (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                    Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        let firefox_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(chrome_windows), "Windows · Chrome");
        assert_eq!(describe(safari_iphone), "iOS · Safari");
        assert_eq!(describe(edge), "Windows · Edge");
        assert_eq!(describe(firefox_mac), "macOS · Firefox");
    }

    #[test]
    fn an_unknown_or_hostile_user_agent_still_gives_a_valid_line() {
        for ua in ["", "curl/8.0", "ureq/2.12", "\u{202E}evil\tua\n", &"x".repeat(10_000)] {
            let line = describe(ua);
            kazasu_core::handoff::document::check_text(
                "creating browser",
                &line,
                kazasu_core::handoff::MAX_NAME_CHARS,
                false,
            )
            .unwrap_or_else(|e| panic!("{ua:.20}: {e}"));
        }
        assert_eq!(describe(""), "不明 · 不明");
    }
}
