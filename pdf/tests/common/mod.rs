//! What the PDF tests share: the test PKI's TEST-ONLY sign key standing in for the card and for a TSA, and a
//! TSA's answer made here.
#![allow(dead_code)]

use cmpv2::status::{PkiStatus, PkiStatusInfo};
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
use const_oid::db::rfc5912::{ID_SHA_256, RSA_ENCRYPTION};
use der::asn1::{Any, GeneralizedTime, Int, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::{Signer, Verifier};
use openssl::x509::X509;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampResp, TspVersion, TstInfo};

pub const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");
pub const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
pub const TIME: u64 = 1_796_083_200;

pub fn rsa_sign(data: &[u8]) -> Vec<u8> {
    let key = PKey::private_key_from_pem(&std::fs::read(format!("{PKI}/sign.TEST-ONLY.key.pem")).unwrap()).unwrap();
    let mut s = Signer::new(MessageDigest::sha256(), &key).unwrap();
    s.update(data).unwrap();
    s.sign_to_vec().unwrap()
}

pub fn rsa_verifies(cert: &[u8], data: &[u8], signature: &[u8]) -> bool {
    let key = X509::from_der(cert).unwrap().public_key().unwrap();
    let mut v = Verifier::new(MessageDigest::sha256(), &key).unwrap();
    v.update(data).unwrap();
    v.verify(signature).unwrap_or(false)
}

pub fn attribute(oid: ObjectIdentifier, value: Any) -> Attribute {
    Attribute { oid, values: SetOfVec::try_from(vec![value]).unwrap() }
}

/// A TSA's answer (status `status`) for a request, as the TSA read it: its imprint and nonce.
pub fn answer(status: PkiStatus, imprint: MessageImprint, nonce: Option<Int>) -> Vec<u8> {
    let sha256 = AlgorithmIdentifierOwned { oid: ID_SHA_256, parameters: None };
    let tst = TstInfo {
        version: TspVersion::V1,
        policy: ObjectIdentifier::new_unwrap("1.2.3.4.1"),
        message_imprint: imprint,
        serial_number: Int::new(&[1]).unwrap(),
        gen_time: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(TIME)).unwrap(),
        accuracy: None,
        ordering: false,
        nonce,
        tsa: None,
        extensions: None,
    }
    .to_der()
    .unwrap();
    let attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&TST_INFO).unwrap()),
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(Sha256::digest(&tst).to_vec()).unwrap()).unwrap(),
        ),
    ])
    .unwrap();
    let cert = Certificate::from_der(&std::fs::read(format!("{PKI}/sign.der")).unwrap()).unwrap();
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256.clone(),
        signature: OctetString::new(rsa_sign(&attrs.to_der().unwrap())).unwrap(),
        signed_attrs: Some(attrs),
        signature_algorithm: AlgorithmIdentifierOwned { oid: RSA_ENCRYPTION, parameters: Some(Any::null()) },
        unsigned_attrs: None,
    };
    let sd = SignedData {
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![sha256]).unwrap(),
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: TST_INFO,
            econtent: Some(Any::encode_from(&OctetString::new(tst).unwrap()).unwrap()),
        },
        certificates: Some(CertificateSet(
            SetOfVec::try_from(vec![cms::cert::CertificateChoices::Certificate(cert)]).unwrap(),
        )),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer]).unwrap()),
    };
    let token = ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(&sd).unwrap() };
    let status = PkiStatusInfo { status, status_string: None, fail_info: None };
    TimeStampResp { status, time_stamp_token: Some(token) }.to_der().unwrap()
}

/// A PDF written by hand from object bodies (object `i + 1` is `bodies[i]`), with a classic xref table and the
/// trailer entries `trailer` (besides /Size): numbers exactly as a producer wrote them.
pub fn pdf(bodies: &[&str], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
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
        format!("trailer\n<< /Size {} {trailer} >>\nstartxref\n{xref}\n%%EOF\n", bodies.len() + 1).as_bytes(),
    );
    out
}
