//! Shared by the portal tests: an in-process portal on 127.0.0.1:0, a plain-http client for the core's
//! `HttpClient` trait, and signing with the software card.
#![allow(dead_code)]

pub mod browser;
pub mod pg;
pub mod values;

#[allow(unused_imports)] // each test root uses some of them
pub use browser::{agent, link_on_page, Answer, Browser, Site, CHROME_WINDOWS};

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub use kazasu_core::anchors::TrustAnchors;
use kazasu_core::clock::FixedClock;
pub use kazasu_core::handoff::rp::Trust;
use kazasu_core::handoff::{HttpClient, HttpError, HttpResponse, HttpsUrl};
use kazasu_core::softcard::{fixture, SoftCard};
use kazasu_core::{HashAlgorithm, JpkiSession, LastTry, SignPin};
use kazasu_portal::{AppState, Config, Created, Shared};

pub const SIGN_CA: &[u8] = fixture::SIGN_CA_CERT;

#[allow(unused_imports)] // each test root uses some of them
pub use values::{OFFICE_TOKEN, TEST_NOW, TEST_NOW_UTC};

/// A scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "kazasu-portal-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn config(db: &Path, origin: &str) -> Config {
    Config {
        public_origin: origin.into(),
        relying_party: "伊勢市（見本）".into(),
        trust: Trust::only(TrustAnchors::from_der(SIGN_CA).unwrap()),
        crls: vec![kazasu_portal::revocation::CrlSource {
            bytes: fixture::SIGN_CA_CRL.to_vec(),
            path: None,
            url: None,
        }],
        crl_refresh_secs: 0,
        ocsp: None,
        ocsp_timeout: std::time::Duration::from_secs(2),
        ttl_secs: 600,
        db_path: db.to_path_buf(),
        office_token: Some(OFFICE_TOKEN.into()),
        // Generous: the load tests send hundreds of requests from one client. tests/guard.rs sets small ones.
        rate_limits: kazasu_portal::limits::RateLimits {
            create: kazasu_portal::limits::Rate { per_minute: 100_000, burst: 100_000 },
            submit: kazasu_portal::limits::Rate { per_minute: 100_000, burst: 100_000 },
        },
        client_ip_header: Some("X-Real-IP".into()),
        // Log-ins: the test PKI's user-authentication CA (its CRL is in `crls` too).
        auth_trust: Some(Trust::only(TrustAnchors::from_der(fixture::AUTH_CA_CERT).unwrap())),
    }
}

