//! Kazasu reference relying party: a city's desktop application page that hands the signing to the phone
//! (QR code) or to the app on the same device (deep link), verifies what comes back with kazasu-core, and
//! stores the signed application in SQLite. See portal/README.md and docs/handoff.md.

pub mod browser;
pub mod guard;
pub mod limits;
pub mod pages;
pub mod revocation;
pub mod store;
pub mod words;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use kazasu_core::clock::{Clock, SystemClock};
use kazasu_core::handoff::client::{Reply, Transcribed};
use kazasu_core::handoff::document::sanitize_text;
use kazasu_core::handoff::request::request_json;
use kazasu_core::handoff::rp::{verify_submission, RevocationSource, Trust};
use kazasu_core::handoff::{
    app_link, deep_link, Document, Field, HandoffError, HttpsUrl, Refusal, Submission, MAX_SUBMISSION_BODY,
};
use serde::{Deserialize, Serialize};

use guard::{Cookies, Denied};
use limits::{Limiters, RateLimits};
use store::{RecordRefusal, RequestRow, SignatureRow, Store};

/// How the portal runs.
pub struct Config {
    /// The origin people and apps see (`https://city.example.jp`; `http://127.0.0.1:PORT` in development).
    pub public_origin: String,
    pub relying_party: String,
    /// The trusted signature CAs (the J-LIS generations in production, the test CA in the demo) and whether
    /// test cards are accepted (development only; the start page says so).
    pub trust: Trust,
    /// The operator's CRLs of those CAs (one per J-LIS distribution point it serves, or one complete CRL), each
    /// with its file (reread every `crl_refresh_secs`, 0: never) and optionally the operator's own URL for it
    /// (downloaded instead, each verified download kept in the file). The certificate's CRL distribution point
    /// picks the one that applies; a CRL past its nextUpdate refuses the submissions it applies to. Empty with
    /// `ocsp` or an explicit `--no-revocation-check`.
    pub crls: Vec<revocation::CrlSource>,
    pub crl_refresh_secs: u64,
    /// Revocation by OCSP instead of CRLs: the responder (None in it: the certificate's AIA responder). Good
    /// answers are cached until their nextUpdate.
    pub ocsp: Option<kazasu_core::ocsp::OcspConfig>,
    /// How long the OCSP responder may take.
    pub ocsp_timeout: std::time::Duration,
    /// Seconds a signing request stays valid.
    pub ttl_secs: i64,
    pub db_path: PathBuf,
    /// The city staff's bearer token for `/office/…` (None: the back office is off). Kept only as a digest.
    pub office_token: Option<String>,
    pub rate_limits: RateLimits,
    /// The header the reverse proxy sets to the client's address (e.g. `X-Real-IP`); None: the peer address.
    pub client_ip_header: Option<String>,
}

pub struct AppState {
    cfg: Config,
    store: Store,
    office_digest: Option<[u8; 32]>,
    revocation: revocation::Revocation,
    ocsp: Option<kazasu_core::ocsp::OcspChecker>,
    limiters: Limiters,
    cookies: Cookies,
    /// Where request expiry and certificate/CRL validity take their time from.
    clock: Arc<dyn Clock>,
    /// Seconds added to the clock (tests move time forward).
    clock_offset: AtomicI64,
}

pub type Shared = Arc<AppState>;

impl AppState {
    /// A portal on the system clock.
    pub fn new(cfg: Config) -> Result<Shared, String> {
        AppState::with_clock(cfg, Arc::new(SystemClock))
    }

