//! The CRL is reread from its file on a schedule: a certificate revoked in the new CRL is refused from then
//! on; a CRL not signed by the sign CA, or older than the one in use, is refused and the current one kept.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use kazasu_core::handoff::{self, Submission};
use kazasu_core::HashAlgorithm;
use kazasu_portal::revocation::{CrlError, CrlSource};
use support::*;

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");

/// Issues a CRL with the openssl CLI's `ca -gencrl`, signed by `ca` (sign or auth), revoking `revoke`.
fn issue_crl(dir: &Path, name: &str, ca: &str, revoke: Option<&str>, last_update: Option<&str>) -> Vec<u8> {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("index.txt"), "").unwrap();
    std::fs::write(d.join("crlnumber"), "1000\n").unwrap();
    std::fs::write(
        d.join("ca.cnf"),
        "[ca]\ndefault_ca = c\n[c]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n",
    )
    .unwrap();
    let key = format!("{PKI}/{ca}-ca.TEST-ONLY.key.pem");
    let cert = format!("{PKI}/{ca}-ca.pem");
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(&d)
            .args(["ca", "-config", "ca.cnf", "-batch", "-keyfile", &key, "-cert", &cert])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl ca {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    if let Some(r) = revoke {
        run(&["-revoke", &format!("{PKI}/{r}")]);
    }
    let mut gen = vec!["-gencrl", "-out", "crl.pem"];
    if let Some(t) = last_update {
        gen.extend(["-crl_lastupdate", t]);
    }
    run(&gen);
    std::fs::read(d.join("crl.pem")).unwrap()
}

/// The app's clock agrees with the portal's pinned one.
fn now() -> i64 {
    TEST_NOW
}

/// A fresh request signed by the software card: (request id, submission JSON).
fn signed_request(server: &Server) -> (String, Vec<u8>) {
    let c = create(&server.url(""));
    let url = handoff::parse_link(&c.deep_link).unwrap();
    let req = handoff::fetch_request(&mut Http::new(), &url, now()).unwrap();
    let (sig, cert) = card_sign(req.bytes_to_sign());
    (c.request_id, Submission::new(&req, HashAlgorithm::Sha256, sig, cert).to_json())
}

