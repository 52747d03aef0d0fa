//! Verification with OpenSSL: a signature against a certificate's key, and a certificate against the trust
//! anchor that issued it (chosen from a set: the J-LIS generations, or a CA the caller names) at a given time,
//! optionally against that CA's CRL.

use std::cmp::Ordering;

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::sign::Verifier;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{CrlStatus, X509Crl, X509StoreContext, X509};

use crate::anchors::{TrustAnchor, TrustAnchors};
use crate::cert::Certificate;
use crate::HashAlgorithm;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("cannot read the {what}: {detail}")]
    Unreadable { what: &'static str, detail: String },
    #[error("the signature does not match the signed data and the certificate's key")]
    BadSignature,
    #[error("the certificate does not chain to the trusted CA at the given time: {0}")]
    Chain(ChainError),
    #[error("the CRL was not issued by the trusted CA, or its signature is bad")]
    CrlNotTrusted,
    #[error("the CRL is not current at the given time")]
    CrlStale,
    /// The CRL is a partition (issuingDistributionPoint) that does not cover the certificate's distribution
    /// point: its silence about the certificate says nothing.
    #[error("the CRL does not cover the certificate's CRL distribution point")]
    CrlOutOfScope,
    #[error("the certificate is revoked")]
    Revoked,
    #[error("OpenSSL failed: {0}")]
    OpenSsl(String),
}

/// Why a certificate does not chain to the trust anchor, from OpenSSL's verification result.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChainError {
    #[error("it has expired")]
    Expired,
    #[error("it is not valid yet")]
    NotYetValid,
    #[error("it was not issued by the trusted CA")]
    UnknownIssuer,
    #[error("the issuer's signature on it does not verify")]
    BadSignature,
    /// Any other reason, by OpenSSL's `X509_V_ERR_*` code.
    #[error("OpenSSL verification error {code}")]
    Other { code: i32 },
}

impl ChainError {
    /// The one mapping from OpenSSL's X509_V_ERR codes (x509_vfy.h).
    fn of_openssl(code: i32) -> ChainError {
        match code {
            10 | 12 => ChainError::Expired,                     // CERT_HAS_EXPIRED, CRL_HAS_EXPIRED
            9 | 11 => ChainError::NotYetValid,                  // CERT_NOT_YET_VALID, CRL_NOT_YET_VALID
            2 | 18 | 19 | 20 | 21 => ChainError::UnknownIssuer, // no issuer / self-signed / untrusted
            7 => ChainError::BadSignature,                      // CERT_SIGNATURE_FAILURE
            code => ChainError::Other { code },
        }
    }
}

impl From<openssl::error::ErrorStack> for VerifyError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        VerifyError::OpenSsl(e.to_string())
    }
}

fn digest_of(alg: HashAlgorithm) -> MessageDigest {
    match alg {
        HashAlgorithm::Sha256 => MessageDigest::sha256(),
        HashAlgorithm::Sha384 => MessageDigest::sha384(),
        HashAlgorithm::Sha512 => MessageDigest::sha512(),
    }
}

fn x509(what: &'static str, der: &[u8]) -> Result<X509, VerifyError> {
    X509::from_der(der).map_err(|e| VerifyError::Unreadable { what, detail: e.to_string() })
}

/// Checks an RSA PKCS#1 v1.5 signature over `data` (hashed with `alg`) against the certificate's key.
pub fn verify_signature(cert_der: &[u8], alg: HashAlgorithm, data: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    let key = x509("certificate", cert_der)?.public_key()?;
    let mut verifier = Verifier::new(digest_of(alg), &key)?;
    verifier.update(data)?;
    match verifier.verify(signature) {
        Ok(true) => Ok(()),
        _ => Err(VerifyError::BadSignature),
    }
}

/// Checks that `cert_der` was issued by one of `anchors` — the one whose name and key identifier it names, and
/// that one alone — and that both are valid at `at_unix` (seconds since the epoch). With a CRL (DER or PEM): the
/// CRL must cover the certificate (its issuingDistributionPoint, if any, names the certificate's distribution
/// point), be signed by that anchor, current at `at_unix`, and must not list the certificate.
pub fn verify_chain(
    cert_der: &[u8],
    anchors: &TrustAnchors,
    at_unix: i64,
    crl: Option<&[u8]>,
) -> Result<(), VerifyError> {
    let anchor = verify_chain_to_issuer(cert_der, anchors, at_unix)?;
    if let Some(crl) = crl {
        crate::crl::select(cert_der, &[crl]).map_err(|e| match e {
            crate::crl::CrlSelectError::NoneApplies { .. } => VerifyError::CrlOutOfScope,
            crate::crl::CrlSelectError::Unreadable { what, detail } => VerifyError::Unreadable { what, detail },
        })?;
        check_crl(&x509("certificate", cert_der)?, &x509("trust anchor", anchor.der())?, crl, at_unix)?;
    }
    Ok(())
}

