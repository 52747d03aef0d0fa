//! `kazasu sign --pdf IN.pdf` and `kazasu verify FILE.pdf`: PDF signatures (kazasu-pdf) with the card, through the
//! one signing flow. Before the password the person sees the PDF's name, pages, size and SHA-256; the card signs
//! the signed attributes whose message digest is over the exact byte ranges written. The input is never
//! overwritten: the signed PDF goes to a new file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::ValueEnum;
use kazasu_core::anchors::TrustAnchors;
use kazasu_core::flow::{BuildFromCertificate, Flow};
use kazasu_core::handoff::time::format_utc;
use kazasu_core::revocation::RevocationChecked;
use kazasu_core::verify::{verify_chain_to_issuer, verify_signature, VerifyError};
use kazasu_core::{Certificate, HashAlgorithm};
use kazasu_pdf::{AllowedChanges, CardSignature, Corner, FoundSignature, PdfError, Session, SignOptions, SubFilter};

use crate::failure::Failure;
use crate::io::{self, read_file};
use crate::messages::{detail, exit, text, time, Lang};
use crate::prompt::PinArgs;
use crate::revocation::{self, Revocation};
use crate::source::{self, SourceArgs};
use crate::{bundle, drive, show, trust, tsa};

/// The kind of PDF signature.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PdfFormat {
    /// PAdES baseline B-B (SubFilter ETSI.CAdES.detached).
    Pades,
    /// adbe.pkcs7.detached (with the signing-time attribute), as 登記・供託 filings take.
    Pkcs7,
}

/// The corner of the page (as seen on screen) for `--stamp-corner`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum StampCorner {
    LowerLeft,
    LowerRight,
    UpperLeft,
    UpperRight,
}

impl From<StampCorner> for Corner {
    fn from(c: StampCorner) -> Corner {
        match c {
            StampCorner::LowerLeft => Corner::LowerLeft,
            StampCorner::LowerRight => Corner::LowerRight,
            StampCorner::UpperLeft => Corner::UpperLeft,
            StampCorner::UpperRight => Corner::UpperRight,
        }
    }
}

impl From<PdfFormat> for SubFilter {
    fn from(f: PdfFormat) -> SubFilter {
        match f {
            PdfFormat::Pades => SubFilter::Pades,
            PdfFormat::Pkcs7 => SubFilter::Pkcs7,
        }
    }
}

fn pdf_failure(lang: Lang, path: &Path, e: &PdfError) -> Failure {
    detail(&path.display().to_string(), e);
    if let Some(source) = std::error::Error::source(e) {
        detail("cause", source);
    }
    let p = path.display();
    let message = match e {
        PdfError::Encrypted => text::pdf_encrypted(lang, p),
        PdfError::Damaged(_) | PdfError::Repaired => text::pdf_damaged(lang, p),
        PdfError::TooLarge { size, max } => text::pdf_too_large(lang, *size as u64, *max as u64, p),
        PdfError::NoChangesAllowed => text::pdf_certified_no_changes(lang, p),
        PdfError::FieldExists(name) => text::pdf_field_exists(lang, name, p),
        PdfError::NoSuchPage { page, pages } => text::pdf_no_such_page(lang, page, *pages as u64, p),
        _ => text::pdf_unsupported(lang, p),
    };
    Failure::new(message, exit::FAILURE)
}

/// A certificate file (PEM or DER) as DER.
fn certificate_file(lang: Lang, path: &Path) -> Result<Vec<u8>, Failure> {
    let bytes = read_file(lang, path)?;
    kazasu_pdf::cms::certificate_der(&bytes).ok_or_else(|| {
        detail(&path.display().to_string(), "no certificate (PEM or DER)");
        Failure::new(text::not_a_certificate(lang, path.display()), exit::USAGE)
    })
}

/// `IN-signed.pdf` beside the input.
fn default_output(input: &Path) -> PathBuf {
    let stem = input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "document".into());
    input.with_file_name(format!("{stem}-signed.pdf"))
}

/// How to sign: the kind of signature, the signer's certificate when known before, a TSA.
pub struct How<'a> {
    pub format: PdfFormat,
    pub cert: Option<&'a Path>,
    pub tsa: Option<&'a str>,
    /// The signature field: an empty one of that name (where the author left room for a signature) is signed
    /// into, else a new field gets the name; `None`: a new field.
    pub field: Option<&'a str>,
    /// A visible stamp: where it goes (its lines, the signer's name from the certificate the card gives in the
    /// signing tap and the time, are written then); `None`: invisible.
    pub stamp: Option<kazasu_pdf::Stamp>,
    /// The PAdES level and, for B-LT/B-LTA, where the validation data comes from.
    pub long_term: crate::pdf_long_term::Sources<'a>,
}

