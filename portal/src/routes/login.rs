//! Logging in with the card's user-authentication certificate (issue 24): the start beside the application form
//! (`POST /login`), the asking browser's page with the QR code and the same-device link (`GET /login/{id}/wait`),
//! the challenge the app fetches (`GET /login/{id}`), the app's answer (`POST /login/{id}/response`, checked by
//! `verify_login`), the status the page polls and the redemption by which the asking browser — and only it —
//! becomes logged in (`GET /login/{id}/status`, `POST /login/{id}/redeem`), the logged-in page (`GET /account`)
//! and the log-out (`POST /logout`).
//!
//! The challenge is bound to the browser that asked: the start sets a login cookie holding a fresh secret whose
//! SHA-256 is the challenge's signed `session` line. Only a browser presenting that secret sees the page, its
//! status, and takes the log-in — and it takes it as a new random session cookie, never as anything that existed
//! before. What stays: a QR code relayed by an attacker logs the attacker's own browser in as whoever answers
//! it; against that the app shows, before the password, the origin, and where and when the log-in was started
//! (`created-from`, `issued-at`), which this page shows as well (docs/handoff.md's relay protections).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use kazasu_core::handoff::client::{Reply, Transcribed};
use kazasu_core::handoff::login::{challenge_json, session_binding, Challenge, MAX_LOGIN_VALIDITY_SECS};
use kazasu_core::handoff::rp::login::verify_login;
use kazasu_core::handoff::time::jst_parts;
use kazasu_core::handoff::{login_app_link, login_deep_link, HttpsUrl, LoginResponse, Refusal};
use serde::{Deserialize, Serialize};

use super::reply::{blocking, json, no_store, page, page_lang};
use crate::error::{Failure, Refused};
use crate::guard::{self, cookies, Denied, REDEEM_GRACE_SECS, SESSION_SECS};
use crate::state::{random_token, AppState, Shared};
use crate::store::{LoginRow, LoginState};
use crate::{browser, pages, words};

/// The log-in start's form: only the form token (the same double-submit token as the application form).
#[derive(Debug, Deserialize)]
pub struct LoginStart {
    #[serde(default)]
    pub form_token: String,
}

/// What the asking page polls: where its challenge is. Nothing else — no account until it is taken.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginStatus {
    /// `pending`, `verified` (the app's answer passed: take it), `redeemed`, `expired`.
    pub state: String,
    pub expires_at: i64,
}

fn jst(t: i64) -> String {
    let (date, time) = jst_parts(t);
    format!("{date} {time}")
}

