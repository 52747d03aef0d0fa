//! The revocation check `kazasu verify` was asked for: none (and the output says so), the CRLs given with
//! `--crl` (the certificate's CRL distribution point picks the one that applies: J-LIS issues one per
//! municipality's point), or OCSP (`--ocsp[=URL]`, by default the responder the certificate names). Every answer
//! other than "not revoked" refuses the signature, with its own words.

use std::path::PathBuf;

use kazasu_core::crl::{select_scoped, CrlSelectError, ScopedCrl};
use kazasu_core::ocsp::{OcspChecker, OcspConfig, OcspError, UreqTransport};
use kazasu_core::revocation::{check_revocation, RevocationChecked, RevocationError, RevocationSource};

use crate::failure::Failure;
use crate::io::read_file;
use crate::messages::{detail, exit, text, Lang};
use crate::show::why_not_verified;

/// What `kazasu verify` checks revocation with.
pub struct Revocation {
    crls: Vec<ScopedCrl>,
    ocsp: Option<OcspChecker>,
}

impl Revocation {
    /// Reads the `--crl` files (one that is not a CRL is a usage error naming it), or sets up OCSP.
    pub fn load(lang: Lang, crl: &[PathBuf], ocsp: Option<Option<String>>) -> Result<Revocation, Failure> {
        let mut crls = Vec::new();
        for path in crl {
            let bytes = read_file(lang, path)?;
            let scoped = ScopedCrl::read(&bytes).map_err(|e| {
                detail(&path.display().to_string(), e);
                Failure::new(text::not_a_crl(lang, path.display()), exit::USAGE)
            })?;
            crls.push(scoped);
        }
        let ocsp = ocsp.map(|responder| {
            OcspChecker::new(OcspConfig { responder, ..OcspConfig::default() }, Box::new(UreqTransport::default()))
        });
        Ok(Revocation { crls, ocsp })
    }

    /// Checks `cert_der`, issued by `issuer_der` (its chain verified): a CRL at `at` (the time `--at` names, or
    /// now), an OCSP answer at this computer's time — it is the responder's word about the present, whatever
    /// time the chain was checked at. The error is the person's message and the exit code.
    pub fn check(
        &self,
        lang: Lang,
        cert_der: &[u8],
        issuer_der: &[u8],
        at: i64,
    ) -> Result<RevocationChecked, (String, u8)> {
        let now =
            if self.ocsp.is_some() { kazasu_core::clock::Clock::now(&kazasu_core::clock::SystemClock) } else { at };
        let scoped: Vec<&ScopedCrl> = self.crls.iter().collect();
        let source = match &self.ocsp {
            Some(checker) => RevocationSource::Ocsp(checker),
            None if scoped.is_empty() => RevocationSource::NotChecked,
            None => RevocationSource::Crls(&scoped),
        };
        check_revocation(cert_der, issuer_der, source, now).map_err(|e| {
            detail("revocation", &e);
            refusal(lang, &e)
        })
    }
}

/// The revocation answers that said "not revoked", as they are kept in a PDF's DSS (DER each).
pub struct Evidence {
    pub crls: Vec<Vec<u8>>,
    pub ocsp_responses: Vec<Vec<u8>>,
}

impl Revocation {
    /// For a PDF's DSS (PAdES B-LT): [`Revocation::check`] at `at`, then the answer that said "not revoked" —
    /// the CRL that applied, or the OCSP response as received. Without `--crl` or
    /// `--ocsp` there is none to keep, a usage error.
    pub fn evidence(&self, lang: Lang, cert_der: &[u8], issuer_der: &[u8], at: i64) -> Result<Evidence, (String, u8)> {
        match self.check(lang, cert_der, issuer_der, at)? {
            RevocationChecked::Ocsp(good) => Ok(Evidence { crls: Vec::new(), ocsp_responses: vec![good.response] }),
            RevocationChecked::Crl => {
                // The one check_revocation chose and verified.
                let crl = self.crl_for(cert_der).ok_or_else(|| (text::verification_failed(lang), exit::FAILURE))?;
                Ok(Evidence { crls: vec![crl], ocsp_responses: Vec::new() })
            }
            RevocationChecked::NotChecked => Err((text::pdf_long_term_needs_revocation(lang), exit::USAGE)),
        }
    }

    /// The given CRL that applies to `cert_der` (its issuer, its distribution point), if any — not checked here:
    /// for a DSS, where the verifier checks it (a TSA's certificate, whose issuer is not among `--ca`).
    pub fn crl_for(&self, cert_der: &[u8]) -> Option<Vec<u8>> {
        let scoped: Vec<&ScopedCrl> = self.crls.iter().collect();
        select_scoped(cert_der, &scoped).ok().map(|c| c.der.clone())
    }
}

/// The words for a revocation check that did not say "not revoked".
fn refusal(lang: Lang, e: &RevocationError) -> (String, u8) {
    let refused = |message: String| (message, exit::VERIFY_FAILED);
    match e {
        RevocationError::Crl(v) => refused(why_not_verified(lang, v)),
        RevocationError::NoCrl(CrlSelectError::NoneApplies { points }) => {
            refused(text::no_crl_for_distribution_point(lang, points.join("; ")))
        }
        RevocationError::NoCrl(CrlSelectError::Unreadable { .. }) => refused(text::verification_failed(lang)),
        RevocationError::Ocsp(o) => match o {
            OcspError::Revoked { .. } => refused(text::ocsp_revoked(lang)),
            OcspError::Unknown => refused(text::ocsp_unknown(lang)),
            OcspError::NoResponder => (text::ocsp_no_responder(lang), exit::USAGE),
            OcspError::Unreachable { url, .. } => refused(text::ocsp_unreachable(lang, url)),
            OcspError::Unreadable { .. } | OcspError::OpenSsl(_) => refused(text::verification_failed(lang)),
            OcspError::ResponderError(status) => refused(text::ocsp_responder_refused(lang, status_name(*status))),
            OcspError::Garbage(_)
            | OcspError::WrongNonce
            | OcspError::Untrusted(_)
            | OcspError::NoStatus
            | OcspError::NotCurrent { .. } => refused(text::ocsp_untrusted(lang)),
        },
    }
}

/// RFC 6960's name of an OCSPResponseStatus.
fn status_name(status: u32) -> &'static str {
    match status {
        1 => "malformedRequest",
        2 => "internalError",
        3 => "tryLater",
        5 => "sigRequired",
        6 => "unauthorized",
        _ => "?",
    }
}

/// The closing line of a verified signature: which revocation check was done.
pub fn verified_line(lang: Lang, checked: Option<&RevocationChecked>) -> String {
    match checked {
        Some(RevocationChecked::Crl) => text::signature_verified_revocation_checked(lang),
        Some(RevocationChecked::Ocsp(good)) => text::signature_verified_ocsp_checked(lang, &good.responder),
        Some(RevocationChecked::NotChecked) | None => text::signature_verified_revocation_not_checked(lang),
    }
}
