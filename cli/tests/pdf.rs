//! `kazasu sign --pdf` and `kazasu verify FILE.pdf` end to end on the software card (`--virtual`). The
//! independent verifiers (pdfsig, pyHanko, qpdf) check the same outputs in .ci/pdf.sh.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod common;

#[path = "../../pki/tests/support/ocsp_responder.rs"]
mod ocsp_responder;

use std::path::Path;

use common::{kazasu, temp_dir, text, write_pdf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");
/// 2026-12-01T00:00:00Z, inside the fixture certificates' validity.
const AT: &str = "1796083200";

fn sign(input: &Path, output: &Path, format: &str) -> std::process::Output {
    sign_as(input, output, format, "sign.pem")
}

/// Signs with `--cert` naming the fixture certificate `cert` (the card's is sign.pem).
fn sign_as(input: &Path, output: &Path, format: &str, cert: &str) -> std::process::Output {
    let cert = format!("{FIXTURES}/{cert}");
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let args = [
        "--virtual",
        "--lang",
        "en",
        "sign",
        "--pdf",
        i,
        "-o",
        o,
        "--pdf-format",
        format,
        "--cert",
        &cert,
        "--pin-stdin",
    ];
    kazasu(&args, "ABC123\n")
}

fn verify(file: &Path) -> std::process::Output {
    let ca = format!("{FIXTURES}/sign-ca.pem");
    kazasu(&["--lang", "en", "verify", file.to_str().unwrap(), "--ca", &ca, "--at", AT], "")
}

#[test]
fn a_signed_pdf_verifies_and_what_was_signed_is_shown_before_the_password() {
    let tmp = temp_dir("pdf");
    let (input, output) = (tmp.path().join("doc.pdf"), tmp.path().join("out.pdf"));
    write_pdf(&input, 2);
    let original = std::fs::read(&input).unwrap();
    let out = sign(&input, &output, "pades");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let sha = hex::encode(openssl::sha::sha256(&original));
    let shown = format!("PDF to sign: {} (2 pages, {} bytes, SHA-256 {sha})", input.display(), original.len());
    let (shown_at, password_at) = (err.find(&shown), err.find("Signature password"));
    assert!(shown_at.is_some() && shown_at < password_at, "{err}");
    assert_eq!(std::fs::read(&input).unwrap(), original, "the input is never modified");
    let signed = std::fs::read(&output).unwrap();
    assert!(signed.starts_with(&original), "an incremental update keeps the input as its prefix");
    let v = verify(&output);
    assert!(v.status.success(), "{}{}", text(&v.stdout), text(&v.stderr));
    let report = text(&v.stdout);
    assert!(report.contains("Signature 1: Signature1 (ETSI.CAdES.detached)"), "{report}");
    assert!(report.contains("Valid signature by かざす　花子"), "{report}");
    assert!(report.contains("The document was not changed after this signature."), "{report}");
}

#[test]
fn a_co_signed_pdf_keeps_both_signatures_and_a_changed_byte_is_reported() {
    let tmp = temp_dir("pdf-co");
    let (input, once, twice) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"), tmp.path().join("c.pdf"));
    write_pdf(&input, 1);
    assert!(sign(&input, &once, "pkcs7").status.success());
    assert!(sign(&once, &twice, "pades").status.success());
    let report = text(&verify(&twice).stdout);
    assert_eq!(report.matches("Valid signature by").count(), 2, "{report}");
    // Shown in Japan's time with the zone named.
    assert!(report.contains("Signing time (claimed by the signer): "), "adbe.pkcs7.detached: {report}");
    assert!(report.contains(" JST (Japan, UTC+9)") && !report.contains('Z'), "adbe.pkcs7.detached: {report}");
    assert!(report.contains("The document was added to after this signature"), "{report}");
    let mut bytes = std::fs::read(&twice).unwrap();
    let at = bytes.windows(6).position(|w| w == b"page 0").unwrap();
    bytes[at + 5] = b'7';
    let tampered = tmp.path().join("d.pdf");
    std::fs::write(&tampered, &bytes).unwrap();
    let v = verify(&tampered);
    assert_eq!(v.status.code(), Some(10));
    assert_eq!(text(&v.stdout).matches("Invalid signature: The signature does not match").count(), 2);
}

#[test]
fn refusals_write_nothing_and_never_touch_an_existing_file() {
    let tmp = temp_dir("pdf-refuse");
    let (input, output) = (tmp.path().join("x.pdf"), tmp.path().join("y.pdf"));
    std::fs::write(&input, b"%PDF-1.7\nthis is no PDF\n").unwrap();
    let out = sign(&input, &output, "pades");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("is not a readable PDF"), "{}", text(&out.stderr));
    assert!(!output.exists());
    write_pdf(&input, 1);
    std::fs::write(&output, b"keep me").unwrap();
    let out = sign(&input, &output, "pades");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&output).unwrap(), b"keep me");
    // Another signer's certificate given with --cert: the card's signature is not written.
    let other = tmp.path().join("z.pdf");
    let out = sign_as(&input, &other, "pades", "sign-revoked.pem");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not the one given with --cert"), "{}", text(&out.stderr));
    assert!(!other.exists());
}

