//! Certificates from the card: subject, issuer, serial, validity, and the JPKI personal data (氏名, 住所,
//! 生年月日, 性別 and the substitute-character fields) carried as subjectAltName otherNames under
//! `1.2.392.200149.8.5.5` (J-LIS 「署名用電子証明書及び利用者証明用電子証明書のプロファイル仕様書」 §2.1.1;
//! jpki-facts). Parsing never panics: a malformed certificate is a [`CertError`].

use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::der::read_tlv;
use crate::policy::{classify, JpkiPolicy};

/// Arc of the JPKI personal-data otherName type-ids.
pub const OID_JPKI_PERSONAL_DATA: &str = "1.2.392.200149.8.5.5";

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CertError {
    /// The DER is not an X.509 certificate; the parser's own reason.
    #[error("not a valid X.509 certificate: {0}")]
    Parse(x509_parser::error::X509Error),
    #[error("the certificate has bytes after its end")]
    TrailingData,
}

/// Personal data of the signature certificate. Each field is what the certificate says, if present.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PersonalData {
    /// 氏名 (.1)
    pub name: Option<String>,
    /// 氏名代替文字の使用位置 (.2)
    pub name_substitute: Option<String>,
    /// 性別 (.3), as coded in the certificate ("1" male, "2" female, "3" not stated — see [`Gender`]).
    pub gender: Option<String>,
    /// 生年月日 (.4), as in the certificate (YYYYMMDD in the test PKI; the public spec does not say more).
    pub date_of_birth: Option<String>,
    /// 住所 (.5)
    pub address: Option<String>,
    /// 住所代替文字の使用位置 (.6)
    pub address_substitute: Option<String>,
}

/// The gender code, read leniently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gender {
    Male,
    Female,
    NotStated,
}

impl PersonalData {
    pub fn gender_code(&self) -> Option<Gender> {
        match self.gender.as_deref()?.trim() {
            "1" => Some(Gender::Male),
            "2" => Some(Gender::Female),
            "3" | "9" => Some(Gender::NotStated),
            _ => None,
        }
    }