/// [`verify_chain`] without a CRL, returning the anchor that issued the certificate: the CA a revocation source
/// must speak for ([`crate::revocation::check_revocation`]).
pub fn verify_chain_to_issuer<'a>(
    cert_der: &[u8],
    anchors: &'a TrustAnchors,
    at_unix: i64,
) -> Result<&'a TrustAnchor, VerifyError> {
    let cert = x509("certificate", cert_der)?;
    let parsed = Certificate::from_der(cert_der)
        .map_err(|e| VerifyError::Unreadable { what: "certificate", detail: e.to_string() })?;
    let mut first_error = None;
    for anchor in anchors.issuers_of(&parsed) {
        let x = x509("trust anchor", anchor.der())?;
        match chain_to(&cert, &x, at_unix) {
            Ok(()) => return Ok(anchor),
            // Several candidates (anchors without key identifiers, same name): the reason of the one that did
            // issue the certificate (expired, revoked, …) says more than another's "not the issuer".
            Err(VerifyError::Chain(ChainError::UnknownIssuer)) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(VerifyError::Chain(ChainError::UnknownIssuer)))
}

/// OpenSSL's verification of `cert` against the single trusted `anchor` at `at_unix`.
fn chain_to(cert: &X509, anchor: &X509, at_unix: i64) -> Result<(), VerifyError> {
    let mut store = X509StoreBuilder::new()?;
    store.add_cert(anchor.clone())?;
    let mut param = X509VerifyParam::new()?;
    param.set_time(at_unix as _);
    store.set_param(&param)?;
    let store = store.build();
    let chain = Stack::new()?;
    let mut ctx = X509StoreContext::new()?;
    let (ok, code) = ctx.init(&store, cert, &chain, |c| {
        let ok = c.verify_cert()?;
        Ok((ok, c.error().as_raw()))
    })?;
    if !ok {
        return Err(VerifyError::Chain(ChainError::of_openssl(code)));
    }
    Ok(())
}

/// The CRL check of [`verify_chain`] on its own, for a CRL chosen afterwards ([`crate::revocation`]): `crl` must
/// be signed by `issuer_der`, current at `at_unix`, and must not list `cert_der`.
pub fn verify_crl(cert_der: &[u8], issuer_der: &[u8], crl: &[u8], at_unix: i64) -> Result<(), VerifyError> {
    check_crl(&x509("certificate", cert_der)?, &x509("trust anchor", issuer_der)?, crl, at_unix)
}