#[test]
fn verify_checks_the_chain_to_the_given_ca_and_the_crl_when_given() {
    let tmp = temp_dir("pdf-chain");
    let (input, output) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"));
    write_pdf(&input, 1);
    assert!(sign(&input, &output, "pkcs7").status.success());
    let file = output.to_str().unwrap();
    let (crl, auth_ca) = (format!("{FIXTURES}/sign-ca.crl.pem"), format!("{FIXTURES}/auth-ca.pem"));
    let ca = format!("{FIXTURES}/sign-ca.pem");
    let with_crl = kazasu(&["--lang", "en", "verify", file, "--ca", &ca, "--crl", &crl, "--at", AT], "");
    assert!(with_crl.status.success(), "{}", text(&with_crl.stderr));
    assert!(text(&with_crl.stdout).contains("the revocation list was checked too"), "{}", text(&with_crl.stdout));
    // Another CA: the signature itself is intact, but it does not chain to what the person trusts.
    let other = kazasu(&["--lang", "en", "verify", file, "--ca", &auth_ca, "--at", AT], "");
    assert_eq!(other.status.code(), Some(10));
    assert!(
        text(&other.stdout).contains("Invalid signature: The signer's certificate was not issued by the given CA"),
        "{}",
        text(&other.stdout)
    );
    assert!(!text(&other.stdout).contains("Valid signature by"), "{}", text(&other.stdout));
}

