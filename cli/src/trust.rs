//! What `kazasu verify` trusts: the CA certificates of `--ca`, and whether a test card's certificate is
//! accepted (`--accept-test-cards`).

use std::path::Path;

use kazasu_core::anchors::{TrustAnchors, JPKI_SIGN_WORD};
use kazasu_core::Certificate;

use crate::failure::Failure;
use crate::io::read_file;
use crate::messages::{detail, exit, text, Lang};

/// `--ca`: `jpki` (the J-LIS signature CAs built in, every generation, each certificate judged against the
/// generation that issued it), or a file of trusted CA certificates (PEM with one or more, or DER); anything else (a
/// key, a CRL, text) is refused here.
pub(crate) fn trust_anchors(lang: Lang, ca: &Path) -> Result<TrustAnchors, Failure> {
    if ca.as_os_str() == JPKI_SIGN_WORD {
        return Ok(TrustAnchors::jpki_sign());
    }
    let bytes = read_file(lang, ca)?;
    TrustAnchors::from_pem_or_der(&ca.display().to_string(), &bytes).map_err(|e| {
        detail(&ca.display().to_string(), &e);
        Failure::new(text::not_a_certificate(lang, ca.display()), exit::USAGE)
    })
}

/// A test card's certificate (policy under `…8.5.1.0`) is not a real person's signature: refused unless
/// `--accept-test-cards` (development). Other policies are the trusted CA's business (`--ca` decides).
pub(crate) fn card_kind(lang: Lang, cert: &Certificate, accept_test_cards: bool) -> Result<(), String> {
    if cert.is_test_card() && !accept_test_cards {
        return Err(text::certificate_is_a_test_card(lang));
    }
    Ok(())
}
