//! The portal accepts exactly one valid signature per request and refuses everything else with a reason.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use kazasu_core::handoff::{self, HandoffError, HttpsUrl, SignRequest, Submission};
use kazasu_core::softcard::fixture;
use kazasu_core::HashAlgorithm;
use support::*;

/// The app's clock agrees with the portal's pinned one.
fn now() -> i64 {
    TEST_NOW
}

/// Creates an application and fetches its request as the app would.
fn fetched(server: &Server) -> (kazasu_portal::Created, SignRequest) {
    let c = create(&server.url(""));
    let url = handoff::parse_link(&c.deep_link).unwrap();
    let req = handoff::fetch_request(&mut Http::new(), &url, now()).unwrap();
    (c, req)
}

fn submission(req: &SignRequest, data: &[u8]) -> Submission {
    let (sig, cert) = card_sign(data);
    Submission::new(req, HashAlgorithm::Sha256, sig, cert)
}

fn submit_raw(server: &Server, c: &kazasu_portal::Created, sub: &Submission) -> (u16, String) {
    let (status, body) = post_raw(&server.url(&format!("/r/{}/submit", c.request_id)), &sub.to_json());
    (status, error_code(&body))
}

/// The state as the city's back office sees it.
fn status(server: &Server, c: &kazasu_portal::Created) -> kazasu_portal::ApplicationState {
    serde_json::from_value(office(&server.url(""), &c.request_id)["state"].clone()).unwrap()
}

#[test]
fn a_valid_signature_is_accepted_once_and_the_application_shows_the_certificate_identity() {
    let dir = TempDir::new("ok");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let (c, req) = fetched(&server);
    assert_eq!(status(&server, &c), kazasu_portal::ApplicationState::Pending);
    let sub = submission(&req, req.bytes_to_sign());
    let receipt = handoff::submit(&mut Http::new(), &req, &sub).unwrap();
    assert_eq!(receipt.transcribed.unwrap().name.as_deref(), Some("かざす　花子"));
    let o = office(&server.url(""), &c.request_id);
    assert_eq!(o["state"], "signed");
    assert_eq!(o["signature"]["name"], "かざす　花子");
    assert_eq!(o["signature"]["address"], "三重県伊勢市岩渕一丁目７番２９号");
    assert_eq!(o["signature"]["date_of_birth"], "1985-04-01");
    // The same submission again, and a fetch of the used request: replays.
    assert_eq!(submit_raw(&server, &c, &sub), (409, "replayed".into()));
    assert_eq!(handoff::submit(&mut Http::new(), &req, &sub).unwrap_err(), HandoffError::Replayed);
    let url = HttpsUrl::parse(&c.request_url).unwrap();
    assert_eq!(handoff::fetch_request(&mut Http::new(), &url, now()).unwrap_err(), HandoffError::Replayed);
    assert_eq!(server.state.store().counts().unwrap(), (1, 1, 1));
}

#[test]
fn a_signature_over_other_bytes_is_refused() {
    let dir = TempDir::new("tamper");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let (c, req) = fetched(&server);
    let other = String::from_utf8(req.bytes_to_sign().to_vec()).unwrap().replace("\t2\n", "\t9\n");
    assert_ne!(other.as_bytes(), req.bytes_to_sign());
    assert_eq!(submit_raw(&server, &c, &submission(&req, other.as_bytes())), (422, "bad-signature".into()));
    let mut flipped = submission(&req, req.bytes_to_sign());
    flipped.signature[0] ^= 0x80;
    assert_eq!(submit_raw(&server, &c, &flipped), (422, "bad-signature".into()));
    assert_eq!(status(&server, &c), kazasu_portal::ApplicationState::Pending);
    // The untampered one is still accepted afterwards.
    assert_eq!(submit_raw(&server, &c, &submission(&req, req.bytes_to_sign())).0, 200);
}

#[test]
fn a_certificate_outside_the_configured_chain_is_refused() {
    // The portal trusts the auth CA only: the (valid) sign certificate does not chain to it.
    let dir = TempDir::new("chain");
    let server = Server::start(&dir.path().join("db"), |cfg| {
        cfg.trust = Trust::only(TrustAnchors::from_der(fixture::AUTH_CA_CERT).unwrap());
        cfg.crls.clear();
    });
    let (c, req) = fetched(&server);
    assert_eq!(submit_raw(&server, &c, &submission(&req, req.bytes_to_sign())), (422, "bad-certificate".into()));

    // The right CA, but the authentication certificate instead of the signature certificate.
    let dir = TempDir::new("chain2");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let (c, req) = fetched(&server);
    let mut sub = submission(&req, req.bytes_to_sign());
    sub.certificate_chain = vec![fixture::AUTH_CERT.to_vec()];
    assert_eq!(submit_raw(&server, &c, &sub), (422, "bad-certificate".into()));
}

