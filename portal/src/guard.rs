//! Who may do what: same-origin checks and the form token on creation, the owner cookie that binds a desktop
//! page to the browser that created it, and the city staff's bearer token for the back office.
//!
//! Secrets are compared as SHA-256 digests with OpenSSL's constant-time `memcmp::eq`; none is ever logged.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cookie::time::Duration;
use cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};

/// Why the portal would not do something for this caller (a typed refusal: HTTP status and `error` code).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Denied {
    /// `Sec-Fetch-Site` says the request came from another site or origin.
    #[error("cross-site request refused (Sec-Fetch-Site: {0})")]
    ForeignFetchSite(String),
    /// `Origin` names another origin than the portal's public one.
    #[error("cross-origin request refused")]
    ForeignOrigin,
    /// The form's token is missing or does not match the cookie set with the form.
    #[error("the form token is missing or does not match; reload the form")]
    FormToken,
    /// The desktop page or its status was asked for without the cookie of the browser that created it.
    #[error("this application can only be shown in the browser that created it")]
    NotOwner,
    /// Too many requests from this client.
    #[error("too many requests; try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// The back office was asked for without the staff's token (or with a wrong one).
    #[error("staff credential required")]
    Unauthorized,
    /// The back office is not configured (no `--office-token-file`).
    #[error("the back office is not enabled")]
    OfficeDisabled,
    /// The configured CRL is past its nextUpdate: revocation cannot be checked, so nothing is accepted.
    #[error("the portal's revocation list expired at {next_update}; submissions are refused until it is refreshed")]
    StaleCrl { next_update: String },
}

impl Denied {
    pub fn code(&self) -> &'static str {
        match self {
            Denied::ForeignFetchSite(_) | Denied::ForeignOrigin => "cross-site",
            Denied::FormToken => "form-token",
            Denied::NotOwner => "not-owner",
            Denied::RateLimited { .. } => "rate-limited",
            Denied::Unauthorized => "unauthorized",
            Denied::OfficeDisabled => "not-found",
            Denied::StaleCrl { .. } => "revocation-unavailable",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Denied::ForeignFetchSite(_) | Denied::ForeignOrigin | Denied::FormToken | Denied::NotOwner => {
                StatusCode::FORBIDDEN
            }
            Denied::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Denied::Unauthorized => StatusCode::UNAUTHORIZED,
            Denied::OfficeDisabled => StatusCode::NOT_FOUND,
            Denied::StaleCrl { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"status": "refused", "error": self.code(), "message": self.to_string()});
        let mut resp = (self.status(), [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(body))
            .into_response();
        match &self {
            Denied::RateLimited { retry_after } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            Denied::Unauthorized => {
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"kazasu-office\""));
            }
            _ => {}
        }
        resp
    }
}

/// A state-changing request must come from the portal's own pages: a browser's `Sec-Fetch-Site` must be
/// `same-origin` and its `Origin` the public origin. Clients that send neither (scripts, curl) pass here;
/// the form route also needs the form token, which only the portal's own page carries.
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> Result<(), Denied> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("invalid");
        if site != "same-origin" {
            return Err(Denied::ForeignFetchSite(site.chars().take(20).collect()));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        if origin.as_bytes() != public_origin.as_bytes() {
            return Err(Denied::ForeignOrigin);
        }
    }
    Ok(())
}

/// The values of cookie `name` in the request, parsed by the `cookie` crate from every `Cookie` header (a browser
/// may send several cookies of one name with different paths, so each is checked; a jar would keep one).
pub fn cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(move |c| c.name() == name)
        .filter_map(|c| c.value_raw())
}

pub fn digest(secret: &[u8]) -> [u8; 32] {
    Sha256::digest(secret).into()
}

/// Constant-time comparison of a presented secret with a stored digest.
pub fn matches(presented: &[u8], stored_digest: &[u8]) -> bool {
    let d = digest(presented);
    stored_digest.len() == d.len() && openssl::memcmp::eq(&d, stored_digest)
}

