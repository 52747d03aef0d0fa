//! Time-stamp authorities (RFC 3161), for `sign --pdf --tsa` and PAdES B-LTA: the request's nonce, asking the
//! TSA over HTTP, and the check of a token's signature. Shared by pdf.rs and pdf_long_term.rs, which both ask.

use kazasu_core::verify::verify_signature;
use kazasu_core::HashAlgorithm;

use crate::failure::Failure;
use crate::messages::{detail, exit, text, Lang};

/// Whether `signature` verifies over `data` with `certificate` (RSA PKCS#1 v1.5, SHA-256).
pub(crate) fn signature_verifies(certificate: &[u8], data: &[u8], signature: &[u8]) -> bool {
    verify_signature(certificate, HashAlgorithm::Sha256, data, signature).is_ok()
}

/// A nonce for a time-stamp request, from the operating system's random generator (63 bits: a positive
/// INTEGER in 8 bytes).
pub(crate) fn nonce() -> Result<u64, getrandom::Error> {
    Ok(getrandom::u64()? >> 1)
}

/// The TSA's answer at `url` to a DER TimeStampReq (at most 1 MiB).
pub(crate) fn ask_tsa(lang: Lang, url: &str, request: &[u8]) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let failed = |what: &dyn std::fmt::Display| {
        detail("time-stamp", what);
        Failure::new(text::pdf_timestamp_failed(lang, url), exit::FAILURE)
    };
    let response = ureq::post(url)
        .timeout(std::time::Duration::from_secs(30))
        .set("Content-Type", "application/timestamp-query")
        .send_bytes(request)
        .map_err(|e| failed(&e))?;
    let mut body = Vec::new();
    response.into_reader().take(1 << 20).read_to_end(&mut body).map_err(|e| failed(&e))?;
    Ok(body)
}