#[test]
fn a_revoked_certificate_is_refused_with_the_crl() {
    let dir = TempDir::new("revoked");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let (c, req) = fetched(&server);
    // Sign with the revoked test certificate's key (a correct signature by a revoked certificate).
    let pem =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-revoked.TEST-ONLY.key.pem"))
            .unwrap();
    let cert = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-revoked.der")).unwrap();
    let key = openssl_key(&pem);
    let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
    signer.update(req.bytes_to_sign()).unwrap();
    let sub = Submission::new(&req, HashAlgorithm::Sha256, signer.sign_to_vec().unwrap(), cert);
    let (code, err) = submit_raw(&server, &c, &sub);
    assert_eq!((code, err.as_str()), (422, "bad-certificate"));
}

fn openssl_key(pem: &[u8]) -> openssl::pkey::PKey<openssl::pkey::Private> {
    openssl::pkey::PKey::private_key_from_pem(pem).unwrap()
}

#[test]
fn on_2031_11_27_the_expired_fixture_certificate_is_refused_by_the_portals_clock() {
    // The fixture certificate is valid until 2031-11-26; the request itself is current at the portal's time.
    let dir = TempDir::new("cert-expired");
    let at = kazasu_core::handoff::time::parse_utc("2031-11-27T00:00:00Z").unwrap();
    let server = Server::start_at(&dir.path().join("db"), at, |_| {});
    let c = create(&server.url(""));
    let url = handoff::parse_link(&c.deep_link).unwrap();
    let req = handoff::fetch_request(&mut Http::new(), &url, at).unwrap();
    let sub = submission(&req, req.bytes_to_sign());
    assert_eq!(submit_raw(&server, &c, &sub), (422, "bad-certificate".into()));
    assert_eq!(status(&server, &c), kazasu_portal::ApplicationState::Pending);
}

#[test]
fn an_expired_request_is_refused_for_fetch_and_submit() {
    let dir = TempDir::new("expired");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let (c, req) = fetched(&server);
    let sub = submission(&req, req.bytes_to_sign());
    server.state.advance_clock(601);
    assert_eq!(submit_raw(&server, &c, &sub), (410, "expired".into()));
    let (code, body) = get_raw(&c.request_url);
    assert_eq!((code, error_code(&body).as_str()), (410, "expired"));
    assert_eq!(status(&server, &c), kazasu_portal::ApplicationState::Expired);
}

#[test]
fn oversized_and_malformed_submissions_are_refused() {
    let dir = TempDir::new("size");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let (c, req) = fetched(&server);
    let submit_url = server.url(&format!("/r/{}/submit", c.request_id));
    let (code, body) = post_raw(&submit_url, &vec![b' '; 200 * 1024]);
    assert_eq!((code, error_code(&body).as_str()), (413, "too-large"));
    let mut sub = submission(&req, req.bytes_to_sign());
    sub.signature = vec![1; 2000];
    assert_eq!(submit_raw(&server, &c, &sub), (413, "too-large".into()));
    let (code, body) = post_raw(&submit_url, b"{\"format\":\"\xff\"}");
    assert_eq!((code, error_code(&body).as_str()), (400, "malformed"));
    let (code, body) = post_raw(&submit_url, b"not json");
    assert_eq!((code, error_code(&body).as_str()), (400, "malformed"));
    // A valid submission for request A sent to request B's URL.
    let sub = submission(&req, req.bytes_to_sign());
    let (c2, _) = fetched(&server);
    let (code, body) = post_raw(&server.url(&format!("/r/{}/submit", c2.request_id)), &sub.to_json());
    assert_eq!((code, error_code(&body).as_str()), (400, "mismatch"));
    let (code, body) = post_raw(&server.url("/r/nonexistent0000/submit"), &sub.to_json());
    assert_eq!((code, error_code(&body).as_str()), (404, "not-found"));
    assert_eq!(server.state.store().counts().unwrap().2, 0);
}

#[test]
fn signed_applications_survive_a_restart() {
    let dir = TempDir::new("restart");
    let db = dir.path().join("db");
    let (c, old_addr) = {
        let server = Server::start(&db, |_| {});
        let (c, req) = fetched(&server);
        assert_eq!(submit_raw(&server, &c, &submission(&req, req.bytes_to_sign())).0, 200);
        (c, server.addr)
    };
    let server = Server::start(&db, |cfg| cfg.public_origin = format!("http://{old_addr}"));
    assert_eq!(status(&server, &c), kazasu_portal::ApplicationState::Signed);
    assert_eq!(office(&server.url(""), &c.request_id)["signature"]["name"], "かざす　花子");
}

