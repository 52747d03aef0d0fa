//! The portal's submission handler, in process: every input is the body of `POST /r/{id}/submit` for an open
//! request, sent through the portal's real router (body limit, handler, verification, SQLite store). Also
//! compiled into `portal/tests/fuzz_regressions.rs`.
//!
//! So that the fuzzer gets past "which request?" and "is this signature any good?", the body may carry
//! placeholders the harness fills in: `@ID@` (the open request's id), `@NONCE@` (its nonce), `@SIG@` (a valid
//! base64 signature over its document by the software card) and `@CERT@` (the software card's certificate,
//! base64). The portal's clock is pinned at 2026-12-01, inside the fixture certificates' validity.
//!
//! Checked: no panic; never an internal error (HTTP 500) for anything a client can send; every answer is the
//! protocol's JSON; an accepted signature carries the certificate's identity back, and sending it again is a
//! replay (409).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kazasu_core::clock::FixedClock;
use kazasu_core::softcard::{fixture, SoftCard};
use kazasu_core::{HashAlgorithm, JpkiSession, LastTry, SignPin};
use kazasu_portal::limits::{Rate, RateLimits};
use kazasu_portal::{AppState, Config, Shared};
use tower::ServiceExt;

/// 2026-12-01T00:00:00Z.
pub const PORTAL_NOW: i64 = 1_796_083_200;
const ORIGIN: &str = "http://127.0.0.1:8080";

struct Open {
    id: String,
    nonce: String,
    signature_b64: String,
}

struct Rig {
    rt: tokio::runtime::Runtime,
    state: Shared,
    open: Mutex<Option<Open>>,
}

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm".into() } else { std::env::temp_dir() };
        // The database of a process that has ended (a fuzz run, a test binary) is removed by the next one.
        for entry in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("kazasu-fuzz-portal-") {
                if !std::path::Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = base.join(format!("kazasu-fuzz-portal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let cfg = Config {
            public_origin: ORIGIN.into(),
            relying_party: "伊勢市（見本）".into(),
            trust: kazasu_core::handoff::rp::Trust::only(
                kazasu_core::anchors::TrustAnchors::from_der(fixture::SIGN_CA_CERT).expect("the test CA parses"),
            ),
            crls: vec![kazasu_portal::revocation::CrlSource {
                bytes: fixture::SIGN_CA_CRL.to_vec(),
                path: None,
                url: None,
            }],
            ocsp: None,
            ocsp_timeout: std::time::Duration::from_secs(2),
            crl_refresh_secs: 0,
            ttl_secs: 600,
            db_path: dir.join("portal.sqlite3"),
            office_token: None,
            // The fuzzer is one client sending as fast as it can; the limits are tested in tests/guard.rs.
            rate_limits: RateLimits {
                create: Rate { per_minute: u32::MAX / 2, burst: u32::MAX / 2 },
                submit: Rate { per_minute: u32::MAX / 2, burst: u32::MAX / 2 },
            },
            client_ip_header: None,
            auth_trust: None,
        };
        let state = AppState::with_clock(cfg, Arc::new(FixedClock::at(PORTAL_NOW))).expect("portal state");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        Rig { rt, state, open: Mutex::new(None) }
    })
}

async fn call(state: &Shared, method: &str, path: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("origin", ORIGIN)
        .body(Body::from(body))
        .expect("request");
    // What `serve` attaches to every request: the peer's address (loopback).
    req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let resp = kazasu_portal::router(state.clone()).oneshot(req).await.expect("infallible router");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.expect("response body");
    (status, bytes.to_vec())
}

/// Opens a new request through the JSON API and signs its document with the software card.
fn open_request(rig: &Rig) -> Open {
    let form = br#"{"scope":"self","copies":"1","honseki":"omit","purpose":"fuzz","phone":"0596-23-1111"}"#;
    let (status, body) = rig.rt.block_on(call(&rig.state, "POST", "/api/applications", form.to_vec()));
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let created: kazasu_portal::Created = serde_json::from_slice(&body).expect("created");
    let row = rig.state.store().request(&created.request_id).expect("store").expect("the row just created");
    let mut session = JpkiSession::open(SoftCard::new()).expect("software card");
    session.verify_sign_pin(SignPin::new(fixture::SIGN_PIN).expect("pin"), LastTry::NotConfirmed).expect("verify");
    let signature = session.sign(HashAlgorithm::Sha256, &row.document).expect("sign");
    Open { id: created.request_id, nonce: row.nonce, signature_b64: B64.encode(signature) }
}

fn replace(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

pub fn portal_submit(data: &[u8]) {
    let rig = rig();
    let mut open = rig.open.lock().unwrap_or_else(|p| p.into_inner());
    if open.is_none() {
        *open = Some(open_request(rig));
    }
    let req = open.as_ref().expect("just opened");
    let cert_b64 = B64.encode(fixture::SIGN_CERT);
    let mut body = replace(data, b"@ID@", req.id.as_bytes());
    body = replace(&body, b"@NONCE@", req.nonce.as_bytes());
    body = replace(&body, b"@SIG@", req.signature_b64.as_bytes());
    body = replace(&body, b"@CERT@", cert_b64.as_bytes());
    let path = format!("/r/{}/submit", req.id);
    let (status, reply) = rig.rt.block_on(call(&rig.state, "POST", &path, body.clone()));
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "internal error: {}", String::from_utf8_lossy(&reply));
    let reply: serde_json::Value = serde_json::from_slice(&reply).expect("every answer is JSON");
    let said = reply.get("status").and_then(|s| s.as_str()).expect("every answer has a status");
    if status == StatusCode::OK {
        assert_eq!(said, "accepted", "{reply}");
        let name = reply.pointer("/transcribed/name").and_then(|n| n.as_str());
        assert_eq!(name, Some("かざす　花子"), "the certificate's identity did not come back: {reply}");
        let (again, _) = rig.rt.block_on(call(&rig.state, "POST", &path, body));
        assert_eq!(again, StatusCode::CONFLICT, "a signed request accepted a second submission");
        *open = None;
    } else {
        assert_eq!(said, "refused", "{reply}");
        assert!(reply.get("error").and_then(|e| e.as_str()).is_some(), "a refusal without a code: {reply}");
    }
}
