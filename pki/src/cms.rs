//! A detached CMS SignedData (RFC 5652) around a signature the card made: what `openssl cms -verify` and
//! most document tools accept next to the signed file. No signed attributes, so the card's one signature
//! over the file's DigestInfo serves both the JSON bundle and the CMS file (one PIN, one tap).

use crate::cert::Certificate;
use crate::der::{sequence, set, small_integer, tlv};
use crate::digest::HashAlgorithm;

/// id-signedData 1.2.840.113549.1.7.2
const OID_SIGNED_DATA: &[u8] = &[0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
/// id-data 1.2.840.113549.1.7.1
const OID_DATA: &[u8] = &[0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
/// rsaEncryption 1.2.840.113549.1.1.1 with NULL parameters
const ALG_RSA: &[u8] = &[0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00];

/// DER of a detached SignedData ContentInfo: the signer's certificate (and any `extra_certs`, e.g. the CA),
/// one SignerInfo identified by issuer and serial, and `signature` — RSA PKCS#1 v1.5 over the DigestInfo
/// of the content under `alg`.
pub fn detached_signed_data(
    cert: &Certificate,
    extra_certs: &[&[u8]],
    alg: HashAlgorithm,
    signature: &[u8],
) -> Vec<u8> {
    let digest_alg = alg.algorithm_identifier();
    let issuer_and_serial = sequence(&[cert.issuer_der(), &tlv(0x02, cert.serial_bytes())]);
    let signer_info = sequence(&[&small_integer(1), &issuer_and_serial, digest_alg, ALG_RSA, &tlv(0x04, signature)]);
    let mut certs = cert.der().to_vec();
    for extra in extra_certs {
        certs.extend_from_slice(extra);
    }
    let signed_data = sequence(&[
        &small_integer(1),
        &set(&[digest_alg]),
        &sequence(&[OID_DATA]),
        &tlv(0xA0, &certs),
        &set(&[&signer_info]),
    ]);
    sequence(&[OID_SIGNED_DATA, &tlv(0xA0, &signed_data)])
}