#[test]
fn form_input_is_escaped_on_the_page_and_cleaned_in_the_document() {
    let dir = TempDir::new("escape");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let token = "t".repeat(43);
    let resp = agent().post(&server.url("/applications")).set("Cookie", &format!("kazasu-form={token}")).send_form(&[
        ("form_token", &token),
        ("scope", "self"),
        ("copies", "1"),
        ("honseki", "omit"),
        ("purpose", "<script>x</script>\u{202E}\n次"),
        ("phone", "0596-1"),
    ]);
    let resp = resp.unwrap();
    assert_eq!(resp.status(), 303);
    let page = resp.header("location").unwrap().to_string();
    let owner = resp.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    let (code, html) = get_with(&server.url(&page), &[("Cookie", &owner)]);
    assert_eq!(code, 200);
    let html = String::from_utf8(html).unwrap();
    // Escaped by the template (askama writes numeric character references), and cleaned: the override character
    // gone, the newline a space.
    assert!(html.contains("&#60;script&#62;x&#60;/script&#62; 次"), "{html}");
    assert!(!html.contains("<script>x"));
    assert!(html.contains("端末内のアプリで署名する") && html.contains("<svg"));
    let (code, _) = post_raw(
        &server.url("/api/applications"),
        br#"{"scope":"self","copies":"11","honseki":"omit","purpose":"a","phone":"1"}"#,
    );
    assert_eq!(code, 400);
}

#[test]
fn the_portal_refuses_to_listen_beyond_loopback() {
    assert!(kazasu_portal::check_loopback(&"127.0.0.1:8080".parse().unwrap()).is_ok());
    assert!(kazasu_portal::check_loopback(&"[::1]:8080".parse().unwrap()).is_ok());
    assert!(kazasu_portal::check_loopback(&"0.0.0.0:8080".parse().unwrap()).is_err());
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-ca.pem");
    let dir = TempDir::new("bind");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kazasu-portal"))
        .args(["--listen", "0.0.0.0:0", "--no-revocation-check", "--ca", ca, "--db"])
        .arg(dir.path().join("db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a loopback address"));
    // A public origin over plain http to a non-loopback host is refused too.
    assert!(kazasu_portal::AppState::new(config(&dir.path().join("db2"), "http://city.example.jp")).is_err());
    assert!(kazasu_portal::AppState::new(config(&dir.path().join("db3"), "https://city.example.jp/")).is_err());
    assert!(kazasu_portal::AppState::new(config(&dir.path().join("db4"), "https://city.example.jp")).is_ok());
}

#[test]
fn unsigned_requests_are_purged_a_day_after_expiry_and_signed_ones_are_kept() {
    let dir = TempDir::new("purge");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let (c, req) = fetched(&server);
    assert_eq!(submit_raw(&server, &c, &submission(&req, req.bytes_to_sign())).0, 200);
    let unsigned = create(&server.url(""));
    server.state.advance_clock(600 + kazasu_portal::KEEP_UNSIGNED_SECS + 1);
    create(&server.url(""));
    assert_eq!(server.state.store().counts().unwrap(), (2, 1, 1));
    assert_eq!(get_raw(&server.url(&format!("/office/applications/{}", unsigned.request_id))).0, 401);
    let (code, _) = get_with(
        &server.url(&format!("/office/applications/{}", unsigned.request_id)),
        &[("Authorization", &format!("Bearer {OFFICE_TOKEN}"))],
    );
    assert_eq!(code, 404);
    assert_eq!(status(&server, &c), kazasu_portal::ApplicationState::Signed);
}

#[test]
fn a_portal_that_accepts_test_cards_says_so_on_its_start_page_and_one_that_does_not_is_silent() {
    let dir = TempDir::new("test-cards");
    let production = Server::start(&dir.path().join("db"), |_| {});
    let (code, page) = get_raw(&production.url("/"));
    assert_eq!(code, 200);
    assert!(!String::from_utf8_lossy(&page).contains("id=\"test-cards\""));
    let dir = TempDir::new("test-cards-dev");
    let development = Server::start(&dir.path().join("db"), |cfg| cfg.trust.accept_test_cards = true);
    let (code, page) = get_raw(&development.url("/"));
    assert_eq!(code, 200);
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("id=\"test-cards\"") && page.contains("テストカード"), "{page}");
}
