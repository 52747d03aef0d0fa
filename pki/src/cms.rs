//! A detached CMS SignedData (RFC 5652) around a signature the card made: what `openssl cms -verify` and
//! most document tools accept next to the signed file. No signed attributes, so the card's one signature
//! over the file's DigestInfo serves both the JSON bundle and the CMS file (one PIN, one tap). Built with
//! RustCrypto's `cms` types (as the PDF signatures of kazasu-pdf are), not assembled by hand.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{ID_DATA, ID_SIGNED_DATA};
use const_oid::db::rfc5912::{ID_SHA_256, ID_SHA_384, ID_SHA_512, RSA_ENCRYPTION};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;

use crate::cert::Certificate;
use crate::HashAlgorithm;

/// Why the CMS could not be built (a certificate its strict DER reader refuses, or an encoding limit).
#[derive(Debug, thiserror::Error)]
#[error("CMS encoding failed: {0}")]
pub struct CmsError(#[from] der::Error);

fn digest_algorithm(alg: HashAlgorithm) -> AlgorithmIdentifierOwned {
    let oid = match alg {
        HashAlgorithm::Sha256 => ID_SHA_256,
        HashAlgorithm::Sha384 => ID_SHA_384,
        HashAlgorithm::Sha512 => ID_SHA_512,
    };
    AlgorithmIdentifierOwned { oid, parameters: Some(Any::null()) }
}

/// DER of a detached SignedData ContentInfo: the signer's certificate (and any `extra_certs`, e.g. the CA),
/// one SignerInfo identified by issuer and serial, and `signature` — RSA PKCS#1 v1.5 over the DigestInfo
/// of the content under `alg`.
pub fn detached_signed_data(
    cert: &Certificate,
    extra_certs: &[&[u8]],
    alg: HashAlgorithm,
    signature: &[u8],
) -> Result<Vec<u8>, CmsError> {
    let signer_cert = x509_cert::Certificate::from_der(cert.der())?;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: signer_cert.tbs_certificate.issuer.clone(),
        serial_number: signer_cert.tbs_certificate.serial_number.clone(),
    });
    let mut certs = vec![CertificateChoices::Certificate(signer_cert)];
    for extra in extra_certs {
        certs.push(CertificateChoices::Certificate(x509_cert::Certificate::from_der(extra)?));
    }
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid,
        digest_alg: digest_algorithm(alg),
        signed_attrs: None,
        signature_algorithm: AlgorithmIdentifierOwned { oid: RSA_ENCRYPTION, parameters: Some(Any::null()) },
        signature: OctetString::new(signature.to_vec())?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_algorithm(alg)])?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
        certificates: Some(CertificateSet(SetOfVec::try_from(certs)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer])?),
    };
    Ok(ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(&signed_data)? }.to_der()?)
}
