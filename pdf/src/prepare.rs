//! The incremental update that makes room for a signature, and filling that room.

use lopdf::{dictionary, Dictionary, IncrementalDocument, Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};

use crate::error::PdfError;
use crate::read::{field_names, load};

/// The kind of signature, written as the dictionary's `/SubFilter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubFilter {
    /// PAdES baseline B-B (`ETSI.CAdES.detached`): no signing-time attribute, the time is in `/M`.
    Pades,
    /// `adbe.pkcs7.detached` (what 登記・供託 filings take): with the signing-time attribute.
    Pkcs7,
    /// A document time-stamp (`/Type /DocTimeStamp`, `ETSI.RFC3161`, PAdES B-LTA): `/Contents` holds an RFC 3161
    /// token over the byte ranges, no signed attributes ([`crate::doc_timestamp`]).
    DocTimeStamp,
}

impl SubFilter {
    pub fn name(self) -> &'static str {
        match self {
            SubFilter::Pades => "ETSI.CAdES.detached",
            SubFilter::Pkcs7 => "adbe.pkcs7.detached",
            SubFilter::DocTimeStamp => "ETSI.RFC3161",
        }
    }
}

/// How to sign.
#[derive(Clone, Debug)]
pub struct SignOptions {
    pub sub_filter: SubFilter,
    /// Name of the new signature field; `None`: the first free `SignatureN`.
    pub field_name: Option<String>,
    /// The signing time claimed (Unix seconds): `/M`, and the signing-time attribute for [`SubFilter::Pkcs7`].
    pub signing_time: i64,
    /// Bytes reserved for the CMS in `/Contents`.
    pub reserved: usize,
    /// A visible stamp (its text, page, corner and margin); `None`: invisible, on the first page.
    pub stamp: Option<crate::stamp::Stamp>,
}

impl SignOptions {
    pub fn new(sub_filter: SubFilter, signing_time: i64) -> SignOptions {
        SignOptions { sub_filter, field_name: None, signing_time, reserved: 16 * 1024, stamp: None }
    }
}

/// The `/ByteRange` written first; each number is replaced in place by the real one, padded with spaces.
const RANGE_PLACEHOLDER: i64 = 9_999_999_999;

/// A copy of the input with the signature's room made, waiting for the card's signature.
#[derive(Clone, Debug)]
pub struct Prepared {
    bytes: Vec<u8>,
    /// `[0, a, b, c]`: bytes `0..a` and `b..b+c` are signed; `a..b` is `<hex of /Contents>`.
    byte_range: [usize; 4],
    sub_filter: SubFilter,
    signing_time: i64,
    field_name: String,
}

/// Appends a signature field and dictionary to a copy of `input` (the incremental update).
pub fn prepare(input: &[u8], options: &SignOptions) -> Result<Prepared, PdfError> {
    let doc = load(input)?;
    // Bytes before `%PDF-` (a mail header, a BOM): readers such as qpdf count every offset of the input from the
    // header, and lopdf reads it so too, but it counts the update's new offsets from the file's start while
    // `/Prev` keeps the header-relative value, so the result would be damaged. Refused, before any password.
    let offset = input.windows(5).position(|w| w == b"%PDF-").unwrap_or(0);
    if offset > 0 {
        return Err(PdfError::BytesBeforeHeader { offset });
    }
    // lopdf repaired the cross-reference data (a damaged or truncated file): an update must point back to the
    // input's own xref section, as written.
    if doc.xref_start == 0 || doc.xref_recovery.is_some() {
        return Err(PdfError::Repaired);
    }
    let names = field_names(&doc);
    let field_name = match &options.field_name {
        Some(n) if names.iter().any(|e| e == n) => return Err(PdfError::FieldExists(n.clone())),
        Some(n) => n.clone(),
        None => (1..).map(|i| format!("Signature{i}")).find(|n| !names.contains(n)).unwrap_or_default(),
    };
    let root_id = doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| structure("catalog"))?;
    let first_page = *doc.get_pages().values().next().ok_or(structure("page"))?;
    // A visible stamp's page and place there (module `place`), read before the document goes into the update.
    let stamp_at = options.stamp.as_ref().map(|s| crate::stamp::locate(&doc, s)).transpose()?;
    let page = stamp_at.map_or(first_page, |(page, _)| page);
    let mut inc = IncrementalDocument::create_from(input.to_vec(), doc);

    let sig_id = inc.new_document.add_object(signature_dictionary(options));
    let mut widget = dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::string_literal(field_name.as_bytes()),
        "V" => sig_id,
        // Print + Locked: printed, not to be moved.
        "F" => 132,
        // Invisible: an empty rectangle.
        "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
        "P" => page,
    };
    if let (Some(stamp), Some((_, placement))) = (&options.stamp, stamp_at) {
        let ap = crate::stamp::appearance(stamp, &placement, &mut |o| inc.new_document.add_object(o))?;
        widget.set("Rect", crate::stamp::rect(&placement));
        widget.set("AP", dictionary! { "N" => ap });
    }
    let widget_id = inc.new_document.add_object(widget);
    add_to_array(&mut inc, page, b"Annots", widget_id, "page")?;
    add_field(&mut inc, root_id, widget_id)?;

    let mut bytes = Vec::with_capacity(input.len() + options.reserved * 2 + 4096);
    inc.save_to(&mut bytes).map_err(PdfError::Write)?;
    let byte_range = fill_byte_range(&mut bytes, input.len(), options.reserved)?;
    Ok(Prepared { bytes, byte_range, sub_filter: options.sub_filter, signing_time: options.signing_time, field_name })
}

