//! Kazasu reference relying party: a city's desktop application page that hands the signing to the phone
//! (QR code) or to the app on the same device (deep link), verifies what comes back with kazasu-core, and
//! stores the signed application in SQLite or PostgreSQL. See portal/README.md and docs/handoff.md.
//!
//! This file only wires the rooms: `routes` (the handlers, one module per part of the portal) to their paths.
//! Below the routes: `pages` (HTML from plain data), `state` (what a running portal holds), `error`, `guard`
//! (who may do what), `store`, `revocation`, `limits`, `words`, `browser`.

pub mod browser;
pub mod error;
pub mod guard;
pub mod limits;
pub mod pages;
pub mod revocation;
pub mod routes;
pub mod state;
pub mod store;
pub mod words;

use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use kazasu_core::handoff::link::{APP_LINK_PATH, LOGIN_APP_LINK_PATH};
use kazasu_core::handoff::MAX_SUBMISSION_BODY;

use routes::{create, links, login, office, qr, relink, status, submit};

pub use error::{Failure, Refused, StartError};
pub use routes::create::{ApplicationForm, Created, KEEP_UNSIGNED_SECS};
pub use routes::login::LoginStatus;
pub use routes::office::OfficeRecord;
pub use routes::status::{SignatureView, Status};
pub use state::{AppState, ApplicationState, Config, Shared};

/// All routes. Bodies above the submission limit are refused before they are read in full.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(create::form_page))
        .route("/applications", post(create::create_from_form))
        .route("/api/applications", post(create::create_from_json))
        .route("/app.js", get(status::script))
        .route("/a/{view}", get(status::application_page))
        .route("/a/{view}/status", get(status::status))
        .route("/a/{view}/application.txt", get(status::application_text))
        .route("/a/{view}/qr.svg", get(qr::qr_svg))
        .route("/a/{view}/qr.png", get(qr::qr_png))
        .route("/r/{id}", get(submit::fetch_request))
        // A submission is read whole up to SUBMIT_READ_LIMIT and refused above MAX_SUBMISSION_BODY in the
        // handler: a client that sent a little too much gets its 413, not a connection reset mid-upload.
        .route("/r/{id}/submit", post(submit::submit).layer(DefaultBodyLimit::max(submit::SUBMIT_READ_LIMIT)))
        // Log-in with the card's auth certificate: the asking browser's side, the app's side, the account.
        .route(LOGIN_APP_LINK_PATH, get(links::login_link_page).post(login::start))
        .route("/login/{id}", get(login::fetch_challenge))
        .route("/login/{id}/wait", get(login::wait_page))
        .route("/login/{id}/status", get(login::status))
        .route("/login/{id}/redeem", post(login::redeem))
        .route("/login/{id}/response", post(login::respond))
        .route("/account", get(login::account))
        .route("/account/relink", post(relink::start))
        .route("/logout", post(login::logout))
        .route("/office/applications/{id}", get(office::office_json))
        .route("/office/applications/{id}/application.txt", get(office::office_text))
        // Verified links: the app-link host's well-known files and its link opened where no app took it.
        .route("/.well-known/assetlinks.json", get(links::assetlinks))
        .route("/.well-known/apple-app-site-association", get(links::apple_app_site_association))
        .route(APP_LINK_PATH, get(links::app_link_page))
        .layer(DefaultBodyLimit::max(MAX_SUBMISSION_BODY))
        .with_state(state)
}

/// Serves on `listener` (loopback only) until `shutdown` resolves; rereads the CRLs on their schedule meanwhile.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let refresher = (state.revocation.refreshable() && state.cfg.crl_refresh_secs > 0).then(|| {
        let st = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(st.cfg.crl_refresh_secs));
            every.tick().await;
            loop {
                every.tick().await;
                let s = st.clone();
                match tokio::task::spawn_blocking(move || s.revocation.reload()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => eprintln!("kazasu-portal: CRL refresh failed, keeping the current one: {e}"),
                    Err(e) => eprintln!("kazasu-portal: CRL refresh failed: {e}"),
                }
            }
        })
    });
    let result = axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(r) = refresher {
        r.abort();
    }
    result
}

/// Refuses non-loopback addresses: the portal is meant to sit behind an https reverse proxy on the same host.
pub fn check_loopback(addr: &SocketAddr) -> Result<(), String> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!("{addr} is not a loopback address; run the portal behind an https reverse proxy on this host"))
    }
}
