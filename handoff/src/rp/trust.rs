//! What a relying party trusts, and the one mapping from a verification or revocation error to the reason a
//! certificate is refused — shared by signatures ([`super::verify_submission`]) and log-ins ([`super::login`]).

use crate::anchors::TrustAnchors;
use crate::verify::{ChainError, VerifyError};
use crate::CertificateRefusal;
use kazasu_pki::crl::CrlSelectError;
use kazasu_pki::ocsp::OcspError;
use kazasu_pki::revocation::RevocationError;

/// What a relying party trusts: the sign CAs (the J-LIS generations in production, the test CA where named),
/// and whether test cards' certificates (policy under `…8.5.1.0`) are accepted — a development setting only.
#[derive(Clone, Debug)]
pub struct Trust {
    pub anchors: TrustAnchors,
    pub accept_test_cards: bool,
}

impl Trust {
    /// Production: the built-in J-LIS signature CAs of every generation, no test cards.
    pub fn jpki() -> Trust {
        Trust { anchors: TrustAnchors::jpki_sign(), accept_test_cards: false }
    }

    /// Production log-in: the built-in J-LIS user-authentication CAs of every generation, no test cards.
    pub fn jpki_auth() -> Trust {
        Trust { anchors: TrustAnchors::jpki_auth(), accept_test_cards: false }
    }

    /// The named CAs only, no test cards (the test PKI, or an operator's own file).
    pub fn only(anchors: TrustAnchors) -> Trust {
        Trust { anchors, accept_test_cards: false }
    }
}

/// The one mapping from a verification error to the reason a certificate is refused.
pub(crate) fn refusal_of(e: VerifyError) -> CertificateRefusal {
    match e {
        VerifyError::Chain(ChainError::Expired) => CertificateRefusal::Expired,
        VerifyError::Chain(ChainError::NotYetValid) => CertificateRefusal::NotYetValid,
        VerifyError::Chain(_) => CertificateRefusal::UnknownIssuer,
        VerifyError::Revoked => CertificateRefusal::Revoked,
        VerifyError::CrlStale => CertificateRefusal::CrlNotCurrent,
        VerifyError::CrlNotTrusted => CertificateRefusal::CrlNotTrusted,
        VerifyError::CrlOutOfScope => CertificateRefusal::NoCrlForDistributionPoint,
        VerifyError::BadSignature | VerifyError::Unreadable { .. } | VerifyError::OpenSsl(_) => {
            CertificateRefusal::Unreadable
        }
    }
}

/// The one mapping from a revocation source's answer to the reason a certificate is refused. The detail (which
/// responder, what OpenSSL said) goes to the log, not to the person.
pub(crate) fn revocation_refusal(e: RevocationError) -> CertificateRefusal {
    log::warn!("revocation check refused a certificate: {e}");
    match e {
        RevocationError::Crl(e) => refusal_of(e),
        RevocationError::NoCrl(CrlSelectError::NoneApplies { .. }) => CertificateRefusal::NoCrlForDistributionPoint,
        RevocationError::NoCrl(CrlSelectError::Unreadable { .. }) => CertificateRefusal::Unreadable,
        RevocationError::Ocsp(OcspError::Revoked { .. }) => CertificateRefusal::OcspRevoked,
        RevocationError::Ocsp(OcspError::Unknown) => CertificateRefusal::OcspUnknown,
        RevocationError::Ocsp(OcspError::Unreadable { .. }) => CertificateRefusal::Unreadable,
        RevocationError::Ocsp(_) => CertificateRefusal::OcspUnavailable,
    }
}
