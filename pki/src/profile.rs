//! The parts of a JPKI end-entity certificate's profile that `cert` does not decode at parse time (jpki-facts,
//! "Real J-LIS certificates"): the certificate policies with their criticality and CPS qualifiers; the CRL
//! distribution point, which on a real card is a directory name per municipality with **no URL** (a relying
//! party cannot fetch a CRL from the certificate; J-LIS partitions its CRLs by these names); the OCSP URL of
//! the authority information access; the issuer alternative name (a Japanese directory name); the shape of the
//! authority key identifier. And how two personal-data fields read: the era digit in front of the date of
//! birth, and substitute-character fields that say "none used".
//!
//! Read on demand from the certificate's DER ([`Certificate::profile`]): nothing here is needed on the
//! signing path, and `Certificate` stays as it is. Never panics: a certificate that no longer parses is a
//! [`CertError`], an extension in an unexpected form is left out.

use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::cert::{CertError, Certificate, PersonalData};
use crate::der::read_tlv;

/// id-qt-cps (RFC 5280 §4.2.1.4).
const OID_QT_CPS: &str = "1.3.6.1.5.5.7.2.1";
/// id-ad-ocsp (RFC 5280 §4.2.2.1).
const OID_AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";

/// One name of a CRL distribution point, issuer alternative name or authority key identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Name {
    /// A directory name, as `C=JP, O=…, CN=…` (RFC 4514 order as written in the certificate).
    Directory(String),
    Uri(String),
    /// Any other kind of name (or a relative name of a distribution point), not decoded.
    Other,
}

/// One certificate policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub oid: String,
    /// URIs of the CPS qualifiers.
    pub cps: Vec<String>,
}

/// The authority key identifier: J-LIS writes key id, issuer name and serial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorityKeyId {
    /// Upper-case hex.
    pub key_id: Option<String>,
    pub issuer: Vec<Name>,
    /// Upper-case hex.
    pub serial: Option<String>,
}

/// What the certificate's extensions say, beyond `Certificate`'s fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Whether the certificatePolicies extension is marked critical (it is on real J-LIS certificates).
    pub policies_critical: bool,
    pub policies: Vec<Policy>,
    /// The names of every CRL distribution point, in order. A real card's: one directory name, no URL.
    pub crl_distribution_points: Vec<Name>,
    /// The OCSP responder URLs of the authority information access.
    pub ocsp_urls: Vec<String>,
    pub issuer_alt_names: Vec<Name>,
    pub authority_key_id: Option<AuthorityKeyId>,
    /// basicConstraints' cA flag; `None` when the extension is absent (as on real end-entity certificates).
    pub basic_constraints_ca: Option<bool>,
}

impl Profile {
    /// The directory names among the CRL distribution points: what picks the CRL partition to check.
    pub fn crl_distribution_point_directories(&self) -> impl Iterator<Item = &str> {
        self.crl_distribution_points.iter().filter_map(|n| match n {
            Name::Directory(d) => Some(d.as_str()),
            _ => None,
        })
    }
}

