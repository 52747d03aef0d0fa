//! The incremental update that makes room for a signature, and filling that room.

use lopdf::{dictionary, Dictionary, Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};

use crate::error::PdfError;
use crate::permissions::AllowedChanges;
use crate::read::{empty_signature_field, every_widget_has_appearance, field_names, load_signable};
use crate::subfilter::SubFilter;
use crate::tokens::{self, Edits};
use crate::update::{second_id, ChangedObject, Update};

/// How to sign.
#[derive(Clone, Debug)]
pub struct SignOptions {
    pub sub_filter: SubFilter,
    /// Name of the signature field: an empty signature field of that name is signed into (where the author
    /// placed it), else a new field of that name is made; `None`: a new field, the first free `SignatureN`.
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
    allowed_changes: Option<AllowedChanges>,
    changed: Vec<ChangedObject>,
}

/// Appends a signature field and dictionary to a copy of `input` (the incremental update). What is refused is
/// refused by [`crate::inspect`] too, so a caller can refuse before showing anything.
///
/// The update writes only new objects and the ones it must change — the first page (its `/Annots`, or the
/// array that holds them), the AcroForm (`/Fields`, `/SigFlags`, `/NeedAppearances`) or, when there is none, the
/// catalog — each as its original bytes with the one edit spliced in, so no number or other token of the
/// input changes ([`Prepared::changed_objects`]).
pub fn prepare(input: &[u8], options: &SignOptions) -> Result<Prepared, PdfError> {
    let (doc, allowed_changes) = load_signable(input)?;
    let names = field_names(&doc);
    // A name given: an empty signature field of that name is filled; any other field of that name is refused.
    let existing = options.field_name.as_deref().and_then(|n| empty_signature_field(&doc, n));
    let field_name = match &options.field_name {
        Some(n) if existing.is_none() && names.iter().any(|e| e == n) => return Err(PdfError::FieldExists(n.clone())),
        Some(n) => n.clone(),
        None => (1..).map(|i| format!("Signature{i}")).find(|n| !names.contains(n)).unwrap_or_default(),
    };
    let root_id = doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| structure("catalog"))?;
    if let Some(field) = existing {
        return fill_field(input, &doc, options, field, field_name, root_id, allowed_changes);
    }
    let first_page = *doc.get_pages().values().next().ok_or(structure("page"))?;
    // A visible stamp's page and place there (module `place`), read before the update is assembled.
    let stamp_at = options.stamp.as_ref().map(|s| crate::stamp::locate(&doc, s)).transpose()?;
    let page = stamp_at.map_or(first_page, |(page, _)| page);
    let mut up = Update::new(input, &doc);

    let sig_id = up.add(&Object::Dictionary(signature_dictionary(options)))?;
    let mut widget = dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        // A text string: UTF-16BE with its byte order mark when not ASCII, so readers show a kanji name.
        "T" => lopdf::text_string(&field_name),
        "V" => sig_id,
        // Print + Locked: printed, not to be moved.
        "F" => 132,
        // Invisible: an empty rectangle.
        "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
        "P" => page,
    };
    if let (Some(stamp), Some((_, placement))) = (&options.stamp, stamp_at) {
        // The stamp's objects (its drawing, the font subset) go into the update as new objects.
        let mut failed = None;
        let ap = crate::stamp::appearance(stamp, &placement, &mut |o| {
            up.add(&o).unwrap_or_else(|e| {
                failed.get_or_insert(e);
                (0, 0)
            })
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        widget.set("Rect", crate::stamp::rect(&placement));
        widget.set("AP", dictionary! { "N" => ap });
    }
    let widget_id = up.add(&Object::Dictionary(widget))?;
    add_to_array(&mut up, page, b"Annots", widget_id, "page")?;
    add_field(&mut up, root_id, widget_id, every_widget_has_appearance(&doc))?;

    let changed: Vec<ChangedObject> = up.changes()?;
    let mut bytes = up.write(second_id(input, options.signing_time, &field_name))?;
    let byte_range = fill_byte_range(&mut bytes, input.len(), options.reserved)?;
    Ok(Prepared {
        bytes,
        byte_range,
        sub_filter: options.sub_filter,
        signing_time: options.signing_time,
        field_name,
        allowed_changes,
        changed,
    })
}

/// Signs into the existing empty signature field `field`: its `/V` names the new signature dictionary; its
/// widget stays where the author put it (so the page's `/Annots` and the form's `/Fields` are unchanged), and
/// shows the stamp when one is asked for (a field whose widget is the field itself; the stamp's drawing is fitted
/// into the widget's rectangle).
fn fill_field(
    input: &[u8],
    doc: &lopdf::Document,
    options: &SignOptions,
    field: ObjectId,
    field_name: String,
    root_id: ObjectId,
    allowed_changes: Option<AllowedChanges>,
) -> Result<Prepared, PdfError> {
    let mut up = Update::new(input, doc);
    let sig_id = up.add(&Object::Dictionary(signature_dictionary(options)))?;
    let body = up.original(field)?;
    let dict = tokens::dictionary(&body, 0).ok_or(structure("signature field"))?;
    let mut edits = Edits::default();
    edits.add_entry(&dict, "V", &reference(sig_id));
    if let Some(stamp) = &options.stamp {
        let is_widget = dict.get(b"Subtype").is_some_and(|e| &body[e.value.clone()] == b"/Widget");
        if !is_widget {
            return Err(structure("signature field widget"));
        }
        let (_, placement) = crate::stamp::locate(doc, stamp)?;
        let mut failed = None;
        let ap = crate::stamp::appearance(stamp, &placement, &mut |o| {
            up.add(&o).unwrap_or_else(|e| {
                failed.get_or_insert(e);
                (0, 0)
            })
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        let appearance = format!("<< /N {} >>", reference(ap));
        match dict.get(b"AP") {
            Some(e) => edits.replace(e.value.clone(), appearance),
            None => edits.add_entry(&dict, "AP", &appearance),
        }
    }
    up.change(field, edits)?;
    mark_signed(&mut up, root_id, every_widget_has_appearance(doc))?;
    let changed: Vec<ChangedObject> = up.changes()?;
    let mut bytes = up.write(second_id(input, options.signing_time, &field_name))?;
    let byte_range = fill_byte_range(&mut bytes, input.len(), options.reserved)?;
    Ok(Prepared {
        bytes,
        byte_range,
        sub_filter: options.sub_filter,
        signing_time: options.signing_time,
        field_name,
        allowed_changes,
        changed,
    })
}

/// `/SigFlags 3` (and `/NeedAppearances` handled as in [`add_field`]) in the AcroForm that already lists the
/// field being filled.
fn mark_signed(up: &mut Update, root: ObjectId, appearances_complete: bool) -> Result<(), PdfError> {
    let catalog = up.original(root)?;
    let cat = tokens::dictionary(&catalog, 0).ok_or(structure("catalog"))?;
    let form = cat.get(b"AcroForm").ok_or(structure("AcroForm"))?;
    let (form_id, body, start) = match parse_reference(&catalog[form.value.clone()]) {
        Some(id) => (id, up.original(id)?, 0),
        None => (root, catalog.clone(), form.value.start),
    };
    let dict = tokens::dictionary(&body, start).ok_or(structure("AcroForm"))?;
    let mut edits = Edits::default();
    form_flags(&body, &dict, appearances_complete, &mut edits);
    up.change(form_id, edits)
}

/// `/SigFlags 3`: signatures exist, append only; `/NeedAppearances` removed when nothing is left to draw.
fn form_flags(body: &[u8], dict: &tokens::Dict, appearances_complete: bool, edits: &mut Edits) {
    match dict.get(b"SigFlags") {
        None => edits.add_entry(dict, "SigFlags", "3"),
        Some(e) if &body[e.value.clone()] == b"3" => {}
        Some(e) => edits.replace(e.value.clone(), "3"),
    }
    if appearances_complete {
        for e in dict.entries.iter().filter(|e| e.key == b"NeedAppearances") {
            edits.remove_entry(e);
        }
    }
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

fn reference(id: ObjectId) -> String {
    format!("{} {} R", id.0, id.1)
}

/// `n g R` as a reference.
fn parse_reference(text: &[u8]) -> Option<ObjectId> {
    let mut parts = std::str::from_utf8(text).ok()?.split_ascii_whitespace();
    let id = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    (parts.next()? == "R" && parts.next().is_none()).then_some(id)
}

fn is_array(text: &[u8]) -> bool {
    text.first() == Some(&b'[')
}

/// Edits that add `item` to the array under `key` of the dictionary `dict` (inside `body`, the original bytes of
/// an object): appended to a direct array, or the key added; `Some(array)` when the array is an object of its
/// own, to which the caller appends instead.
fn add_to_array_edits(
    body: &[u8],
    dict: &tokens::Dict,
    key: &[u8],
    item: ObjectId,
    edits: &mut Edits,
) -> Result<Option<ObjectId>, PdfError> {
    let name = std::str::from_utf8(key).map_err(|_| structure("key"))?;
    match dict.get(key) {
        None => edits.add_entry(dict, name, &format!("[{}]", reference(item))),
        Some(e) if is_array(&body[e.value.clone()]) => edits.push_to_array(&e.value, &reference(item)),
        Some(e) if &body[e.value.clone()] == b"null" => {
            edits.replace(e.value.clone(), format!("[{}]", reference(item)))
        }
        Some(e) => return parse_reference(&body[e.value.clone()]).map(Some).ok_or(structure("array")),
    }
    Ok(None)
}

/// Adds `item` to the array `key` of the dictionary object `owner` (in it, or in the array object it refers to).
fn add_to_array(
    up: &mut Update,
    owner: ObjectId,
    key: &[u8],
    item: ObjectId,
    what: &'static str,
) -> Result<(), PdfError> {
    let body = up.original(owner)?;
    let dict = tokens::dictionary(&body, 0).ok_or(structure(what))?;
    let mut edits = Edits::default();
    match add_to_array_edits(&body, &dict, key, item, &mut edits)? {
        None => up.change(owner, edits),
        Some(array) => push_to_array_object(up, array, item, what),
    }
}

/// Appends `item` to the array object `array`.
fn push_to_array_object(up: &mut Update, array: ObjectId, item: ObjectId, what: &'static str) -> Result<(), PdfError> {
    let body = up.original(array)?;
    let span = tokens::value(&body, 0).filter(|s| is_array(&body[s.clone()])).ok_or(structure(what))?;
    let mut edits = Edits::default();
    edits.push_to_array(&span, &reference(item));
    up.change(array, edits)
}

/// Lists the field in the catalog's AcroForm (made when missing) and marks the document as signed
/// (`/SigFlags 3`: signatures exist, append only).
///
/// `/NeedAppearances true` asks readers to draw the fields themselves; with a signature present a reader that
/// does so changes what is shown from what was signed (Acrobat then reports the document as modified). It is
/// removed, as pyHanko does, when every widget has its appearance, so nothing is left to draw; when some lack
/// one it stays, since removing it would show those fields empty — a change the person did not see.
fn add_field(up: &mut Update, root: ObjectId, field: ObjectId, appearances_complete: bool) -> Result<(), PdfError> {
    let catalog = up.original(root)?;
    let cat = tokens::dictionary(&catalog, 0).ok_or(structure("catalog"))?;
    let Some(form) = cat.get(b"AcroForm") else {
        let form = up.add(&Object::Dictionary(dictionary! { "Fields" => vec![field.into()], "SigFlags" => 3 }))?;
        let mut edits = Edits::default();
        edits.add_entry(&cat, "AcroForm", &reference(form));
        return up.change(root, edits);
    };
    let (form_id, body) = match parse_reference(&catalog[form.value.clone()]) {
        Some(id) => (id, up.original(id)?),
        // A direct AcroForm is edited inside the catalog.
        None => (root, catalog.clone()),
    };
    let start = if form_id == root { form.value.start } else { 0 };
    let dict = tokens::dictionary(&body, start).ok_or(structure("AcroForm"))?;
    let mut edits = Edits::default();
    let fields_array = add_to_array_edits(&body, &dict, b"Fields", field, &mut edits)?;
    form_flags(&body, &dict, appearances_complete, &mut edits);
    up.change(form_id, edits)?;
    match fields_array {
        Some(array) => push_to_array_object(up, array, field, "AcroForm"),
        None => Ok(()),
    }
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

    /// What the input's certification (or a signed field's lock) allows after it; `None`: no restriction.
    pub fn allowed_changes(&self) -> Option<AllowedChanges> {
        self.allowed_changes
    }

    /// The input's objects this update writes again, each with its original and its written bytes.
    pub fn changed_objects(&self) -> &[ChangedObject] {
        &self.changed
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
