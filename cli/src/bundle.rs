//! The signature bundle `kazasu sign` writes (JSON: what was signed, the signature, the certificate and the
//! identity it states) and `kazasu verify`, which checks it against a trusted CA.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kazasu_core::handoff::time::format_utc;
use kazasu_core::verify::{verify_chain_to_issuer, verify_signature, VerifyError};
use kazasu_core::{Certificate, HashAlgorithm};
use serde::{Deserialize, Serialize};

use crate::failure::Failure;
use crate::io::read_file;
use crate::messages::{detail, exit, text, Lang};
use crate::revocation::{self, Revocation};
use crate::show::{describe, why_not_verified};
use crate::trust::{card_kind, trust_anchors};

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
