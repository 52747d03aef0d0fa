//! How the handlers answer: the headers every page and JSON answer carries, and the hop to tokio's blocking
//! pool for the store and the verification (both synchronous).

use askama::Template;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::Refused;
use crate::words;

/// The language of a page for this request (`Accept-Language`; Japanese when it names neither).
pub fn page_lang(headers: &axum::http::HeaderMap) -> words::Lang {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    words::Languages::from_accept_language(accept).page()
}

/// Nothing the portal answers about an application may be cached.
pub fn no_store() -> [(HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

/// Runs `f` on the blocking pool; a panic there is answered `internal`.
pub async fn blocking<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Refused> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| Err(Refused::internal(e).into()))
}

/// An HTML page with the portal's strict policy: scripts from its own origin only, no framing, no referrer to
/// other sites, no caching.
pub fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"),
            ),
            // `same-origin`, not `no-referrer`: the view URL never goes to another site, and the browser still
            // sends the real Origin (not `null`) on the form's POST, which the same-origin check needs.
            (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// A page rendered with `status`; one that cannot be rendered is answered `internal`.
pub fn page(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => html(status, body),
        Err(e) => Refused::internal(e).into_response(),
    }
}

/// Plain UTF-8 text, not cached.
pub fn text(t: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))], no_store(), t).into_response()
}

/// What the app fetches (a request, a log-in challenge): its JSON, not cached, or the protocol's refusal.
pub fn json(result: Result<Vec<u8>, Refused>) -> Response {
    match result {
        Ok(body) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], no_store(), body)
                .into_response()
        }
        Err(r) => r.into_response(),
    }
}
