//! The relying party's side: is this submission a valid signature, by a current JPKI signature certificate,
//! over exactly the document this request showed? Single use of the nonce is the relying party's store's
//! job (the portal enforces it in its database); everything else is checked here.

pub mod login;
mod trust;

pub use trust::Trust;
use trust::{refusal_of, revocation_refusal};

use super::document::Document;
use super::submission::Submission;
use super::{CertificateRefusal, HandoffError};
use crate::cert::{Certificate, PersonalData};
use crate::policy::JpkiPolicy;
use crate::verify::{verify_chain_to_issuer, verify_signature, VerifyError};
pub use kazasu_pki::revocation::RevocationSource;
use kazasu_pki::revocation::{check_revocation, RevocationChecked};

/// A verified signature and what its certificate says about the signer.
#[derive(Clone, Debug)]
pub struct Verified {
    pub certificate: Certificate,
    pub personal: PersonalData,
    /// Which revocation check was done.
    pub revocation: RevocationChecked,
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
