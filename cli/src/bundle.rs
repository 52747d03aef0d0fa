//! The signature bundle `kazasu sign` writes (JSON: what was signed, the signature, the certificate and the
//! identity it states) and `kazasu verify`, which checks it against a trusted CA.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kazasu_core::anchors::{TrustAnchors, JPKI_SIGN_WORD};
use kazasu_core::handoff::time::format_utc;
use kazasu_core::verify::{verify_chain_to_issuer, verify_signature, ChainError, VerifyError};
use kazasu_core::{Certificate, HashAlgorithm, PersonalData};
use serde::{Deserialize, Serialize};

use crate::card::read_file;
use crate::messages::{detail, exit, text, time, Lang};
use crate::revocation::{self, Revocation};
use crate::Failure;

pub const FORMAT: &str = "kazasu-signature/1";

#[derive(Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    /// File name of the signed data (informational; the hash binds the content).
    pub file: String,
    pub file_sha256: String,
    /// Hash inside the signature's DigestInfo: sha256, sha384 or sha512.
    pub hash: String,
    /// RSA PKCS#1 v1.5 signature, base64.
    pub signature: String,
    /// Signature certificate, DER in base64.
    pub certificate: String,
    pub signer: CertInfo,
}

/// What a certificate says, for people and for JSON. Times are ISO 8601 (UTC); the gender is a word
/// (`male`, `female`, `not_stated`) with the certificate's own code beside it.
#[derive(Serialize, Deserialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub name: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub gender_code: Option<String>,
    pub name_substitute: Option<String>,
    pub address_substitute: Option<String>,
}

impl CertInfo {
    pub fn of(c: &Certificate) -> CertInfo {
        use kazasu_core::cert::Gender;
        let p = c.personal.clone().unwrap_or_default();
        let gender = p.gender_code().map(|g| {
            match g {
                Gender::Male => "male",
                Gender::Female => "female",
                Gender::NotStated => "not_stated",
            }
            .to_string()
        });
        CertInfo {
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            serial: c.serial_hex.clone(),
            not_before: format_utc(c.not_before),
            not_after: format_utc(c.not_after),
            date_of_birth: p.date_of_birth_iso().or(p.date_of_birth),
            name: p.name,
            address: p.address,
            gender,
            gender_code: p.gender,
            name_substitute: p.name_substitute,
            address_substitute: p.address_substitute,
        }
    }
}

impl Bundle {
    pub fn new(file: &str, data: &[u8], alg: HashAlgorithm, signature: &[u8], cert: &Certificate) -> Bundle {
        Bundle {
            format: FORMAT.into(),
            file: file.into(),
            file_sha256: hex::encode(HashAlgorithm::Sha256.digest(data)),
            hash: alg.name().into(),
            signature: B64.encode(signature),
            certificate: B64.encode(cert.der()),
            signer: CertInfo::of(cert),
        }
    }
}

/// What `verify` reads of a bundle (the signer block is informational and not trusted).
#[derive(Deserialize)]
struct BundleIn {
    format: String,
    hash: String,
    signature: String,
    certificate: String,
}

pub(crate) fn gender_words(p: &PersonalData, lang: Lang) -> Option<String> {
    use kazasu_core::cert::Gender::*;
    Some(match p.gender_code() {
        Some(Male) => text::gender_male(lang),
        Some(Female) => text::gender_female(lang),
        Some(NotStated) => text::gender_not_stated(lang),
        None => p.gender.clone()?,
    })
}

/// Human-readable lines about a certificate.
pub fn describe(c: &Certificate, lang: Lang) -> String {
    let mut out = String::new();
    let mut line = |label: String, v: &str| out.push_str(&format!("{label}: {v}\n"));
    if let Some(p) = &c.personal {
        if let Some(v) = &p.name {
            line(text::label_name(lang), v);
        }
        if let Some(v) = &p.address {
            line(text::label_address(lang), v);
        }
        if let Some(v) = p.date_of_birth_iso().or(p.date_of_birth.clone()) {
            line(text::label_date_of_birth(lang), &v);
        }
        if let Some(v) = gender_words(p, lang) {
            line(text::label_gender(lang), &v);
        }
    }
    line(text::label_validity(lang), &time::validity(lang, c.not_before, c.not_after));
    line(text::label_issuer(lang), &c.issuer);
    line(text::label_serial(lang), &c.serial_hex);
    out
}