/// The cookies the portal sets: `Secure` (and the `__Host-` prefix for the form token) when the public origin is
/// https; always HttpOnly and SameSite=Strict.
#[derive(Clone, Copy, Debug)]
pub struct Cookies {
    pub secure: bool,
}

/// How long the owner cookie keeps a desktop page viewable.
pub const OWNER_COOKIE_SECS: i64 = 86_400;

/// How long a logged-in session lasts (its cookie and its row): a working day.
pub const SESSION_SECS: i64 = 8 * 3600;

/// How long after a log-in challenge's expiry its asking page may still take a log-in the app completed just in
/// time (the page polls every second; this covers a slow network, not an errand).
pub const REDEEM_GRACE_SECS: i64 = 120;

impl Cookies {
    pub fn form_name(self) -> &'static str {
        if self.secure {
            "__Host-kazasu-form"
        } else {
            "kazasu-form"
        }
    }

    pub const OWNER: &'static str = "kazasu-owner";

    /// The asking browser's login-session cookie: its value is the secret whose SHA-256 the challenge's signed
    /// `session` line carries.
    pub fn login_name(self) -> &'static str {
        if self.secure {
            "__Host-kazasu-login"
        } else {
            "kazasu-login"
        }
    }

    /// The logged-in session's cookie.
    pub fn session_name(self) -> &'static str {
        if self.secure {
            "__Host-kazasu-session"
        } else {
            "kazasu-session"
        }
    }

    /// Every cookie the portal sets: HttpOnly, SameSite=Strict, and Secure on https.
    fn cookie(self, name: &'static str, value: &str, path: String) -> cookie::CookieBuilder<'static> {
        Cookie::build((name, value.to_owned()))
            .path(path)
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
    }

    /// The form token cookie (double submit: the same value is in the form's hidden field). `Path=/` and no
    /// Domain, as the `__Host-` prefix requires on https.
    pub fn form_cookie(self, token: &str) -> Cookie<'static> {
        self.cookie(self.form_name(), token, "/".into()).build()
    }

    /// The cookie that lets this browser, and only it, see the desktop page of one application.
    pub fn owner_cookie(self, view: &str, token: &str) -> Cookie<'static> {
        self.cookie(Self::OWNER, token, format!("/a/{view}")).max_age(Duration::seconds(OWNER_COOKIE_SECS)).build()
    }
}

impl Cookies {
    /// The login-session cookie set by the log-in start: `Path=/` (the `__Host-` prefix on https), as long as
    /// the challenge and its grace.
    pub fn login_cookie(self, secret: &str) -> Cookie<'static> {
        let secs = kazasu_core::handoff::login::MAX_LOGIN_VALIDITY_SECS + REDEEM_GRACE_SECS;
        self.cookie(self.login_name(), secret, "/".into()).max_age(Duration::seconds(secs)).build()
    }

    /// The logged-in session's cookie, a fresh random token set only when the asking session takes its log-in
    /// (never the login-session secret: a value that existed before the log-in is never promoted to a session).
    pub fn session_cookie(self, token: &str) -> Cookie<'static> {
        self.cookie(self.session_name(), token, "/".into()).max_age(Duration::seconds(SESSION_SECS)).build()
    }

    /// A cookie of `name` that the browser deletes (log-out, a taken log-in).
    pub fn removal(self, name: &'static str) -> Cookie<'static> {
        self.cookie(name, "", "/".into()).max_age(Duration::ZERO).build()
    }
}

/// Whether this browser holds a login-session cookie whose SHA-256 is the challenge's `session` line (compared
/// in constant time). The value itself is returned: `verify_login` and the redemption need it.
pub fn login_secret<'a>(headers: &'a HeaderMap, cookies_cfg: Cookies, session_line: &str) -> Option<&'a str> {
    cookies(headers, cookies_cfg.login_name()).find(|c| {
        let binding = kazasu_core::handoff::login::session_binding(c.as_bytes());
        binding.len() == session_line.len() && openssl::memcmp::eq(binding.as_bytes(), session_line.as_bytes())
    })
}

