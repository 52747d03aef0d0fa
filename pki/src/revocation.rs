//! Where a relying party's revocation answer comes from, chosen per deployment: the operator's CRLs (the
//! certificate's CRL distribution point picks one, [`crate::crl`]), an OCSP responder ([`crate::ocsp`]), or —
//! in development only, and said so — nothing. One entry point, [`check_revocation`], for the CLI and the
//! relying party's verification, after the chain has been verified.

use crate::crl::{select_scoped, CrlSelectError, ScopedCrl};
use crate::ocsp::{OcspChecker, OcspError, OcspGood};
use crate::verify::{verify_crl, VerifyError};

/// The revocation source of one verification.
#[derive(Clone, Copy, Debug)]
pub enum RevocationSource<'a> {
    /// Revocation is not checked (the caller says so to people).
    NotChecked,
    /// The operator's CRLs, each read once ([`ScopedCrl::read`]).
    Crls(&'a [&'a ScopedCrl]),
    /// Ask an OCSP responder.
    Ocsp(&'a OcspChecker),
}

/// Which revocation check was done, for the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevocationChecked {
    NotChecked,
    /// The CRL that applied was current and does not list the certificate.
    Crl,
    /// The OCSP responder said good.
    Ocsp(OcspGood),
}

/// Why revocation refuses a certificate, by source.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    /// The applicable CRL is not the CA's, not current, unreadable, or lists the certificate.
    #[error("{0}")]
    Crl(VerifyError),
    /// No configured CRL covers the certificate's distribution point.
    #[error("{0}")]
    NoCrl(#[from] CrlSelectError),
    #[error("{0}")]
    Ocsp(#[from] OcspError),
}

/// Checks at `now` that `cert_der`, issued by `issuer_der` (its chain already verified), is not revoked
/// according to `source`.
pub fn check_revocation(
    cert_der: &[u8],
    issuer_der: &[u8],
    source: RevocationSource<'_>,
    now: i64,
) -> Result<RevocationChecked, RevocationError> {
    match source {
        RevocationSource::NotChecked => Ok(RevocationChecked::NotChecked),
        RevocationSource::Crls(crls) => {
            let crl = select_scoped(cert_der, crls)?;
            verify_crl(cert_der, issuer_der, &crl.der, now).map_err(RevocationError::Crl)?;
            Ok(RevocationChecked::Crl)
        }
        RevocationSource::Ocsp(checker) => Ok(RevocationChecked::Ocsp(checker.check(cert_der, issuer_der, now)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::Certificate;

    const SIGN: &[u8] = include_bytes!("../../fixtures/test-pki/sign.der");
    const REVOKED: &[u8] = include_bytes!("../../fixtures/test-pki/sign-revoked.der");
    const SIGN_CA: &[u8] = include_bytes!("../../fixtures/test-pki/sign-ca.der");
    const CRL: &[u8] = include_bytes!("../../fixtures/test-pki/sign-ca.crl.der");

    fn mid_validity() -> i64 {
        let c = Certificate::from_der(SIGN).unwrap();
        (c.not_before + c.not_after) / 2
    }

    #[test]
    fn each_source_gives_its_own_answer() {
        let crl = ScopedCrl::read(CRL).unwrap();
        let crls = [&crl];
        let t = mid_validity();
        assert_eq!(check_revocation(SIGN, SIGN_CA, RevocationSource::NotChecked, t), Ok(RevocationChecked::NotChecked));
        assert_eq!(check_revocation(SIGN, SIGN_CA, RevocationSource::Crls(&crls), t), Ok(RevocationChecked::Crl));
        assert_eq!(
            check_revocation(REVOKED, SIGN_CA, RevocationSource::Crls(&crls), t),
            Err(RevocationError::Crl(VerifyError::Revoked))
        );
        assert!(matches!(
            check_revocation(SIGN, SIGN_CA, RevocationSource::Crls(&[]), t),
            Err(RevocationError::NoCrl(CrlSelectError::NoneApplies { .. }))
        ));
    }
}
