//! Reading a PDF (through `lopdf`): what is shown before signing, the form's field names, the signatures.

use lopdf::{Dictionary, Document, Object};
use sha2::{Digest, Sha256};

use crate::error::PdfError;
use crate::permissions::{allowed_changes, AllowedChanges};
use crate::subfilter::SubFilter;

/// Inputs above this size are refused ([`PdfError::TooLarge`]): the whole file is held in memory twice.
pub const MAX_INPUT: usize = 256 * 1024 * 1024;

/// What the person is shown about a PDF before the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PdfInfo {
    pub pages: usize,
    pub size: usize,
    pub sha256: [u8; 32],
    /// Signatures already in it.
    pub signatures: usize,
    /// What a certification or a signed field's lock allows after it; `None`: neither restricts changes. (A
    /// document that allows none is refused: [`PdfError::NoChangesAllowed`].)
    pub allowed_changes: Option<AllowedChanges>,
}

/// One signature found in a PDF, with what its verification needs.
#[derive(Clone, Debug)]
pub struct FoundSignature {
    pub field_name: String,
    /// `None`: a SubFilter other than the two written here (its CMS is still read when it parses).
    pub sub_filter: Option<SubFilter>,
    pub byte_range: [usize; 4],
    /// The ranges lie inside the file and leave out exactly the `/Contents` string.
    pub ranges_valid: bool,
    /// The signed ranges end at the end of the file: nothing was appended after this signature.
    pub covers_whole_file: bool,
    /// SHA-256 over the byte ranges as the file has them now.
    pub digest: [u8; 32],
    /// The CMS, parsed; `Err` when `/Contents` holds no readable SignedData (and for a document time-stamp).
    pub cms: Result<crate::cms::ParsedCms, String>,
    /// A document time-stamp's token (DER; `sub_filter` is [`SubFilter::DocTimeStamp`]): check it over
    /// [`FoundSignature::digest`] with [`crate::timestamp::check_document`].
    pub document_timestamp: Option<Vec<u8>>,
}

impl FoundSignature {
    /// The bytes the signature covers in `input` (the file it was found in): its two ranges, joined; empty when
    /// the ranges are not valid.
    pub fn signed_content(&self, input: &[u8]) -> Vec<u8> {
        let [_, a, b, c] = self.byte_range;
        match (self.ranges_valid, input.get(..a), input.get(b..b.saturating_add(c))) {
            (true, Some(first), Some(second)) => [first, second].concat(),
            _ => Vec::new(),
        }
    }
}

/// Loads `input` with `lopdf`, refusing what is not signed here.
pub(crate) fn load(input: &[u8]) -> Result<Document, PdfError> {
    if input.len() > MAX_INPUT {
        return Err(PdfError::TooLarge { size: input.len(), max: MAX_INPUT });
    }
    let doc = match Document::load_mem(input) {
        Ok(doc) => doc,
        Err(lopdf::Error::Decryption(_)) => return Err(PdfError::Encrypted),
        Err(e) => return Err(PdfError::Damaged(e)),
    };
    if doc.was_encrypted() || doc.is_encrypted() || doc.encryption_state.is_some() {
        return Err(PdfError::Encrypted);
    }
    Ok(doc)
}

/// Loads `input` for signing, refusing — before anything about it is shown — what cannot take an update that
/// leaves it as it was: bytes before `%PDF-`, cross-reference data `lopdf` could only repair, a certification
/// (or a signed field's lock) that allows no change.
pub(crate) fn load_signable(input: &[u8]) -> Result<(Document, Option<AllowedChanges>), PdfError> {
    let doc = load(input)?;
    // Bytes before `%PDF-` (a mail header, a BOM): readers such as qpdf count every offset of the input from the
    // header, and lopdf reads it so too, but the update's offsets would count from the file's start while
    // `/Prev` keeps the header-relative value, so the result would be damaged.
    let offset = input.windows(5).position(|w| w == b"%PDF-").unwrap_or(0);
    if offset > 0 {
        return Err(PdfError::BytesBeforeHeader { offset });
    }
    // lopdf repaired the cross-reference data (a damaged or truncated file): an update must point back to the
    // input's own xref section, as written.
    if doc.xref_start == 0 || doc.xref_recovery.is_some() {
        return Err(PdfError::Repaired);
    }
    let signed: Vec<&Dictionary> = signature_fields(&doc).into_iter().map(|(_, field, _)| field).collect();
    let allowed = allowed_changes(&doc, &signed);
    if allowed == Some(AllowedChanges::None) {
        return Err(PdfError::NoChangesAllowed);
    }
    Ok((doc, allowed))
}

