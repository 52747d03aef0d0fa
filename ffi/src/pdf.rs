//! Signing a PDF on the phone, in three steps around the one signing flow (no second way to the card):
//!
//! 1. `prepare_pdf(bytes, kind, now, certificate)` → a [`PreparedPdf`]: the incremental update is made in memory
//!    (the input bytes are not changed); `display()` is what the shell shows before the password (pages, size,
//!    SHA-256 of the file as it is, signatures already in it).
//! 2. `SigningFlow.forPdf(fileName, prepared, …)`: the review shows the file's name, size and SHA-256; in the
//!    signing tap the signed attributes are built naming the certificate the card just gave
//!    (signing-certificate-v2), and the card signs them — their message digest covers the exact byte ranges of
//!    the signed file. One password, one tap. (`SigningFlow.forBytes(fileName, prepared.bytesToSign(), …)`
//!    signs attributes built before the tap: naming the certificate only when `prepare_pdf` was given it.)
//! 3. `prepared.finish(signedDocument)` → the signed PDF, to be saved as a new file.

use std::sync::Arc;

use kazasu_pdf::{CardSignature, PdfError as CorePdfError, Session, SignOptions, SubFilter};

use crate::signed::{HashAlgorithm, SignedDocument};

/// The kind of PDF signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PdfSignatureKind {
    /// PAdES baseline B-B (ETSI.CAdES.detached).
    Pades,
    /// adbe.pkcs7.detached (as 登記・供託 filings take), with the signing-time attribute.
    Pkcs7,
}

/// What the person is shown about the PDF before the password.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PdfDisplay {
    pub pages: u32,
    pub size: u64,
    /// SHA-256 of the file as given, lower-case hex.
    pub sha256_hex: String,
    /// Signatures already in the file. The update changes no byte they signed (only a new field, the page's
    /// /Annots and the form's /Fields are added to), so each that is valid stays valid; a document whose
    /// certification allows no change is refused ([`PdfFailure::CertifiedNoChanges`]).
    pub existing_signatures: u32,
}

/// A corner of the page as the person sees it (after the page's rotation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PdfStampCorner {
    LowerLeft,
    LowerRight,
    UpperLeft,
    UpperRight,
}

/// A visible stamp: its lines (the app's words, e.g. the name from the certificate and the time) and where it
/// goes. It reads upright in the chosen corner of the page as shown, inside what the viewer shows of the page.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PdfStamp {
    pub lines: Vec<String>,
    /// 1 is the first page; a negative number counts from the end (-1 is the last).
    #[uniffi(default = 1)]
    pub page: i32,
    pub corner: PdfStampCorner,
    /// Points between the stamp and the page's edges (36: half an inch).
    #[uniffi(default = 36.0)]
    pub margin: f64,
}

impl From<PdfStamp> for kazasu_pdf::Stamp {
    fn from(s: PdfStamp) -> kazasu_pdf::Stamp {
        let corner = match s.corner {
            PdfStampCorner::LowerLeft => kazasu_pdf::Corner::LowerLeft,
            PdfStampCorner::LowerRight => kazasu_pdf::Corner::LowerRight,
            PdfStampCorner::UpperLeft => kazasu_pdf::Corner::UpperLeft,
            PdfStampCorner::UpperRight => kazasu_pdf::Corner::UpperRight,
        };
        kazasu_pdf::Stamp { lines: s.lines, page: s.page, corner, margin: s.margin }
    }
}

/// Why a PDF cannot be signed (machine-readable; `detail` is for logs).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PdfFailure {
    #[error("the PDF is encrypted")]
    Encrypted,
    #[error("not a readable PDF: {detail}")]
    Damaged { detail: String },
    #[error("too large: {size} bytes, at most {max}")]
    TooLarge { size: u64, max: u64 },
    /// The stamp was asked for on a page the PDF does not have.
    #[error("no page {page} for the stamp: the PDF has {pages}")]
    NoSuchPage { page: i32, pages: u64 },
    #[error("not supported: {detail}")]
    Unsupported { detail: String },
    /// Certified by its author (DocMDP P=1), or locked by a signed field, so that no change is allowed: a
    /// signature would break that certification. Refused before the password (app.toml:
    /// pdf_refused_certified_no_changes).
    #[error("the PDF's certification allows no change")]
    CertifiedNoChanges,
    /// The signature was made over other signed attributes, or with a certificate other than the one given to
    /// `prepare_pdf`.
    #[error("the signature does not belong to this prepared PDF")]
    WrongSignature,
    /// `finish` was called twice.
    #[error("already finished")]
    AlreadyFinished,
}