fn check_crl(cert: &X509, anchor: &X509, crl: &[u8], at_unix: i64) -> Result<(), VerifyError> {
    let crl = X509Crl::from_der(crl)
        .or_else(|_| X509Crl::from_pem(crl))
        .map_err(|e| VerifyError::Unreadable { what: "CRL", detail: e.to_string() })?;
    let same_issuer = matches!(crl.issuer_name().try_cmp(anchor.subject_name()), Ok(Ordering::Equal));
    let anchor_key = anchor.public_key()?;
    if !same_issuer || !crl.verify(&anchor_key).unwrap_or(false) {
        return Err(VerifyError::CrlNotTrusted);
    }
    let at = Asn1Time::from_unix(at_unix as _)?;
    let issued_later = crl.last_update().compare(&at)? == Ordering::Greater;
    let expired = match crl.next_update() {
        Some(next) => next.compare(&at)? == Ordering::Less,
        None => false,
    };
    if issued_later || expired {
        return Err(VerifyError::CrlStale);
    }
    match crl.get_by_cert(cert) {
        CrlStatus::NotRevoked => Ok(()),
        CrlStatus::Revoked(_) | CrlStatus::RemoveFromCrl(_) => Err(VerifyError::Revoked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGN: &[u8] = include_bytes!("../../fixtures/test-pki/sign.der");
    const REVOKED: &[u8] = include_bytes!("../../fixtures/test-pki/sign-revoked.der");
    const SIGN_CA: &[u8] = include_bytes!("../../fixtures/test-pki/sign-ca.der");
    const AUTH_CA: &[u8] = include_bytes!("../../fixtures/test-pki/auth-ca.der");
    const CRL: &[u8] = include_bytes!("../../fixtures/test-pki/sign-ca.crl.der");

    fn ca(der: &[u8]) -> TrustAnchors {
        TrustAnchors::from_der(der).unwrap()
    }

    fn mid_validity() -> i64 {
        let c = Certificate::from_der(SIGN).unwrap();
        (c.not_before + c.not_after) / 2
    }

    #[test]
    fn the_sign_certificate_chains_to_the_sign_ca_while_valid() {
        verify_chain(SIGN, &ca(SIGN_CA), mid_validity(), None).unwrap();
        verify_chain(SIGN, &ca(SIGN_CA), mid_validity(), Some(CRL)).unwrap();
    }

    #[test]
    fn a_foreign_anchor_or_a_time_outside_validity_is_refused() {
        assert_eq!(
            verify_chain(SIGN, &ca(AUTH_CA), mid_validity(), None),
            Err(VerifyError::Chain(ChainError::UnknownIssuer))
        );
        let c = Certificate::from_der(SIGN).unwrap();
        assert_eq!(
            verify_chain(SIGN, &ca(SIGN_CA), c.not_after + 86_400, None),
            Err(VerifyError::Chain(ChainError::Expired))
        );
        assert_eq!(
            verify_chain(SIGN, &ca(SIGN_CA), c.not_before - 86_400, None),
            Err(VerifyError::Chain(ChainError::NotYetValid))
        );
    }

    #[test]
    fn a_crl_is_current_only_between_its_issue_and_its_next_update() {
        // The fixture CRL: issued 2026-11-27T11:46:24Z, next update 2036-11-24T11:46:24Z.
        let cert = X509::from_der(SIGN).unwrap();
        let anchor = X509::from_der(SIGN_CA).unwrap();
        // 2026-12-01T00:00:00Z, 2026-11-27T11:00:00Z, 2036-11-25T00:00:00Z.
        assert_eq!(check_crl(&cert, &anchor, CRL, 1_796_083_200), Ok(()));
        assert_eq!(check_crl(&cert, &anchor, CRL, 1_795_777_200), Err(VerifyError::CrlStale));
        assert_eq!(check_crl(&cert, &anchor, CRL, 2_111_184_000), Err(VerifyError::CrlStale));
    }

    #[test]
    fn the_real_shaped_auth_certificate_chains_to_the_auth_ca_only() {
        const AUTH: &[u8] = include_bytes!("../../fixtures/test-pki/auth.der");
        let c = Certificate::from_der(AUTH).unwrap();
        assert!(c.is_auth_certificate() && !c.is_sign_certificate());
        verify_chain(AUTH, &ca(AUTH_CA), (c.not_before + c.not_after) / 2, None).unwrap();
        assert_eq!(
            verify_chain(AUTH, &ca(SIGN_CA), (c.not_before + c.not_after) / 2, None),
            Err(VerifyError::Chain(ChainError::UnknownIssuer))
        );
    }

    #[test]
    fn a_revoked_certificate_is_refused_with_the_crl() {
        verify_chain(REVOKED, &ca(SIGN_CA), mid_validity(), None).unwrap();
        assert_eq!(verify_chain(REVOKED, &ca(SIGN_CA), mid_validity(), Some(CRL)), Err(VerifyError::Revoked));
    }

    #[test]
    fn a_crl_from_another_ca_is_not_trusted() {
        // The sign CA's CRL checked against the auth CA as the anchor (after a chain the auth CA cannot pass,
        // so check_crl is called directly).
        let cert = X509::from_der(SIGN).unwrap();
        let anchor = X509::from_der(AUTH_CA).unwrap();
        assert_eq!(check_crl(&cert, &anchor, CRL, mid_validity()), Err(VerifyError::CrlNotTrusted));
    }

    #[test]
    fn garbage_inputs_are_errors() {
        assert!(matches!(verify_chain(b"junk", &ca(SIGN_CA), 0, None), Err(VerifyError::Unreadable { .. })));
        assert!(matches!(
            verify_signature(b"junk", HashAlgorithm::Sha256, b"", b""),
            Err(VerifyError::Unreadable { .. })
        ));
        assert_eq!(verify_signature(SIGN, HashAlgorithm::Sha256, b"data", &[0; 256]), Err(VerifyError::BadSignature));
    }
}