pub fn sign(
    source: &SourceArgs,
    lang: Lang,
    input: &Path,
    out: Option<&Path>,
    how: &How,
    pin: &PinArgs,
) -> Result<(), Failure> {
    // A huge file is refused before it is read into memory.
    if let Ok(meta) = std::fs::metadata(input) {
        let size = usize::try_from(meta.len()).unwrap_or(usize::MAX);
        if meta.is_file() && size > kazasu_pdf::MAX_INPUT {
            let e = PdfError::TooLarge { size, max: kazasu_pdf::MAX_INPUT };
            return Err(pdf_failure(lang, input, &e));
        }
    }
    let data = read_file(lang, input)?;
    let sub_filter = SubFilter::from(how.format);
    let now = drive::now();
    let options = SignOptions {
        field_name: how.field.map(str::to_owned),
        stamp: how.stamp.clone(),
        ..SignOptions::new(sub_filter, now)
    };
    // Prepared before the password — and before the file is described — so a PDF that cannot take a signature
    // (or the stamp where it was asked for) is refused before anything about it is shown as if it were fine. The
    // stamp's lines name the signer from the certificate the card gives in the signing tap.
    let session = Session::prepare(data, options).map_err(|e| pdf_failure(lang, input, &e))?;
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| default_output(input));
    // Never over the input, nor over any file already there.
    if out.exists() {
        return Err(Failure::new(text::pdf_output_exists(lang, out.display()), exit::USAGE));
    }
    let session = session.expecting(how.cert.map(|p| certificate_file(lang, p)).transpose()?);
    let long_term = crate::pdf_long_term::LongTerm::load(lang, &how.long_term)?;
    let session = Arc::new(session.with_stamp_lines(move |certificate: &[u8]| {
        let signer = Certificate::from_der(certificate)
            .map(|c| c.personal.and_then(|p| p.name).unwrap_or(c.subject))
            .unwrap_or_default();
        vec![text::pdf_stamp_signer(lang, signer), text::pdf_stamp_time(lang, time::moment(lang, now))]
    }));
    describe(lang, input, session.info());
    let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "document.pdf".into());
    // The card signs the signed attributes (their DigestInfo), whose message digest covers the byte ranges.
    let build = BuildFromCertificate::new(session.builder());
    let mut flow = Flow::for_attested(name, session.input(), HashAlgorithm::Sha256, build);
    drive::show_consent(&flow, lang);
    let failed = || Failure::new(text::card_operation_failed(lang), exit::FAILURE);
    let mut transport = source::open(source, lang)?;
    let started = std::time::Instant::now();
    let outcome = drive::sign_on_card(&mut flow, &mut *transport, pin, lang, &|_| failed());
    drop(transport);
    if session.other_card() {
        return Err(Failure::new(text::pdf_certificate_mismatch(lang), exit::FAILURE));
    }
    outcome?;
    log::info!("pdf: card signature in {} ms", started.elapsed().as_millis());
    let signed = flow.signature().ok_or_else(failed)?;
    let card = CardSignature {
        signature: &signed.signature,
        certificate: &signed.certificate,
        signed_bytes: Some(&signed.signed_bytes),
    };
    let tsa = how.tsa.map(|url| tsa::Tsa { url });
    let mut pdf = session.finish(card, tsa.as_ref().map(|t| t as _)).map_err(|e| match e {
        PdfError::NotThisSession | PdfError::AlreadyFinished => failed(),
        e => finish_failure(lang, input, how.tsa, &e),
    })?;
    if let Some(t) = pdf.timestamp() {
        log::info!("time-stamp: {} bytes, time {}", t.der.len(), format_utc(t.time));
    }
    let added = match &long_term {
        Some(lt) => lt.extend(lang, &mut pdf, tsa.as_ref())?,
        None => Vec::new(),
    };
    write_new(lang, &out, pdf.bytes())?;
    if let Ok(c) = Certificate::from_der(pdf.certificate()) {
        out!("{}", show::describe(&c, lang));
    }
    outln!("{}", text::pdf_signed(lang, sub_filter.name(), out.display()));
    for line in added {
        outln!("{line}");
    }
    Ok(())
}

