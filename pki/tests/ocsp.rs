//! OCSP against `openssl ocsp` as the responder: a loopback HTTP server on 127.0.0.1 (a free port) hands each
//! request to `openssl ocsp -index … -reqin … -respout …` and sends back its answer, or on purpose something else
//! (a replay, garbage, silence). The client under test is the real one: `OcspChecker` with `UreqTransport`.
//! Certificates beyond the committed test PKI (responders, a look-alike CA, a certificate naming this responder
//! in its AIA) are issued here, in a scratch directory, from the committed TEST-ONLY keys.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

#[path = "support/ocsp_responder.rs"]
mod ocsp_responder;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ocsp_responder::{index_line, openssl_answer, Answer, Responder};

use kazasu_pki::ocsp::{responder_urls, OcspChecker, OcspConfig, OcspError, TransportError, UreqTransport};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::ocsp::{OcspResponse, OcspResponseStatus};
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage};
use openssl::x509::{X509Builder, X509Extension, X509NameBuilder, X509};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/test-pki").join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn key(name: &str) -> PKey<Private> {
    PKey::private_key_from_pem(&read(name)).unwrap()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Short, so that the silent responder costs little; loopback answers take milliseconds.
const TIMEOUT: Duration = Duration::from_millis(800);

fn checker(url: Option<&str>) -> OcspChecker {
    let config = OcspConfig { responder: url.map(str::to_string), ..OcspConfig::default() };
    OcspChecker::new(config, Box::new(UreqTransport { timeout: TIMEOUT }))
}

/// One test's scratch directory, with the committed sign certificate and sign CA.
struct Pki {
    dir: tempfile::TempDir,
    sign: Vec<u8>,
    ca: Vec<u8>,
}

/// What the issued certificate is.
enum Kind {
    /// Self-signed under another certificate's subject name (a look-alike CA).
    LookAlike(X509),
    /// Issued by the sign CA, for OCSP signing (with id-kp-OCSPSigning or without).
    Responder { ocsp_signing: bool },
    /// An end-entity certificate of the sign CA naming `aia` as its OCSP responder.
    Leaf { aia: String },
}

impl Pki {
    fn new() -> Pki {
        Pki { dir: tempfile::tempdir().unwrap(), sign: read("sign.der"), ca: read("sign-ca.der") }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes an `openssl ca` index with each certificate and its status letter (V valid, R revoked); a
    /// certificate not in it is unknown to the responder.
    fn index(&self, entries: &[(&[u8], char)]) -> PathBuf {
        let mut text = String::new();
        for (der, status) in entries {
            let cert = X509::from_der(der).unwrap();
            text.push_str(&index_line(&cert.serial_number().to_bn().unwrap().to_hex_str().unwrap(), *status));
        }
        let path = self.path("index.txt");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Issues a certificate for `key` and writes it as `file` (PEM) and `file`.der.
    fn issue(&self, file: &str, key: &PKey<Private>, kind: Kind) -> (PathBuf, Vec<u8>) {
        let ca = X509::from_der(&self.ca).unwrap();
        let ca_key = self::key("sign-ca.TEST-ONLY.key.pem");
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        let mut serial = BigNum::new().unwrap();
        serial.rand(63, openssl::bn::MsbOption::MAYBE_ZERO, false).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap()).unwrap();
        // Valid from two days ago, so that checks "a day early" still find a valid responder.
        b.set_not_before(&Asn1Time::from_unix(now() - 2 * 86_400).unwrap()).unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap()).unwrap();
        b.set_pubkey(key).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", file).unwrap();
        let name = name.build();
        match &kind {
            Kind::LookAlike(like) => {
                b.set_subject_name(like.subject_name()).unwrap();
                b.set_issuer_name(like.subject_name()).unwrap();
                b.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
            }
            Kind::Responder { .. } | Kind::Leaf { .. } => {
                b.set_subject_name(&name).unwrap();
                b.set_issuer_name(ca.subject_name()).unwrap();
                b.append_extension(BasicConstraints::new().critical().build().unwrap()).unwrap();
                let ku = if matches!(kind, Kind::Leaf { .. }) {
                    KeyUsage::new().critical().non_repudiation().build()
                } else {
                    KeyUsage::new().critical().digital_signature().build()
                };
                b.append_extension(ku.unwrap()).unwrap();
                let aki = AuthorityKeyIdentifier::new().keyid(true).build(&b.x509v3_context(Some(&ca), None)).unwrap();
                b.append_extension(aki).unwrap();
            }
        }
        if let Kind::Responder { ocsp_signing: true } = kind {
            b.append_extension(ExtendedKeyUsage::new().other("OCSPSigning").build().unwrap()).unwrap();
        }
        if let Kind::Leaf { aia } = &kind {
            #[allow(deprecated)] // the typed builders have no authorityInfoAccess
            let ext = X509Extension::new(None, None, "authorityInfoAccess", &format!("OCSP;URI:{aia}")).unwrap();
            b.append_extension(ext).unwrap();
        }
        let signer = if matches!(kind, Kind::LookAlike(_)) { key } else { &ca_key };
        b.sign(signer, MessageDigest::sha256()).unwrap();
        let cert = b.build();
        let path = self.path(file);
        std::fs::write(&path, cert.to_pem().unwrap()).unwrap();
        (path, cert.to_der().unwrap())
    }