#[test]
fn one_password_makes_a_signature_that_names_the_card_certificate_without_cert() {
    let tmp = temp_dir("pdf-no-cert");
    let (input, output) = (tmp.path().join("doc.pdf"), tmp.path().join("out.pdf"));
    write_pdf(&input, 1);
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let out =
        kazasu(&["--virtual", "--lang", "en", "sign", "--pdf", i, "-o", o, "--visible", "--pin-stdin"], "ABC123\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The disclosure was said before the password was used.
    let err = text(&out.stderr);
    let (disclosed, checked) =
        (err.find("whoever receives it reads").unwrap(), err.find("Checking the signature password").unwrap());
    assert!(disclosed < checked, "{err}");
    // The signed attributes name the certificate the card gave in the same tap (signing-certificate-v2).
    let signed = std::fs::read(&output).unwrap();
    let found = kazasu_pdf::signatures(&signed).unwrap();
    assert_eq!(found.len(), 1);
    let cms = found[0].cms.as_ref().unwrap();
    assert_eq!(cms.signing_certificate_matches, Some(true));
    let card_cert = kazasu_pdf::cms::certificate_der(&std::fs::read(format!("{FIXTURES}/sign.pem")).unwrap()).unwrap();
    assert_eq!(cms.certificate, card_cert);
    assert!(verify(&output).status.success(), "{}", text(&verify(&output).stdout));
}

/// The `/ByteRange` of the (last) signature in `pdf`.
fn byte_range(pdf: &[u8]) -> [usize; 4] {
    let at = pdf.windows(11).rposition(|w| w == b"/ByteRange[" || w == b"/ByteRange ").unwrap();
    let rest = &pdf[at + 10..];
    let end = rest.iter().position(|&b| b == b']').unwrap();
    let numbers: Vec<usize> = text(&rest[..end])
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .map(|n| n.parse().unwrap())
        .collect();
    numbers.try_into().unwrap()
}

/// `signed` (a PDF signed by kazasu) with its `/Contents` replaced by what `openssl cms -sign` (with `flags`)
/// makes over the same byte ranges, with the test PKI's TEST-ONLY key, passed through `edit`: another tool's
/// signature of that PDF.
fn openssl_signed(signed: &Path, out: &Path, flags: &[&str], edit: fn(Vec<u8>) -> Vec<u8>) {
    let pdf = std::fs::read(signed).unwrap();
    let [_, a, b, c] = byte_range(&pdf);
    let (content, cms) = (out.with_extension("content"), out.with_extension("p7s"));
    std::fs::write(&content, [&pdf[..a], &pdf[b..b + c]].concat()).unwrap();
    let (cert, key) = (format!("{FIXTURES}/sign.pem"), format!("{FIXTURES}/sign.TEST-ONLY.key.pem"));
    let mut args =
        vec!["cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER", "-signer", &cert, "-inkey", &key];
    args.extend_from_slice(flags);
    let run = std::process::Command::new("openssl")
        .args(&args)
        .arg("-in")
        .arg(&content)
        .arg("-out")
        .arg(&cms)
        .output()
        .expect("openssl");
    assert!(run.status.success(), "{}", text(&run.stderr));
    let der = edit(std::fs::read(&cms).unwrap());
    let hex = hex::encode(&der);
    assert!(hex.len() <= b - a - 2, "the placeholder holds the CMS");
    let mut pdf = pdf;
    pdf[a + 1..a + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    pdf[a + 1 + hex.len()..b - 1].fill(b'0');
    std::fs::write(out, pdf).unwrap();
}

/// `openssl cms -sign -stream` in DER form writes BER with indefinite lengths but embeds the content; this takes
/// the content out (the encapsulated content's `[0]`: OCTET STRING chunks in an indefinite constructed string),
/// leaving the detached BER SignedData NSS writes for LibreOffice. The signature is over the signed attributes,
/// which the content's presence does not change.
fn detached(mut ber: Vec<u8>) -> Vec<u8> {
    // encapContentInfo: SEQUENCE (indefinite) { OID id-data, [0] (indefinite) { OCTET STRING (indefinite) {...} } }
    let id_data = [0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    let start = ber.windows(id_data.len()).position(|w| w == id_data).unwrap() + id_data.len();
    assert_eq!(&ber[start..start + 4], &[0xa0, 0x80, 0x24, 0x80], "the content, in chunks");
    let mut p = start + 4;
    while ber[p] == 0x04 {
        let (len, header) = match ber[p + 1] {
            l if l < 0x80 => (usize::from(l), 2),
            l => {
                let n = usize::from(l & 0x7f);
                (ber[p + 2..p + 2 + n].iter().fold(0, |acc, &b| acc << 8 | usize::from(b)), 2 + n)
            }
        };
        p += header + len;
    }
    assert_eq!(&ber[p..p + 4], &[0, 0, 0, 0], "the ends of the string and of [0]");
    ber.drain(start..p + 4);
    ber
}

/// `file` with one byte inside the first signed range changed (the page's text).
fn tampered(file: &Path) -> std::path::PathBuf {
    let mut bytes = std::fs::read(file).unwrap();
    let at = bytes.windows(6).position(|w| w == b"page 0").unwrap();
    bytes[at + 5] = b'7';
    let out = file.with_extension("tampered.pdf");
    std::fs::write(&out, &bytes).unwrap();
    out
}

fn assert_valid_and_tampering_seen(file: &Path, what: &str) {
    let v = verify(file);
    let report = text(&v.stdout);
    assert!(v.status.success(), "{what}: {report}{}", text(&v.stderr));
    assert!(report.contains("Valid signature by かざす　花子"), "{what}: {report}");
    let v = verify(&tampered(file));
    assert_eq!(v.status.code(), Some(10), "{what}: a changed byte is refused");
    assert!(text(&v.stdout).contains("Invalid signature: The signature does not match"), "{what}: {}", text(&v.stdout));
}

#[test]
fn openssl_signatures_in_ber_with_indefinite_lengths_or_without_signed_attributes_verify() {
    let tmp = temp_dir("pdf-openssl");
    let (input, ours) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"));
    write_pdf(&input, 1);
    assert!(sign(&input, &ours, "pkcs7").status.success());
    // -stream: BER, indefinite lengths (as LibreOffice writes through NSS).
    let ber = tmp.path().join("ber.pdf");
    openssl_signed(&ours, &ber, &["-stream"], detached);
    let pdf = std::fs::read(&ber).unwrap();
    let [_, a, ..] = byte_range(&pdf);
    assert_eq!(&pdf[a + 1..a + 5], b"3080", "openssl wrote an indefinite length");
    assert_valid_and_tampering_seen(&ber, "BER");
    // -noattr: no signed attributes, the signature over the ranges themselves (as iText 2.1.7 writes).
    let noattr = tmp.path().join("noattr.pdf");
    openssl_signed(&ours, &noattr, &["-noattr"], |der| der);
    assert_valid_and_tampering_seen(&noattr, "no signed attributes");
    assert!(!text(&verify(&noattr).stdout).contains("Signing time"), "no signing-time attribute to show");
    // The content embedded (as `openssl cms -stream` leaves it): not a detached signature, as pdfsig and pyHanko
    // say too.
    let attached = tmp.path().join("attached.pdf");
    openssl_signed(&ours, &attached, &["-stream"], |ber| ber);
    let v = verify(&attached);
    assert_eq!(v.status.code(), Some(10), "{}", text(&v.stdout));
    assert!(text(&v.stdout).contains("Invalid signature: The signature could not be verified"), "{}", text(&v.stdout));
}

#[test]
#[ignore = "needs pyHanko (KAZASU_PYHANKO, or .ci/pdf.sh's venv in ~/.cache/kazasu/pdf-venv); .ci/pdf.sh runs it with --ignored"]
fn a_pyhanko_signature_with_the_issuer_and_serial_in_signing_certificate_v2_verifies() {
    let pyhanko = std::env::var_os("KAZASU_PYHANKO").map(std::path::PathBuf::from).unwrap_or_else(|| {
        Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cache/kazasu/pdf-venv/bin/pyhanko")
    });
    assert!(pyhanko.exists(), "pyHanko is not at {} (.ci/pdf.sh installs it)", pyhanko.display());
    let tmp = temp_dir("pdf-pyhanko");
    let input = tmp.path().join("a.pdf");
    write_pdf(&input, 1);
    for (name, pades) in [("pkcs7.pdf", false), ("pades.pdf", true)] {
        let out = tmp.path().join(name);
        let (cert, key) = (format!("{FIXTURES}/sign.pem"), format!("{FIXTURES}/sign.TEST-ONLY.key.pem"));
        let mut cmd = std::process::Command::new(&pyhanko);
        cmd.args(["sign", "addsig", "--field", "Sig1"]);
        if pades {
            cmd.arg("--use-pades");
        }
        cmd.args(["pemder", "--key", &key, "--cert", &cert, "--no-pass"]).arg(&input).arg(&out);
        let run = cmd.output().expect("pyhanko");
        assert!(run.status.success(), "{}", text(&run.stderr));
        // pyHanko names the certificate in signing-certificate-v2 with its issuer and serial number too.
        let pdf = std::fs::read(&out).unwrap();
        assert!(
            pdf.windows(26).any(|w| w.eq_ignore_ascii_case(b"060b2a864886f70d010910022f")),
            "signing-certificate-v2"
        );
        assert_valid_and_tampering_seen(&out, name);
    }
}

#[test]
fn a_pdf_with_bytes_before_its_header_is_refused_before_the_password() {
    let tmp = temp_dir("pdf-prefix");
    let (input, output) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"));
    write_pdf(&input, 1);
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(&std::fs::read(&input).unwrap());
    std::fs::write(&input, &bytes).unwrap();
    let out = sign(&input, &output, "pades");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("cannot be signed: its PDF structure is not supported"), "{err}");
    assert!(!err.contains("Signature password"), "refused before the password: {err}");
    assert!(!output.exists());
}

/// A one-page PDF certified with DocMDP permission `p` (the certification's /Contents a stand-in: what is read
/// here is the permission), written by hand with its xref table.
fn certified_pdf(path: &Path, p: u8) {
    let sig = format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 1 2 3] /Contents <00> \
         /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P {p} \
         /V /1.2 >> >>] >>"
    );
    let bodies = [
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> /Perms << /DocMDP 6 0 R >> >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.3039370079 841.8897637795] /Annots [5 0 R] /Contents 4 0 R >>",
        "<< /Length 37 >>\nstream\nBT /F1 12 Tf 72 720 Td (page 0) Tj ET\nendstream",
        "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Cert) /V 6 0 R /Rect [0 0 0 0] /P 3 0 R >>",
        &sig,
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", bodies.len() + 1).as_bytes(),
    );
    std::fs::write(path, out).unwrap();
}