/// What the person is shown before the password: the file's size, pages and SHA-256, the signatures already in
/// it, and what its certification allows.
fn describe(lang: Lang, input: &Path, info: &kazasu_pdf::PdfInfo) {
    eprintln!(
        "{}",
        text::pdf_to_sign(lang, info.size as u64, info.pages as u64, input.display(), hex::encode(info.sha256))
    );
    if info.signatures > 0 {
        eprintln!("{}", text::pdf_existing_signatures(lang, info.signatures as u64));
    }
    if let Some(allowed) = info.allowed_changes {
        let annotations = match allowed {
            AllowedChanges::FormsSigningAndAnnotations => text::pdf_certified_annotations(lang),
            _ => String::new(),
        };
        eprintln!("{}", text::pdf_certified_allows_signing(lang, annotations));
    }
}

/// A failure of finishing: the TSA's (not answering, or a token that does not hold) in its words.
fn finish_failure(lang: Lang, input: &Path, tsa: Option<&str>, e: &PdfError) -> Failure {
    match (e, tsa) {
        (PdfError::TimeStampUnanswered(_) | PdfError::TimeStamp(_), Some(url)) => {
            detail("time-stamp", e);
            if let Some(source) = std::error::Error::source(e) {
                detail("cause", source);
            }
            Failure::new(text::pdf_timestamp_failed(lang, url), exit::FAILURE)
        }
        _ => pdf_failure(lang, input, e),
    }
}

/// Writes a file that must not exist yet.
fn write_new(lang: Lang, path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let result = std::fs::OpenOptions::new().write(true).create_new(true).open(path).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    result.map_err(|e| {
        detail(&path.display().to_string(), &e);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::new(text::pdf_output_exists(lang, path.display()), exit::USAGE)
        } else {
            Failure::new(text::file_unwritable(lang, path.display()), exit::FAILURE)
        }
    })
}

/// Whether `path` looks like a PDF (its name, or its first bytes), for `kazasu verify`.
pub fn is_pdf(path: &Path) -> bool {
    use std::io::Read;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")) {
        return true;
    }
    let mut head = [0u8; 5];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == b"%PDF-"
}

/// `kazasu verify FILE.pdf` (without --bundle): the signatures inside the PDF; a PDF with none is verified by
/// the signature file `kazasu sign FILE.pdf` writes beside it, and a PDF with neither says how to sign it
/// either way.
pub fn verify(
    lang: Lang,
    file: &Path,
    ca: &Path,
    revocation: &Revocation,
    at: Option<i64>,
    accept_test_cards: bool,
) -> Result<(), Failure> {
    let data = read_file(lang, file)?;
    let found = kazasu_pdf::signatures(&data).map_err(|e| pdf_failure(lang, file, &e))?;
    let beside = bundle::beside(file);
    if found.is_empty() {
        if beside.is_file() {
            io::progress(text::pdf_verifying_signature_file(lang, beside.display()));
            return bundle::verify(lang, file, Some(&beside), ca, revocation, at, accept_test_cards);
        }
        let message = text::pdf_no_signatures(lang, beside.display(), file.display());
        return Err(Failure::new(message, exit::VERIFY_FAILED));
    }
    if beside.is_file() {
        io::progress(text::pdf_signature_file_not_checked(lang, beside.display()));
    }
    let anchors = trust::trust_anchors(lang, ca)?;
    let now = at.unwrap_or_else(drive::now);
    let mut all_valid = true;
    let mut checked = None;
    for (i, s) in found.iter().enumerate() {
        if let Some(token) = &s.document_timestamp {
            all_valid &= document_timestamp(lang, s, token, i + 1);
            continue;
        }
        let format = s.sub_filter.map(SubFilter::name).unwrap_or("?");
        outln!("{}", text::pdf_signature_heading(lang, &s.field_name, format, i + 1));
        match check(lang, &data, s, &anchors, now, revocation, accept_test_cards) {
            Ok((name, c)) => {
                outln!("{}", text::pdf_signature_valid(lang, name));
                checked = Some(c);
            }
            Err(reason) => {
                all_valid = false;
                outln!("{}", text::pdf_signature_invalid(lang, reason));
            }
        }
        if let Some(t) = s.cms.as_ref().ok().and_then(|c| c.signing_time) {
            outln!("{}", text::pdf_signing_time(lang, time::moment(lang, t)));
        }
        if let Some(cms) = s.cms.as_ref().ok().filter(|c| c.timestamp.is_some()) {
            let token = cms.timestamp.as_deref().unwrap_or_default();
            match kazasu_pdf::timestamp::check(token, &cms.signature, &tsa::signature_verifies) {
                Ok(t) => outln!("{}", text::pdf_timestamp(lang, time::moment(lang, t))),
                Err(e) => {
                    detail(&s.field_name, e);
                    all_valid = false;
                    outln!("{}", text::pdf_signature_invalid(lang, text::pdf_timestamp_invalid(lang)));
                }
            }
        }
        if s.covers_whole_file {
            outln!("{}", text::pdf_unchanged_after(lang));
        } else {
            outln!("{}", text::pdf_changed_after(lang));
        }
    }
    if !all_valid {
        return Err(Failure::new(text::pdf_some_signatures_invalid(lang), exit::VERIFY_FAILED));
    }
    outln!("{}", revocation::verified_line(lang, checked.as_ref()));
    Ok(())
}