    /// `openssl ocsp` answering from `index`, signing as `signer` with `key` (the sign CA's by default), the
    /// next update `ndays` ahead (None: no nextUpdate).
    fn openssl(&self, index: PathBuf, signer: Option<(PathBuf, PathBuf)>, ndays: Option<u32>) -> Answer {
        let (rsigner, rkey) = signer.unwrap_or((fixture("sign-ca.pem"), fixture("sign-ca.TEST-ONLY.key.pem")));
        openssl_answer(self.dir.path(), &index, &fixture("sign-ca.pem"), &rsigner, &rkey, ndays)
    }
}

fn signature_of(response: &[u8]) -> Vec<u8> {
    use der::Decode;
    let outer = x509_ocsp::OcspResponse::from_der(response).unwrap();
    let basic = x509_ocsp::BasicOcspResponse::from_der(outer.response_bytes.unwrap().response.as_bytes()).unwrap();
    basic.signature.raw_bytes().to_vec()
}

#[test]
fn a_good_answer_signed_by_the_ca_is_accepted_and_cached_until_its_next_update() {
    let pki = Pki::new();
    let responder = Responder::start(pki.openssl(pki.index(&[(&pki.sign, 'V')]), None, Some(1)));
    let checker = checker(Some(&responder.url));
    let t = now();
    let good = checker.check(&pki.sign, &pki.ca, t).unwrap();
    assert!(!good.cached);
    assert_eq!(good.responder, responder.url);
    let next = good.next_update.expect("openssl ocsp -ndays 1 sets nextUpdate");
    assert!(good.this_update <= t + 5 && next > t);
    // Asked again before nextUpdate: the cache answers, the responder is not asked.
    let again = checker.check(&pki.sign, &pki.ca, t + 3600).unwrap();
    assert!(again.cached);
    assert_eq!(responder.requests(), 1);
    // Past nextUpdate the cache no longer answers; the responder is asked, and its answer (nextUpdate a day from
    // the real now) is stale at that time: refused.
    let later = checker.check(&pki.sign, &pki.ca, next + 60);
    assert!(matches!(later, Err(OcspError::NotCurrent { .. })), "{later:?}");
    assert_eq!(responder.requests(), 2);
}

#[test]
fn a_good_answer_from_a_responder_the_ca_delegated_is_accepted() {
    let pki = Pki::new();
    let rkey = key("sign-revoked.TEST-ONLY.key.pem");
    let (cert, _) = pki.issue("responder.pem", &rkey, Kind::Responder { ocsp_signing: true });
    let signer = Some((cert, fixture("sign-revoked.TEST-ONLY.key.pem")));
    let responder = Responder::start(pki.openssl(pki.index(&[(&pki.sign, 'V')]), signer, Some(1)));
    let good = checker(Some(&responder.url)).check(&pki.sign, &pki.ca, now()).unwrap();
    assert!(!good.cached);
}