fn structure(what: &'static str) -> PdfError {
    PdfError::Structure { what }
}

fn signature_dictionary(options: &SignOptions) -> Dictionary {
    let placeholder = vec![0u8; options.reserved];
    if options.sub_filter == SubFilter::DocTimeStamp {
        // The time is the token's; a document time-stamp has no /M (ISO 32000-2, 12.8.5).
        return crate::doc_timestamp::dictionary(placeholder, RANGE_PLACEHOLDER);
    }
    dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => Object::Name(options.sub_filter.name().as_bytes().to_vec()),
        "ByteRange" => vec![0.into(), RANGE_PLACEHOLDER.into(), RANGE_PLACEHOLDER.into(), RANGE_PLACEHOLDER.into()],
        "Contents" => Object::String(placeholder, StringFormat::Hexadecimal),
        "M" => Object::string_literal(pdf_date(options.signing_time)),
    }
}

/// `D:YYYYMMDDHHmmSSZ` (UTC) for a Unix time; times outside what DER can say become the epoch.
fn pdf_date(unix: i64) -> String {
    let secs = std::time::Duration::from_secs(u64::try_from(unix).unwrap_or(0));
    let Ok(t) = der::DateTime::from_unix_duration(secs) else { return "D:19700101000000Z".into() };
    format!("D:{:04}{:02}{:02}{:02}{:02}{:02}Z", t.year(), t.month(), t.day(), t.hour(), t.minutes(), t.seconds())
}

/// Adds `item` to the array `key` of dictionary `owner` (direct or through a reference), cloning into the update
/// whatever object changes.
fn add_to_array(
    inc: &mut IncrementalDocument,
    owner: ObjectId,
    key: &[u8],
    item: ObjectId,
    what: &'static str,
) -> Result<(), PdfError> {
    inc.opt_clone_object_to_new_document(owner).map_err(|_| structure(what))?;
    let current = inc.new_document.get_dictionary(owner).map_err(|_| structure(what))?.get(key).ok().cloned();
    match current {
        Some(Object::Reference(array_id)) => {
            inc.opt_clone_object_to_new_document(array_id).map_err(|_| structure(what))?;
            match inc.new_document.get_object_mut(array_id) {
                Ok(Object::Array(a)) => a.push(item.into()),
                _ => return Err(structure(what)),
            }
        }
        Some(Object::Array(mut a)) => {
            a.push(item.into());
            set(inc, owner, key, Object::Array(a), what)?;
        }
        Some(_) => return Err(structure(what)),
        None => set(inc, owner, key, Object::Array(vec![item.into()]), what)?,
    }
    Ok(())
}

fn set(
    inc: &mut IncrementalDocument,
    id: ObjectId,
    key: &[u8],
    value: Object,
    what: &'static str,
) -> Result<(), PdfError> {
    inc.new_document.get_dictionary_mut(id).map_err(|_| structure(what))?.set(key, value);
    Ok(())
}

