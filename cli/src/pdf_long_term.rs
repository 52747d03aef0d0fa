//! `kazasu sign --pdf … --pades-level lt|lta`: after the signature, the validation data a verifier needs years
//! later goes into the PDF's DSS in a second update (PAdES B-LT) — the card's certificate and its CA (the chain
//! checked against `--ca`), and the revocation answer that said "not revoked" (the CRL for the certificate's
//! distribution point from `--crl`, or the OCSP response from `--ocsp[=URL]`, as `kazasu verify` takes them),
//! plus the TSA's certificate (and a CRL given for it) when the signature carries a time-stamp. With `lta`, a
//! document time-stamp from `--tsa` over the whole file, the DSS included, in a third update (PAdES B-LTA).
//! Everything is gathered and checked before the file is written: a revoked certificate or a TSA that does not
//! answer writes nothing.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use kazasu_core::anchors::TrustAnchors;
use kazasu_core::verify::verify_chain_to_issuer;
use kazasu_pdf::dss::ValidationData;
use kazasu_pdf::{PdfError, SignedPdf};

use crate::drive;
use crate::failure::Failure;
use crate::messages::{detail, exit, text, time, Lang};
use crate::revocation::Revocation;
use crate::show::why_not_verified;
use crate::trust::trust_anchors;
use crate::tsa::Tsa;

/// How far the signature goes toward long-term validation (ETSI EN 319 142-1 baseline levels).
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum PadesLevel {
    /// The signature alone: B-B, or B-T with `--tsa`.
    B,
    /// And a DSS with the certificates and the revocation data (B-LT; with `--tsa` the signature is B-T first).
    Lt,
    /// And a document time-stamp from `--tsa` over everything (B-LTA).
    Lta,
}

/// Where the validation data comes from: `kazasu sign`'s `--ca`, `--crl`, `--ocsp`.
pub struct Sources<'a> {
    pub level: PadesLevel,
    pub ca: Option<&'a Path>,
    pub crl: &'a [PathBuf],
    pub ocsp: Option<Option<String>>,
}

/// The long-term part of one signing, read before the card so a wrong `--ca` or `--crl` is refused before the
/// password.
pub struct LongTerm {
    level: PadesLevel,
    anchors: TrustAnchors,
    revocation: Revocation,
}

fn failed(lang: Lang, reason: impl std::fmt::Display) -> Failure {
    Failure::new(text::pdf_long_term_failed(lang, reason), exit::FAILURE)
}

impl LongTerm {
    /// `None` for level `b`. Without `--ca`, or without `--crl`/`--ocsp`, a usage error.
    pub fn load(lang: Lang, sources: &Sources) -> Result<Option<LongTerm>, Failure> {
        if sources.level == PadesLevel::B {
            return Ok(None);
        }
        let Some(ca) = sources.ca else {
            return Err(Failure::new(text::usage_missing_argument(lang, "--ca"), exit::USAGE));
        };
        if sources.crl.is_empty() && sources.ocsp.is_none() {
            return Err(Failure::new(text::pdf_long_term_needs_revocation(lang), exit::USAGE));
        }
        let anchors = trust_anchors(lang, ca)?;
        let revocation = Revocation::load(lang, sources.crl, sources.ocsp.clone())?;
        Ok(Some(LongTerm { level: sources.level, anchors, revocation }))
    }

    /// Appends to `signed` (its signature time-stamped when asked) the DSS update and, for `lta`, the document
    /// time-stamp from `tsa`; returns the lines that say what was added, for after the file is written.
    pub fn extend(&self, lang: Lang, signed: &mut SignedPdf, tsa: Option<&Tsa>) -> Result<Vec<String>, Failure> {
        let now = drive::now();
        let certificate = signed.certificate().to_vec();
        let issuer = verify_chain_to_issuer(&certificate, &self.anchors, now).map_err(|e| {
            detail("long-term", &e);
            failed(lang, why_not_verified(lang, &e))
        })?;
        let evidence = self
            .revocation
            .evidence(lang, &certificate, issuer.der(), now)
            .map_err(|(message, code)| Failure::new(text::pdf_long_term_failed(lang, message), code))?;
        let mut data = ValidationData {
            certificates: vec![certificate.clone(), issuer.der().to_vec()],
            crls: evidence.crls,
            ocsp_responses: evidence.ocsp_responses,
        };
        if let Some(tsa_cert) = signed.timestamp().and_then(|t| t.tsa_certificate.clone()) {
            data.crls.extend(self.revocation.crl_for(&tsa_cert));
            data.certificates.push(tsa_cert);
        }
        signed.add_validation_data(&data).map_err(|e| {
            detail("dss", &e);
            failed(lang, &e)
        })?;
        let (certificates, crls, ocsps) =
            (data.certificates.len() as u64, data.crls.len() as u64, data.ocsp_responses.len() as u64);
        let mut said = vec![text::pdf_long_term_added(lang, certificates, crls, ocsps)];
        if self.level != PadesLevel::Lta {
            return Ok(said);
        }
        // clap requires --tsa with lta.
        let tsa = tsa.ok_or_else(|| Failure::new(text::usage_missing_argument(lang, "--tsa"), exit::USAGE))?;
        let token = signed.add_document_timestamp(tsa).map_err(|e| match e {
            PdfError::TimeStampUnanswered(_) | PdfError::TimeStamp(_) => {
                detail("document time-stamp", &e);
                Failure::new(text::pdf_timestamp_failed(lang, tsa.url), exit::FAILURE)
            }
            e => failed(lang, &e),
        })?;
        said.push(text::pdf_document_timestamp_added(lang, time::moment(lang, token.time)));
        Ok(said)
    }
}
