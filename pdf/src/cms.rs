//! The CMS SignedData (RFC 5652) of a PDF signature, built and read with RustCrypto's `cms` types: the signed
//! attributes the card signs, the SignedData around its signature, and reading one back for verification.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{
    ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME,
};
use const_oid::db::rfc5912::{ID_SHA_256, ID_SHA_384, ID_SHA_512, RSA_ENCRYPTION};
use der::asn1::{Any, OctetString, SetOfVec, UtcTime};
use der::{Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use crate::error::PdfError;

/// id-aa-signatureTimeStampToken (RFC 3161, appendix A): an unsigned attribute holding a time-stamp token.
pub const ID_AA_TIME_STAMP_TOKEN: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// ESSCertIDv2 (RFC 5035): the hash of a certificate (SHA-256 when `hash_algorithm` is absent, its DEFAULT), and
/// optionally its issuer and serial number. Written here with the hash alone; read with everything others write
/// (pyHanko adds the issuer and serial).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    issuer_serial: Option<IssuerSerial>,
}

/// IssuerSerial (RFC 5035): the certificate's issuer (as general names) and serial number.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct IssuerSerial {
    issuer: GeneralNames,
    serial_number: SerialNumber,
}

/// SigningCertificateV2 (RFC 5035): binds the signature to the signer's certificate, the first one named.
/// `policies` (SEQUENCE OF PolicyInformation) is read and not used.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    policies: Option<Vec<Any>>,
}

/// Whether the first ESSCertIDv2 of `ess` names `cert` (DER `der`): its hash with the algorithm it states
/// (SHA-256, -384 or -512; another is not a match), and its issuer and serial number when present.
fn names_certificate(ess: &SigningCertificateV2, cert: &Certificate, der: &[u8]) -> bool {
    let Some(id) = ess.certs.first() else { return false };
    let hash: Vec<u8> = match id.hash_algorithm.as_ref().map(|a| a.oid) {
        None | Some(ID_SHA_256) => Sha256::digest(der).to_vec(),
        Some(ID_SHA_384) => sha2::Sha384::digest(der).to_vec(),
        Some(ID_SHA_512) => sha2::Sha512::digest(der).to_vec(),
        Some(_) => return false,
    };
    let issuer_serial_matches = id.issuer_serial.as_ref().is_none_or(|is| {
        is.serial_number == cert.tbs_certificate.serial_number
            && is.issuer.iter().any(|n| matches!(n, GeneralName::DirectoryName(d) if *d == cert.tbs_certificate.issuer))
    });
    id.cert_hash.as_bytes() == hash.as_slice() && issuer_serial_matches
}

fn attribute(oid: der::asn1::ObjectIdentifier, value: Any) -> Result<Attribute, PdfError> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value])? })
}

fn sha256_id() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: ID_SHA_256, parameters: None }
}

/// DER (a SET, tag 0x31) of the signed attributes: content type id-data, the message digest, signing-certificate-v2
/// when the signer's `certificate` is known, and the signing time when given (Unix seconds).
pub fn signed_attributes(
    digest: &[u8; 32],
    certificate: Option<&[u8]>,
    signing_time: Option<i64>,
) -> Result<Vec<u8>, PdfError> {
    Ok(signed_attribute_set(digest, certificate, signing_time)?.to_der()?)
}

fn signed_attribute_set(
    digest: &[u8; 32],
    certificate: Option<&[u8]>,
    signing_time: Option<i64>,
) -> Result<SignedAttributes, PdfError> {
    let mut attrs = vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA)?)?,
        attribute(ID_MESSAGE_DIGEST, Any::encode_from(&OctetString::new(digest.to_vec())?)?)?,
    ];
    if let Some(cert) = certificate {
        let hash = Sha256::digest(cert);
        let id = EssCertIdV2 { hash_algorithm: None, cert_hash: OctetString::new(hash.to_vec())?, issuer_serial: None };
        let ess = SigningCertificateV2 { certs: vec![id], policies: None };
        attrs.push(attribute(ID_AA_SIGNING_CERTIFICATE_V_2, Any::encode_from(&ess)?)?);
    }
    if let Some(t) = signing_time {
        let secs = std::time::Duration::from_secs(u64::try_from(t).unwrap_or(0));
        attrs.push(attribute(ID_SIGNING_TIME, Any::encode_from(&UtcTime::from_unix_duration(secs)?)?)?);
    }
    Ok(SetOfVec::try_from(attrs)?)
}