/// A cookie as a `Set-Cookie` header value (None: a value a header cannot carry, which random tokens never are).
pub fn set_cookie(c: &Cookie<'_>) -> Option<HeaderValue> {
    HeaderValue::from_str(&c.to_string()).ok()
}

/// The form's hidden token equals the form cookie (both random, 256 bits; compared in constant time).
pub fn check_form_token(headers: &HeaderMap, cookies_cfg: Cookies, field: &str) -> Result<(), Denied> {
    if field.len() < 32 {
        return Err(Denied::FormToken);
    }
    let want = digest(field.as_bytes());
    if cookies(headers, cookies_cfg.form_name()).any(|c| matches(c.as_bytes(), &want)) {
        Ok(())
    } else {
        Err(Denied::FormToken)
    }
}

/// This browser holds the owner cookie whose digest is stored with the application.
pub fn check_owner(headers: &HeaderMap, owner_digest: Option<&[u8]>) -> Result<(), Denied> {
    let Some(stored) = owner_digest else {
        return Err(Denied::NotOwner);
    };
    if cookies(headers, Cookies::OWNER).any(|c| matches(c.as_bytes(), stored)) {
        Ok(())
    } else {
        Err(Denied::NotOwner)
    }
}

/// The staff's bearer token (`Authorization: Bearer …`) against the configured token's digest.
pub fn check_office(headers: &HeaderMap, office_digest: Option<&[u8; 32]>) -> Result<(), Denied> {
    let Some(stored) = office_digest else {
        return Err(Denied::OfficeDisabled);
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Denied::Unauthorized)?;
    if matches(presented.trim().as_bytes(), stored) {
        Ok(())
    } else {
        Err(Denied::Unauthorized)
    }
}