    /// A portal whose every time-dependent check (request expiry, certificate validity, CRL currency) reads
    /// `clock` — tests pin it so they pass on any date.
    pub fn with_clock(mut cfg: Config, clock: Arc<dyn Clock>) -> Result<Shared, String> {
        let origin = HttpsUrl::parse(&cfg.public_origin).map_err(|e| format!("public origin: {e}"))?;
        if origin.origin() != cfg.public_origin {
            return Err(format!("public origin must be written as {}", origin.origin()));
        }
        sanitize_ok(&cfg.relying_party)?;
        let store = Store::open(&cfg.db_path).map_err(|e| e.to_string())?;
        let office_digest = match cfg.office_token.take() {
            Some(t) if t.trim().len() < 32 => return Err("the office token must be at least 32 characters".into()),
            Some(t) => Some(guard::digest(t.trim().as_bytes())),
            None => None,
        };
        if cfg.ocsp.is_some() && !cfg.crls.is_empty() {
            return Err("--ocsp and --crl are alternatives: give one".into());
        }
        let revocation = revocation::Revocation::new(std::mem::take(&mut cfg.crls), &cfg.trust.anchors)
            .map_err(|e| format!("--crl: {e}"))?;
        let ocsp = cfg.ocsp.clone().map(|config| {
            let transport = kazasu_core::ocsp::UreqTransport { timeout: cfg.ocsp_timeout };
            kazasu_core::ocsp::OcspChecker::new(config, Box::new(transport))
        });
        let cookies = Cookies { secure: cfg.public_origin.starts_with("https://") };
        let limiters = Limiters::new(cfg.rate_limits);
        Ok(Arc::new(AppState {
            cfg,
            store,
            office_digest,
            revocation,
            ocsp,
            limiters,
            cookies,
            clock,
            clock_offset: AtomicI64::new(0),
        }))
    }

    /// The portal's time, seconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        self.clock.now() + self.clock_offset.load(Ordering::Relaxed)
    }

    /// Moves this portal's clock (tests).
    pub fn advance_clock(&self, secs: i64) {
        self.clock_offset.fetch_add(secs, Ordering::Relaxed);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn revocation(&self) -> &revocation::Revocation {
        &self.revocation
    }
}

fn sanitize_ok(name: &str) -> Result<(), String> {
    kazasu_core::handoff::document::check_text("relying party name", name, kazasu_core::handoff::MAX_NAME_CHARS, false)
        .map_err(|e| e.to_string())
}

/// All routes. Bodies above the submission limit are refused before they are read in full.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(pages::form_page))
        .route("/app.js", get(pages::script))
        // Verified links: the app-link host's well-known files and its link opened where no app took it.
        .route("/.well-known/assetlinks.json", get(pages::assetlinks))
        .route("/.well-known/apple-app-site-association", get(pages::apple_app_site_association))
        .route(kazasu_core::handoff::link::APP_LINK_PATH, get(pages::app_link_page))
        .route("/applications", post(create_from_form))
        .route("/api/applications", post(create_from_json))
        .route("/a/{view}", get(pages::application_page))
        .route("/a/{view}/status", get(status))
        .route("/a/{view}/application.txt", get(application_text))
        .route("/a/{view}/qr.svg", get(qr_svg))
        .route("/a/{view}/qr.png", get(qr_png))
        .route("/r/{id}", get(fetch_request))
        // A submission is read whole up to SUBMIT_READ_LIMIT and refused above MAX_SUBMISSION_BODY in the
        // handler: a client that sent a little too much gets its 413, not a connection reset mid-upload.
        .route("/r/{id}/submit", post(submit).layer(DefaultBodyLimit::max(SUBMIT_READ_LIMIT)))
        .route("/office/applications/{id}", get(office_json))
        .route("/office/applications/{id}/application.txt", get(office_text))
        .layer(DefaultBodyLimit::max(MAX_SUBMISSION_BODY))
        .with_state(state)
}

/// Serves on `addr` (loopback only) until `shutdown` resolves.
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

pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    openssl::rand::rand_bytes(&mut buf).expect("the OS random generator works");
    B64URL.encode(buf)
}

// ---------------------------------------------------------------------------------------------------------
// Creating an application (the desktop form, or the JSON API used by scripts and tests)

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

