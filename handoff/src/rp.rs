//! The relying party's side: is this submission a valid signature, by a current JPKI signature certificate,
//! over exactly the document this request showed? Single use of the nonce is the relying party's store's
//! job (the portal enforces it in its database); everything else is checked here.

use super::document::Document;
use super::submission::Submission;
use super::{CertificateRefusal, HandoffError};
use crate::anchors::TrustAnchors;
use crate::cert::{Certificate, PersonalData};
use crate::policy::JpkiPolicy;
use crate::verify::{verify_chain, verify_signature, ChainError, VerifyError};

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
}

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

/// Verifies `submission` against the stored `document_bytes` of its request at `now`: same request and nonce,
/// not expired, the certificate is a signature certificate (a test card's only where `trust` accepts them) that
/// chains to the trusted CA that issued it and is valid now (and not revoked when a CRL is given), and the
/// signature is over exactly those bytes.
pub fn verify_submission(
    document_bytes: &[u8],
    submission: &Submission,
    trust: &Trust,
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
    match certificate.policy {
        JpkiPolicy::Sign => {}
        JpkiPolicy::TestCard if trust.accept_test_cards => {}
        JpkiPolicy::TestCard => return Err(bad(CertificateRefusal::TestCard)),
        JpkiPolicy::Auth | JpkiPolicy::Other => return Err(bad(CertificateRefusal::NotSignCertificate)),
    }
    verify_chain(leaf, &trust.anchors, now, crl).map_err(|e| bad(refusal_of(e)))?;
    match verify_signature(leaf, submission.algorithm, document_bytes, &submission.signature) {
        Ok(()) => {}
        Err(VerifyError::BadSignature) => return Err(HandoffError::BadSignature),
        Err(e) => return Err(bad(refusal_of(e))),
    }
    let personal = certificate.personal.clone().ok_or(bad(CertificateRefusal::NoPersonalData))?;
    Ok(Verified { certificate, personal })
}