/// A masked name for pages that must not show who signed: the first character and two ＊.
pub fn mask_name(name: &str) -> String {
    match name.chars().next() {
        Some(c) => format!("{c}＊＊"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_same_origin_browser_requests_pass() {
        let o = "https://city.example.jp";
        assert!(same_origin(&headers(&[]), o).is_ok());
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin"), ("origin", o)]), o).is_ok());
        assert_eq!(
            same_origin(&headers(&[("sec-fetch-site", "cross-site")]), o),
            Err(Denied::ForeignFetchSite("cross-site".into()))
        );
        assert_eq!(
            same_origin(&headers(&[("sec-fetch-site", "same-site")]), o),
            Err(Denied::ForeignFetchSite("same-site".into()))
        );
        assert_eq!(same_origin(&headers(&[("origin", "https://evil.example")]), o), Err(Denied::ForeignOrigin));
        assert_eq!(same_origin(&headers(&[("origin", "null")]), o), Err(Denied::ForeignOrigin));
    }

    #[test]
    fn the_owner_cookie_must_match_the_stored_digest() {
        let d = digest(b"secret-owner-token");
        assert!(check_owner(&headers(&[("cookie", "a=b; kazasu-owner=secret-owner-token")]), Some(&d)).is_ok());
        assert_eq!(check_owner(&headers(&[("cookie", "kazasu-owner=other")]), Some(&d)), Err(Denied::NotOwner));
        assert_eq!(check_owner(&headers(&[]), Some(&d)), Err(Denied::NotOwner));
        assert_eq!(
            check_owner(&headers(&[("cookie", "kazasu-owner=secret-owner-token")]), None),
            Err(Denied::NotOwner)
        );
    }

    #[test]
    fn the_office_needs_the_exact_bearer_token() {
        let d = digest(b"staff-token-0123456789");
        assert!(check_office(&headers(&[("authorization", "Bearer staff-token-0123456789")]), Some(&d)).is_ok());
        assert_eq!(
            check_office(&headers(&[("authorization", "Bearer staff-token-012345678")]), Some(&d)),
            Err(Denied::Unauthorized)
        );
        assert_eq!(check_office(&headers(&[("authorization", "Basic x")]), Some(&d)), Err(Denied::Unauthorized));
        assert_eq!(check_office(&headers(&[]), Some(&d)), Err(Denied::Unauthorized));
        assert_eq!(check_office(&headers(&[("authorization", "Bearer x")]), None), Err(Denied::OfficeDisabled));
    }

    #[test]
    fn every_cookie_of_a_name_is_read_from_every_cookie_header() {
        let h = headers(&[("cookie", "a=b; kazasu-owner=one;kazasu-owner=two"), ("cookie", " kazasu-owner=three ")]);
        assert_eq!(cookies(&h, "kazasu-owner").collect::<Vec<_>>(), ["one", "two", "three"]);
        assert_eq!(cookies(&h, "kazasu").count(), 0);
        assert_eq!(cookies(&headers(&[("cookie", "no-equals-sign; x=")]), "x").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn the_cookies_keep_their_attributes_and_the_host_prefix_on_https() {
        let https = Cookies { secure: true };
        let form = Cookie::parse(https.form_cookie("token").to_string()).unwrap();
        assert_eq!((form.name(), form.value()), ("__Host-kazasu-form", "token"));
        assert_eq!((form.path(), form.domain(), form.max_age()), (Some("/"), None, None));
        assert_eq!(
            (form.http_only(), form.secure(), form.same_site()),
            (Some(true), Some(true), Some(SameSite::Strict))
        );

        let owner = Cookie::parse(https.owner_cookie("view1", "secret").to_string()).unwrap();
        assert_eq!((owner.name(), owner.value(), owner.path()), ("kazasu-owner", "secret", Some("/a/view1")));
        assert_eq!(owner.max_age(), Some(Duration::seconds(OWNER_COOKIE_SECS)));
        assert_eq!(
            (owner.http_only(), owner.secure(), owner.same_site()),
            (Some(true), Some(true), Some(SameSite::Strict))
        );

        let http = Cookies { secure: false };
        let form = Cookie::parse(http.form_cookie("token").to_string()).unwrap();
        assert_eq!((form.name(), form.secure(), form.http_only()), ("kazasu-form", None, Some(true)));
        let owner = http.owner_cookie("view1", "secret").to_string();
        assert!(!owner.contains("Secure") && owner.contains("SameSite=Strict") && owner.contains("Max-Age=86400"));
    }

    #[test]
    fn the_log_in_cookies_are_host_only_http_only_and_strict() {
        let https = Cookies { secure: true };
        for c in [https.login_cookie("secret"), https.session_cookie("token"), https.removal("__Host-kazasu-session")] {
            let c = Cookie::parse(c.to_string()).unwrap();
            assert!(c.name().starts_with("__Host-kazasu-"), "{c}");
            assert_eq!((c.path(), c.domain()), (Some("/"), None), "{c}");
            assert_eq!((c.http_only(), c.secure(), c.same_site()), (Some(true), Some(true), Some(SameSite::Strict)));
        }
        let session = Cookie::parse(https.session_cookie("token").to_string()).unwrap();
        assert_eq!(session.max_age(), Some(Duration::seconds(SESSION_SECS)));
        let http = Cookies { secure: false };
        assert_eq!((http.login_name(), http.session_name()), ("kazasu-login", "kazasu-session"));
    }

    #[test]
    fn only_the_cookie_whose_digest_the_challenge_carries_is_its_login_secret() {
        let line = kazasu_core::handoff::login::session_binding(b"mine");
        let c = Cookies { secure: false };
        let h = headers(&[("cookie", "kazasu-login=other; kazasu-login=mine")]);
        assert_eq!(login_secret(&h, c, &line), Some("mine"));
        assert_eq!(login_secret(&headers(&[("cookie", "kazasu-login=other")]), c, &line), None);
        assert_eq!(login_secret(&headers(&[("cookie", "kazasu-session=mine")]), c, &line), None);
        assert_eq!(login_secret(&headers(&[]), c, &line), None);
    }

    #[test]
    fn a_masked_name_keeps_one_character() {
        assert_eq!(mask_name("かざす　花子"), "か＊＊");
        assert_eq!(mask_name(""), "");
    }
}