/// Creates a request; returns it and the owner cookie's value (only its digest is stored).
/// `created_from`: how the creating browser looked ([`browser::created_from`]), stated in the signed document.
fn create(state: &AppState, fields: Vec<Field>, created_from: String) -> Result<(Created, String), Refused> {
    let now = state.now();
    state.store.purge_unsigned(now - KEEP_UNSIGNED_SECS).map_err(Refused::internal)?;
    let id = random_token(16);
    let origin = &state.cfg.public_origin;
    let doc = Document {
        origin: origin.clone(),
        relying_party: state.cfg.relying_party.clone(),
        title: "住民票の写しの交付申請".into(),
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
    };
    state.store.create_request(&row).map_err(Refused::internal)?;
    let url = HttpsUrl::parse(&format!("{origin}/r/{id}")).map_err(Refused::from)?;
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

fn client(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
    limits::client_key(headers, state.cfg.client_ip_header.as_deref(), Some(peer))
}

fn with_owner_cookie(state: &AppState, c: &Created, owner: &str, resp: impl IntoResponse) -> Response {
    let mut resp = resp.into_response();
    if let Ok(v) = HeaderValue::from_str(&state.cookies.owner_cookie(&c.view_id, owner)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The browser form: same origin, the form token, then the client's rate limit.
async fn create_from_form(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ApplicationForm>,
) -> Response {
    if let Err(d) = guard::same_origin(&headers, &state.cfg.public_origin)
        .and_then(|_| guard::check_form_token(&headers, state.cookies, &form.form_token))
        .and_then(|_| state.limiters.create(&client(&state, &headers, peer)))
    {
        return d.into_response();
    }
    let fields = match form.fields() {
        Ok(f) => f,
        Err(msg) => {
            return (
                StatusCode::BAD_REQUEST,
                pages::html(pages::form_html(Some(&msg), &form.form_token, state.cfg.trust.accept_test_cards)),
            )
                .into_response()
        }
    };
    let st = state.clone();
    let created_from = browser::created_from(&headers);
    match blocking(move || create(&st, fields, created_from)).await {
        Ok((c, owner)) => with_owner_cookie(&state, &c, &owner, Redirect::to(&format!("/a/{}", c.view_id))),
        Err(r) => r.into_response(),
    }
}

/// The JSON API (scripts): a cross-site page cannot send `application/json` without a CORS preflight, which the
/// portal never grants; a browser's Origin / Sec-Fetch-Site are checked all the same.
async fn create_from_json(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(form): Json<ApplicationForm>,
) -> Response {
    if let Err(d) = guard::same_origin(&headers, &state.cfg.public_origin)
        .and_then(|_| state.limiters.create(&client(&state, &headers, peer)))
    {
        return d.into_response();
    }
    let fields = match form.fields() {
        Ok(f) => f,
        Err(msg) => return Refused { code: Refusal::Malformed, message: msg }.into_response(),
    };
    let st = state.clone();
    let created_from = browser::created_from(&headers);
    match blocking(move || create(&st, fields, created_from)).await {
        Ok((c, owner)) => {
            let body = Json(&c).into_response();
            with_owner_cookie(&state, &c, &owner, body)
        }
        Err(r) => r.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The app's side: fetching the request, submitting the signature

/// A refusal as the protocol spells it (`{"status":"refused","error":…,"message":…}`, HTTP status by code).
#[derive(Debug)]
pub struct Refused {
    pub code: Refusal,
    pub message: String,
}

impl Refused {
    fn internal(e: impl std::fmt::Display) -> Refused {
        eprintln!("kazasu-portal: internal error: {e}");
        Refused { code: Refusal::Internal, message: "internal error".into() }
    }
}

impl From<HandoffError> for Refused {
    fn from(e: HandoffError) -> Refused {
        Refused { code: e.refusal(), message: e.to_string() }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, no_store(), Json(Reply::refused(self.code, self.message))).into_response()
    }
}

fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Refused> + Send + 'static) -> Result<T, Refused> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| Err(Refused::internal(e)))
}

fn not_found() -> Refused {
    Refused { code: Refusal::NotFound, message: "no such signing request".into() }
}

async fn fetch_request(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let result = blocking(move || {
        let row = state.store.request(&id).map_err(Refused::internal)?.ok_or_else(not_found)?;
        if row.signed {
            return Err(Refused { code: Refusal::Replayed, message: "this request was already signed".into() });
        }
        if state.now() >= row.expires_at {
            return Err(Refused { code: Refusal::Expired, message: "this request has expired".into() });
        }
        let doc = Document::parse(&row.document).map_err(Refused::internal)?;
        request_json(&doc).map_err(Refused::internal)
    })
    .await;
    match result {
        Ok(body) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], no_store(), body)
                .into_response()
        }
        Err(r) => r.into_response(),
    }
}