#[test]
fn a_revoked_certificate_is_refused_with_its_own_words() {
    let pki = Pki::new();
    let responder = Responder::start(pki.openssl(pki.index(&[(&pki.sign, 'R')]), None, Some(1)));
    let checker = checker(Some(&responder.url));
    let err = checker.check(&pki.sign, &pki.ca, now()).unwrap_err();
    // 2026-12-01T00:00:00Z, the revocation time in the index.
    assert_eq!(err, OcspError::Revoked { revoked_at: 1_796_083_200 });
    assert!(err.to_string().contains("revoked"));
    // Not cached: asked again, refused again.
    assert!(matches!(checker.check(&pki.sign, &pki.ca, now()), Err(OcspError::Revoked { .. })));
    assert_eq!(responder.requests(), 2);
}

#[test]
fn a_certificate_the_responder_does_not_know_is_refused() {
    let pki = Pki::new();
    let other = read("sign-revoked.der");
    let responder = Responder::start(pki.openssl(pki.index(&[(&other, 'V')]), None, Some(1)));
    let err = checker(Some(&responder.url)).check(&pki.sign, &pki.ca, now()).unwrap_err();
    assert_eq!(err, OcspError::Unknown);
}

#[test]
fn an_answer_past_its_next_update_or_before_its_this_update_is_refused() {
    let pki = Pki::new();
    let responder = Responder::start(pki.openssl(pki.index(&[(&pki.sign, 'V')]), None, Some(1)));
    let two_days_on = now() + 2 * 86_400;
    let stale = checker(Some(&responder.url)).check(&pki.sign, &pki.ca, two_days_on);
    assert!(matches!(stale, Err(OcspError::NotCurrent { .. })), "{stale:?}");
    let a_day_early = now() - 86_400;
    let early = checker(Some(&responder.url)).check(&pki.sign, &pki.ca, a_day_early);
    assert!(matches!(early, Err(OcspError::NotCurrent { .. })), "{early:?}");
}

#[test]
fn a_replayed_answer_with_another_nonce_is_refused() {
    let pki = Pki::new();
    let real = Responder::start(pki.openssl(pki.index(&[(&pki.sign, 'V')]), None, Some(1)));
    checker(Some(&real.url)).check(&pki.sign, &pki.ca, now()).unwrap();
    let earlier = real.last_response();
    let replay = Responder::start(Answer::Fixed(earlier));
    let err = checker(Some(&replay.url)).check(&pki.sign, &pki.ca, now()).unwrap_err();
    assert_eq!(err, OcspError::WrongNonce);
}

#[test]
fn an_answer_signed_by_a_look_alike_of_the_ca_is_refused() {
    let pki = Pki::new();
    let fake_key = key("auth-ca.TEST-ONLY.key.pem");
    let ca = X509::from_der(&pki.ca).unwrap();
    let (fake, _) = pki.issue("look-alike-ca.pem", &fake_key, Kind::LookAlike(ca));
    let signer = Some((fake, fixture("auth-ca.TEST-ONLY.key.pem")));
    let responder = Responder::start(pki.openssl(pki.index(&[(&pki.sign, 'V')]), signer, Some(1)));
    let err = checker(Some(&responder.url)).check(&pki.sign, &pki.ca, now()).unwrap_err();
    assert_eq!(err, OcspError::Untrusted("signature failure".into()));
}

