//! Trust anchors: the CA certificates a relying party trusts, and the choice, for one certificate, of the CA
//! that issued it.
//!
//! The J-LIS anchors ship as data (`pki/anchors/jpki/`, sources and fingerprints in its README): the signature CA
//! and the user-authentication CA of the 2015, 2019 and 2023 generations. All generations of one CA have the
//! same name, so a certificate is matched to its generation by issuer name **and** authority key identifier
//! (the CA's subject key identifier), and judged against that generation alone — chain, validity and the CRL.
//! The project's test CA is trusted only where a caller names it ([`TrustAnchors::from_pem_or_der`]).

use std::fmt;

use openssl::x509::X509;

use crate::cert::Certificate;

/// The built-in J-LIS CA certificates: (file name, PEM). Certificates are public facts, not code.
const JPKI_SIGN: [(&str, &str); 3] = [
    ("signca01_2015", include_str!("../anchors/jpki/signca01_2015.pem")),
    ("signca02_2019", include_str!("../anchors/jpki/signca02_2019.pem")),
    ("signca03_2023", include_str!("../anchors/jpki/signca03_2023.pem")),
];
const JPKI_AUTH: [(&str, &str); 3] = [
    ("authca01_2015", include_str!("../anchors/jpki/authca01_2015.pem")),
    ("authca02_2019", include_str!("../anchors/jpki/authca02_2019.pem")),
    ("authca03_2023", include_str!("../anchors/jpki/authca03_2023.pem")),
];

/// The word that names the built-in J-LIS signature CAs where a CA file is asked for (`--ca jpki` in the CLI
/// and the portal); anything else is a file.
pub const JPKI_SIGN_WORD: &str = "jpki";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnchorError {
    /// Not a certificate in PEM or DER; OpenSSL's or the parser's reason.
    #[error("not a certificate (PEM or DER): {0}")]
    NotACertificate(String),
    #[error("no certificate in it")]
    Empty,
}

/// One trusted CA certificate.
#[derive(Clone)]
pub struct TrustAnchor {
    /// Where it came from: a built-in file name (`signca02_2019`) or what the caller named.
    pub label: String,
    pub certificate: Certificate,
}

impl fmt::Debug for TrustAnchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrustAnchor({}: {})", self.label, self.certificate.subject)
    }
}

impl TrustAnchor {
    pub fn der(&self) -> &[u8] {
        self.certificate.der()
    }

    /// Whether this CA could have issued `cert`: the same name, and (when both say) the same key.
    fn may_have_issued(&self, cert: &Certificate) -> bool {
        if self.certificate.subject_der() != cert.issuer_der() {
            return false;
        }
        match (&self.certificate.subject_key_id, &cert.authority_key_id) {
            (Some(ski), Some(aki)) => ski == aki,
            // Without identifiers the name is all there is; the signature check then decides.
            _ => true,
        }
    }
}

/// A set of trusted CA certificates.
#[derive(Clone, Debug)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor>,
}

impl TrustAnchors {
    /// The J-LIS signature CA, every generation (署名用電子証明書 の 認証局).
    pub fn jpki_sign() -> TrustAnchors {
        Self::built_in(&JPKI_SIGN)
    }

    /// The J-LIS user-authentication CA, every generation (利用者証明用電子証明書 の 認証局).
    pub fn jpki_auth() -> TrustAnchors {
        Self::built_in(&JPKI_AUTH)
    }

    fn built_in(files: &[(&str, &str)]) -> TrustAnchors {
        let anchors = files
            .iter()
            .filter_map(|(label, pem)| {
                // The files are part of the build and checked by a test; one that failed to parse would be
                // missing from the set (so trusted less, never more) rather than a panic.
                let der = X509::from_pem(pem.as_bytes()).ok()?.to_der().ok()?;
                let certificate = Certificate::from_der(&der).ok()?;
                Some(TrustAnchor { label: (*label).to_string(), certificate })
            })
            .collect();
        TrustAnchors { anchors }
    }