/// How much of a submission body is read before it is refused as too large (bigger than
/// `MAX_SUBMISSION_BODY`, so that a modest overrun is answered, not reset).
const SUBMIT_READ_LIMIT: usize = 1024 * 1024;

async fn submit(
    State(state): State<Shared>,
    Path(id): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(d) = state.limiters.submit(&client(&state, &headers, peer)) {
        return d.into_response();
    }
    if let Some(next) = state.revocation.all_stale(state.now()) {
        eprintln!("kazasu-portal: submission refused: every CRL is past its nextUpdate");
        return Denied::StaleCrl { next_update: kazasu_core::handoff::time::format_utc(next) }.into_response();
    }
    let too_large = || {
        Refused { code: Refusal::TooLarge, message: format!("the submission exceeds {MAX_SUBMISSION_BODY} bytes") }
            .into_response()
    };
    let body = match body {
        Ok(b) if b.len() > MAX_SUBMISSION_BODY => return too_large(),
        Ok(b) => b,
        Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Refused {
                code: Refusal::TooLarge,
                message: format!("the submission exceeds {MAX_SUBMISSION_BODY} bytes"),
            }
            .into_response()
        }
        Err(rej) => return Refused { code: Refusal::Malformed, message: rej.body_text() }.into_response(),
    };
    let languages =
        words::Languages::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    match blocking(move || accept(&state, &id, &body, languages)).await {
        Ok(reply) => (StatusCode::OK, no_store(), Json(reply)).into_response(),
        Err(r) => r.into_response(),
    }
}

/// Verification and recording of one submission.
fn accept(state: &AppState, id: &str, body: &[u8], languages: words::Languages) -> Result<Reply, Refused> {
    let sub = Submission::from_json(body)?;
    let row = state.store.request(id).map_err(Refused::internal)?.ok_or_else(not_found)?;
    if sub.request_id != row.id {
        return Err(Refused { code: Refusal::Mismatch, message: "the submission names another request".into() });
    }
    if row.signed {
        return Err(HandoffError::Replayed.into());
    }
    let now = state.now();
    let crls = state.revocation.current();
    let scoped: Vec<&kazasu_core::crl::ScopedCrl> = crls.iter().map(|c| &c.scoped).collect();
    let source = match &state.ocsp {
        Some(checker) => RevocationSource::Ocsp(checker),
        None if state.revocation.is_empty() => RevocationSource::NotChecked,
        None => RevocationSource::Crls(&scoped),
    };
    let verified = verify_submission(&row.document, &sub, &state.cfg.trust, source, now).map_err(|e| match e {
        // The certificate's refusals reach the person (the app quotes them): in their language, from the catalog.
        HandoffError::BadCertificate(why) => {
            eprintln!("kazasu-portal: submission for {id} refused: the certificate: {why}");
            Refused { code: e.refusal(), message: words::certificate_refusal(languages, why) }
        }
        e => Refused::from(e),
    })?;
    let p = &verified.personal;
    let sig = SignatureRow {
        digest_algorithm: sub.algorithm.name().into(),
        signature: sub.signature.clone(),
        certificate: verified.certificate.der().to_vec(),
        name: p.name.clone(),
        address: p.address.clone(),
        date_of_birth: p.date_of_birth_iso().or(p.date_of_birth.clone()),
        gender: p.gender.clone(),
        cert_serial: verified.certificate.serial_hex.clone(),
        cert_issuer: verified.certificate.issuer.clone(),
        signed_at: now,
    };
    match state.store.record_signature(id, &sub.nonce, now, &sig).map_err(Refused::internal)? {
        Ok(()) => Ok(Reply::accepted(
            id,
            Transcribed { name: sig.name, address: sig.address, date_of_birth: sig.date_of_birth },
        )),
        Err(RecordRefusal::AlreadySigned) => Err(HandoffError::Replayed.into()),
        Err(RecordRefusal::Expired) => {
            Err(Refused { code: Refusal::Expired, message: "this request has expired".into() })
        }
        Err(RecordRefusal::NotFound) => Err(not_found()),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The desktop page's side

/// Where an application is, as the desktop page shows it (`pending`, `signed`, `expired` in the JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationState {
    Pending,
    Signed,
    Expired,
}

/// What the desktop page polls: whether the application was signed and verified — never the signer's
/// address, birth date or gender, and the name only masked (the relayer of a QR code may hold this page).
#[derive(Debug, Serialize, Deserialize)]
pub struct Status {
    pub state: ApplicationState,
    pub expires_at: i64,
    pub fields: Vec<Field>,
    pub signature: Option<SignatureView>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SignatureView {
    /// The first character of the name and ＊＊.
    pub name_masked: Option<String>,
    pub cert_issuer: String,
    pub digest_algorithm: String,
    pub signed_at: i64,
}

/// A refusal of either layer: the protocol's (`Refused`) or the portal's access rules (`Denied`).
#[derive(Debug)]
pub enum Failure {
    Refused(Refused),
    Denied(Denied),
}

impl From<Refused> for Failure {
    fn from(r: Refused) -> Self {
        Failure::Refused(r)
    }
}

impl From<Denied> for Failure {
    fn from(d: Denied) -> Self {
        Failure::Denied(d)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Refused(r) => r.into_response(),
            Failure::Denied(d) => d.into_response(),
        }
    }
}

async fn blocking_any<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| Err(Refused::internal(e).into()))
}