/// DER of a detached SignedData ContentInfo: `certificate` (the signer's, plus `extra_certs`), one SignerInfo with
/// the signed attributes `signed_attrs` (as returned by [`signed_attributes`]) and `signature`, the card's RSA
/// PKCS#1 v1.5 signature over their SHA-256 DigestInfo; `timestamp`: an RFC 3161 token over `signature`
/// ([`crate::timestamp`]), kept as the unsigned signature-time-stamp attribute (PAdES B-T).
pub fn signed_data(
    signed_attrs: &[u8],
    certificate: &[u8],
    extra_certs: &[&[u8]],
    signature: &[u8],
    timestamp: Option<&[u8]>,
) -> Result<Vec<u8>, PdfError> {
    let attrs = SignedAttributes::from_der(signed_attrs)?;
    let cert = Certificate::from_der(certificate)?;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let mut certs = vec![CertificateChoices::Certificate(cert)];
    for extra in extra_certs {
        certs.push(CertificateChoices::Certificate(Certificate::from_der(extra)?));
    }
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid,
        digest_alg: sha256_id(),
        signed_attrs: Some(attrs),
        signature_algorithm: AlgorithmIdentifierOwned { oid: RSA_ENCRYPTION, parameters: Some(Any::null()) },
        signature: OctetString::new(signature.to_vec())?,
        unsigned_attrs: match timestamp {
            Some(token) => Some(SetOfVec::try_from(vec![attribute(ID_AA_TIME_STAMP_TOKEN, Any::from_der(token)?)?])?),
            None => None,
        },
    };
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256_id()])?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
        certificates: Some(CertificateSet(SetOfVec::try_from(certs)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer])?),
    };
    Ok(ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(&sd)? }.to_der()?)
}

/// A SignedData read back from a PDF's `/Contents`.
#[derive(Clone, Debug)]
pub struct ParsedCms {
    /// DER of the signer's certificate (the one its SignerInfo names).
    pub certificate: Vec<u8>,
    /// DER of the signed attributes as a SET: what the signature is over (RFC 5652, 5.4: their DER, whatever
    /// their encoding in the file). `None`: the SignerInfo has no signed attributes (iText 2.1.7 and `openssl cms
    /// -noattr` write none), and the signature is over the signed content itself.
    pub signed_attrs: Option<Vec<u8>>,
    /// The message-digest attribute (`None` without signed attributes).
    pub message_digest: Option<Vec<u8>>,
    /// The SignerInfo's digest is SHA-256 (the only one written and checked here).
    pub sha256: bool,
    pub signature: Vec<u8>,
    /// The signing-time attribute (Unix seconds).
    pub signing_time: Option<i64>,
    /// signing-certificate-v2 is present and names [`ParsedCms::certificate`] (`None`: absent).
    pub signing_certificate_matches: Option<bool>,
    /// DER of the RFC 3161 token in the unsigned attributes (check it with [`crate::timestamp::check`]).
    pub timestamp: Option<Vec<u8>>,
}

