//! The portal checking revocation by OCSP (`--ocsp`), against OpenSSL's responder on loopback: the same
//! signature is refused while the responder says revoked — with the reason in the person's language, from
//! Accept-Language (both languages when the request does not say) — and accepted once it says good; a responder
//! that cannot be reached is "try again later" (503), never a pass. The portal's clock is this computer's here:
//! an OCSP answer is the responder's word about the present (the fixtures are valid until 2031-11-26).
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

#[path = "../../pki/tests/support/ocsp_responder.rs"]
mod ocsp_responder;

use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kazasu_core::handoff::{self, Submission};
use kazasu_core::ocsp::OcspConfig;
use kazasu_core::HashAlgorithm;
use ocsp_responder::{index_line, openssl_answer, Responder};
use support::*;

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");

fn real_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The serial of the software card's signature certificate, as an `openssl ca` index writes it.
fn card_serial() -> String {
    let cert = openssl::x509::X509::from_der(kazasu_core::softcard::fixture::SIGN_CERT).unwrap();
    cert.serial_number().to_bn().unwrap().to_hex_str().unwrap().to_string()
}

/// A portal asking `url` by OCSP (no CRLs), on this computer's clock.
fn portal(dir: &TempDir, url: &str) -> Server {
    Server::start_at(&dir.path().join("db"), real_now(), |cfg| {
        cfg.crls.clear();
        cfg.ocsp = Some(OcspConfig { responder: Some(url.to_string()), ..OcspConfig::default() });
        cfg.ocsp_timeout = Duration::from_millis(800);
    })
}

/// A fresh request signed by the software card: (request id, submission JSON).
fn signed_request(server: &Server) -> (String, Vec<u8>) {
    let c = create(&server.url(""));
    let url = handoff::parse_link(&c.deep_link).unwrap();
    let req = handoff::fetch_request(&mut Http::new(), &url, real_now()).unwrap();
    let (sig, cert) = card_sign(req.bytes_to_sign());
    (c.request_id, Submission::new(&req, HashAlgorithm::Sha256, sig, cert).to_json())
}

/// POSTs the submission with an optional Accept-Language: (status, error code, message).
fn submit(server: &Server, id: &str, body: &[u8], language: Option<&str>) -> (u16, String, String) {
    let mut req = agent().post(&server.url(&format!("/r/{id}/submit"))).set("Content-Type", "application/json");
    if let Some(l) = language {
        req = req.set("Accept-Language", l);
    }
    let resp = match req.send_bytes(body) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = resp.status();
    let mut b = Vec::new();
    resp.into_reader().read_to_end(&mut b).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&b).unwrap_or_default();
    (status, v["error"].as_str().unwrap_or("").into(), v["message"].as_str().unwrap_or("").into())
}

#[test]
fn the_same_signature_is_refused_while_the_responder_says_revoked_and_accepted_once_it_says_good() {
    let dir = TempDir::new("ocsp-revoked");
    let index = dir.path().join("index.txt");
    std::fs::write(&index, index_line(&card_serial(), 'R')).unwrap();
    let (ca, key) = (format!("{PKI}/sign-ca.pem"), format!("{PKI}/sign-ca.TEST-ONLY.key.pem"));
    let responder =
        Responder::start(openssl_answer(dir.path(), &index, ca.as_ref(), ca.as_ref(), key.as_ref(), Some(1)));
    let server = portal(&dir, &responder.url);
    let (id, body) = signed_request(&server);

    let (status, code, ja) = submit(&server, &id, &body, Some("ja-JP,ja;q=0.9"));
    assert_eq!((status, code.as_str()), (422, "bad-certificate"), "{ja}");
    assert!(ja.starts_with("署名用電子証明書は失効しています（OCSP で確認）"), "{ja}");
    let (_, _, en) = submit(&server, &id, &body, Some("en-US"));
    assert!(en.starts_with("Your signature certificate is revoked (checked by OCSP)"), "{en}");
    let (_, _, both) = submit(&server, &id, &body, None);
    assert!(both.contains("失効しています") && both.contains("is revoked"), "{both}");
    assert_eq!(server.state.store().counts().unwrap().2, 0, "nothing recorded");
    assert_eq!(responder.requests(), 3, "a revoked answer is not cached");

    // The responder now says good (openssl rereads its index): the same signature is accepted.
    std::fs::write(&index, index_line(&card_serial(), 'V')).unwrap();
    let (status, code, message) = submit(&server, &id, &body, Some("ja"));
    assert_eq!((status, code.as_str()), (200, ""), "{message}");
    assert_eq!(server.state.store().counts().unwrap().2, 1);
}

#[test]
fn a_responder_that_cannot_be_reached_means_try_again_later_never_a_pass() {
    let dir = TempDir::new("ocsp-down");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/ocsp", l.local_addr().unwrap())
    };
    let server = portal(&dir, &closed);
    let (id, body) = signed_request(&server);
    let (status, code, ja) = submit(&server, &id, &body, Some("ja"));
    assert_eq!((status, code.as_str()), (503, "revocation-unavailable"), "{ja}");
    assert!(ja.contains("失効確認（OCSP）ができない"), "{ja}");
    let silent = Responder::start(ocsp_responder::Answer::Silent);
    let server = portal(&TempDir::new("ocsp-silent"), &silent.url);
    let (id, body) = signed_request(&server);
    let (status, code, en) = submit(&server, &id, &body, Some("en"));
    assert_eq!((status, code.as_str()), (503, "revocation-unavailable"), "{en}");
    assert!(en.contains("Revocation cannot be checked (OCSP)"), "{en}");
    assert_eq!(server.state.store().counts().unwrap().2, 0);
}

#[test]
fn the_portal_takes_ocsp_or_crls_not_both() {
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-ca.pem");
    let crl = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-ca.crl.pem");
    let dir = TempDir::new("ocsp-args");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kazasu-portal"))
        .args(["--listen", "127.0.0.1:0", "--ca", ca, "--crl", crl, "--ocsp", "--db"])
        .arg(dir.path().join("db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ocsp"), "{}", String::from_utf8_lossy(&out.stderr));
}
