//! `kazasu verify` with the revocation sources a licensed verifier really has: OCSP (`--ocsp[=URL]`) against
//! OpenSSL's responder on loopback, and several `--crl` of which the certificate's distribution point picks one.
//! The same signature is accepted when the responder says good and refused, in the person's language, when it
//! says revoked — for a signed file and for a signed PDF.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod common;

#[path = "../../pki/tests/support/ocsp_responder.rs"]
mod ocsp_responder;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{kazasu, temp_dir, text};
use ocsp_responder::{index_line, openssl_answer, Responder};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");
/// 2026-12-01T00:00:00Z, inside the fixture certificates' validity (the chain and CRLs are checked then; an OCSP
/// answer is about the present and is checked at this computer's time).
const AT: &str = "1796083200";

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

/// The serial of the software card's signature certificate, as `openssl ca` writes it.
fn card_serial() -> String {
    let cert = openssl::x509::X509::from_pem(&std::fs::read(fixture("sign.pem")).unwrap()).unwrap();
    cert.serial_number().to_bn().unwrap().to_hex_str().unwrap().to_string()
}

/// A responder for the sign CA saying `status` (V good, R revoked) about the card's certificate.
fn responder(dir: &Path, status: char) -> Responder {
    let index = dir.join(format!("index-{status}.txt"));
    std::fs::write(&index, index_line(&card_serial(), status)).unwrap();
    let (ca, key) = (fixture("sign-ca.pem"), fixture("sign-ca.TEST-ONLY.key.pem"));
    Responder::start(openssl_answer(dir, &index, &ca, &ca, &key, Some(1)))
}

/// A file signed by the software card; returns its path.
fn signed_file(dir: &Path) -> String {
    let file = dir.join("申請書.txt");
    std::fs::write(&file, "転入届を提出します").unwrap();
    let f = file.to_str().unwrap().to_string();
    let out = kazasu(&["--virtual", "sign", "--pin-stdin", &f], "ABC123\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    f
}

fn verify(lang: &str, file: &str, extra: &[&str]) -> std::process::Output {
    let ca = fixture("sign-ca.pem");
    let mut args = vec!["--lang", lang, "verify", "--at", AT, "--ca", ca.to_str().unwrap(), file];
    args.extend_from_slice(extra);
    kazasu(&args, "")
}

#[test]
fn the_same_signature_passes_with_ocsp_good_and_is_refused_in_the_persons_language_when_revoked() {
    let tmp = temp_dir("ocsp");
    let f = signed_file(tmp.path());
    let good = responder(tmp.path(), 'V');
    let ocsp = format!("--ocsp={}", good.url);
    let ok = verify("en", &f, &[&ocsp]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains(&format!("the OCSP responder {} confirmed it is not revoked", good.url)));
    let ok = verify("ja", &f, &[&ocsp]);
    assert!(text(&ok.stdout).contains("OCSP レスポンダー"), "{}", text(&ok.stdout));

    let revoked = responder(tmp.path(), 'R');
    let ocsp = format!("--ocsp={}", revoked.url);
    let ja = verify("ja", &f, &[&ocsp]);
    assert_eq!(ja.status.code(), Some(10), "{}", text(&ja.stderr));
    assert!(
        text(&ja.stderr).contains("OCSP レスポンダーによれば、署名者の証明書は失効しています"),
        "{}",
        text(&ja.stderr)
    );
    let en = verify("en", &f, &[&ocsp]);
    assert_eq!(en.status.code(), Some(10));
    assert!(
        text(&en.stderr).contains("The OCSP responder says the signer's certificate is revoked"),
        "{}",
        text(&en.stderr)
    );
    assert!(ja.stdout.is_empty() && en.stdout.is_empty(), "nothing is said verified");
}

#[test]
fn an_unreachable_responder_or_none_at_all_is_a_refusal_not_a_pass() {
    let tmp = temp_dir("ocsp-down");
    let f = signed_file(tmp.path());
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/ocsp", l.local_addr().unwrap())
    };
    let out = verify("en", &f, &[&format!("--ocsp={closed}")]);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Could not reach the OCSP responder"), "{}", text(&out.stderr));
    let out = verify("ja", &f, &[&format!("--ocsp={closed}")]);
    assert!(text(&out.stderr).contains("OCSP レスポンダー"), "{}", text(&out.stderr));
    // A responder that declines (as J-LIS's does for anyone not licensed): "unauthorized", refused.
    let unauthorized = openssl::ocsp::OcspResponse::create(openssl::ocsp::OcspResponseStatus::UNAUTHORIZED, None)
        .unwrap()
        .to_der()
        .unwrap();
    let declining = Responder::start(ocsp_responder::Answer::Fixed(unauthorized));
    let out = verify("en", &f, &[&format!("--ocsp={}", declining.url)]);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("declined to answer (unauthorized)"), "{}", text(&out.stderr));
    // --ocsp and --crl are alternatives.
    let crl = fixture("sign-ca.crl.pem");
    let both = verify("en", &f, &["--ocsp", "--crl", crl.to_str().unwrap()]);
    assert_eq!(both.status.code(), Some(2), "{}", text(&both.stderr));
}