/// Why `/Contents` could not be read as a SignedData.
#[derive(Debug, thiserror::Error)]
pub enum CmsReadError {
    #[error("not DER: {0}")]
    Der(#[from] der::Error),
    #[error("not BER: {0}")]
    Ber(#[from] crate::ber::BerError),
    #[error("not a SignedData")]
    NotSignedData,
    #[error("the SignedData carries the content: not a detached signature")]
    NotDetached,
    #[error("{0}")]
    Missing(&'static str),
}

/// Reads the first BER value of `contents` (the rest is the zero padding) as a SignedData with one signer; BER
/// (indefinite lengths, as LibreOffice and `openssl cms -stream` write) is read through its DER form
/// ([`crate::ber`]).
pub fn parse(contents: &[u8]) -> Result<ParsedCms, CmsReadError> {
    let ci = ContentInfo::from_der(&crate::ber::to_der(contents)?)?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(CmsReadError::NotSignedData);
    }
    let sd = ci.content.decode_as::<SignedDataAsWritten>()?.into_signed_data()?;
    // A PDF's detached signature (adbe.pkcs7.detached, ETSI.CAdES.detached) is over the byte ranges, never over
    // content of its own; pdfsig and pyHanko refuse one that embeds content too.
    if sd.encap_content_info.econtent.is_some() {
        return Err(CmsReadError::NotDetached);
    }
    parse_signed_data(&sd)
}

/// A SignedData (RFC 5652, 5.1) as other tools write it: its `certificates` read in the order written, where
/// `cms`'s `CertificateSet` (a DER SET OF) refuses duplicates. NSS — LibreOffice's PDF export — puts the signer's
/// certificate in twice when it finds no issuer for it; pdfsig and pyHanko read such a signature.
#[derive(Sequence)]
struct SignedDataAsWritten {
    version: CmsVersion,
    digest_algorithms: cms::signed_data::DigestAlgorithmIdentifiers,
    encap_content_info: EncapsulatedContentInfo,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    certificates: Option<Vec<CertificateChoices>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    crls: Option<cms::revocation::RevocationInfoChoices>,
    signer_infos: SignerInfos,
}

impl SignedDataAsWritten {
    /// The typed SignedData, each certificate once (a repeated one says nothing the first did not).
    fn into_signed_data(self) -> Result<SignedData, der::Error> {
        let certificates = match self.certificates {
            None => None,
            Some(written) => {
                let mut seen = std::collections::HashSet::new();
                let mut unique = Vec::with_capacity(written.len());
                for c in written {
                    if seen.insert(c.to_der()?) {
                        unique.push(c);
                    }
                }
                Some(CertificateSet(SetOfVec::try_from(unique)?))
            }
        };
        Ok(SignedData {
            version: self.version,
            digest_algorithms: self.digest_algorithms,
            encap_content_info: self.encap_content_info,
            certificates,
            crls: self.crls,
            signer_infos: self.signer_infos,
        })
    }
}

/// Reads a SignedData with one signer (a PDF signature's, or a time-stamp token's).
pub fn parse_signed_data(sd: &SignedData) -> Result<ParsedCms, CmsReadError> {
    let signer = sd.signer_infos.0.iter().next().ok_or(CmsReadError::Missing("no signer"))?;
    let certs: Vec<&Certificate> = sd
        .certificates
        .as_ref()
        .map(|c| {
            c.0.iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let cert = match &signer.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => certs
            .iter()
            .find(|c| c.tbs_certificate.issuer == ias.issuer && c.tbs_certificate.serial_number == ias.serial_number),
        SignerIdentifier::SubjectKeyIdentifier(_) => certs.first(),
    }
    .ok_or(CmsReadError::Missing("no signer certificate"))?;
    let certificate = cert.to_der()?;
    let attrs = signer.signed_attrs.as_ref();
    let value = |oid| attrs.and_then(|attrs| attrs.iter().find(|a| a.oid == oid)).and_then(|a| a.values.iter().next());
    let message_digest = match (attrs, value(ID_MESSAGE_DIGEST)) {
        (None, _) => None,
        (Some(_), Some(v)) => Some(v.decode_as::<OctetString>()?.into_bytes()),
        (Some(_), None) => return Err(CmsReadError::Missing("no message digest")),
    };
    let signing_time = match value(ID_SIGNING_TIME) {
        Some(v) => Some(x509_cert::time::Time::from_der(&v.to_der()?)?.to_unix_duration().as_secs() as i64),
        None => None,
    };
    let signing_certificate_matches = match value(ID_AA_SIGNING_CERTIFICATE_V_2) {
        Some(v) => {
            let ess: SigningCertificateV2 = v.decode_as()?;
            Some(names_certificate(&ess, cert, &certificate))
        }
        None => None,
    };
    let timestamp =
        match signer.unsigned_attrs.as_ref().and_then(|u| u.iter().find(|a| a.oid == ID_AA_TIME_STAMP_TOKEN)) {
            Some(a) => a.values.iter().next().map(|v| v.to_der()).transpose()?,
            None => None,
        };
    Ok(ParsedCms {
        timestamp,
        certificate,
        signed_attrs: attrs.map(|a| a.to_der()).transpose()?,
        message_digest,
        sha256: signer.digest_alg.oid == ID_SHA_256,
        signature: signer.signature.as_bytes().to_vec(),
        signing_time,
        signing_certificate_matches,
    })
}

/// The DER of a certificate file given as PEM or DER (`None`: neither holds a certificate).
pub fn certificate_der(bytes: &[u8]) -> Option<Vec<u8>> {
    use der::DecodePem;
    let cert = match Certificate::from_der(bytes) {
        Ok(c) => c,
        Err(_) => Certificate::from_pem(bytes).ok()?,
    };
    cert.to_der().ok()
}