#[test]
fn an_answer_whose_signature_was_altered_is_refused() {
    let pki = Pki::new();
    let real = Responder::start(pki.openssl(pki.index(&[(&pki.sign, 'V')]), None, Some(1)));
    checker(Some(&real.url)).check(&pki.sign, &pki.ca, now()).unwrap();
    let mut altered = real.last_response();
    // One bit of the response's signature flipped (found by parsing, so the bytes around it stay as they were).
    let signature = signature_of(&altered);
    let at = altered.windows(signature.len()).position(|w| w == signature).unwrap() + signature.len() / 2;
    altered[at] ^= 0x01;
    // The nonce no longer matters: the signature is checked before anything the response says.
    let replay = Responder::start(Answer::Fixed(altered));
    let err = checker(Some(&replay.url)).check(&pki.sign, &pki.ca, now()).unwrap_err();
    assert_eq!(err, OcspError::Untrusted("signature failure".into()));
}

#[test]
fn a_responder_certificate_without_ocsp_signing_is_not_trusted() {
    let pki = Pki::new();
    let rkey = key("sign-revoked.TEST-ONLY.key.pem");
    let (cert, _) = pki.issue("not-a-responder.pem", &rkey, Kind::Responder { ocsp_signing: false });
    let signer = Some((cert, fixture("sign-revoked.TEST-ONLY.key.pem")));
    let responder = Responder::start(pki.openssl(pki.index(&[(&pki.sign, 'V')]), signer, Some(1)));
    let err = checker(Some(&responder.url)).check(&pki.sign, &pki.ca, now()).unwrap_err();
    assert_eq!(err, OcspError::Untrusted("missing ocspsigning usage".into()));
}

#[test]
fn garbage_or_a_refusal_from_the_responder_is_not_an_answer() {
    let pki = Pki::new();
    let garbage = Responder::start(Answer::Fixed(b"<html>maintenance</html>".to_vec()));
    let err = checker(Some(&garbage.url)).check(&pki.sign, &pki.ca, now()).unwrap_err();
    assert!(matches!(err, OcspError::Garbage(_)), "{err:?}");
    let try_later = OcspResponse::create(OcspResponseStatus::TRY_LATER, None).unwrap().to_der().unwrap();
    let busy = Responder::start(Answer::Fixed(try_later));
    let err = checker(Some(&busy.url)).check(&pki.sign, &pki.ca, now()).unwrap_err();
    assert_eq!(err, OcspError::ResponderError(3));
}

#[test]
fn a_responder_that_does_not_answer_in_time_or_at_all_is_a_refusal() {
    let pki = Pki::new();
    let silent = Responder::start(Answer::Silent);
    let err = checker(Some(&silent.url)).check(&pki.sign, &pki.ca, now()).unwrap_err();
    assert_eq!(err, OcspError::Unreachable { url: silent.url.clone(), source: TransportError::Timeout(TIMEOUT) });
    // A port nobody listens on (bound, then closed).
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/ocsp", l.local_addr().unwrap())
    };
    let err = checker(Some(&closed)).check(&pki.sign, &pki.ca, now()).unwrap_err();
    assert!(matches!(err, OcspError::Unreachable { source: TransportError::Unreachable(_), .. }), "{err:?}");
}

#[test]
fn without_a_configured_responder_the_certificates_own_is_asked() {
    let pki = Pki::new();
    // The responder starts first (the leaf's AIA names its URL); openssl reads the index on every request.
    let responder = Responder::start(pki.openssl(pki.path("index.txt"), None, Some(1)));
    let leaf_key = key("sign-revoked.TEST-ONLY.key.pem");
    let (_, leaf) = pki.issue("leaf.pem", &leaf_key, Kind::Leaf { aia: responder.url.clone() });
    pki.index(&[(&leaf, 'V')]);
    assert_eq!(responder_urls(&leaf).unwrap(), vec![responder.url.clone()]);
    let good = checker(None).check(&leaf, &pki.ca, now()).unwrap();
    assert_eq!(good.responder, responder.url);
    assert_eq!(responder.requests(), 1);
    // The CA names no responder: nothing to ask, refused.
    assert_eq!(checker(None).check(&pki.ca, &pki.ca, now()), Err(OcspError::NoResponder));
}
