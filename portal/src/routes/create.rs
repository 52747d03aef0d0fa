//! Creating an application: the form (`GET /`), its post (`POST /applications`) and the JSON API used by scripts
//! and tests (`POST /api/applications`). Each creates a signing request and sets the owner cookie that alone
//! opens its desktop page.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use kazasu_core::handoff::document::sanitize_text;
use kazasu_core::handoff::{app_link, deep_link, Document, Field, HttpsUrl, Refusal};
use serde::{Deserialize, Serialize};

use super::reply::{blocking, page, page_lang};
use crate::error::Refused;
use crate::guard::{self, cookies};
use crate::state::{random_token, AppState, Shared};
use crate::store::{RequestKind, RequestRow};
use crate::{browser, pages, words};

/// The sample application: 住民票の写しの交付申請.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ApplicationForm {
    /// 本人のみ / 世帯全員
    pub scope: String,
    pub copies: String,
    /// 省略する / 記載する
    pub honseki: String,
    pub purpose: String,
    pub phone: String,
    /// The form token (the form route only; the same value as the form cookie).
    #[serde(default, skip_serializing)]
    pub form_token: String,
}

impl ApplicationForm {
    pub fn fields(&self) -> Result<Vec<Field>, String> {
        let scope = match self.scope.as_str() {
            "self" => "本人のみ",
            "household" => "世帯全員",
            _ => return Err("交付対象を選んでください".into()),
        };
        let copies: u8 = self.copies.trim().parse().map_err(|_| "通数は1〜10の数字です")?;
        if !(1..=10).contains(&copies) {
            return Err("通数は1〜10の数字です".into());
        }
        let honseki = match self.honseki.as_str() {
            "omit" => "省略する",
            "include" => "記載する",
            _ => return Err("本籍・筆頭者の記載を選んでください".into()),
        };
        let purpose = sanitize_text(&self.purpose, 100);
        if purpose.is_empty() {
            return Err("使用目的を入力してください".into());
        }
        let phone = sanitize_text(&self.phone, 20);
        if phone.is_empty() || !phone.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err("連絡先電話番号は数字とハイフンで入力してください".into());
        }
        let f = |label: &str, value: &str| Field { label: label.into(), value: value.into() };
        Ok(vec![
            f("申請の種類", "住民票の写しの交付"),
            f("交付対象", scope),
            f("通数", &copies.to_string()),
            f("本籍・筆頭者の記載", honseki),
            f("使用目的", &purpose),
            f("連絡先電話番号", &phone),
            f("受け取り方法", "住民登録地への郵送"),
        ])
    }
}

/// What creating an application returns (JSON API).
#[derive(Debug, Serialize, Deserialize)]
pub struct Created {
    pub request_id: String,
    pub view_id: String,
    /// The URL in the QR code.
    pub request_url: String,
    /// The same-device link (「端末内のアプリで署名する」): the verified https app link.
    pub app_link: String,
    /// Its fallback in the app's custom scheme (any app can claim it).
    pub deep_link: String,
    /// The desktop page that shows the QR code and updates when the signature arrives.
    pub page_url: String,
    pub expires_at: i64,
}

/// Unsigned requests are kept this long after they expire (the page can still say "expired"), then deleted.
pub const KEEP_UNSIGNED_SECS: i64 = 86_400;