/// Page count, size, SHA-256, signatures and allowed changes of `input`, which is refused here already when
/// it cannot be signed for a reason its structure tells ([`PdfError`]).
pub fn inspect(input: &[u8]) -> Result<PdfInfo, PdfError> {
    let (doc, allowed_changes) = load_signable(input)?;
    let pages = doc.get_pages().len();
    if pages == 0 {
        return Err(PdfError::Structure { what: "page" });
    }
    Ok(PdfInfo {
        pages,
        size: input.len(),
        sha256: Sha256::digest(input).into(),
        signatures: signature_fields(&doc).len(),
        allowed_changes,
    })
}

/// The form's terminal fields (walking `/Kids`), at most this many, so a looping form ends.
const MAX_FIELDS: usize = 10_000;

fn fields(doc: &Document) -> Vec<&Dictionary> {
    let mut out = Vec::new();
    let Ok(catalog) = doc.catalog() else { return out };
    let Some(form) = catalog.get(b"AcroForm").ok().and_then(|f| deref_dict(doc, f)) else { return out };
    let mut stack: Vec<&Object> = match form.get(b"Fields").ok().and_then(|f| doc.dereference(f).ok()) {
        Some((_, Object::Array(a))) => a.iter().collect(),
        _ => return out,
    };
    let mut seen = 0;
    while let Some(item) = stack.pop() {
        seen += 1;
        if seen > MAX_FIELDS {
            break;
        }
        let Some(d) = deref_dict(doc, item) else { continue };
        match d.get(b"Kids").ok().and_then(|k| doc.dereference(k).ok()) {
            Some((_, Object::Array(kids))) if !kids.is_empty() && !d.has(b"Subtype") => stack.extend(kids.iter()),
            _ => out.push(d),
        }
    }
    out
}

fn deref_dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match doc.dereference(o).ok()? {
        (_, Object::Dictionary(d)) => Some(d),
        _ => None,
    }
}

/// A text string: UTF-16BE after its byte order mark (as field names with kanji are written), else its bytes
/// read as UTF-8.
fn text(o: &Object) -> String {
    match o {
        Object::String(s, _) if s.starts_with(b"\xFE\xFF") => lopdf::decode_text_string(o).unwrap_or_default(),
        Object::String(s, _) => String::from_utf8_lossy(s).into_owned(),
        _ => String::new(),
    }
}

/// The object number of the form's empty signature field named `name` (`/FT /Sig`, no `/V`): a place the
/// author left for a signature, which a certification allowing signing (DocMDP P=2) lets be filled.
pub(crate) fn empty_signature_field(doc: &Document, name: &str) -> Option<lopdf::ObjectId> {
    let catalog = doc.catalog().ok()?;
    let form = catalog.get(b"AcroForm").ok().and_then(|f| deref_dict(doc, f))?;
    let mut stack: Vec<&Object> = match doc.dereference(form.get(b"Fields").ok()?).ok()? {
        (_, Object::Array(a)) => a.iter().collect(),
        _ => return None,
    };
    let mut seen = 0;
    while let Some(item) = stack.pop() {
        seen += 1;
        if seen > MAX_FIELDS {
            return None;
        }
        let Object::Reference(id) = item else { continue };
        let Ok(Object::Dictionary(d)) = doc.get_object(*id) else { continue };
        if d.get(b"T").ok().map(text).as_deref() == Some(name) {
            let is_sig = matches!(d.get(b"FT"), Ok(Object::Name(n)) if n == b"Sig");
            return (is_sig && !d.has(b"V")).then_some(*id);
        }
        if let Some((_, Object::Array(kids))) = d.get(b"Kids").ok().and_then(|k| doc.dereference(k).ok()) {
            stack.extend(kids.iter());
        }
    }
    None
}

/// Names (`/T`) of the form's fields.
pub(crate) fn field_names(doc: &Document) -> Vec<String> {
    fields(doc).iter().filter_map(|f| f.get(b"T").ok().map(text)).collect()
}

