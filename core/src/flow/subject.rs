//! What is signed: a relying party's request, bytes, a document attested through bytes built from the
//! certificate, nothing (the signature certificate read after the password), or a log-in challenge.

use std::sync::Arc;

use super::card::{BuildFromCertificate, ToSign};
use crate::handoff::{self, LoginChallenge, SignRequest};
use crate::{HashAlgorithm, PinKind};

/// What is signed.
#[derive(Clone, Debug)]
pub enum Subject {
    /// A relying party's request, fetched and checked: its document is shown line by line and signed.
    Request(Box<SignRequest>),
    /// Bytes given by the front end (a file): shown by name, size and SHA-256, signed as they are.
    Bytes { label: String, data: Arc<[u8]>, algorithm: HashAlgorithm },
    /// A document shown by name, size and SHA-256 (`shown`, e.g. a PDF), whose signature covers it through
    /// bytes built from the signer's certificate in the signing tap (a PDF's signed attributes: the digest of
    /// the document's signed byte ranges and the certificate's).
    Attested { label: String, shown: Arc<[u8]>, algorithm: HashAlgorithm, build: BuildFromCertificate },
    /// Nothing is signed: the tap reads the signature certificate, which the card gives only after the
    /// password (the CLI's `cert`). The flow ends in `Signed` with the certificate and an empty signature.
    SignCertificate,
    /// A relying party's log-in challenge, fetched and checked: the auth key signs its exact bytes after the
    /// 4-digit auth PIN; the answer carries the auth certificate and nothing personal.
    Login(Box<LoginChallenge>),
}

impl Subject {
    /// What the card signs: exactly the bytes shown, or bytes built from the certificate over them.
    pub fn to_sign(&self) -> ToSign {
        match self {
            Subject::Request(r) => ToSign::Bytes(Arc::from(r.bytes_to_sign())),
            Subject::Bytes { data, .. } => ToSign::Bytes(data.clone()),
            Subject::Attested { build, .. } => ToSign::BuiltFromCertificate(build.clone()),
            Subject::SignCertificate => ToSign::CertificateOnly,
            Subject::Login(c) => ToSign::Bytes(Arc::from(c.bytes_to_sign())),
        }
    }

    pub fn algorithm(&self) -> HashAlgorithm {
        match self {
            Subject::Bytes { algorithm, .. } | Subject::Attested { algorithm, .. } => *algorithm,
            Subject::Request(_) | Subject::SignCertificate => HashAlgorithm::Sha256,
            Subject::Login(_) => handoff::login::LOGIN_DIGEST,
        }
    }

    pub fn request(&self) -> Option<&SignRequest> {
        match self {
            Subject::Request(r) => Some(r),
            Subject::Bytes { .. } | Subject::Attested { .. } | Subject::SignCertificate | Subject::Login(_) => None,
        }
    }

    /// The log-in challenge, for a log-in.
    pub fn login(&self) -> Option<&LoginChallenge> {
        match self {
            Subject::Login(c) => Some(c),
            _ => None,
        }
    }

    /// Which of the card's PINs this subject needs: the auth PIN for a log-in, the sign PIN otherwise.
    pub fn pin_kind(&self) -> PinKind {
        match self {
            Subject::Login(_) => PinKind::Auth,
            _ => PinKind::Sign,
        }
    }
}