#[test]
fn a_certification_that_allows_no_change_is_refused_before_the_file_is_described_in_the_persons_words() {
    let tmp = temp_dir("pdf-docmdp");
    let (input, output) = (tmp.path().join("certified.pdf"), tmp.path().join("out.pdf"));
    certified_pdf(&input, 1);
    let out = sign(&input, &output, "pades");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("is certified by its author (or locked by a signed field) to allow no change at all"),
        "{err}"
    );
    assert!(!err.contains("PDF to sign") && !err.contains("Signature password"), "refused first: {err}");
    assert!(!output.exists());
    // P=2: signed, and the person is told what the certification allows; the earlier signature's bytes stay.
    certified_pdf(&input, 2);
    let out = sign(&input, &output, "pades");
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("only form filling and signing may follow; this signature adds nothing else"), "{err}");
    assert!(err.contains("changes no byte of what it signed"), "{err}");
    let signed = std::fs::read(&output).unwrap();
    assert!(signed.starts_with(&std::fs::read(&input).unwrap()));
    let tail = text(&signed[std::fs::read(&input).unwrap().len()..]);
    assert!(tail.contains("/MediaBox [0 0 595.3039370079 841.8897637795]"), "the page as written: {tail}");
}

#[test]
fn a_damaged_file_is_refused_before_it_is_described_and_the_pdf_librarys_log_shows_only_with_v() {
    let tmp = temp_dir("pdf-damaged");
    let (input, output) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"));
    write_pdf(&input, 2);
    // `startxref` pointing nowhere: lopdf finds the objects by scanning (a repair, logged), no update can follow.
    let mut whole = std::fs::read(&input).unwrap();
    let at = whole.windows(10).rposition(|w| w == b"startxref\n").unwrap() + 10;
    let end = at + whole[at..].iter().position(|b| !b.is_ascii_digit()).unwrap();
    whole.splice(at..end, *b"7");
    std::fs::write(&input, &whole).unwrap();
    let quiet = sign(&input, &output, "pades");
    let err = text(&quiet.stderr);
    assert_eq!(quiet.status.code(), Some(1), "{err}");
    assert!(err.contains("is not a readable PDF"), "{err}");
    assert!(!err.contains("PDF to sign"), "nothing shown as if it were fine: {err}");
    assert!(!err.contains("lopdf") && !err.contains("WARN") && !err.contains("ERROR"), "{err}");
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let verbose = kazasu(&["--virtual", "--lang", "en", "-v", "sign", "--pdf", i, "-o", o, "--pin-stdin"], "ABC123\n");
    let err = text(&verbose.stderr);
    assert!(err.contains("lopdf::"), "the library's repair is told with -v: {err}");
    assert!(!err.contains("PDF to sign"), "{err}");
    assert!(!output.exists());
}