/// `--ca`: `jpki` (the J-LIS signature CAs built in, every generation, each certificate judged against the
/// generation that issued it), or a file of trusted CA certificates (PEM with one or more, or DER); anything else (a
/// key, a CRL, text) is refused here.
pub(crate) fn trust_anchors(lang: Lang, ca: &Path) -> Result<TrustAnchors, Failure> {
    if ca.as_os_str() == JPKI_SIGN_WORD {
        return Ok(TrustAnchors::jpki_sign());
    }
    let bytes = read_file(lang, ca)?;
    TrustAnchors::from_pem_or_der(&ca.display().to_string(), &bytes).map_err(|e| {
        detail(&ca.display().to_string(), &e);
        Failure::new(text::not_a_certificate(lang, ca.display()), exit::USAGE)
    })
}

/// A test card's certificate (policy under `…8.5.1.0`) is not a real person's signature: refused unless
/// `--accept-test-cards` (development). Other policies are the trusted CA's business (`--ca` decides).
pub(crate) fn card_kind(lang: Lang, cert: &Certificate, accept_test_cards: bool) -> Result<(), String> {
    if cert.is_test_card() && !accept_test_cards {
        return Err(text::certificate_is_a_test_card(lang));
    }
    Ok(())
}

/// What a failed verification says to the person, for the signature (`kazasu verify` of a file or of a PDF's
/// signatures): the one place a `VerifyError` becomes words.
pub(crate) fn why_not_verified(lang: Lang, e: &VerifyError) -> String {
    match e {
        VerifyError::BadSignature => text::signature_does_not_match(lang),
        VerifyError::Chain(ChainError::Expired) => text::certificate_expired(lang),
        VerifyError::Chain(ChainError::NotYetValid) => text::certificate_not_yet_valid(lang),
        VerifyError::Chain(_) => text::certificate_does_not_chain(lang),
        VerifyError::CrlNotTrusted => text::crl_not_trusted(lang),
        VerifyError::CrlStale => text::crl_stale(lang),
        VerifyError::Revoked => text::certificate_revoked(lang),
        _ => text::verification_failed(lang),
    }
}

fn verify_failure(lang: Lang, e: &VerifyError, ca: &Path) -> Failure {
    detail("verify", e);
    match e {
        // A file given on the command line that is not what it should be: a usage error naming it.
        VerifyError::Unreadable { what: "trust anchor", .. } => {
            Failure::new(text::not_a_certificate(lang, ca.display()), exit::USAGE)
        }
        _ => Failure::new(why_not_verified(lang, e), exit::VERIFY_FAILED),
    }
}

/// Where `kazasu sign FILE` puts the signature file: FILE.kazasu.json beside FILE.
pub fn beside(file: &Path) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(".kazasu.json");
    p.into()
}

pub fn verify(
    lang: Lang,
    file: &Path,
    bundle: Option<&Path>,
    ca: &Path,
    revocation: &Revocation,
    at: Option<i64>,
    accept_test_cards: bool,
) -> Result<(), Failure> {
    let bundle_path = bundle.map(Path::to_path_buf).unwrap_or_else(|| beside(file));
    if !bundle_path.exists() {
        return Err(Failure::new(text::no_signature_file(lang, bundle_path.display()), exit::FAILURE));
    }
    let invalid = |why: &dyn std::fmt::Display| {
        detail(&bundle_path.display().to_string(), why);
        Failure::new(text::signature_file_invalid(lang, bundle_path.display()), exit::FAILURE)
    };
    let b: BundleIn = serde_json::from_slice(&read_file(lang, &bundle_path)?).map_err(|e| invalid(&e))?;
    if b.format != FORMAT {
        return Err(invalid(&format!("unknown format {:?}", b.format)));
    }
    let data = read_file(lang, file)?;
    let alg = HashAlgorithm::from_name(&b.hash).ok_or_else(|| invalid(&format!("unknown hash {:?}", b.hash)))?;
    let signature = B64.decode(&b.signature).map_err(|e| invalid(&e))?;
    let certificate = B64.decode(&b.certificate).map_err(|e| invalid(&e))?;
    let cert = Certificate::from_der(&certificate).map_err(|e| invalid(&e))?;
    let anchors = trust_anchors(lang, ca)?;
    let now = at.unwrap_or_else(|| kazasu_core::clock::Clock::now(&kazasu_core::clock::SystemClock));
    let fail = |e: VerifyError| verify_failure(lang, &e, ca);
    verify_signature(&certificate, alg, &data, &signature).map_err(fail)?;
    card_kind(lang, &cert, accept_test_cards).map_err(|m| Failure::new(m, exit::VERIFY_FAILED))?;
    let issuer = verify_chain_to_issuer(&certificate, &anchors, now).map_err(fail)?;
    let checked = revocation
        .check(lang, &certificate, issuer.der(), now)
        .map_err(|(message, code)| Failure::new(message, code))?;
    print!("{}", describe(&cert, lang));
    println!("{}", revocation::verified_line(lang, Some(&checked)));
    Ok(())
}