/// Whether every widget of the form has a normal appearance (`/AP /N` a stream, or for a check box or radio
/// button a dictionary of streams, one per state): then `/NeedAppearances` can go, as nothing is left for a
/// reader to draw. (LibreOffice writes check boxes with `/N << /Yes null /Off null >>` and relies on it.)
pub(crate) fn every_widget_has_appearance(doc: &Document) -> bool {
    let is_stream = |o: &Object| matches!(doc.dereference(o), Ok((_, Object::Stream(_))));
    fields(doc).iter().all(|f| {
        let normal = f.get(b"AP").ok().and_then(|ap| deref_dict(doc, ap)).and_then(|ap| ap.get(b"N").ok());
        match normal.map(|n| doc.dereference(n)) {
            Some(Ok((_, Object::Stream(_)))) => true,
            Some(Ok((_, Object::Dictionary(states)))) => !states.is_empty() && states.iter().all(|(_, s)| is_stream(s)),
            _ => false,
        }
    })
}

/// Signature fields with a value: (name, field, signature dictionary).
fn signature_fields(doc: &Document) -> Vec<(String, &Dictionary, &Dictionary)> {
    fields(doc)
        .into_iter()
        .filter(|f| matches!(f.get(b"FT"), Ok(Object::Name(n)) if n == b"Sig"))
        .filter_map(|f| {
            let value = deref_dict(doc, f.get(b"V").ok()?)?;
            Some((f.get(b"T").map(text).unwrap_or_default(), f, value))
        })
        .collect()
}

/// Every signature of `input`, in the order of their byte ranges (earliest revision first).
pub fn signatures(input: &[u8]) -> Result<Vec<FoundSignature>, PdfError> {
    let doc = load(input)?;
    let mut out: Vec<FoundSignature> =
        signature_fields(&doc).into_iter().map(|(field_name, _, sig)| found(input, field_name, sig)).collect();
    out.sort_by_key(|s| s.byte_range[2] + s.byte_range[3]);
    Ok(out)
}

fn found(input: &[u8], field_name: String, sig: &Dictionary) -> FoundSignature {
    let sub_filter = match sig.get(b"SubFilter") {
        Ok(Object::Name(n)) if n == SubFilter::Pades.name().as_bytes() => Some(SubFilter::Pades),
        Ok(Object::Name(n)) if n == SubFilter::Pkcs7.name().as_bytes() => Some(SubFilter::Pkcs7),
        Ok(Object::Name(n)) if n == SubFilter::DocTimeStamp.name().as_bytes() => Some(SubFilter::DocTimeStamp),
        _ => None,
    };
    let mut byte_range = [0usize; 4];
    let mut parsed = 0;
    if let Ok(Object::Array(a)) = sig.get(b"ByteRange") {
        for (slot, v) in byte_range.iter_mut().zip(a) {
            if let Some(n) = v.as_i64().ok().and_then(|n| usize::try_from(n).ok()) {
                *slot = n;
                parsed += 1;
            }
        }
        if a.len() != 4 {
            parsed = 0;
        }
    }
    let [start, a, b, c] = byte_range;
    let in_file = b.checked_add(c).is_some_and(|end| end <= input.len());
    // The gap must be exactly one hex string: '<' at a, '>' right before b.
    let ranges_valid =
        parsed == 4 && start == 0 && a < b && in_file && input.get(a) == Some(&b'<') && input.get(b - 1) == Some(&b'>');
    let mut h = Sha256::new();
    if ranges_valid {
        h.update(&input[..a]);
        h.update(&input[b..b + c]);
    }
    let contents = match sig.get(b"Contents") {
        Ok(Object::String(s, _)) => s.as_slice(),
        _ => &[],
    };
    FoundSignature {
        field_name,
        sub_filter,
        byte_range,
        ranges_valid,
        covers_whole_file: ranges_valid && b + c == input.len(),
        digest: h.finalize().into(),
        cms: match sub_filter {
            Some(SubFilter::DocTimeStamp) => Err("a document time-stamp, not a signature".into()),
            _ => crate::cms::parse(contents).map_err(|e| e.to_string()),
        },
        document_timestamp: (sub_filter == Some(SubFilter::DocTimeStamp))
            .then(|| crate::ber::to_der(contents).ok())
            .flatten(),
    }
}
