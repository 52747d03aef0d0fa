//! The desktop page (`GET /a/{view}`), the status it polls, its text and its script — for the browser that
//! created the application only (the owner cookie): the page's URL alone shows nothing.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kazasu_core::handoff::{app_link, deep_link, Field, HttpsUrl};
use serde::{Deserialize, Serialize};

use askama::Template;

use kazasu_core::handoff::time::jst_parts;

use super::reply::{blocking, html, no_store, page, page_lang, text};
use crate::error::{Failure, Refused};
use crate::guard::{mask_name, Denied};
use crate::pages;
use crate::state::{ApplicationState, Shared};
use crate::store::RequestKind;
use crate::words::RelinkWords;

/// What the desktop page polls: whether the application was signed and verified — never the signer's
/// address, birth date or gender, and the name only masked (the relayer of a QR code may hold this page).
#[derive(Debug, Serialize, Deserialize)]
pub struct Status {
    pub state: ApplicationState,
    pub expires_at: i64,
    pub fields: Vec<Field>,
    pub signature: Option<SignatureView>,
    /// A re-link statement's outcome once verified (`linked`, `no-match`, `several`, `earlier-card-current`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SignatureView {
    /// The first character of the name and ＊＊.
    pub name_masked: Option<String>,
    pub cert_issuer: String,
    pub digest_algorithm: String,
    pub signed_at: i64,
}

pub async fn application_page(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    let lang = page_lang(&headers);
    let result = blocking(move || -> Result<String, Failure> {
        let (row, _) = state.owned(&view, &headers)?;
        let url = state.request_url(&row.id);
        let parsed = HttpsUrl::parse(&url).map_err(Refused::from)?;
        let svg = kazasu_qr::to_svg(&url).map_err(Refused::internal)?;
        if row.kind == RequestKind::Relink {
            let (date, time) = jst_parts(row.expires_at);
            let words = RelinkWords::new(lang, &format!("{date} {time}"));
            let page = pages::Relink {
                lang: lang.tag(),
                view_id: &row.view_id,
                fields: &row.fields,
                app_link: &app_link(&parsed),
                deep_link: &deep_link(&parsed),
                qr_svg: &svg,
                words: &words,
            };
            return Ok(page.render().map_err(Refused::internal)?);
        }
        let page = pages::Application {
            view_id: &row.view_id,
            fields: &row.fields,
            app_link: &app_link(&parsed),
            deep_link: &deep_link(&parsed),
            request_url: &url,
            qr_svg: &svg,
            expires_at: row.expires_at,
        };
        Ok(page.render().map_err(Refused::internal)?)
    })
    .await;
    match result {
        Ok(page) => html(StatusCode::OK, page),
        Err(Failure::Denied(Denied::NotOwner)) => page(StatusCode::FORBIDDEN, &pages::NotOwner),
        Err(r) => r.into_response(),
    }
}

pub async fn status(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    let result = blocking(move || -> Result<Status, Failure> {
        let (row, sig) = state.owned(&view, &headers)?;
        Ok(Status {
            state: state.state_of(&row),
            expires_at: row.expires_at,
            fields: row.fields,
            signature: sig.map(|s| SignatureView {
                name_masked: s.name.as_deref().map(mask_name),
                cert_issuer: s.cert_issuer,
                digest_algorithm: s.digest_algorithm,
                signed_at: s.signed_at,
            }),
            outcome: row.outcome,
        })
    })
    .await;
    match result {
        Ok(s) => (no_store(), Json(s)).into_response(),
        Err(r) => r.into_response(),
    }
}

/// The application as plain text for the applicant's browser (masked).
pub async fn application_text(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    let result = blocking(move || -> Result<String, Failure> {
        let (row, sig) = state.owned(&view, &headers)?;
        Ok(pages::application_text(&pages::ApplicationText {
            relying_party: &state.cfg.relying_party,
            state: state.state_of(&row),
            fields: &row.fields,
            signature: sig.as_ref(),
            full: false,
        }))
    })
    .await;
    match result {
        Ok(t) => text(t),
        Err(r) => r.into_response(),
    }
}

/// The desktop page's script (polls the status; CSP allows scripts from this origin only).
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        pages::SCRIPT,
    )
        .into_response()
}
