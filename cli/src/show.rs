//! How a certificate and a failed verification read to the person: the lines about a certificate (name,
//! address, date of birth, gender, validity, issuer, serial) and the words for a `VerifyError`.

use kazasu_core::verify::{ChainError, VerifyError};
use kazasu_core::{Certificate, PersonalData};

use crate::messages::{text, time, Lang};

pub(crate) fn gender_words(p: &PersonalData, lang: Lang) -> Option<String> {
    use kazasu_core::cert::Gender::*;
    Some(match p.gender_code() {
        Some(Male) => text::gender_male(lang),
        Some(Female) => text::gender_female(lang),
        Some(NotStated) => text::gender_not_stated(lang),
        None => p.gender.clone()?,
    })
}

/// Human-readable lines about a certificate.
pub(crate) fn describe(c: &Certificate, lang: Lang) -> String {
    let mut out = String::new();
    let mut line = |label: String, v: &str| out.push_str(&format!("{label}: {v}\n"));
    if let Some(p) = &c.personal {
        if let Some(v) = &p.name {
            line(text::label_name(lang), v);
        }
        if let Some(v) = &p.address {
            line(text::label_address(lang), v);
        }
        if let Some(v) = p.date_of_birth_iso().or(p.date_of_birth.clone()) {
            line(text::label_date_of_birth(lang), &v);
        }
        if let Some(v) = gender_words(p, lang) {
            line(text::label_gender(lang), &v);
        }
    }
    line(text::label_validity(lang), &time::validity(lang, c.not_before, c.not_after));
    line(text::label_issuer(lang), &c.issuer);
    line(text::label_serial(lang), &c.serial_hex);
    out
}

/// What a failed verification says to the person, for the signature (`kazasu verify` of a file or of a PDF's
/// signatures): the one place a `VerifyError` becomes words.
pub(crate) fn why_not_verified(lang: Lang, e: &VerifyError) -> String {
    match e {
        VerifyError::BadSignature => text::signature_does_not_match(lang),
        VerifyError::Chain(ChainError::Expired) => text::certificate_expired(lang),
        VerifyError::Chain(ChainError::NotYetValid) => text::certificate_not_yet_valid(lang),
        VerifyError::Chain(_) => text::certificate_does_not_chain(lang),
        VerifyError::CrlNotTrusted => text::crl_not_trusted(lang),
        VerifyError::CrlStale => text::crl_stale(lang),
        VerifyError::Revoked => text::certificate_revoked(lang),
        _ => text::verification_failed(lang),
    }
}