/// Lists the field in the catalog's AcroForm (made when missing) and marks the document as signed
/// (`/SigFlags 3`: signatures exist, append only).
fn add_field(inc: &mut IncrementalDocument, root: ObjectId, field: ObjectId) -> Result<(), PdfError> {
    inc.opt_clone_object_to_new_document(root).map_err(|_| structure("catalog"))?;
    let form = inc.new_document.get_dictionary(root).map_err(|_| structure("catalog"))?.get(b"AcroForm").ok().cloned();
    let form_id = match form {
        Some(Object::Reference(id)) => {
            inc.opt_clone_object_to_new_document(id).map_err(|_| structure("AcroForm"))?;
            id
        }
        Some(Object::Dictionary(d)) => {
            // A direct AcroForm becomes its own object in the update, referenced from the catalog.
            let id = inc.new_document.add_object(d);
            set(inc, root, b"AcroForm", id.into(), "catalog")?;
            id
        }
        Some(_) => return Err(structure("AcroForm")),
        None => {
            let id = inc.new_document.add_object(dictionary! { "Fields" => Vec::<Object>::new() });
            set(inc, root, b"AcroForm", id.into(), "catalog")?;
            id
        }
    };
    add_to_array(inc, form_id, b"Fields", field, "AcroForm")?;
    set(inc, form_id, b"SigFlags", Object::Integer(3), "AcroForm")
}

/// Finds the placeholders written after `start` (the end of the input), writes the real `/ByteRange` over its
/// placeholder and returns it.
fn fill_byte_range(bytes: &mut [u8], start: usize, reserved: usize) -> Result<[usize; 4], PdfError> {
    let mut contents = Vec::with_capacity(reserved * 2 + 2);
    contents.push(b'<');
    contents.resize(reserved * 2 + 1, b'0');
    contents.push(b'>');
    let a = find(&bytes[start..], &contents).ok_or(PdfError::NoPlaceholder)? + start;
    let b = a + contents.len();
    let range = [0, a, b, bytes.len() - b];
    let placeholder = format!("0 {RANGE_PLACEHOLDER} {RANGE_PLACEHOLDER} {RANGE_PLACEHOLDER}");
    let at = find(&bytes[start..], placeholder.as_bytes()).ok_or(PdfError::NoPlaceholder)? + start;
    let real = format!("{} {} {} {}", range[0], range[1], range[2], range[3]);
    if real.len() > placeholder.len() {
        return Err(PdfError::NoPlaceholder);
    }
    let slot = &mut bytes[at..at + placeholder.len()];
    slot.fill(b' ');
    slot[..real.len()].copy_from_slice(real.as_bytes());
    Ok(range)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Prepared {
    /// The bytes the signature covers: the whole prepared file except `/Contents`' hex string.
    pub fn signed_ranges(&self) -> impl Iterator<Item = &[u8]> {
        let [_, a, b, c] = self.byte_range;
        [&self.bytes[..a], &self.bytes[b..b + c]].into_iter()
    }

    /// SHA-256 over [`Prepared::signed_ranges`]: the message digest in the signed attributes.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for r in self.signed_ranges() {
            h.update(r);
        }
        h.finalize().into()
    }

    pub fn byte_range(&self) -> [usize; 4] {
        self.byte_range
    }

    pub fn sub_filter(&self) -> SubFilter {
        self.sub_filter
    }

    pub fn field_name(&self) -> &str {
        &self.field_name
    }

    /// DER of the signed attributes (a SET) for this PDF's digest: what the card signs. `certificate`: the
    /// signer's certificate when known before signing (for signing-certificate-v2).
    pub fn signed_attributes(&self, certificate: Option<&[u8]>) -> Result<Vec<u8>, PdfError> {
        let time = (self.sub_filter == SubFilter::Pkcs7).then_some(self.signing_time);
        crate::cms::signed_attributes(&self.digest(), certificate, time)
    }

    /// The signed PDF: `cms` (DER of a ContentInfo) written into `/Contents`, zero-padded.
    pub fn finish(mut self, cms: &[u8]) -> Result<Vec<u8>, PdfError> {
        let [_, a, b, _] = self.byte_range;
        let reserved = (b - a - 2) / 2;
        if cms.len() > reserved {
            return Err(PdfError::SignatureTooLarge { needed: cms.len(), reserved });
        }
        let hex = hex::encode_upper(cms);
        self.bytes[a + 1..a + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}