/// The application behind a desktop page, for the browser holding its owner cookie only.
fn owned(state: &AppState, view: &str, headers: &HeaderMap) -> Result<(RequestRow, Option<SignatureRow>), Failure> {
    let (row, sig) = state.store.by_view(view).map_err(Refused::internal)?.ok_or_else(not_found)?;
    guard::check_owner(headers, row.owner.as_deref())?;
    Ok((row, sig))
}

fn state_of(state: &AppState, row: &RequestRow) -> ApplicationState {
    if row.signed {
        ApplicationState::Signed
    } else if state.now() >= row.expires_at {
        ApplicationState::Expired
    } else {
        ApplicationState::Pending
    }
}

async fn status(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    let result = blocking_any(move || {
        let (row, sig) = owned(&state, &view, &headers)?;
        Ok(Status {
            state: state_of(&state, &row),
            expires_at: row.expires_at,
            fields: row.fields,
            signature: sig.map(|s| SignatureView {
                name_masked: s.name.as_deref().map(guard::mask_name),
                cert_issuer: s.cert_issuer,
                digest_algorithm: s.digest_algorithm,
                signed_at: s.signed_at,
            }),
        })
    })
    .await;
    match result {
        Ok(s) => (no_store(), Json(s)).into_response(),
        Err(r) => r.into_response(),
    }
}

/// The application as plain text: `full` (the back office) with everything the certificate says, otherwise
/// (the applicant's browser) with the masked name only.
fn application_text_of(state: &AppState, row: &RequestRow, sig: &Option<SignatureRow>, full: bool) -> String {
    let mut out = String::new();
    let verdict = match (sig, row.signed) {
        (Some(_), true) => "署名検証済み",
        _ if state.now() >= row.expires_at => "有効期限切れ（未署名）",
        _ => "署名待ち",
    };
    out.push_str(&format!("住民票の写しの交付申請（{}） — {verdict}\n", state.cfg.relying_party));
    if let Some(s) = sig {
        let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        if full {
            let gender = match s.gender.as_deref() {
                Some("1") => "男".to_string(),
                Some("2") => "女".to_string(),
                other => other.unwrap_or("-").to_string(),
            };
            out.push_str(&format!(
                "氏名: {}\n住所: {}\n生年月日: {}\n性別: {gender}\n",
                dash(&s.name),
                dash(&s.address),
                dash(&s.date_of_birth)
            ));
        } else {
            out.push_str(&format!(
                "氏名: {}（住所・生年月日・性別は市の担当者のみが確認します）\n",
                dash(&s.name.as_deref().map(guard::mask_name))
            ));
        }
    }
    for f in &row.fields {
        out.push_str(&format!("{}: {}\n", f.label, f.value));
    }
    if let Some(s) = sig {
        let serial = if full { format!(" / 証明書シリアル {}", s.cert_serial) } else { String::new() };
        out.push_str(&format!(
            "署名: {}{serial} / 発行者 {}\n署名日時: {}\n",
            s.digest_algorithm,
            s.cert_issuer,
            kazasu_core::handoff::time::format_utc(s.signed_at)
        ));
    }
    out
}