/// `kazasu --virtual sign --pdf IN -o OUT --pades-level LEVEL` with `extra` (the sources of validation data).
fn sign_long_term(input: &Path, output: &Path, level: &str, extra: &[&str]) -> std::process::Output {
    let cert = format!("{FIXTURES}/sign.pem");
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let mut args =
        vec!["--virtual", "--lang", "en", "sign", "--pdf", i, "-o", o, "--cert", &cert, "--pades-level", level];
    args.extend_from_slice(extra);
    args.push("--pin-stdin");
    kazasu(&args, "ABC123\n")
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

#[test]
fn pades_lt_puts_the_chain_and_the_crl_for_the_certificates_point_into_a_dss_after_the_signature() {
    let tmp = temp_dir("pdf-lt");
    let (input, lt) = (tmp.path().join("a.pdf"), tmp.path().join("lt.pdf"));
    write_pdf(&input, 1);
    let (ca, crl, other) = (
        format!("{FIXTURES}/sign-ca.pem"),
        format!("{FIXTURES}/sign-ca.crl.pem"),
        format!("{FIXTURES}/sign-ca.other-dp.crl.pem"),
    );
    // Of two CRLs, the one for the certificate's distribution point is checked and kept.
    let out = sign_long_term(&input, &lt, "lt", &["--ca", &ca, "--crl", &other, "--crl", &crl]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("added to the DSS: 2 certificates, 1 CRL, 0 OCSP responses"),
        "{}",
        text(&out.stdout)
    );
    let bytes = std::fs::read(&lt).unwrap();
    let dss = kazasu_pdf::dss::read(&bytes).unwrap();
    assert_eq!(dss.certificates, vec![fixture_bytes("sign.der"), fixture_bytes("sign-ca.der")]);
    assert_eq!(dss.crls, vec![fixture_bytes("sign-ca.crl.der")]);
    assert!(dss.ocsp_responses.is_empty());
    // The DSS is an update after the signature: its revision, and the input, are exact prefixes of the file.
    let sigs = kazasu_pdf::signatures(&bytes).unwrap();
    assert_eq!(sigs.len(), 1);
    let [_, _, b, c] = sigs[0].byte_range;
    assert!(sigs[0].ranges_valid && !sigs[0].covers_whole_file && b + c < bytes.len());
    assert!(bytes[b + c..].windows(4).any(|w| w == b"/DSS"), "the DSS is after the signed revision");
    assert!(bytes.starts_with(&std::fs::read(&input).unwrap()));
    let v = verify(&lt);
    assert!(v.status.success(), "{}{}", text(&v.stdout), text(&v.stderr));
    assert!(text(&v.stdout).contains("Valid signature by"), "{}", text(&v.stdout));
}

#[test]
fn pades_lt_writes_nothing_without_revocation_data_or_when_no_crl_covers_the_certificate() {
    let tmp = temp_dir("pdf-lt-no");
    let (input, output) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"));
    write_pdf(&input, 1);
    let ca = format!("{FIXTURES}/sign-ca.pem");
    let none = sign_long_term(&input, &output, "lt", &["--ca", &ca]);
    assert_eq!(none.status.code(), Some(2), "{}", text(&none.stderr));
    assert!(
        text(&none.stderr).contains("needs the revocation data: give --crl FILE or --ocsp"),
        "{}",
        text(&none.stderr)
    );
    assert!(!text(&none.stderr).contains("Signature password"), "refused before the password");
    let no_ca = sign_long_term(&input, &output, "lt", &["--crl", &format!("{FIXTURES}/sign-ca.crl.pem")]);
    assert_eq!(no_ca.status.code(), Some(2), "{}", text(&no_ca.stderr));
    let no_tsa = sign_long_term(&input, &output, "lta", &["--ca", &ca, "--ocsp"]);
    assert_eq!(no_tsa.status.code(), Some(2), "lta needs --tsa: {}", text(&no_tsa.stderr));
    // The only CRL given is another municipality's: no revocation data for this certificate, nothing written.
    let other = format!("{FIXTURES}/sign-ca.other-dp.crl.pem");
    let out = sign_long_term(&input, &output, "lt", &["--ca", &ca, "--crl", &other]);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("could not be gathered"), "{}", text(&out.stderr));
    assert!(!output.exists(), "nothing written");
}