/// A document time-stamp (PAdES B-LTA): its token's imprint is the digest of its ranges as the file has them, and
/// the token is signed by the certificate it carries. Prints what it found; returns whether it holds.
fn document_timestamp(lang: Lang, s: &FoundSignature, token: &[u8], index: usize) -> bool {
    outln!("{}", text::pdf_document_timestamp_heading(lang, &s.field_name, index));
    let valid = match kazasu_pdf::timestamp::check_document(token, &s.digest, &tsa::signature_verifies) {
        Ok((t, _)) if s.ranges_valid => {
            outln!("{}", text::pdf_timestamp(lang, time::moment(lang, t)));
            true
        }
        Ok(_) => {
            outln!("{}", text::pdf_signature_invalid(lang, text::pdf_byte_range_invalid(lang)));
            false
        }
        Err(e) => {
            detail(&s.field_name, e);
            outln!("{}", text::pdf_signature_invalid(lang, text::pdf_timestamp_invalid(lang)));
            false
        }
    };
    if s.covers_whole_file {
        outln!("{}", text::pdf_unchanged_after(lang));
    } else {
        outln!("{}", text::pdf_changed_after(lang));
    }
    valid
}

/// One signature's checks (`data`: the whole file): the ranges, the digest over them, the signer's signature over the signed attributes,
/// the certificate chain (and CRL). Returns the signer's name, or why the signature is not valid.
fn check(
    lang: Lang,
    data: &[u8],
    s: &FoundSignature,
    anchors: &TrustAnchors,
    now: i64,
    revocation: &Revocation,
    accept_test_cards: bool,
) -> Result<(String, RevocationChecked), String> {
    if !s.ranges_valid {
        return Err(text::pdf_byte_range_invalid(lang));
    }
    let cms = s.cms.as_ref().map_err(|e| {
        detail(&s.field_name, e);
        text::verification_failed(lang)
    })?;
    if !cms.sha256 || cms.signing_certificate_matches == Some(false) {
        return Err(text::signature_does_not_match(lang));
    }
    // With signed attributes the signature is over their DER and their message digest is over the ranges;
    // without (iText 2.1.7, `openssl cms -noattr`) the signature is over the ranges themselves.
    let signed: std::borrow::Cow<[u8]> = match (&cms.signed_attrs, &cms.message_digest) {
        (Some(attrs), Some(digest)) if *digest == s.digest => attrs.into(),
        (Some(_), _) => return Err(text::signature_does_not_match(lang)),
        (None, _) => s.signed_content(data).into(),
    };
    let cert = Certificate::from_der(&cms.certificate).map_err(|e| {
        detail(&s.field_name, e);
        text::verification_failed(lang)
    })?;
    let why = |e: VerifyError| {
        detail(&s.field_name, &e);
        show::why_not_verified(lang, &e)
    };
    verify_signature(&cms.certificate, HashAlgorithm::Sha256, &signed, &cms.signature).map_err(why)?;
    trust::card_kind(lang, &cert, accept_test_cards)?;
    let issuer = verify_chain_to_issuer(&cms.certificate, anchors, now).map_err(why)?;
    let checked = revocation.check(lang, &cms.certificate, issuer.der(), now).map_err(|(message, _)| message)?;
    Ok((cert.personal.as_ref().and_then(|p| p.name.clone()).unwrap_or(cert.subject), checked))
}