impl Certificate {
    /// Decodes the profile extensions from the certificate's DER.
    pub fn profile(&self) -> Result<Profile, CertError> {
        let (_, cert) = X509Certificate::from_der(self.der()).map_err(|e| {
            CertError::Parse(match e {
                x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => e,
                x509_parser::nom::Err::Incomplete(_) => x509_parser::error::X509Error::InvalidCertificate,
            })
        })?;
        let mut profile = Profile::default();
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::CertificatePolicies(policies) => {
                    profile.policies_critical = ext.critical;
                    profile.policies.extend(policies.iter().map(|p| {
                        Policy {
                            oid: p.policy_id.to_id_string(),
                            cps: p
                                .policy_qualifiers
                                .iter()
                                .flatten()
                                .filter(|q| q.policy_qualifier_id.to_id_string() == OID_QT_CPS)
                                .filter_map(|q| match read_tlv(q.qualifier) {
                                    Some((0x16, uri, _)) => Some(String::from_utf8_lossy(uri).into_owned()), // IA5String
                                    _ => None,
                                })
                                .collect(),
                        }
                    }));
                }
                ParsedExtension::CRLDistributionPoints(points) => {
                    for point in points.iter() {
                        match &point.distribution_point {
                            Some(DistributionPointName::FullName(names)) => {
                                profile.crl_distribution_points.extend(names.iter().map(name))
                            }
                            Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => {
                                profile.crl_distribution_points.push(Name::Other)
                            }
                            None => {}
                        }
                    }
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    profile.ocsp_urls.extend(aia.accessdescs.iter().filter_map(|d| {
                        match (d.access_method.to_id_string() == OID_AD_OCSP, &d.access_location) {
                            (true, GeneralName::URI(uri)) => Some(uri.to_string()),
                            _ => None,
                        }
                    }));
                }
                ParsedExtension::IssuerAlternativeName(ian) => {
                    profile.issuer_alt_names.extend(ian.general_names.iter().map(name));
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    profile.authority_key_id = Some(AuthorityKeyId {
                        key_id: aki.key_identifier.as_ref().map(|k| hex::encode_upper(k.0)),
                        issuer: aki.authority_cert_issuer.iter().flatten().map(name).collect(),
                        serial: aki.authority_cert_serial.map(hex::encode_upper),
                    });
                }
                ParsedExtension::BasicConstraints(bc) => profile.basic_constraints_ca = Some(bc.ca),
                _ => {}
            }
        }
        Ok(profile)
    }
}

fn name(n: &GeneralName) -> Name {
    match n {
        GeneralName::DirectoryName(d) => Name::Directory(d.to_string()),
        GeneralName::URI(u) => Name::Uri(u.to_string()),
        _ => Name::Other,
    }
}

/// The Japanese era of a date of birth's leading digit (third-party readers: 1 明治, 2 大正, 3 昭和, 4 平成,
/// 5 令和; the public J-LIS profile does not give the format).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl PersonalData {
    /// The era digit of a nine-character date of birth (`3` + `19850401` → 昭和); `None` for any other form
    /// or an unknown digit. The Gregorian date after it is [`PersonalData::date_of_birth_iso`].
    pub fn date_of_birth_era(&self) -> Option<Era> {
        let raw = self.date_of_birth.as_deref()?.trim();
        if raw.len() != 9 || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match raw.as_bytes()[0] {
            b'1' => Some(Era::Meiji),
            b'2' => Some(Era::Taisho),
            b'3' => Some(Era::Showa),
            b'4' => Some(Era::Heisei),
            b'5' => Some(Era::Reiwa),
            _ => None,
        }
    }

    /// Whether the name was written with substitute characters (代替文字, for characters outside the card's
    /// set): `Some(false)` when the field is all zeros (`00000`, what a certificate without any carries),
    /// `Some(true)` for other digits, `None` when the field is absent or not digits.
    pub fn name_substitute_used(&self) -> Option<bool> {
        substitute_used(self.name_substitute.as_deref())
    }

    /// As [`PersonalData::name_substitute_used`], for the address.
    pub fn address_substitute_used(&self) -> Option<bool> {
        substitute_used(self.address_substitute.as_deref())
    }
}

