//! `kazasu status` and `kazasu cert`: what the card says about itself (its token, the passwords' tries) and
//! its certificates.

use std::path::Path;

use clap::ValueEnum;
use kazasu_core::flow::Flow;
use kazasu_core::{Certificate, CertificateKind, JpkiSession, PinKind, RetryState};

use crate::bundle::CertInfo;
use crate::failure::{card_failure, Failure};
use crate::io::{progress, write_out};
use crate::messages::{self, exit, text, Lang};
use crate::prompt::PinArgs;
use crate::source::{self, SourceArgs};
use crate::{drive, show};

/// `kazasu cert --format`.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CertFormat {
    Text,
    Pem,
    Der,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Which {
    Sign,
    SignCa,
    Auth,
    AuthCa,
}

pub fn status(source: &SourceArgs, lang: Lang) -> Result<(), Failure> {
    let mut transport = source::open(source, lang)?;
    let mut s = JpkiSession::open(&mut transport).map_err(|e| card_failure(lang, &e))?;
    let token = s.token_kind().map_err(|e| card_failure(lang, &e))?;
    let sign = s.retry_state(PinKind::Sign).map_err(|e| card_failure(lang, &e))?;
    let auth = s.retry_state(PinKind::Auth).map_err(|e| card_failure(lang, &e))?;
    let show = |r: RetryState| match r {
        RetryState::Remaining(0) | RetryState::Blocked => text::status_locked(lang),
        RetryState::Remaining(n) => text::status_tries_left(lang, n.into()),
    };
    println!("{}: {token:?}", text::status_token(lang));
    println!("{}: {}", text::status_sign_password(lang), show(sign));
    println!("{}: {}", text::status_auth_password(lang), show(auth));
    Ok(())
}

pub fn cert(
    source: &SourceArgs,
    lang: Lang,
    which: Which,
    format: CertFormat,
    out: Option<&Path>,
    pin: &PinArgs,
) -> Result<(), Failure> {
    let mut transport = source::open(source, lang)?;
    let der = match which {
        // The signature certificate is read only after the password: the one flow, as for signing.
        Which::Sign => {
            let mut flow = Flow::for_sign_certificate();
            let failed = || Failure::new(text::card_operation_failed(lang), exit::FAILURE);
            drive::sign_on_card(&mut flow, &mut *transport, pin, lang, &|_| failed())?;
            flow.signature().map(|s| s.certificate.clone()).ok_or_else(failed)?
        }
        other => {
            let kind = match other {
                Which::SignCa => CertificateKind::SignCa,
                Which::Auth => CertificateKind::Auth,
                _ => CertificateKind::AuthCa,
            };
            let mut s = JpkiSession::open(&mut transport).map_err(|e| card_failure(lang, &e))?;
            progress(text::reading_certificate(lang));
            s.read_certificate(kind).map_err(|e| card_failure(lang, &e))?
        }
    };
    drop(transport); // the card is released before the output is written
    let cert = certificate(lang, &der)?;
    let bytes = match format {
        CertFormat::Der => der.clone(),
        CertFormat::Pem => cert.to_pem().into_bytes(),
        CertFormat::Json => {
            let mut s = serde_json::to_string_pretty(&CertInfo::of(&cert)).unwrap_or_default();
            s.push('\n');
            s.into_bytes()
        }
        CertFormat::Text => show::describe(&cert, lang).into_bytes(),
    };
    write_out(lang, out, &bytes)
}

/// A certificate read from the card, parsed.
pub(crate) fn certificate(lang: Lang, der: &[u8]) -> Result<Certificate, Failure> {
    Certificate::from_der(der).map_err(|e| {
        messages::detail("certificate", e);
        Failure::new(text::card_certificate_unreadable(lang), exit::FAILURE)
    })
}