#[test]
fn pades_lt_with_ocsp_keeps_the_responders_good_answer_and_a_revoked_answer_writes_nothing() {
    use ocsp_responder::{index_line, openssl_answer, Responder};
    let tmp = temp_dir("pdf-lt-ocsp");
    let (input, output) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"));
    write_pdf(&input, 1);
    let cert = openssl::x509::X509::from_pem(&fixture_bytes("sign.pem")).unwrap();
    let serial = cert.serial_number().to_bn().unwrap().to_hex_str().unwrap().to_string();
    let (ca, key) = (Path::new(FIXTURES).join("sign-ca.pem"), Path::new(FIXTURES).join("sign-ca.TEST-ONLY.key.pem"));
    let responder = |status: char| {
        let index = tmp.path().join(format!("index-{status}.txt"));
        std::fs::write(&index, index_line(&serial, status)).unwrap();
        Responder::start(openssl_answer(tmp.path(), &index, &ca, &ca, &key, Some(1)))
    };
    let good = responder('V');
    let ca_arg = ca.to_str().unwrap();
    let out = sign_long_term(&input, &output, "lt", &["--ca", ca_arg, &format!("--ocsp={}", good.url)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dss = kazasu_pdf::dss::read(&std::fs::read(&output).unwrap()).unwrap();
    assert_eq!(dss.ocsp_responses, vec![good.last_response()], "the answer as the responder sent it");
    assert!(dss.crls.is_empty());
    let revoked = responder('R');
    let refused = tmp.path().join("c.pdf");
    let out = sign_long_term(&input, &refused, "lt", &["--ca", ca_arg, &format!("--ocsp={}", revoked.url)]);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(!refused.exists(), "nothing written for a revoked certificate");
}

#[test]
fn the_stamp_goes_on_the_page_and_corner_asked_for_and_a_page_the_pdf_lacks_is_refused_before_the_password() {
    let tmp = temp_dir("pdf-stamp-place");
    let (input, output) = (tmp.path().join("three.pdf"), tmp.path().join("out.pdf"));
    write_pdf(&input, 3);
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let stamped = |page: &str, lang: &str| {
        let args = [
            "--virtual",
            "--lang",
            lang,
            "sign",
            "--pdf",
            i,
            "-o",
            o,
            "--visible",
            "--stamp-page",
            page,
            "--pin-stdin",
        ];
        kazasu(&[&args[..], &["--stamp-corner", "upper-right"]].concat(), "ABC123\n")
    };
    for (lang, words) in [
        ("en", "three.pdf has 3 pages: there is no page 4 for the stamp."),
        ("ja", "3 ページのため、4 ページ目に印影を置けません"),
    ] {
        let out = stamped("4", lang);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(err.contains(words), "{err}");
        assert!(
            !err.contains("Signature password") && !err.contains("署名用パスワード"),
            "refused before the password: {err}"
        );
        assert!(!output.exists());
    }
    let out = stamped("-1", "en");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc = lopdf::Document::load(&output).unwrap();
    let pages: Vec<_> = doc.get_pages().values().copied().collect();
    let annots = |p| doc.get_dictionary(p).unwrap().get(b"Annots").ok().cloned();
    assert!(annots(pages[0]).is_none() && annots(pages[1]).is_none(), "only the last page has the widget");
    let last = annots(pages[2]).unwrap();
    let widget = doc.get_dictionary(last.as_array().unwrap()[0].as_reference().unwrap()).unwrap();
    let rect: Vec<f32> =
        widget.get(b"Rect").unwrap().as_array().unwrap().iter().map(|o| o.as_float().unwrap()).collect();
    // Upper right of the 595 × 842 page, 36 points in (the default margin).
    assert_eq!(rect, vec![595.0 - 36.0 - 260.0, 842.0 - 36.0 - 46.0, 595.0 - 36.0, 842.0 - 36.0]);
    assert!(verify(&output).status.success());
}

#[test]
fn the_signature_field_can_be_named_and_a_field_of_that_name_already_signed_is_refused_in_words() {
    let tmp = temp_dir("pdf-field");
    let (input, once, twice) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"), tmp.path().join("c.pdf"));
    write_pdf(&input, 1);
    let run = |i: &Path, o: &Path| {
        let (i, o) = (i.to_str().unwrap(), o.to_str().unwrap());
        kazasu(
            &["--virtual", "--lang", "en", "sign", "--pdf", i, "-o", o, "--pdf-field", "承認", "--pin-stdin"],
            "ABC123\n",
        )
    };
    let out = run(&input, &once);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&verify(&once).stdout).contains("Signature 1: 承認 (ETSI.CAdES.detached)"),
        "{}",
        text(&verify(&once).stdout)
    );
    let out = run(&once, &twice);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("already has a field named 承認 that is not an empty signature field"), "{err}");
    assert!(!err.contains("Signature password") && !twice.exists(), "{err}");
}