/// The form, with its token in a hidden field and in an HttpOnly, SameSite=Strict cookie (double submit).
/// A browser that already holds a well-formed token keeps it, so two open tabs both work.
pub async fn form_page(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let c = state.cookies;
    let token = cookies(&headers, c.form_name())
        .find(|t| t.len() == 43 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_owned)
        .unwrap_or_else(|| random_token(32));
    let login_button = words::login_button(page_lang(&headers));
    let form = pages::Form {
        error: None,
        form_token: &token,
        test_cards: state.cfg.trust.accept_test_cards,
        login_button: &login_button,
    };
    let mut resp = page(StatusCode::OK, &form);
    if let Some(v) = guard::set_cookie(&c.form_cookie(&token)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The browser form: same origin, the form token, then the client's rate limit.
pub async fn create_from_form(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ApplicationForm>,
) -> Response {
    if let Err(d) = state.admit_creating_form(&headers, peer, &form.form_token) {
        return d.into_response();
    }
    let fields = match form.fields() {
        Ok(f) => f,
        Err(msg) => {
            let test_cards = state.cfg.trust.accept_test_cards;
            let login_button = words::login_button(page_lang(&headers));
            return page(
                StatusCode::BAD_REQUEST,
                &pages::Form {
                    error: Some(&msg),
                    form_token: &form.form_token,
                    test_cards,
                    login_button: &login_button,
                },
            );
        }
    };
    let st = state.clone();
    let created_from = browser::created_from(&headers);
    match blocking(move || create_application(&st, &headers, fields, created_from)).await {
        Ok((c, owner)) => with_owner_cookie(&state, &c, &owner, Redirect::to(&format!("/a/{}", c.view_id))),
        Err(r) => r.into_response(),
    }
}

/// The JSON API (scripts): a cross-site page cannot send `application/json` without a CORS preflight, which the
/// portal never grants; a browser's Origin / Sec-Fetch-Site are checked all the same.
pub async fn create_from_json(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(form): Json<ApplicationForm>,
) -> Response {
    if let Err(d) = guard::same_origin(&headers, &state.cfg.public_origin)
        .and_then(|_| state.limiters.create(&state.client_key(&headers, peer)))
    {
        return d.into_response();
    }
    let fields = match form.fields() {
        Ok(f) => f,
        Err(msg) => return Refused { code: Refusal::Malformed, message: msg }.into_response(),
    };
    let st = state.clone();
    let created_from = browser::created_from(&headers);
    match blocking(move || create_application(&st, &headers, fields, created_from)).await {
        Ok((c, owner)) => {
            let body = Json(&c).into_response();
            with_owner_cookie(&state, &c, &owner, body)
        }
        Err(r) => r.into_response(),
    }
}

/// The sample application, made by this browser — and by its account when it is logged in, so that who signs it
/// is remembered for the account (re-linking a renewed card: `routes/relink.rs`).
fn create_application(
    state: &AppState,
    headers: &HeaderMap,
    fields: Vec<Field>,
    created_from: String,
) -> Result<(Created, String), Refused> {
    let account = super::login::logged_in_account(state, headers)?;
    let made =
        Made {
            title: "住民票の写しの交付申請".into(), fields, created_from, account, kind: RequestKind::Application
        };
    create(state, made)
}

/// What a new signing request says and who asked for it.
pub(crate) struct Made {
    pub title: String,
    pub fields: Vec<Field>,
    /// How the creating browser looked ([`browser::created_from`]), stated in the signed document.
    pub created_from: String,
    /// The logged-in account whose browser asked (None: no log-in).
    pub account: Option<String>,
    pub kind: RequestKind,
}

/// Creates a request; returns it and the owner cookie's value (only its digest is stored).
pub(crate) fn create(state: &AppState, made: Made) -> Result<(Created, String), Refused> {
    let Made { title, fields, created_from, account, kind } = made;
    let now = state.now();
    state.store.purge_unsigned(now - KEEP_UNSIGNED_SECS).map_err(Refused::internal)?;
    let id = random_token(16);
    let origin = &state.cfg.public_origin;
    let doc = Document {
        origin: origin.clone(),
        relying_party: state.cfg.relying_party.clone(),
        title,
        request_id: id.clone(),
        nonce: random_token(32),
        issued_at: now,
        created_from,
        expires_at: now + state.cfg.ttl_secs,
        submit_url: format!("{origin}/r/{id}/submit"),
        fields,
    };
    let bytes = doc.render().map_err(Refused::from)?;
    let owner = random_token(32);
    let row = RequestRow {
        id: id.clone(),
        view_id: random_token(16),
        nonce: doc.nonce.clone(),
        document: bytes,
        fields: doc.fields.clone(),
        created_at: now,
        expires_at: doc.expires_at,
        signed: false,
        owner: Some(guard::digest(owner.as_bytes()).to_vec()),
        account_key: account,
        kind,
        outcome: None,
    };
    state.store.create_request(&row).map_err(Refused::internal)?;
    let url = HttpsUrl::parse(&state.request_url(&id)).map_err(Refused::from)?;
    let created = Created {
        request_id: id,
        page_url: format!("{origin}/a/{}", row.view_id),
        view_id: row.view_id,
        app_link: app_link(&url),
        deep_link: deep_link(&url),
        request_url: url.to_string(),
        expires_at: doc.expires_at,
    };
    Ok((created, owner))
}

pub(crate) fn with_owner_cookie(state: &AppState, c: &Created, owner: &str, resp: impl IntoResponse) -> Response {
    let mut resp = resp.into_response();
    if let Some(v) = guard::set_cookie(&state.cookies.owner_cookie(&c.view_id, owner)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