impl From<CorePdfError> for PdfFailure {
    fn from(e: CorePdfError) -> Self {
        match e {
            CorePdfError::Encrypted => PdfFailure::Encrypted,
            CorePdfError::Damaged(_) | CorePdfError::Repaired => PdfFailure::Damaged { detail: e.to_string() },
            CorePdfError::TooLarge { size, max } => PdfFailure::TooLarge { size: size as u64, max: max as u64 },
            CorePdfError::NoChangesAllowed => PdfFailure::CertifiedNoChanges,
            CorePdfError::NoSuchPage { page, pages } => PdfFailure::NoSuchPage { page, pages: pages as u64 },
            CorePdfError::NotThisSession | CorePdfError::OtherCertificate => PdfFailure::WrongSignature,
            CorePdfError::AlreadyFinished => PdfFailure::AlreadyFinished,
            other => PdfFailure::Unsupported { detail: other.to_string() },
        }
    }
}

/// A PDF with the room for its signature made, waiting for the card: one [`Session`] of kazasu-pdf.
#[derive(uniffi::Object)]
pub struct PreparedPdf {
    session: Arc<Session>,
    /// The signed attributes built before the card (for `SigningFlow.forBytes`).
    attributes: Vec<u8>,
    display: PdfDisplay,
}

impl std::fmt::Debug for PreparedPdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedPdf").field("display", &self.display).finish_non_exhaustive()
    }
}

/// Prepares `pdf` for a signature of `kind` claimed at `signing_time` (Unix seconds). `certificate`: the
/// person's signature certificate when the app has it already (from an earlier signing), so the signature names
/// it (signing-certificate-v2); the card's must then be the same. `stamp`: a visible stamp with the app's
/// lines, on the page and in the corner it names; `None`: invisible.
#[uniffi::export]
pub fn prepare_pdf(
    pdf: Vec<u8>,
    kind: PdfSignatureKind,
    signing_time: i64,
    certificate: Option<Vec<u8>>,
    stamp: Option<PdfStamp>,
) -> Result<Arc<PreparedPdf>, PdfFailure> {
    let sub_filter = match kind {
        PdfSignatureKind::Pades => SubFilter::Pades,
        PdfSignatureKind::Pkcs7 => SubFilter::Pkcs7,
    };
    let options =
        SignOptions { stamp: stamp.map(kazasu_pdf::Stamp::from), ..SignOptions::new(sub_filter, signing_time) };
    let session = Session::prepare(pdf, options)?.expecting(certificate);
    let attributes = session.attributes_before_card()?;
    let info = session.info();
    let display = PdfDisplay {
        pages: u32::try_from(info.pages).unwrap_or(u32::MAX),
        size: info.size as u64,
        sha256_hex: hex::encode(info.sha256),
        existing_signatures: u32::try_from(info.signatures).unwrap_or(u32::MAX),
    };
    Ok(Arc::new(PreparedPdf { session: Arc::new(session), attributes, display }))
}

#[uniffi::export]
impl PreparedPdf {
    pub fn display(&self) -> PdfDisplay {
        self.display.clone()
    }

    /// The bytes to give to `SigningFlow.forBytes` with [`HashAlgorithm::Sha256`].
    pub fn bytes_to_sign(&self) -> Vec<u8> {
        self.attributes.clone()
    }

    /// The signed PDF, from what the flow gave back (`SigningFlow.forPdf`, or `forBytes` over
    /// [`PreparedPdf::bytes_to_sign`]).
    pub fn finish(&self, signed: SignedDocument) -> Result<Vec<u8>, PdfFailure> {
        if signed.algorithm != HashAlgorithm::Sha256 {
            return Err(PdfFailure::WrongSignature);
        }
        let card = CardSignature { signature: &signed.signature, certificate: &signed.certificate, signed_bytes: None };
        Ok(self.session.finish(card, None)?.into_bytes())
    }
}

impl PreparedPdf {
    /// The file as given, for the review.
    pub(crate) fn input(&self) -> Arc<[u8]> {
        self.session.input()
    }

    /// What the signing tap of `SigningFlow.forPdf` signs: the signed attributes naming the certificate the
    /// card gives (and nothing for a card other than the one `prepare_pdf` was given).
    pub(crate) fn builder(&self) -> kazasu_core::flow::BuildFromCertificate {
        kazasu_core::flow::BuildFromCertificate::new(self.session.builder())
    }
}
