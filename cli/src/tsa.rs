//! Time-stamp authorities (RFC 3161), for `sign --pdf --tsa` and PAdES B-LTA: the TSA over HTTP behind
//! kazasu-pdf's `TimeStampAuthority` (the PDF session makes the request, its nonce, and checks the answer), and
//! the check of a token's signature, which `verify` uses too.

use kazasu_core::verify::verify_signature;
use kazasu_core::HashAlgorithm;
use kazasu_pdf::TimeStampAuthority;

/// Whether `signature` verifies over `data` with `certificate` (RSA PKCS#1 v1.5, SHA-256).
pub(crate) fn signature_verifies(certificate: &[u8], data: &[u8], signature: &[u8]) -> bool {
    verify_signature(certificate, HashAlgorithm::Sha256, data, signature).is_ok()
}

/// The TSA at `url` (`--tsa`), over HTTP with ureq.
pub(crate) struct Tsa<'a> {
    pub url: &'a str,
}

impl TimeStampAuthority for Tsa<'_> {
    /// The TSA's answer to a DER TimeStampReq (at most 1 MiB).
    fn ask(&self, request: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        use std::io::Read;
        let response = ureq::post(self.url)
            .timeout(std::time::Duration::from_secs(30))
            .set("Content-Type", "application/timestamp-query")
            .send_bytes(request)?;
        let mut body = Vec::new();
        response.into_reader().take(1 << 20).read_to_end(&mut body)?;
        Ok(body)
    }

    fn verifies(&self, certificate: &[u8], data: &[u8], signature: &[u8]) -> bool {
        signature_verifies(certificate, data, signature)
    }
}
