//! The relying party's side: is this submission a valid signature, by a current JPKI signature certificate,
//! over exactly the document this request showed? Single use of the nonce is the relying party's store's
//! job (the portal enforces it in its database); everything else is checked here.

use super::document::Document;
use super::submission::Submission;
use super::{CertificateRefusal, HandoffError};
use crate::cert::{Certificate, PersonalData};
use crate::verify::{verify_chain, verify_signature, ChainError, VerifyError};

/// A verified signature and what its certificate says about the signer.
#[derive(Clone, Debug)]
pub struct Verified {
    pub certificate: Certificate,
    pub personal: PersonalData,
}

/// Verifies `submission` against the stored `document_bytes` of its request at `now`: same request and nonce,
/// not expired, the certificate is a signature certificate that chains to `anchor_der` (the JPKI sign CA)
/// and is valid now (and not revoked when a CRL is given), and the signature is over exactly those bytes.
/// The one mapping from a verification error to the reason a certificate is refused.
fn refusal_of(e: VerifyError) -> CertificateRefusal {
    match e {
        VerifyError::Chain(ChainError::Expired) => CertificateRefusal::Expired,
        VerifyError::Chain(ChainError::NotYetValid) => CertificateRefusal::NotYetValid,
        VerifyError::Chain(_) => CertificateRefusal::UnknownIssuer,
        VerifyError::Revoked => CertificateRefusal::Revoked,
        VerifyError::CrlStale => CertificateRefusal::CrlNotCurrent,
        VerifyError::CrlNotTrusted => CertificateRefusal::CrlNotTrusted,
        VerifyError::BadSignature | VerifyError::Unreadable { .. } | VerifyError::OpenSsl(_) => {
            CertificateRefusal::Unreadable
        }
    }
}

pub fn verify_submission(
    document_bytes: &[u8],
    submission: &Submission,
    anchor_der: &[u8],
    crl: Option<&[u8]>,
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
    if !certificate.is_sign_certificate() {
        return Err(bad(CertificateRefusal::NotSignCertificate));
    }
    verify_chain(leaf, anchor_der, now, crl).map_err(|e| bad(refusal_of(e)))?;
    match verify_signature(leaf, submission.algorithm, document_bytes, &submission.signature) {
        Ok(()) => {}
        Err(VerifyError::BadSignature) => return Err(HandoffError::BadSignature),
        Err(e) => return Err(bad(refusal_of(e))),
    }
    let personal = certificate.personal.clone().ok_or(bad(CertificateRefusal::NoPersonalData))?;
    Ok(Verified { certificate, personal })
}