    /// The CA certificates in `bytes`: DER, or PEM with one or more certificates (a file an operator names).
    pub fn from_pem_or_der(label: &str, bytes: &[u8]) -> Result<TrustAnchors, AnchorError> {
        let ders: Vec<Vec<u8>> = match X509::from_der(bytes) {
            Ok(x) => vec![x.to_der().map_err(|e| AnchorError::NotACertificate(e.to_string()))?],
            Err(_) => X509::stack_from_pem(bytes)
                .map_err(|e| AnchorError::NotACertificate(e.to_string()))?
                .iter()
                .map(|x| x.to_der())
                .collect::<Result<_, _>>()
                .map_err(|e| AnchorError::NotACertificate(e.to_string()))?,
        };
        if ders.is_empty() {
            return Err(AnchorError::Empty);
        }
        let anchors = ders
            .iter()
            .map(|der| {
                let certificate =
                    Certificate::from_der(der).map_err(|e| AnchorError::NotACertificate(e.to_string()))?;
                Ok(TrustAnchor { label: label.to_string(), certificate })
            })
            .collect::<Result<_, AnchorError>>()?;
        Ok(TrustAnchors { anchors })
    }

    /// One CA certificate given as DER (the tests' and the software card's CA).
    pub fn from_der(der: &[u8]) -> Result<TrustAnchors, AnchorError> {
        Self::from_pem_or_der("CA", der)
    }