fn substitute_used(field: Option<&str>) -> Option<bool> {
    let f = field?.trim();
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(f.bytes().any(|b| b != b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGN: &[u8] = include_bytes!("../../fixtures/test-pki/sign.der");
    const REVOKED: &[u8] = include_bytes!("../../fixtures/test-pki/sign-revoked.der");
    const TESTCARD: &[u8] = include_bytes!("../../fixtures/test-pki/sign-testcard.der");
    const AUTH: &[u8] = include_bytes!("../../fixtures/test-pki/auth.der");
    const SIGN_CA: &[u8] = include_bytes!("../../fixtures/test-pki/sign-ca.der");
    const LEGACY: &[u8] = include_bytes!("../../fixtures/legacy/sign.der");

    const SIGN_DP: &str = "C=JP, O=Kazasu Test PKI (not JPKI), OU=Test for digital signature, \
                           OU=CRL Distribution Points, OU=Mie-ken, CN=Ise-shi CRLDP";

    fn profile(der: &[u8]) -> Profile {
        Certificate::from_der(der).unwrap().profile().unwrap()
    }

    #[test]
    fn the_sign_certificate_has_critical_policies_under_the_sign_arc_with_a_cps() {
        let p = profile(SIGN);
        assert!(p.policies_critical);
        assert_eq!(p.policies.len(), 1, "{:?}", p.policies);
        assert_eq!(p.policies[0].oid, "1.2.392.200149.8.5.1.1.20");
        assert_eq!(p.policies[0].cps.len(), 1);
        assert!(p.policies[0].cps[0].starts_with("http://www.kazasu.invalid/"), "{:?}", p.policies[0].cps);
        // What `Certificate` itself lists agrees.
        assert_eq!(Certificate::from_der(SIGN).unwrap().policies, ["1.2.392.200149.8.5.1.1.20"]);
    }

    #[test]
    fn the_crl_distribution_point_is_a_directory_name_with_no_url() {
        for der in [SIGN, REVOKED, TESTCARD] {
            let p = profile(der);
            assert_eq!(p.crl_distribution_points, [Name::Directory(SIGN_DP.into())]);
            assert_eq!(p.crl_distribution_point_directories().collect::<Vec<_>>(), [SIGN_DP]);
        }
        let auth = profile(AUTH);
        assert_eq!(auth.crl_distribution_points.len(), 1);
        assert!(
            matches!(&auth.crl_distribution_points[0], Name::Directory(d) if d.contains("Test Authentication CA") && d.ends_with("CN=Ise-shi CRLDP")),
            "{:?}",
            auth.crl_distribution_points
        );
    }

    #[test]
    fn end_entities_have_an_ocsp_url_only_no_basic_constraints_and_a_full_authority_key_id() {
        let ca = Certificate::from_der(SIGN_CA).unwrap();
        for der in [SIGN, REVOKED, TESTCARD, AUTH] {
            let p = profile(der);
            assert_eq!(p.ocsp_urls.len(), 1, "{:?}", p.ocsp_urls);
            assert!(p.ocsp_urls[0].starts_with("http://ocsp.kazasu.invalid/"));
            assert_eq!(p.basic_constraints_ca, None);
            let aki = p.authority_key_id.unwrap();
            assert!(aki.key_id.is_some());
            assert_eq!(aki.issuer.len(), 1);
            assert!(aki.serial.is_some());
        }
        let aki = profile(SIGN).authority_key_id.unwrap();
        assert_eq!(aki.issuer, [Name::Directory(ca.subject.clone())]);
        assert_eq!(aki.serial.as_deref(), Some(ca.serial_hex.as_str()));
        // The CAs keep basicConstraints, as J-LIS roots do.
        assert_eq!(profile(SIGN_CA).basic_constraints_ca, Some(true));
    }

    #[test]
    fn the_issuer_alternative_name_is_a_japanese_directory_name() {
        let p = profile(SIGN);
        assert_eq!(
            p.issuer_alt_names,
            [Name::Directory("C=JP, O=かざす試験用PKI（JPKIではない）, OU=署名用（試験用）".into())]
        );
    }

    #[test]
    fn the_validity_ends_at_the_last_second_of_a_day_in_japan() {
        for der in [SIGN, REVOKED, TESTCARD, AUTH] {
            let c = Certificate::from_der(der).unwrap();
            // 14:59:59Z is 23:59:59 JST.
            assert_eq!((c.not_after + 9 * 3600).rem_euclid(86_400), 86_399, "{}", c.subject);
        }
    }

    #[test]
    fn the_nine_character_date_of_birth_reads_as_showa_1985_04_01() {
        let p = Certificate::from_der(SIGN).unwrap().personal.unwrap();
        assert_eq!(p.date_of_birth.as_deref(), Some("319850401"));
        assert_eq!(p.date_of_birth_era(), Some(Era::Showa));
        assert_eq!(p.date_of_birth_iso().as_deref(), Some("1985-04-01"));
    }

    #[test]
    fn zero_substitute_character_fields_read_as_unused() {
        let p = Certificate::from_der(SIGN).unwrap().personal.unwrap();
        assert_eq!(p.name_substitute.as_deref(), Some("00000"));
        assert_eq!(p.name_substitute_used(), Some(false));
        assert_eq!(p.address_substitute_used(), Some(false));
        let with = |s: &str| PersonalData { name_substitute: Some(s.into()), ..Default::default() };
        assert_eq!(with("00100").name_substitute_used(), Some(true));
        assert_eq!(with("").name_substitute_used(), None);
        assert_eq!(with("abc").name_substitute_used(), None);
        assert_eq!(PersonalData::default().address_substitute_used(), None);
    }

    #[test]
    fn era_digits_other_than_one_to_five_or_other_lengths_have_no_era() {
        let p = |s: &str| PersonalData { date_of_birth: Some(s.into()), ..Default::default() };
        assert_eq!(p("120000101").date_of_birth_era(), Some(Era::Meiji));
        assert_eq!(p("220000101").date_of_birth_era(), Some(Era::Taisho));
        assert_eq!(p("420081031").date_of_birth_era(), Some(Era::Heisei));
        assert_eq!(p("520200101").date_of_birth_era(), Some(Era::Reiwa));
        assert_eq!(p("020000101").date_of_birth_era(), None);
        assert_eq!(p("19850401").date_of_birth_era(), None);
        assert_eq!(p("昭600401").date_of_birth_era(), None);
    }

    #[test]
    fn the_test_card_certificate_carries_the_test_card_policy_and_personal_data() {
        let c = Certificate::from_der(TESTCARD).unwrap();
        assert_eq!(c.policies, ["1.2.392.200149.8.5.1.0.20"]);
        assert!(profile(TESTCARD).policies_critical);
        let p = c.personal.unwrap();
        assert_eq!(p.date_of_birth_era(), Some(Era::Heisei));
        assert_eq!(p.date_of_birth_iso().as_deref(), Some("2000-01-01"));
    }

    #[test]
    fn the_auth_certificate_has_the_auth_policy_critical_and_no_personal_data() {
        let c = Certificate::from_der(AUTH).unwrap();
        assert!(c.personal.is_none());
        let p = profile(AUTH);
        assert!(p.policies_critical);
        assert_eq!(p.policies.iter().map(|p| p.oid.as_str()).collect::<Vec<_>>(), ["1.2.392.200149.8.5.1.3.30"]);
        assert_eq!(p.policies[0].cps.len(), 1);
    }

    #[test]
    fn the_legacy_certificate_still_reads_with_its_url_distribution_points() {
        let c = Certificate::from_der(LEGACY).unwrap();
        let p = c.personal.clone().unwrap();
        assert_eq!(p.date_of_birth_iso().as_deref(), Some("1985-04-01"));
        assert_eq!(p.date_of_birth_era(), None);
        assert_eq!(p.name_substitute_used(), Some(false));
        let profile = c.profile().unwrap();
        assert!(!profile.policies_critical);
        assert_eq!(profile.policies.iter().map(|p| p.oid.as_str()).collect::<Vec<_>>(), ["1.2.392.200149.8.5.1.1"]);
        assert_eq!(profile.policies[0].cps.len(), 2);
        assert_eq!(profile.crl_distribution_points.len(), 2);
        assert!(profile.crl_distribution_points.iter().all(|n| matches!(n, Name::Uri(_))));
        assert_eq!(profile.crl_distribution_point_directories().count(), 0);
        assert_eq!(profile.basic_constraints_ca, Some(false));
    }
}
