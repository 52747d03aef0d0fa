//! What is signed: a relying party's request, bytes, a document attested through bytes built from the
//! certificate, or nothing (the signature certificate read after the password).

use std::sync::Arc;

use super::card::{BuildFromCertificate, ToSign};
use crate::handoff::SignRequest;
use crate::HashAlgorithm;

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
}

impl Subject {
    /// What the card signs: exactly the bytes shown, or bytes built from the certificate over them.
    pub fn to_sign(&self) -> ToSign {
        match self {
            Subject::Request(r) => ToSign::Bytes(Arc::from(r.bytes_to_sign())),
            Subject::Bytes { data, .. } => ToSign::Bytes(data.clone()),
            Subject::Attested { build, .. } => ToSign::BuiltFromCertificate(build.clone()),
            Subject::SignCertificate => ToSign::CertificateOnly,
        }
    }

    pub fn algorithm(&self) -> HashAlgorithm {
        match self {
            Subject::Bytes { algorithm, .. } | Subject::Attested { algorithm, .. } => *algorithm,
            Subject::Request(_) | Subject::SignCertificate => HashAlgorithm::Sha256,
        }
    }

    pub fn request(&self) -> Option<&SignRequest> {
        match self {
            Subject::Request(r) => Some(r),
            Subject::Bytes { .. } | Subject::Attested { .. } | Subject::SignCertificate => None,
        }
    }
}