/// `POST /login`: same origin, the form token, the create rate; a challenge bound to a fresh login secret set
/// as this browser's login cookie, then its page.
pub async fn start(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginStart>,
) -> Response {
    if let Err(d) = state.admit_creating_form(&headers, peer, &form.form_token) {
        return d.into_response();
    }
    let created_from = browser::created_from(&headers);
    let st = state.clone();
    match blocking(move || create(&st, created_from)).await {
        Ok((id, secret)) => {
            let mut resp = Redirect::to(&format!("/login/{id}/wait")).into_response();
            if let Some(v) = guard::set_cookie(&state.cookies.login_cookie(&secret)) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Err(r) => r.into_response(),
    }
}

/// Issues and stores a challenge; returns its id and the login secret (the cookie's value).
fn create(state: &AppState, created_from: String) -> Result<(String, String), Refused> {
    let now = state.now();
    state.store.purge_logins(now - REDEEM_GRACE_SECS).map_err(Refused::internal)?;
    let id = random_token(16);
    let secret = random_token(32);
    let origin = &state.cfg.public_origin;
    let challenge = Challenge {
        origin: origin.clone(),
        relying_party: state.cfg.relying_party.clone(),
        challenge_id: id.clone(),
        nonce: random_token(32),
        issued_at: now,
        created_from,
        expires_at: now + state.cfg.ttl_secs.min(MAX_LOGIN_VALIDITY_SECS),
        session: session_binding(secret.as_bytes()),
        submit_url: format!("{origin}/login/{id}/response"),
    };
    let bytes = challenge.render().map_err(Refused::from)?;
    state
        .store
        .create_login(&LoginRow {
            id: id.clone(),
            nonce: challenge.nonce,
            challenge: bytes,
            session_secret: Some(secret.clone()),
            created_at: now,
            expires_at: challenge.expires_at,
            state: LoginState::Pending,
            account_key: None,
        })
        .map_err(Refused::internal)?;
    Ok((id, secret))
}

fn not_found() -> Refused {
    Refused { code: Refusal::NotFound, message: "no such log-in".into() }
}

/// A challenge and its parsed text, for the browser holding its login secret only.
fn asked_by_this_browser(state: &AppState, id: &str, headers: &HeaderMap) -> Result<(LoginRow, Challenge), Failure> {
    let row = state.store.login(id).map_err(Refused::internal)?.ok_or_else(not_found)?;
    let challenge = Challenge::parse(&row.challenge).map_err(Refused::internal)?;
    if guard::login_secret(headers, state.cookies, &challenge.session).is_none() {
        return Err(Denied::NotOwner.into());
    }
    Ok((row, challenge))
}

/// `GET /login/{id}/wait`: the asking browser's page (QR code, same-device link, what the app will show).
pub async fn wait_page(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let lang = page_lang(&headers);
    let result = blocking(move || -> Result<String, Failure> {
        use askama::Template;
        let (row, c) = asked_by_this_browser(&state, &id, &headers)?;
        let url = HttpsUrl::parse(&state.login_url(&row.id)).map_err(Refused::from)?;
        let app_link = login_app_link(&url);
        let svg = kazasu_qr::to_svg(&app_link).map_err(Refused::internal)?;
        let words = words::LoginWords::new(lang, &c.origin, &c.created_from, &jst(c.issued_at), &jst(c.expires_at));
        let page = pages::Login {
            lang: lang.tag(),
            challenge_id: &row.id,
            app_link: &app_link,
            deep_link: &login_deep_link(&url),
            qr_svg: &svg,
            words: &words,
        };
        Ok(page.render().map_err(Refused::internal)?)
    })
    .await;
    match result {
        Ok(body) => super::reply::html(StatusCode::OK, body),
        Err(Failure::Denied(Denied::NotOwner)) => {
            let text = words::login_not_yours(lang);
            page(StatusCode::FORBIDDEN, &pages::Message { lang: lang.tag(), text: &text })
        }
        Err(r) => r.into_response(),
    }
}

/// `GET /login/{id}`: the challenge the app fetches (`kazasu-login/1`), while it can still be answered.
pub async fn fetch_challenge(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let result = blocking(move || {
        let row = state.store.login(&id).map_err(Refused::internal)?.ok_or_else(not_found)?;
        if row.state != LoginState::Pending {
            return Err(Refused { code: Refusal::Replayed, message: "this log-in was already answered".into() });
        }
        if state.now() >= row.expires_at {
            return Err(Refused { code: Refusal::Expired, message: "this log-in has expired".into() });
        }
        challenge_json(&row.challenge).map_err(Refused::internal)
    })
    .await;
    json(result)
}

/// `POST /login/{id}/response`: the app's answer, verified with `verify_login` against the stored challenge,
/// the auth CAs and the revocation sources; the challenge is used up once it passes, and its account recorded.
pub async fn respond(
    State(state): State<Shared>,
    Path(id): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(d) = state.limiters.submit(&state.client_key(&headers, peer)) {
        return d.into_response();
    }
    if let Some(next) = state.revocation.all_stale(state.now()) {
        eprintln!("kazasu-portal: log-in refused: every CRL is past its nextUpdate");
        return Denied::StaleCrl { next_update: kazasu_core::handoff::time::format_utc(next) }.into_response();
    }
    let languages =
        words::Languages::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    match blocking(move || answer(&state, &id, &body, languages)).await {
        Ok(reply) => (StatusCode::OK, no_store(), Json(reply)).into_response(),
        Err(r) => r.into_response(),
    }
}

fn answer(state: &AppState, id: &str, body: &[u8], languages: words::Languages) -> Result<Reply, Refused> {
    let response = LoginResponse::from_json(body)?;
    let row = state.store.login(id).map_err(Refused::internal)?.ok_or_else(not_found)?;
    if response.challenge_id() != row.id {
        return Err(Refused { code: Refusal::Mismatch, message: "the answer names another log-in".into() });
    }
    // The secret is forgotten when the challenge is used up: no secret, no second answer.
    let Some(secret) = row.session_secret.clone() else {
        return Err(Refused { code: Refusal::Replayed, message: words::login_refusal(languages, &replayed()) });
    };
    let now = state.now();
    let crls = state.revocation.current();
    let scoped: Vec<&kazasu_core::crl::ScopedCrl> = crls.iter().map(|c| &c.scoped).collect();
    let mut used = state.store.used_challenges();
    let verified = verify_login(
        &row.challenge,
        &response,
        secret.as_bytes(),
        state.auth_trust(),
        state.revocation_source(&scoped),
        &mut used,
        now,
    );
    if let Some(e) = used.error.take() {
        return Err(Refused::internal(e));
    }
    let logged_in = verified.map_err(|why| {
        eprintln!("kazasu-portal: log-in {id} refused: {why}");
        Refused { code: why.refusal(), message: words::login_refusal(languages, &why) }
    })?;
    if !state
        .store
        .record_login(id, &logged_in.account.0, logged_in.certificate.der(), now)
        .map_err(Refused::internal)?
    {
        return Err(Refused { code: Refusal::Replayed, message: words::login_refusal(languages, &replayed()) });
    }
    Ok(Reply::accepted(id, Transcribed::default()))
}

fn replayed() -> kazasu_core::handoff::rp::login::LoginRefusal {
    kazasu_core::handoff::rp::login::LoginRefusal::Replayed
}

/// `GET /login/{id}/status`: where the challenge is, for the asking browser only.
pub async fn status(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let result = blocking(move || -> Result<LoginStatus, Failure> {
        let (row, _) = asked_by_this_browser(&state, &id, &headers)?;
        let now = state.now();
        let state = match row.state {
            LoginState::Redeemed => "redeemed",
            LoginState::Verified if now < row.expires_at + REDEEM_GRACE_SECS => "verified",
            LoginState::Pending | LoginState::Answered if now < row.expires_at => "pending",
            _ => "expired",
        };
        Ok(LoginStatus { state: state.into(), expires_at: row.expires_at })
    })
    .await;
    match result {
        Ok(s) => (no_store(), Json(s)).into_response(),
        Err(r) => r.into_response(),
    }
}

/// `POST /login/{id}/redeem`: the asking browser takes the verified log-in, once — a new random session cookie
/// for the challenge's account; its login cookie is removed.
pub async fn redeem(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(d) = guard::same_origin(&headers, &state.cfg.public_origin) {
        return d.into_response();
    }
    let st = state.clone();
    let result = blocking(move || -> Result<String, Failure> {
        let (row, _) = asked_by_this_browser(&st, &id, &headers)?;
        let token = random_token(32);
        let now = st.now();
        let digest = guard::digest(token.as_bytes());
        match st.store.redeem_login(&row.id, now - REDEEM_GRACE_SECS, &digest, now, now + SESSION_SECS) {
            Ok(Some(_account)) => Ok(token),
            Ok(None) => Err(Refused { code: Refusal::Replayed, message: "no completed log-in to take".into() }.into()),
            Err(e) => Err(Refused::internal(e).into()),
        }
    })
    .await;
    match result {
        Ok(token) => {
            let mut resp = (no_store(), Json(serde_json::json!({"state": "logged-in"}))).into_response();
            let c = state.cookies;
            for cookie in [c.session_cookie(&token), c.removal(c.login_name())] {
                if let Some(v) = guard::set_cookie(&cookie) {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            resp
        }
        Err(r) => r.into_response(),
    }
}

/// The account of this browser's session cookie, if it is current.
pub(crate) fn logged_in_account(state: &AppState, headers: &HeaderMap) -> Result<Option<String>, Refused> {
    let now = state.now();
    for token in cookies(headers, state.cookies.session_name()) {
        if let Some(account) = state.store.session(&guard::digest(token.as_bytes()), now).map_err(Refused::internal)? {
            return Ok(Some(account));
        }
    }
    Ok(None)
}

/// The short form of an account key shown to its owner (its first 10 characters).
pub fn short_account(key: &str) -> &str {
    key.get(..10).unwrap_or(key)
}

/// `GET /account`: which account this browser is logged in as, and the log-out.
pub async fn account(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let lang = page_lang(&headers);
    let token = cookies(&headers, state.cookies.form_name())
        .find(|t| t.len() == 43)
        .map(str::to_owned)
        .unwrap_or_else(|| random_token(32));
    let st = state.clone();
    let result = blocking(move || logged_in_account(&st, &headers)).await;
    match result {
        Ok(Some(key)) => {
            let words = words::AccountWords::new(lang, short_account(&key));
            let mut resp =
                page(StatusCode::OK, &pages::Account { lang: lang.tag(), form_token: &token, words: &words });
            if let Some(v) = guard::set_cookie(&state.cookies.form_cookie(&token)) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Ok(None) => {
            let text = words::not_logged_in(lang);
            page(StatusCode::UNAUTHORIZED, &pages::Message { lang: lang.tag(), text: &text })
        }
        Err(r) => r.into_response(),
    }
}

/// `POST /logout`: same origin and the form token; the session's row is deleted and its cookie removed.
pub async fn logout(State(state): State<Shared>, headers: HeaderMap, Form(form): Form<LoginStart>) -> Response {
    if let Err(d) = guard::same_origin(&headers, &state.cfg.public_origin)
        .and_then(|_| guard::check_form_token(&headers, state.cookies, &form.form_token))
    {
        return d.into_response();
    }
    let st = state.clone();
    let digests: Vec<[u8; 32]> =
        cookies(&headers, state.cookies.session_name()).map(|t| guard::digest(t.as_bytes())).collect();
    let result = blocking(move || -> Result<(), Refused> {
        for d in &digests {
            st.store.end_session(d).map_err(Refused::internal)?;
        }
        Ok(())
    })
    .await;
    match result {
        Ok(()) => {
            let mut resp = Redirect::to("/").into_response();
            if let Some(v) = guard::set_cookie(&state.cookies.removal(state.cookies.session_name())) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Err(r) => r.into_response(),
    }
}
