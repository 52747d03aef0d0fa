//! The relying party's side: is this submission a valid signature, by a current JPKI signature certificate,
//! over exactly the document this request showed? Single use of the nonce is the relying party's store's
//! job (the portal enforces it in its database); everything else is checked here.

use super::document::Document;
use super::submission::Submission;
use super::HandoffError;
use crate::cert::{Certificate, PersonalData};
use crate::verify::{verify_chain, verify_signature, VerifyError};

/// A verified signature and what its certificate says about the signer.
#[derive(Clone, Debug)]
pub struct Verified {
    pub certificate: Certificate,
    pub personal: PersonalData,
}

/// Verifies `submission` against the stored `document_bytes` of its request at `now`: same request and nonce,
/// not expired, the certificate is a signature certificate that chains to `anchor_der` (the JPKI sign CA)
/// and is valid now (and not revoked when a CRL is given), and the signature is over exactly those bytes.
pub fn verify_submission(
    document_bytes: &[u8],
    submission: &Submission,
    anchor_der: &[u8],
    crl: Option<&[u8]>,
    now: i64,
) -> Result<Verified, HandoffError> {
    let document = Document::parse(document_bytes)?;
    if submission.request_id != document.request_id || submission.nonce != document.nonce {
        return Err(HandoffError::Malformed { what: "submission", detail: "request id or nonce does not belong to this request".into() });
    }
    document.check_time(now)?;
    let leaf = submission.certificate_chain.first().ok_or_else(|| HandoffError::BadCertificate("no certificate".into()))?;
    let certificate = Certificate::from_der(leaf).map_err(|e| HandoffError::BadCertificate(e.to_string()))?;
    if !certificate.is_sign_certificate() {
        return Err(HandoffError::BadCertificate("not a JPKI signature certificate".into()));
    }
    verify_chain(leaf, anchor_der, now, crl).map_err(|e| HandoffError::BadCertificate(e.to_string()))?;
    match verify_signature(leaf, submission.algorithm, document_bytes, &submission.signature) {
        Ok(()) => {}
        Err(VerifyError::BadSignature) => return Err(HandoffError::BadSignature),
        Err(e) => return Err(HandoffError::BadCertificate(e.to_string())),
    }
    let personal = certificate
        .personal
        .clone()
        .ok_or_else(|| HandoffError::BadCertificate("the certificate carries no name, address or birth date".into()))?;
    Ok(Verified { certificate, personal })
}