/// A portal running in this process on a free loopback port.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(db: &Path, tweak: impl FnOnce(&mut Config)) -> Server {
        Server::start_at(db, TEST_NOW, tweak)
    }

    /// A portal whose clock is pinned at `now`.
    pub fn start_at(db: &Path, now: i64, tweak: impl FnOnce(&mut Config)) -> Server {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let mut cfg = config(db, &format!("http://{addr}"));
        tweak(&mut cfg);
        let state = AppState::with_clock(cfg, Arc::new(FixedClock::at(now))).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                kazasu_portal::serve(listener, st, async move {
                    let _ = rx.await;
                })
                .await
                .unwrap();
            });
        });
        Server { addr, state, stop: Some(tx), thread: Some(thread) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Site for Server {
    fn url(&self, path: &str) -> String {
        Server::url(self, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Plain-http ureq for the core's client functions (loopback only in these tests).
pub struct Http(pub ureq::Agent);

impl Http {
    pub fn new() -> Http {
        Http(agent())
    }
    fn finish(r: Result<ureq::Response, ureq::Error>, max: usize) -> Result<HttpResponse, HttpError> {
        let resp = match r {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(HttpError(e.to_string())),
        };
        let status = resp.status();
        let mut body = Vec::new();
        resp.into_reader().take(max as u64 + 1).read_to_end(&mut body).map_err(|e| HttpError(e.to_string()))?;
        Ok(HttpResponse { status, body })
    }
}

impl HttpClient for Http {
    fn get(&mut self, url: &HttpsUrl, max: usize) -> Result<HttpResponse, HttpError> {
        Self::finish(self.0.get(&url.to_string()).call(), max)
    }
    fn post_json(&mut self, url: &HttpsUrl, body: &[u8], max: usize) -> Result<HttpResponse, HttpError> {
        Self::finish(self.0.post(&url.to_string()).set("Content-Type", "application/json").send_bytes(body), max)
    }
}

/// POSTs raw bytes; returns (status, body).
pub fn post_raw(url: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let r = agent().post(url).set("Content-Type", "application/json").send_bytes(body);
    let resp = match r {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{url}: {e}"),
    };
    let status = resp.status();
    let mut b = Vec::new();
    resp.into_reader().read_to_end(&mut b).unwrap();
    (status, b)
}

pub fn get_raw(url: &str) -> (u16, Vec<u8>) {
    get_with(url, &[])
}

pub fn create(base: &str) -> Created {
    create_owned(base).0
}

/// Creates an application; returns it and the owner cookie (`kazasu-owner=…`) the portal set.
pub fn create_owned(base: &str) -> (Created, String) {
    let body = serde_json::json!({"scope": "self", "copies": "2", "honseki": "omit", "purpose": "年金の手続き", "phone": "0596-00-0000"});
    let resp = match agent()
        .post(&format!("{base}/api/applications"))
        .set("Content-Type", "application/json")
        .send_bytes(body.to_string().as_bytes())
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(resp.status(), 200);
    let cookie = resp.header("set-cookie").expect("an owner cookie").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_string();
    let mut b = Vec::new();
    resp.into_reader().read_to_end(&mut b).unwrap();
    (serde_json::from_slice(&b).unwrap(), pair)
}

/// GET with extra headers; returns (status, body).
pub fn get_with(url: &str, headers: &[(&str, &str)]) -> (u16, Vec<u8>) {
    let mut req = agent().get(url);
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let resp = match req.call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{url}: {e}"),
    };
    let status = resp.status();
    let mut b = Vec::new();
    resp.into_reader().read_to_end(&mut b).unwrap();
    (status, b)
}

/// The back office's record of one application (JSON).
pub fn office(base: &str, request_id: &str) -> serde_json::Value {
    let (code, body) = get_with(
        &format!("{base}/office/applications/{request_id}"),
        &[("Authorization", &format!("Bearer {OFFICE_TOKEN}"))],
    );
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// Signs `data` with the software card: (signature, certificate DER).
pub fn card_sign(data: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut card = SoftCard::new();
    let mut s = JpkiSession::open(&mut card).unwrap();
    s.verify_sign_pin(SignPin::new(fixture::SIGN_PIN).unwrap(), LastTry::NotConfirmed).unwrap();
    let cert = s.read_sign_certificate().unwrap();
    let sig = s.sign(HashAlgorithm::Sha256, data).unwrap();
    (sig, cert)
}

/// The refusal code in a reply body.
pub fn error_code(body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    v["error"].as_str().unwrap_or("").to_string()
}

// ── Submissions for the multi-instance (PostgreSQL) tests ──

/// One signed submission, ready to send: (request id, submit path, JSON body).
pub struct Signed {
    pub request_id: String,
    pub submit_path: String,
    pub body: Vec<u8>,
}

/// Creates `n` applications through `base`, fetches each request as the app would and signs it with the
/// software card.
pub fn signed_submissions(base: &str, n: usize) -> Vec<Signed> {
    use kazasu_core::handoff::{self, Submission};
    (0..n)
        .map(|_| {
            let c = create(base);
            let url = handoff::parse_link(&c.request_url).unwrap();
            let req = handoff::fetch_request(&mut Http::new(), &url, TEST_NOW).unwrap();
            let (sig, cert) = card_sign(req.bytes_to_sign());
            let body = Submission::new(&req, kazasu_core::HashAlgorithm::Sha256, sig, cert).to_json();
            Signed { submit_path: format!("/r/{}/submit", c.request_id), request_id: c.request_id, body }
        })
        .collect()
}

/// How one submission was answered.
#[derive(Debug)]
pub struct SubmitAnswer {
    /// The HTTP status; 0 when the connection failed without one.
    pub status: u16,
    /// The refusal code (`replayed`, …), empty when accepted.
    pub error: String,
    /// The instance nginx passed it to (`X-Upstream`), empty without nginx.
    pub upstream: String,
}

impl SubmitAnswer {
    pub fn accepted(&self) -> bool {
        self.status == 200
    }
    pub fn replayed(&self) -> bool {
        self.status == 409 && self.error == "replayed"
    }
}

pub fn submit(url: &str, body: &[u8]) -> SubmitAnswer {
    use std::io::Read;
    match agent().post(url).set("Content-Type", "application/json").send_bytes(body) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let status = r.status();
            let upstream = r.header("x-upstream").unwrap_or("").to_string();
            let mut b = Vec::new();
            let _ = r.into_reader().read_to_end(&mut b);
            SubmitAnswer { status, error: error_code(&b), upstream }
        }
        Err(_) => SubmitAnswer { status: 0, error: String::new(), upstream: String::new() },
    }
}