    pub fn iter(&self) -> impl Iterator<Item = &TrustAnchor> {
        self.anchors.iter()
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The anchors that may have issued `cert` (name and key identifier match), best first. Usually one; none
    /// means the certificate is not from a trusted CA.
    pub fn issuers_of(&self, cert: &Certificate) -> Vec<&TrustAnchor> {
        let mut found: Vec<&TrustAnchor> = self.anchors.iter().filter(|a| a.may_have_issued(cert)).collect();
        // Those matched by key identifier before those matched by name alone.
        found.sort_by_key(|a| a.certificate.subject_key_id.is_none() || cert.authority_key_id.is_none());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{verify_chain, ChainError, VerifyError};
    use openssl::hash::{hash, MessageDigest};

    /// SHA-256 of each built-in certificate's DER, as J-LIS publishes them (and as /shared/jpki-ca/SOURCES.md
    /// records where each copy came from). A changed file fails here.
    const FINGERPRINTS: [(&str, &str); 6] = [
        ("signca01_2015", "19645405A1FE14377434BD55957628AC4038557C542403A2243F21C706FC9355"),
        ("signca02_2019", "79679C33E4CC9319440F1AD120A597FF1844E2EF217063ADB176966FD5E6FBEB"),
        ("signca03_2023", "D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F"),
        ("authca01_2015", "4DCFC4CA0AAF9FB2A3081B3F0C991C320B3ACC008667A341EEAEC5AF1D58CA7D"),
        ("authca02_2019", "0D98DE47FC11B7F67126874B7028B6026A803D2638D6EDFE53176953961FADE6"),
        ("authca03_2023", "64114F29620C24ED2631D46476A040E7EE740D956089C00B036A6A8118C322B5"),
    ];

    #[test]
    fn the_six_jpki_anchors_ship_with_their_published_fingerprints() {
        let all: Vec<TrustAnchor> =
            TrustAnchors::jpki_sign().iter().chain(TrustAnchors::jpki_auth().iter()).cloned().collect();
        assert_eq!(all.len(), 6, "every built-in file parses");
        for (label, expected) in FINGERPRINTS {
            let a = all.iter().find(|a| a.label == label).unwrap_or_else(|| panic!("{label} missing"));
            let got = hex::encode_upper(hash(MessageDigest::sha256(), a.der()).unwrap());
            assert_eq!(got, expected, "{label}");
        }
    }

    /// A certificate that names `root` as its issuer, by name and authority key id (the root's subject key id),
    /// but is signed by a throw-away key.
    fn claiming_issuer(root_pem: &str) -> Certificate {
        use openssl::asn1::Asn1Time;
        use openssl::pkey::PKey;
        use openssl::rsa::Rsa;
        use openssl::x509::extension::AuthorityKeyIdentifier;
        use openssl::x509::X509Builder;
        let root = X509::from_pem(root_pem.as_bytes()).unwrap();
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_issuer_name(root.subject_name()).unwrap();
        let mut subject = openssl::x509::X509NameBuilder::new().unwrap();
        subject.append_entry_by_text("CN", "not issued by J-LIS").unwrap();
        b.set_subject_name(&subject.build()).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::from_unix(1_700_000_000).unwrap()).unwrap();
        b.set_not_after(&Asn1Time::from_unix(1_800_000_000).unwrap()).unwrap();
        let aki = AuthorityKeyIdentifier::new().keyid(true).build(&b.x509v3_context(Some(&root), None)).unwrap();
        b.append_extension(aki).unwrap();
        b.sign(&key, openssl::hash::MessageDigest::sha256()).unwrap();
        Certificate::from_der(&b.build().to_der().unwrap()).unwrap()
    }

    #[test]
    fn each_generation_is_told_apart_by_its_key_identifier() {
        for set in [TrustAnchors::jpki_sign(), TrustAnchors::jpki_auth()] {
            let names: Vec<&[u8]> = set.iter().map(|a| a.certificate.subject_der()).collect();
            assert!(names.windows(2).all(|w| w[0] == w[1]), "one name for every generation");
            let mut kids: Vec<&Vec<u8>> = set.iter().map(|a| a.certificate.subject_key_id.as_ref().unwrap()).collect();
            kids.dedup();
            assert_eq!(kids.len(), 3, "three different keys");
        }
        // A certificate whose authority key id is the 2019 sign CA's is matched to that generation alone.
        let sign = TrustAnchors::jpki_sign();
        let ski_2019 = sign.iter().find(|a| a.label == "signca02_2019").unwrap().certificate.subject_key_id.clone();
        let cert = claiming_issuer(JPKI_SIGN[1].1);
        assert_eq!(cert.authority_key_id, ski_2019);
        let labels: Vec<&str> = sign.issuers_of(&cert).iter().map(|a| a.label.as_str()).collect();
        assert_eq!(labels, ["signca02_2019"]);
        // Not by the auth CA, whose name differs.
        assert!(TrustAnchors::jpki_auth().issuers_of(&cert).is_empty());
    }

    #[test]
    fn the_real_jlis_cas_verify_their_own_signatures_within_their_validity() {
        for set in [TrustAnchors::jpki_sign(), TrustAnchors::jpki_auth()] {
            for a in set.iter() {
                let c = &a.certificate;
                verify_chain(a.der(), &set, (c.not_before + c.not_after) / 2, None)
                    .unwrap_or_else(|e| panic!("{}: {e}", a.label));
                assert_eq!(
                    verify_chain(a.der(), &set, c.not_after + 1, None),
                    Err(VerifyError::Chain(ChainError::Expired)),
                    "{}",
                    a.label
                );
            }
        }
    }

    #[test]
    fn a_certificate_of_the_test_ca_does_not_chain_to_jlis() {
        let sign = include_bytes!("../../fixtures/test-pki/sign.der");
        let c = Certificate::from_der(sign).unwrap();
        let mid = (c.not_before + c.not_after) / 2;
        for set in [TrustAnchors::jpki_sign(), TrustAnchors::jpki_auth()] {
            assert_eq!(verify_chain(sign, &set, mid, None), Err(VerifyError::Chain(ChainError::UnknownIssuer)));
        }
    }

    #[test]
    fn a_certificate_naming_a_generation_is_judged_by_that_generation() {
        // Issuer name and key id of the 2019 sign CA, signature by another key: the 2019 CA's key refuses it.
        let forged = claiming_issuer(JPKI_SIGN[1].1);
        assert_eq!(
            verify_chain(forged.der(), &TrustAnchors::jpki_sign(), 1_750_000_000, None),
            Err(VerifyError::Chain(ChainError::BadSignature))
        );
    }

    #[test]
    fn sign_and_auth_anchors_carry_the_names_jlis_gives_them() {
        for a in TrustAnchors::jpki_sign().iter() {
            assert!(a.certificate.subject.contains("OU=JPKI for digital signature"), "{}", a.certificate.subject);
        }
        for a in TrustAnchors::jpki_auth().iter() {
            assert!(a.certificate.subject.contains("OU=JPKI for user authentication"), "{}", a.certificate.subject);
        }
    }

    #[test]
    fn an_operators_file_is_read_as_pem_or_der_and_garbage_is_an_error() {
        let pem = JPKI_SIGN[1].1.as_bytes();
        let one = TrustAnchors::from_pem_or_der("mine", pem).unwrap();
        assert_eq!(one.len(), 1);
        let der = one.iter().next().unwrap().der().to_vec();
        assert_eq!(TrustAnchors::from_der(&der).unwrap().len(), 1);
        let two = [JPKI_SIGN[1].1, JPKI_SIGN[2].1].concat();
        assert_eq!(TrustAnchors::from_pem_or_der("mine", two.as_bytes()).unwrap().len(), 2);
        assert!(TrustAnchors::from_pem_or_der("junk", b"junk").is_err());
        assert!(TrustAnchors::from_pem_or_der("empty", b"").is_err());
    }
}