fn text_response(t: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))], no_store(), t).into_response()
}

/// The application as plain text for the applicant's browser (masked).
async fn application_text(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    let result = blocking_any(move || {
        let (row, sig) = owned(&state, &view, &headers)?;
        Ok(application_text_of(&state, &row, &sig, false))
    })
    .await;
    match result {
        Ok(t) => text_response(t),
        Err(r) => r.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The back office: the full transcription, for the city's staff (bearer token)

/// One application as the city's staff see it.
#[derive(Debug, Serialize)]
pub struct OfficeRecord {
    pub request_id: String,
    pub state: ApplicationState,
    pub created_at: i64,
    pub expires_at: i64,
    pub fields: Vec<Field>,
    pub signature: Option<SignatureRow>,
}

fn office_lookup(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
) -> Result<(RequestRow, Option<SignatureRow>), Failure> {
    guard::check_office(headers, state.office_digest.as_ref())?;
    Ok(state.store.by_id(id).map_err(Refused::internal)?.ok_or_else(not_found)?)
}

async fn office_json(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let result = blocking_any(move || {
        let (row, sig) = office_lookup(&state, &id, &headers)?;
        Ok(OfficeRecord {
            state: state_of(&state, &row),
            request_id: row.id,
            created_at: row.created_at,
            expires_at: row.expires_at,
            fields: row.fields,
            signature: sig,
        })
    })
    .await;
    match result {
        Ok(r) => (no_store(), Json(r)).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn office_text(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let result = blocking_any(move || {
        let (row, sig) = office_lookup(&state, &id, &headers)?;
        Ok(application_text_of(&state, &row, &sig, true))
    })
    .await;
    match result {
        Ok(t) => text_response(t),
        Err(r) => r.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The QR code (owner only as well: the page's URL alone shows nothing)

fn request_url_of(state: &AppState, view: &str, headers: &HeaderMap) -> Result<(RequestRow, String), Failure> {
    let (row, _) = owned(state, view, headers)?;
    let url = format!("{}/r/{}", state.cfg.public_origin, row.id);
    Ok((row, url))
}

async fn qr_svg(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    match blocking_any(move || {
        let (_, url) = request_url_of(&state, &view, &headers)?;
        Ok(kazasu_qr::to_svg(&url).map_err(Refused::internal)?)
    })
    .await
    {
        Ok(svg) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"))], no_store(), svg).into_response()
        }
        Err(r) => r.into_response(),
    }
}

async fn qr_png(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    match blocking_any(move || {
        let (_, url) = request_url_of(&state, &view, &headers)?;
        let (pixels, side) = kazasu_qr::to_luma(&url, 6).map_err(Refused::internal)?;
        Ok(encode_png(&pixels, side).map_err(Refused::internal)?)
    })
    .await
    {
        Ok(png) => ([(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))], no_store(), png).into_response(),
        Err(r) => r.into_response(),
    }
}

fn encode_png(pixels: &[u8], side: usize) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header()?;
    w.write_image_data(pixels)?;
    w.finish()?;
    Ok(out)
}

/// The request behind a desktop page (for the page itself, owner only).
pub(crate) fn page_data(
    state: &AppState,
    view: &str,
    headers: &HeaderMap,
) -> Result<(RequestRow, String, String, String), Failure> {
    let (row, url) = request_url_of(state, view, headers)?;
    let parsed = HttpsUrl::parse(&url).map_err(Refused::from)?;
    let svg = kazasu_qr::to_svg(&url).map_err(Refused::internal)?;
    Ok((row, url, deep_link(&parsed), svg))
}

pub(crate) fn cookies_of(state: &AppState) -> Cookies {
    state.cookies
}

pub(crate) use blocking_any as run_blocking;