    /// The date of birth as ISO 8601 (`1985-04-01`) when it is eight digits (optionally with an era/calendar
    /// digit in front, which is dropped); `None` when it has another form — the raw field stays available.
    pub fn date_of_birth_iso(&self) -> Option<String> {
        let raw = self.date_of_birth.as_deref()?.trim();
        let digits = match raw.len() {
            8 => raw,
            // Nine bytes whose first character is not one byte (e.g. 「昭600401」) have no 8-digit tail.
            9 => raw.get(1..)?,
            _ => return None,
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (y, m, d) = (&digits[..4], &digits[4..6], &digits[6..]);
        let (mi, di): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
        if !(1..=12).contains(&mi) || !(1..=31).contains(&di) {
            return None;
        }
        Some(format!("{y}-{m}-{d}"))
    }

    fn is_empty(&self) -> bool {
        *self == PersonalData::default()
    }
}

/// A parsed certificate. Owns its DER; the fields are decoded once at parse time.
#[derive(Clone, Debug)]
pub struct Certificate {
    der: Vec<u8>,
    pub subject: String,
    pub issuer: String,
    /// Serial number as upper-case hex.
    pub serial_hex: String,
    /// Validity bounds, seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// The certificate policies, dotted.
    pub policies: Vec<String>,
    /// What those policies make it: the one classification ([`crate::policy`]).
    pub policy: JpkiPolicy,
    /// The authority key identifier's key id, when present: which CA key (so which generation) issued it.
    pub authority_key_id: Option<Vec<u8>>,
    /// The subject key identifier, when present (a CA's, to match its certificates' authority key id).
    pub subject_key_id: Option<Vec<u8>>,
    /// Personal data, when the certificate carries any (the signature certificate does; the auth one not).
    pub personal: Option<PersonalData>,
    issuer_raw: Vec<u8>,
    subject_raw: Vec<u8>,
    serial_raw: Vec<u8>,
}

impl Certificate {
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertError> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| {
            CertError::Parse(match e {
                x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => e,
                x509_parser::nom::Err::Incomplete(_) => x509_parser::error::X509Error::InvalidCertificate,
            })
        })?;
        if !rest.is_empty() {
            return Err(CertError::TrailingData);
        }
        let (mut policies, mut policy_arcs) = (Vec::new(), Vec::new());
        let (mut authority_key_id, mut subject_key_id) = (None, None);
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                // Critical or not, with qualifiers (a CPS URI on real certificates) or not: only the ids matter.
                ParsedExtension::CertificatePolicies(list) => {
                    for p in list.iter() {
                        policies.push(p.policy_id.to_id_string());
                        // An id with a component too large for u64 is under no JPKI arc.
                        if let Some(components) = p.policy_id.iter() {
                            policy_arcs.push(components.collect::<Vec<u64>>());
                        }
                    }
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                ParsedExtension::SubjectKeyIdentifier(k) => subject_key_id = Some(k.0.to_vec()),
                _ => {}
            }
        }
        let policy = classify(policy_arcs.iter().map(Vec::as_slice));
        let mut personal = PersonalData::default();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                if let GeneralName::OtherName(oid, value) = name {
                    let id = oid.to_id_string();
                    let Some(arc) = id.strip_prefix(OID_JPKI_PERSONAL_DATA).and_then(|s| s.strip_prefix('.')) else {
                        continue;
                    };
                    let text = other_name_text(value);
                    let slot = match arc {
                        "1" => &mut personal.name,
                        "2" => &mut personal.name_substitute,
                        "3" => &mut personal.gender,
                        "4" => &mut personal.date_of_birth,
                        "5" => &mut personal.address,
                        "6" => &mut personal.address_substitute,
                        _ => continue,
                    };
                    *slot = text;
                }
            }
        }
        Ok(Certificate {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            serial_hex: hex::encode_upper(cert.raw_serial()),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            policies,
            policy,
            authority_key_id,
            subject_key_id,
            personal: (!personal.is_empty()).then_some(personal),
            issuer_raw: cert.tbs_certificate.issuer.as_raw().to_vec(),
            subject_raw: cert.tbs_certificate.subject.as_raw().to_vec(),
            serial_raw: cert.raw_serial().to_vec(),
            der: der.to_vec(),
        })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// DER of the issuer Name (for a CMS IssuerAndSerialNumber).
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer_raw
    }

    /// Big-endian bytes of the serial number as encoded (for a CMS IssuerAndSerialNumber).
    pub fn serial_bytes(&self) -> &[u8] {
        &self.serial_raw
    }

    /// DER of the subject Name (to match a certificate's issuer against a CA).
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_raw
    }

    /// A signature certificate: its policy lies under the sign arc (not a test card).
    pub fn is_sign_certificate(&self) -> bool {
        self.policy == JpkiPolicy::Sign
    }

    /// A user-authentication certificate: its policy lies under the auth arc (not a test card).
    pub fn is_auth_certificate(&self) -> bool {
        self.policy == JpkiPolicy::Auth
    }

    /// A test card's certificate (policy under `…8.5.1.0`), which production relying parties refuse.
    pub fn is_test_card(&self) -> bool {
        self.policy == JpkiPolicy::TestCard
    }

    pub fn to_pem(&self) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.der);
        let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }
}

