//! RFC 3161 time-stamps, with RustCrypto's `x509-tsp` types: of a signature (PAdES B-T: the request for the
//! SHA-256 of the card's signature value) and of a document (PAdES B-LTA: the SHA-256 of a document time-stamp's
//! byte ranges, [`crate::doc_timestamp`]); the TSA's answer checked — status granted, the same nonce and message
//! imprint, the token's own signature by the certificate it carries — before it is kept.

use cmpv2::status::PkiStatus;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::db::rfc5911::ID_SIGNED_DATA;
use const_oid::db::rfc5912::ID_SHA_256;
use der::asn1::{Int, OctetString, Uint};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifier;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

pub use crate::error::TimestampError;

/// id-ct-TSTInfo (RFC 3161): the content type of a time-stamp token.
const ID_CT_TST_INFO: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// Checks a signature: (certificate DER, signed data, signature) → whether it verifies (the caller's crypto).
pub type SignatureCheck<'a> = dyn Fn(&[u8], &[u8], &[u8]) -> bool + 'a;

/// SHA-256 of a signature value: what a signature time-stamp is over.
pub(crate) fn signature_digest(signature: &[u8]) -> [u8; 32] {
    Sha256::digest(signature).into()
}

fn imprint(digest: &[u8; 32]) -> Result<MessageImprint, der::Error> {
    Ok(MessageImprint {
        hash_algorithm: AlgorithmIdentifier { oid: ID_SHA_256, parameters: None },
        hashed_message: OctetString::new(digest.to_vec())?,
    })
}

/// Whether a token's imprint is `expected`: the same hash, by an algorithm identifier with the same OID whose
/// parameters are both absent or NULL (RFC 5754 allows either for SHA-2; some TSAs write NULL, the request here
/// has none).
fn same_imprint(found: &MessageImprint, expected: &MessageImprint) -> bool {
    let absent_or_null = |p: &Option<der::asn1::Any>| p.as_ref().is_none_or(|p| p.is_null());
    let (a, b) = (&found.hash_algorithm, &expected.hash_algorithm);
    let same_algorithm = a.oid == b.oid
        && (a.parameters == b.parameters || (absent_or_null(&a.parameters) && absent_or_null(&b.parameters)));
    same_algorithm && found.hashed_message == expected.hashed_message
}

/// The nonce as a DER INTEGER (minimal bytes, positive).
fn nonce_int(nonce: u64) -> Result<Int, der::Error> {
    Ok(Int::from(Uint::new(&nonce.to_be_bytes())?))
}

/// DER of a TimeStampReq for `signature` (the SignerInfo's signature value), asking for the TSA's certificate.
pub fn request(signature: &[u8], nonce: u64) -> Result<Vec<u8>, der::Error> {
    request_for_digest(&signature_digest(signature), nonce)
}

/// DER of a TimeStampReq for data whose SHA-256 is `digest` (a document time-stamp's byte ranges), asking for
/// the TSA's certificate.
pub fn request_for_digest(digest: &[u8; 32], nonce: u64) -> Result<Vec<u8>, der::Error> {
    TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint(digest)?,
        req_policy: None,
        nonce: Some(nonce_int(nonce)?),
        cert_req: true,
        extensions: None,
    }
    .to_der()
}

/// A checked time-stamp token.
#[derive(Clone, Debug)]
pub struct Token {
    /// DER of the token (a ContentInfo), as it goes into the unsigned attribute.
    pub der: Vec<u8>,
    /// The time the TSA stated (Unix seconds).
    pub time: i64,
    /// DER of the TSA's certificate from the token (for a chain check by the caller).
    pub tsa_certificate: Option<Vec<u8>>,
}

/// The token of a TimeStampResp, checked against the request made with `signature` and `nonce`; `verify`
/// checks the token's signature: (certificate DER, signed attributes DER, signature) → valid.
pub fn token_from_response(
    response: &[u8],
    signature: &[u8],
    nonce: u64,
    verify: &SignatureCheck,
) -> Result<Token, TimestampError> {
    token_for_digest(response, &signature_digest(signature), nonce, verify)
}

/// [`token_from_response`] for a request made with [`request_for_digest`].
pub fn token_for_digest(
    response: &[u8],
    digest: &[u8; 32],
    nonce: u64,
    verify: &SignatureCheck,
) -> Result<Token, TimestampError> {
    let resp = TimeStampResp::from_der(response)?;
    match resp.status.status {
        PkiStatus::Accepted | PkiStatus::GrantedWithMods => {}
        other => return Err(TimestampError::Refused(other)),
    }
    let token = resp.time_stamp_token.ok_or(TimestampError::NoToken)?;
    let checked = check_token(&token, digest, verify)?;
    let expected = nonce_int(nonce)?;
    if checked.1.nonce.as_ref() != Some(&expected) {
        return Err(TimestampError::WrongNonce);
    }
    Ok(Token { der: token.to_der()?, time: checked.0, tsa_certificate: checked.2 })
}

/// Checks a token found in a signature: its imprint is over `signature` and it is signed by the certificate it
/// carries. Returns the time stated.
pub fn check(token_der: &[u8], signature: &[u8], verify: &SignatureCheck) -> Result<i64, TimestampError> {
    check_digest(token_der, &signature_digest(signature), verify)
}

/// Checks a token over data whose SHA-256 is `digest` (a document time-stamp: its byte ranges as the file has
/// them now) and signed by the certificate it carries. Returns the time stated and the TSA's certificate.
pub fn check_document(
    token_der: &[u8],
    digest: &[u8; 32],
    verify: &SignatureCheck,
) -> Result<(i64, Option<Vec<u8>>), TimestampError> {
    let token = ContentInfo::from_der(token_der)?;
    let (time, _, certificate) = check_token(&token, digest, verify)?;
    Ok((time, certificate))
}

fn check_digest(token_der: &[u8], digest: &[u8; 32], verify: &SignatureCheck) -> Result<i64, TimestampError> {
    let token = ContentInfo::from_der(token_der)?;
    Ok(check_token(&token, digest, verify)?.0)
}

fn check_token(
    token: &ContentInfo,
    digest: &[u8; 32],
    verify: &SignatureCheck,
) -> Result<(i64, TstInfo, Option<Vec<u8>>), TimestampError> {
    if token.content_type != ID_SIGNED_DATA {
        return Err(TimestampError::NotTstInfo);
    }
    let sd: SignedData = token.content.decode_as()?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(TimestampError::NotTstInfo);
    }
    let econtent = sd.encap_content_info.econtent.as_ref().ok_or(TimestampError::NotTstInfo)?;
    let tst_der = econtent.decode_as::<OctetString>()?.into_bytes();
    let tst = TstInfo::from_der(&tst_der)?;
    if !same_imprint(&tst.message_imprint, &imprint(digest)?) {
        return Err(TimestampError::WrongImprint);
    }
    let parsed = crate::cms::parse_signed_data(&sd).map_err(|_| TimestampError::BadSignature)?;
    let (Some(digest), Some(attrs)) = (&parsed.message_digest, &parsed.signed_attrs) else {
        return Err(TimestampError::BadSignature);
    };
    if digest.as_slice() != Sha256::digest(&tst_der).as_slice()
        || !verify(&parsed.certificate, attrs, &parsed.signature)
    {
        return Err(TimestampError::BadSignature);
    }
    let time = tst.gen_time.to_unix_duration().as_secs() as i64;
    Ok((time, tst, Some(parsed.certificate)))
}