#[test]
fn a_signed_pdf_is_refused_when_the_responder_says_revoked() {
    let tmp = temp_dir("ocsp-pdf");
    let (input, output) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"));
    write_pdf(&input);
    let cert = fixture("sign.pem");
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let args = ["--virtual", "sign", "--pdf", i, "-o", o, "--cert", cert.to_str().unwrap(), "--pin-stdin"];
    let out = kazasu(&args, "ABC123\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let good = responder(tmp.path(), 'V');
    let ok = verify("en", o, &[&format!("--ocsp={}", good.url)]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("confirmed it is not revoked"), "{}", text(&ok.stdout));
    let revoked = responder(tmp.path(), 'R');
    let out = verify("ja", o, &[&format!("--ocsp={}", revoked.url)]);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("失効しています"), "{}", text(&out.stdout));
}

#[test]
fn of_several_crls_the_one_for_another_distribution_point_does_not_count() {
    let tmp = temp_dir("crl-dp");
    let f = signed_file(tmp.path());
    // A CRL whose issuingDistributionPoint names another municipality's point: it does not cover the card's
    // certificate, so nothing is checked and the signature is not accepted.
    let tsu = issue_crl(tmp.path(), "tsu", Some("fullname = dirName:tsu"));
    let out = verify("en", &f, &["--crl", tsu.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("None of the given CRLs covers"), "{}", text(&out.stderr));
    let out = verify("ja", &f, &["--crl", tsu.to_str().unwrap()]);
    assert!(text(&out.stderr).contains("失効リスト配布点"), "{}", text(&out.stderr));
    // With a complete CRL beside it (no issuingDistributionPoint), that one applies.
    let complete = issue_crl(tmp.path(), "complete", None);
    let out = verify("en", &f, &["--crl", tsu.to_str().unwrap(), "--crl", complete.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("the revocation list was checked too"), "{}", text(&out.stdout));
}

/// A CRL of the sign CA (issued 2026-11-30, before AT) with an IDP section of `idp` lines, or none.
fn issue_crl(dir: &Path, name: &str, idp: Option<&str>) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("index.txt"), "").unwrap();
    std::fs::write(d.join("crlnumber"), "01\n").unwrap();
    let ext = idp
        .map(|l| format!("crl_extensions = e\n[e]\nissuingDistributionPoint = critical, @idp\n[idp]\n{l}\n"))
        .unwrap_or_default();
    let cnf = format!(
        "[ca]\ndefault_ca = c\n[c]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\n\
         default_crl_days = 30\n{ext}[tsu]\nC = JP\nO = JPKI\nCN = Tsu-shi CRLDP\n"
    );
    std::fs::write(d.join("ca.cnf"), cnf).unwrap();
    let (ca, key) = (fixture("sign-ca.pem"), fixture("sign-ca.TEST-ONLY.key.pem"));
    let out = Command::new("openssl")
        .current_dir(&d)
        .args(["ca", "-config", "ca.cnf", "-batch", "-gencrl", "-crl_lastupdate", "20261130000000Z", "-out", "crl.pem"])
        .arg("-cert")
        .arg(&ca)
        .arg("-keyfile")
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    d.join("crl.pem")
}

/// A one-page PDF.
fn write_pdf(path: &Path) {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(dictionary! {}, b"BT /F1 12 Tf 72 720 Td (page) Tj ET".to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Count" => 1, "Kids" => vec![page.into()] }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.save(path).unwrap();
}
