//! The relying party's side: is this submission a valid signature, by a current JPKI signature certificate,
//! over exactly the document this request showed? Single use of the nonce is the relying party's store's
//! job (the portal enforces it in its database); everything else is checked here.

pub mod login;

use super::document::Document;
use super::submission::Submission;
use super::{CertificateRefusal, HandoffError};
use crate::anchors::TrustAnchors;
use crate::cert::{Certificate, PersonalData};
use crate::policy::JpkiPolicy;
use crate::verify::{verify_chain_to_issuer, verify_signature, ChainError, VerifyError};
use kazasu_pki::crl::CrlSelectError;
use kazasu_pki::ocsp::OcspError;
pub use kazasu_pki::revocation::RevocationSource;
use kazasu_pki::revocation::{check_revocation, RevocationChecked, RevocationError};

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

/// A verified signature and what its certificate says about the signer.
#[derive(Clone, Debug)]
pub struct Verified {
    pub certificate: Certificate,
    pub personal: PersonalData,
    /// Which revocation check was done.
    pub revocation: RevocationChecked,
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

/// Verifies `submission` against the stored `document_bytes` of its request at `now`: same request and nonce,
/// not expired, the certificate is a signature certificate (a test card's only where `trust` accepts them) that
/// chains to the trusted CA that issued it and is valid now, the signature is over exactly those bytes, and —
/// last, so that no responder is asked about a submission that fails anyway — the certificate is not revoked
/// according to `revocation`, whose CRL or OCSP answer must come from that CA.
pub fn verify_submission(
    document_bytes: &[u8],
    submission: &Submission,
    trust: &Trust,
    revocation: RevocationSource<'_>,
    now: i64,
) -> Result<Verified, HandoffError> {
    let document = Document::parse(document_bytes)?;
    if submission.request_id != document.request_id || submission.nonce != document.nonce {
        return Err(HandoffError::Malformed {
            what: "submission",
            detail: "request id or nonce does not belong to this request".into(),
        });
    }
    document.check_time(now)?;
    let bad = HandoffError::BadCertificate;
    let leaf = submission.certificate_chain.first().ok_or(bad(CertificateRefusal::Missing))?;
    let certificate = Certificate::from_der(leaf).map_err(|_| bad(CertificateRefusal::Unreadable))?;
    match certificate.policy {
        JpkiPolicy::Sign => {}
        JpkiPolicy::TestCard if trust.accept_test_cards => {}
        JpkiPolicy::TestCard => return Err(bad(CertificateRefusal::TestCard)),
        JpkiPolicy::Auth | JpkiPolicy::Other => return Err(bad(CertificateRefusal::NotSignCertificate)),
    }
    let issuer = verify_chain_to_issuer(leaf, &trust.anchors, now).map_err(|e| bad(refusal_of(e)))?;
    match verify_signature(leaf, submission.algorithm, document_bytes, &submission.signature) {
        Ok(()) => {}
        Err(VerifyError::BadSignature) => return Err(HandoffError::BadSignature),
        Err(e) => return Err(bad(refusal_of(e))),
    }
    let personal = certificate.personal.clone().ok_or(bad(CertificateRefusal::NoPersonalData))?;
    let revocation = check_revocation(leaf, issuer.der(), revocation, now).map_err(|e| bad(revocation_refusal(e)))?;
    Ok(Verified { certificate, personal, revocation })
}
