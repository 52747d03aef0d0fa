//! The signature bundle `kazasu sign` writes (JSON: what was signed, the signature, the certificate and the
//! identity it states) and `kazasu verify`, which checks it against a trusted CA.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kazasu_core::verify::{verify_chain, verify_signature};
use kazasu_core::{Certificate, HashAlgorithm, PersonalData};
use serde::{Deserialize, Serialize};

use crate::messages::{exit, Lang};
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

/// What a certificate says, for people and for JSON.
#[derive(Serialize, Deserialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: i64,
    pub not_after: i64,
    pub name: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub name_substitute: Option<String>,
    pub address_substitute: Option<String>,
}

impl CertInfo {
    pub fn of(c: &Certificate) -> CertInfo {
        let p = c.personal.clone().unwrap_or_default();
        CertInfo {
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            serial: c.serial_hex.clone(),
            not_before: c.not_before,
            not_after: c.not_after,
            date_of_birth: p.date_of_birth_iso().or(p.date_of_birth),
            name: p.name,
            address: p.address,
            gender: p.gender,
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

/// The UTC calendar date of a Unix time (the core's one civil-date routine, cut to the day).
fn date(unix: i64) -> String {
    let mut t = kazasu_core::handoff::time::format_utc(unix);
    t.truncate(10);
    t
}

fn gender_words(p: &PersonalData, lang: Lang) -> Option<String> {
    use kazasu_core::cert::Gender::*;
    Some(match (p.gender_code(), lang) {
        (Some(Male), Lang::Ja) => "男".into(),
        (Some(Female), Lang::Ja) => "女".into(),
        (Some(Male), Lang::En) => "male".into(),
        (Some(Female), Lang::En) => "female".into(),
        (Some(NotStated), _) => lang.pick("記載なし", "not stated").into(),
        (None, _) => p.gender.clone()?,
    })
}

/// Human-readable lines about a certificate.
pub fn describe(c: &Certificate, lang: Lang) -> String {
    let mut out = String::new();
    let mut line = |ja: &str, en: &str, v: &str| out.push_str(&format!("{}: {v}\n", lang.pick(ja, en)));
    if let Some(p) = &c.personal {
        if let Some(v) = &p.name {
            line("氏名", "Name", v);
        }
        if let Some(v) = &p.address {
            line("住所", "Address", v);
        }
        if let Some(v) = p.date_of_birth_iso().or(p.date_of_birth.clone()) {
            line("生年月日", "Date of birth", &v);
        }
        if let Some(v) = gender_words(p, lang) {
            line("性別", "Gender", &v);
        }
    }
    line("有効期間", "Valid", &format!("{} – {}", date(c.not_before), date(c.not_after)));
    line("発行者", "Issuer", &c.issuer);
    line("シリアル番号", "Serial", &c.serial_hex);
    out
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::new(format!("{}: {e}", path.display()), exit::FAILURE))
}

/// PEM or DER certificate file → DER.
fn cert_der(bytes: &[u8]) -> Result<Vec<u8>, Failure> {
    let text = String::from_utf8_lossy(bytes);
    if let Some(start) = text.find("-----BEGIN CERTIFICATE-----") {
        let body: String = text[start + 27..]
            .lines()
            .take_while(|l| !l.starts_with("-----END"))
            .collect::<Vec<_>>()
            .concat();
        return B64.decode(body.trim()).map_err(|e| Failure::new(format!("CA PEM: {e}"), exit::USAGE));
    }
    Ok(bytes.to_vec())
}

pub fn verify(lang: Lang, file: &Path, bundle: Option<&Path>, ca: &Path, crl: Option<&Path>, at: Option<i64>) -> Result<(), Failure> {
    let bundle_path = bundle.map(Path::to_path_buf).unwrap_or_else(|| {
        let mut p = file.as_os_str().to_owned();
        p.push(".kazasu.json");
        p.into()
    });
    let b: Bundle = serde_json::from_slice(&read(&bundle_path)?)
        .map_err(|e| Failure::new(format!("{}: {e}", bundle_path.display()), exit::FAILURE))?;
    if b.format != FORMAT {
        return Err(Failure::new(format!("unknown bundle format {:?}", b.format), exit::FAILURE));
    }
    let data = read(file)?;
    let alg = HashAlgorithm::from_name(&b.hash).ok_or_else(|| Failure::new("unknown hash in bundle", exit::FAILURE))?;
    let bad = |what: &str| Failure::new(format!("{what} is not valid base64"), exit::FAILURE);
    let signature = B64.decode(&b.signature).map_err(|_| bad("signature"))?;
    let certificate = B64.decode(&b.certificate).map_err(|_| bad("certificate"))?;
    let anchor = cert_der(&read(ca)?)?;
    let crl = crl.map(read).transpose()?;
    let now = at.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    });
    let fail = |e: kazasu_core::verify::VerifyError| match lang {
        Lang::Ja => Failure::new(format!("検証できませんでした: {e}"), exit::VERIFY_FAILED),
        Lang::En => Failure::new(format!("verification failed: {e}"), exit::VERIFY_FAILED),
    };
    verify_signature(&certificate, alg, &data, &signature).map_err(fail)?;
    verify_chain(&certificate, &anchor, now, crl.as_deref()).map_err(fail)?;
    let cert = Certificate::from_der(&certificate).map_err(|e| Failure::new(e.to_string(), exit::FAILURE))?;
    print!("{}", describe(&cert, lang));
    println!("{}", lang.pick("署名検証済み", "Signature verified"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_795_000_000), "2026-11-18");
    }
}