/// The text of an otherName value: `[0] EXPLICIT` around a string. UTF8String is what JPKI uses; other
/// string types are read too (BMPString as UTF-16, the 8-bit ones byte by byte). `None` if not a string.
fn other_name_text(value: &[u8]) -> Option<String> {
    let (tag, inner, _) = read_tlv(value)?;
    if tag != 0xA0 {
        return None;
    }
    let (tag, bytes, _) = read_tlv(inner)?;
    match tag {
        0x0C => Some(String::from_utf8_lossy(bytes).into_owned()), // UTF8String
        0x13 | 0x16 | 0x1A | 0x14 => Some(bytes.iter().map(|&b| b as char).collect()), // Printable, IA5, Visible, Teletex
        0x1E => {
            // BMPString: UTF-16BE
            let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            Some(String::from_utf16_lossy(&units))
        }
        0x1C => Some(
            // UniversalString: UTF-32BE
            bytes
                .chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).unwrap_or('\u{FFFD}'))
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::{sequence, tlv};

    const SIGN: &[u8] = include_bytes!("../../fixtures/test-pki/sign.der");
    const AUTH: &[u8] = include_bytes!("../../fixtures/test-pki/auth.der");

    #[test]
    fn the_fixture_sign_certificate_carries_all_six_personal_data_fields() {
        let cert = Certificate::from_der(SIGN).unwrap();
        let p = cert.personal.clone().unwrap();
        assert_eq!(p.name.as_deref(), Some("かざす　花子"));
        assert_eq!(p.address.as_deref(), Some("三重県伊勢市岩渕一丁目７番２９号"));
        assert_eq!(p.date_of_birth.as_deref(), Some("319850401"));
        assert_eq!(p.date_of_birth_iso().as_deref(), Some("1985-04-01"));
        assert_eq!(p.gender_code(), Some(Gender::Female));
        assert_eq!(p.name_substitute.as_deref(), Some("00000"));
        assert_eq!(p.address_substitute.as_deref(), Some("00000"));
        assert!(cert.is_sign_certificate());
        assert_eq!(cert.serial_hex, "5A1001");
        assert!(cert.subject.contains("KAZASU TEST SIGN 0001"), "{}", cert.subject);
        assert!(cert.not_before < cert.not_after);
        assert!(cert.to_pem().starts_with("-----BEGIN CERTIFICATE-----\nMII"));
    }

    #[test]
    fn the_auth_certificate_has_no_personal_data() {
        let cert = Certificate::from_der(AUTH).unwrap();
        assert!(cert.personal.is_none());
        assert!(!cert.is_sign_certificate());
    }

    #[test]
    fn other_string_types_are_tolerated() {
        let wrap = |t: u8, v: &[u8]| tlv(0xA0, &tlv(t, v));
        assert_eq!(other_name_text(&wrap(0x0C, "伊勢".as_bytes())).as_deref(), Some("伊勢"));
        assert_eq!(other_name_text(&wrap(0x13, b"19850401")).as_deref(), Some("19850401"));
        assert_eq!(other_name_text(&wrap(0x1E, &[0x4F, 0x0A, 0x52, 0xE2])).as_deref(), Some("伊勢"));
        assert_eq!(other_name_text(&wrap(0x1C, &[0, 0, 0x4F, 0x0A])).as_deref(), Some("伊"));
        assert_eq!(other_name_text(&wrap(0x02, &[1])), None);
        assert_eq!(other_name_text(&sequence(&[])), None);
        assert_eq!(other_name_text(&[0xA0, 0x05, 0x0C]), None);
    }

    #[test]
    fn a_malformed_certificate_is_an_error_never_a_panic() {
        assert!(Certificate::from_der(&[]).is_err());
        assert!(Certificate::from_der(&SIGN[..SIGN.len() - 1]).is_err());
        let mut trailing = SIGN.to_vec();
        trailing.push(0);
        assert_eq!(Certificate::from_der(&trailing).unwrap_err(), CertError::TrailingData);
        // Every single-byte corruption and every truncation of the real certificate: no panic.
        let mut rng = 0x2545F4914F6CDD1Du64;
        for i in 0..SIGN.len() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut bad = SIGN.to_vec();
            bad[i] ^= (rng as u8) | 1;
            let _ = Certificate::from_der(&bad);
            let _ = Certificate::from_der(&SIGN[..i]);
        }
    }

    #[test]
    fn dates_of_birth_in_other_forms_stay_raw() {
        let p = |s: &str| PersonalData { date_of_birth: Some(s.into()), ..Default::default() };
        assert_eq!(p("419850401").date_of_birth_iso().as_deref(), Some("1985-04-01"));
        assert_eq!(p("S60.4.1").date_of_birth_iso(), None);
        assert_eq!(p("19851301").date_of_birth_iso(), None);
    }

    #[test]
    fn a_nine_byte_date_of_birth_starting_with_a_multi_byte_character_stays_raw() {
        // Found by reading the code, then by the `certificate` fuzz target (fuzz/regressions/certificate/):
        // slicing off "the first byte" panicked inside the character.
        let p = |s: &str| PersonalData { date_of_birth: Some(s.into()), ..Default::default() };
        assert_eq!(p("昭600401").date_of_birth_iso(), None);
        assert_eq!(p("\u{FFFD}\u{7}15\u{FFFD}").date_of_birth_iso(), None);
        assert_eq!(p("昭600401").date_of_birth.as_deref(), Some("昭600401"));
    }
}
