//! What the app sends to the request's submit URL (POST, `application/json`):
//!
//! ```json
//! { "format": "kazasu-submission/1", "request_id": "…", "nonce": "…", "digest_algorithm": "sha256",
//!   "signature": "<base64 RSA PKCS#1 v1.5>", "certificate_chain": ["<base64 DER of the sign certificate>"] }
//! ```
//!
//! The signature is over the request's document bytes with `digest_algorithm`; the chain starts with the
//! signer's certificate (the JPKI sign CA issues it directly, so one certificate is the usual chain).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::request::SignRequest;

use crate::error::HandoffError;
use crate::limits::{MAX_CERTIFICATE_BYTES, MAX_CHAIN_LEN, MAX_NONCE_CHARS, MAX_SIGNATURE_BYTES, MAX_SUBMISSION_BODY};
use crate::HashAlgorithm;

pub const FORMAT: &str = "kazasu-submission/1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    request_id: String,
    nonce: String,
    digest_algorithm: String,
    signature: String,
    certificate_chain: Vec<String>,
}

/// A signature with what it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    pub request_id: String,
    pub nonce: String,
    pub algorithm: HashAlgorithm,
    pub signature: Vec<u8>,
    /// DER certificates, the signer's first.
    pub certificate_chain: Vec<Vec<u8>>,
}

impl Submission {
    pub fn new(
        request: &SignRequest,
        algorithm: HashAlgorithm,
        signature: Vec<u8>,
        certificate: Vec<u8>,
    ) -> Submission {
        let d = request.document();
        Submission {
            request_id: d.request_id.clone(),
            nonce: d.nonce.clone(),
            algorithm,
            signature,
            certificate_chain: vec![certificate],
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        self.to_json_as(FORMAT)
    }

    /// The same JSON under another format name (a log-in response, [`crate::login::LoginResponse`]).
    pub(crate) fn to_json_as(&self, format: &str) -> Vec<u8> {
        let wire = Wire {
            format: format.into(),
            request_id: self.request_id.clone(),
            nonce: self.nonce.clone(),
            digest_algorithm: self.algorithm.name().into(),
            signature: B64.encode(&self.signature),
            certificate_chain: self.certificate_chain.iter().map(|c| B64.encode(c)).collect(),
        };
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Parses a submission body under the size limits. Does not verify anything cryptographic.
    pub fn from_json(body: &[u8]) -> Result<Submission, HandoffError> {
        Submission::from_json_as(body, FORMAT, "submission")
    }

    /// [`Submission::from_json`] for the format `format` (a log-in response is shaped like a submission).
    pub(crate) fn from_json_as(body: &[u8], format: &str, what: &'static str) -> Result<Submission, HandoffError> {
        if body.len() > MAX_SUBMISSION_BODY {
            return Err(HandoffError::TooLong { what, max: MAX_SUBMISSION_BODY, actual: body.len() });
        }
        std::str::from_utf8(body).map_err(|_| HandoffError::InvalidUtf8 { what })?;
        let wire: Wire =
            serde_json::from_slice(body).map_err(|e| HandoffError::Malformed { what, detail: e.to_string() })?;
        if wire.format != format {
            return Err(HandoffError::UnsupportedVersion);
        }
        let malformed = |what: &'static str, detail: &str| HandoffError::Malformed { what, detail: detail.into() };
        let algorithm = HashAlgorithm::from_name(&wire.digest_algorithm)
            .filter(|a| a.name() == wire.digest_algorithm)
            .ok_or_else(|| malformed("digest algorithm", "must be sha256, sha384 or sha512"))?;
        let b64 = |what: &'static str, s: &str, max: usize| -> Result<Vec<u8>, HandoffError> {
            if s.len() > max.div_ceil(3) * 4 {
                return Err(HandoffError::TooLong { what, max, actual: s.len() / 4 * 3 });
            }
            let bytes = B64.decode(s).map_err(|_| malformed(what, "not base64"))?;
            if bytes.len() > max {
                return Err(HandoffError::TooLong { what, max, actual: bytes.len() });
            }
            Ok(bytes)
        };
        if wire.request_id.len() > 64 || wire.nonce.len() > MAX_NONCE_CHARS {
            return Err(HandoffError::TooLong {
                what: "request id or nonce",
                max: MAX_NONCE_CHARS,
                actual: wire.nonce.len().max(wire.request_id.len()),
            });
        }
        let signature = b64("signature", &wire.signature, MAX_SIGNATURE_BYTES)?;
        if signature.is_empty() {
            return Err(malformed("signature", "empty"));
        }
        if wire.certificate_chain.is_empty() || wire.certificate_chain.len() > MAX_CHAIN_LEN {
            return Err(malformed("certificate chain", "must hold 1–4 certificates"));
        }
        let certificate_chain = wire
            .certificate_chain
            .iter()
            .map(|c| b64("certificate", c, MAX_CERTIFICATE_BYTES))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Submission { request_id: wire.request_id, nonce: wire.nonce, algorithm, signature, certificate_chain })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Submission {
        Submission {
            request_id: "req_0123456789".into(),
            nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
            algorithm: HashAlgorithm::Sha256,
            signature: vec![7; 256],
            certificate_chain: vec![vec![0x30, 0x82, 1, 2]],
        }
    }

    #[test]
    fn a_submission_round_trips() {
        let s = sample();
        assert_eq!(Submission::from_json(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn oversized_or_odd_submissions_are_refused() {
        let mut s = sample();
        s.signature = vec![1; MAX_SIGNATURE_BYTES + 1];
        assert!(matches!(Submission::from_json(&s.to_json()), Err(HandoffError::TooLong { what: "signature", .. })));
        let mut s = sample();
        s.certificate_chain = vec![vec![1; MAX_CERTIFICATE_BYTES + 3]];
        assert!(matches!(Submission::from_json(&s.to_json()), Err(HandoffError::TooLong { what: "certificate", .. })));
        let mut s = sample();
        s.certificate_chain = vec![vec![1]; MAX_CHAIN_LEN + 1];
        assert!(Submission::from_json(&s.to_json()).is_err());
        s.certificate_chain = vec![];
        assert!(Submission::from_json(&s.to_json()).is_err());
        let mut v: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        v["digest_algorithm"] = "md5".into();
        assert!(Submission::from_json(&serde_json::to_vec(&v).unwrap()).is_err());
        v["digest_algorithm"] = "SHA-256".into();
        assert!(Submission::from_json(&serde_json::to_vec(&v).unwrap()).is_err());
        assert!(matches!(Submission::from_json(b"{\"format\":\"\xFF\"}"), Err(HandoffError::InvalidUtf8 { .. })));
        assert!(matches!(
            Submission::from_json(&vec![b' '; MAX_SUBMISSION_BODY + 1]),
            Err(HandoffError::TooLong { .. })
        ));
    }
}