#[test]
fn a_certificate_revoked_in_a_refreshed_crl_is_refused_and_bad_crls_are_not_taken() {
    let dir = TempDir::new("crl-refresh");
    // Issued at fixed times before the portal's pinned clock (2026-12-01), so the test holds on any date.
    let empty = issue_crl(dir.path(), "empty", "sign", None, Some("20261130000000Z"));
    let revoked = issue_crl(dir.path(), "revoked", "sign", Some("sign.pem"), Some("20261130010000Z"));
    let foreign = issue_crl(dir.path(), "foreign", "auth", None, Some("20261130010000Z"));
    let older = issue_crl(dir.path(), "older", "sign", None, Some("20260101000000Z"));
    let path = dir.path().join("current.crl.pem");
    std::fs::write(&path, &empty).unwrap();
    let server = Server::start(&dir.path().join("db"), |cfg| {
        cfg.crls = vec![CrlSource { bytes: empty.clone(), path: Some(path.clone()), url: None }];
        cfg.crl_refresh_secs = 1;
    });
    let (id, body) = signed_request(&server);
    assert_eq!(post_raw(&server.url(&format!("/r/{id}/submit")), &body).0, 200, "not revoked yet");

    // Not signed by the sign CA, or older than the one in use: refused, the current one kept.
    let replace = |bytes: &[u8]| {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    };
    replace(&foreign);
    // The auth CA's CRL is a trusted CA's (log-ins), but not this slot's CA's.
    assert_eq!(server.state.revocation().reload(), Err(CrlError::OtherIssuer));
    replace(&older);
    assert!(matches!(server.state.revocation().reload(), Err(CrlError::Older { .. })));
    let in_use = server.state.revocation().current()[0].der().to_vec();
    assert_eq!(openssl::x509::X509Crl::from_pem(&empty).unwrap().to_der().unwrap(), in_use);

    // The revoking CRL is picked up by the schedule (every second here; waited for at most 20 s).
    replace(&revoked);
    let want = openssl::x509::X509Crl::from_pem(&revoked).unwrap().to_der().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.state.revocation().current()[0].der() != want {
        assert!(Instant::now() < deadline, "the CRL was not refreshed within 20 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (id, body) = signed_request(&server);
    let (code, reply) = post_raw(&server.url(&format!("/r/{id}/submit")), &body);
    assert_eq!((code, error_code(&reply).as_str()), (422, "bad-certificate"), "{}", String::from_utf8_lossy(&reply));

    // A portal will not start on a CRL none of its CAs signed (here it trusts the sign CA only).
    let mut cfg = config(&dir.path().join("db2"), "http://127.0.0.1:1");
    cfg.auth_trust = None;
    cfg.crls = vec![CrlSource { bytes: foreign, path: None, url: None }];
    assert!(kazasu_portal::AppState::new(cfg).is_err());
}

/// A distribution point on loopback: answers every GET with the bytes it holds now (404 when empty).
struct DistributionPoint {
    url: String,
    crl: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl DistributionPoint {
    fn start() -> DistributionPoint {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/sign-ca.crl", listener.local_addr().unwrap());
        let crl = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let served = crl.clone();
        std::thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let body = served.lock().unwrap().clone();
                let head = if body.is_empty() { "404 Not Found" } else { "200 OK" };
                let _ = conn.write_all(
                    format!("HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                        .as_bytes(),
                );
                let _ = conn.write_all(&body);
            }
        });
        DistributionPoint { url, crl }
    }

    fn serve(&self, bytes: &[u8]) {
        *self.crl.lock().unwrap() = bytes.to_vec();
    }
}

#[test]
fn the_crl_is_downloaded_from_the_operators_source_and_kept_in_its_file() {
    let dir = TempDir::new("crl-download");
    let empty = issue_crl(dir.path(), "empty", "sign", None, Some("20261130000000Z"));
    let revoked = issue_crl(dir.path(), "revoked", "sign", Some("sign.pem"), Some("20261130010000Z"));
    let foreign = issue_crl(dir.path(), "foreign", "auth", None, Some("20261130020000Z"));
    let path = dir.path().join("cached.crl.pem");
    std::fs::write(&path, &empty).unwrap();
    let dp = DistributionPoint::start();
    let server = Server::start(&dir.path().join("db"), |cfg| {
        cfg.crls = vec![CrlSource { bytes: empty.clone(), path: Some(path.clone()), url: Some(dp.url.clone()) }];
        cfg.crl_refresh_secs = 3600; // the test calls the refresh itself
    });
    let revocation = server.state.revocation();
    let (id, body) = signed_request(&server);
    assert_eq!(post_raw(&server.url(&format!("/r/{id}/submit")), &body).0, 200, "not revoked yet");

    // Nothing there, or a CRL another CA signed: refused, the current one and its file kept.
    assert!(matches!(revocation.reload(), Err(CrlError::Download { .. })));
    dp.serve(&foreign);
    assert_eq!(revocation.reload(), Err(CrlError::OtherIssuer));
    assert_eq!(std::fs::read(&path).unwrap(), empty, "a refused download is not written");

    // The CA revokes the certificate: the download replaces the CRL and becomes the file a restart reads.
    dp.serve(&revoked);
    revocation.reload().unwrap();
    assert_eq!(revocation.current()[0].der(), openssl::x509::X509Crl::from_pem(&revoked).unwrap().to_der().unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), revoked);
    let (id, body) = signed_request(&server);
    let (code, reply) = post_raw(&server.url(&format!("/r/{id}/submit")), &body);
    assert_eq!((code, error_code(&reply).as_str()), (422, "bad-certificate"), "{}", String::from_utf8_lossy(&reply));
}
