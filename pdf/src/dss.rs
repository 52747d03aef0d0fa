//! The Document Security Store of PAdES B-LT (ETSI EN 319 142-1, 5.4; ISO 32000-2, 12.8.4.3): an incremental
//! update after the signature that adds to the catalog a `/DSS` dictionary whose `/Certs`, `/CRLs` and `/OCSPs`
//! arrays hold streams of DER — the signer's certificate and its CA chain, the CRLs and OCSP responses that said
//! "not revoked" — so a verifier can validate the signature years later without asking anyone.
//!
//! No `/VRI` entries: they key validation data by the SHA-1 of one signature's `/Contents`, ETSI EN 319 142-1
//! makes them optional, and the verifiers that judge B-LT here (pyHanko's AdES validation, Adobe's) read the
//! DSS-wide arrays; per-signature keys would add a SHA-1 dependency and nothing a verifier uses.
//!
//! An existing DSS (a file made LTV by another tool) is kept: its dictionary is copied into the update with the
//! new streams appended to its arrays, data already there not repeated. The catalog is written as its original
//! bytes with `/DSS` spliced in (`crate::update`), so no number of it is rounded.

use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};

use crate::error::PdfError;
use crate::read::load;
use crate::tokens::{self, Edits};
use crate::update::{second_id, Update};

/// What a verifier needs to validate a signature later (DER each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidationData {
    /// The signer's certificate, its CA chain, and any other certificate the validation needs (a TSA's, an OCSP
    /// responder's).
    pub certificates: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
    /// OCSPResponse structures as the responder sent them.
    pub ocsp_responses: Vec<Vec<u8>>,
}

impl ValidationData {
    fn arrays(&self) -> [(&'static [u8], &[Vec<u8>]); 3] {
        [(b"Certs", &self.certificates), (b"CRLs", &self.crls), (b"OCSPs", &self.ocsp_responses)]
    }
}

fn structure(what: &'static str) -> PdfError {
    PdfError::Structure { what }
}

/// The DER held by the streams an array of an existing DSS names (decoded when compressed; unreadable ones
/// count as nothing).
fn existing_contents(doc: &Document, array: Option<&Object>) -> (Vec<Object>, Vec<Vec<u8>>) {
    let items = match array.and_then(|a| doc.dereference(a).ok()) {
        Some((_, Object::Array(items))) => items.clone(),
        _ => return (Vec::new(), Vec::new()),
    };
    let contents = items
        .iter()
        .filter_map(|i| match doc.dereference(i).ok()? {
            (_, Object::Stream(s)) => s.decompressed_content().ok().or_else(|| Some(s.content.clone())),
            _ => None,
        })
        .collect();
    (items, contents)
}

/// A copy of `signed` with an incremental update adding `data` to its DSS (made when missing). `signed` is
/// normally the file just signed; its bytes stay an exact prefix of the result.
pub fn append(signed: &[u8], data: &ValidationData) -> Result<Vec<u8>, PdfError> {
    let doc = load(signed)?;
    let offset = signed.windows(5).position(|w| w == b"%PDF-").unwrap_or(0);
    if offset > 0 {
        return Err(PdfError::BytesBeforeHeader { offset });
    }
    if doc.xref_start == 0 || doc.xref_recovery.is_some() {
        return Err(PdfError::Repaired);
    }
    let root_id: ObjectId =
        doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| structure("catalog"))?;
    let catalog = doc.get_dictionary(root_id).map_err(|_| structure("catalog"))?;
    let existing: Option<Dictionary> = match catalog.get(b"DSS").ok().map(|d| doc.dereference(d)) {
        None => None,
        Some(Ok((_, Object::Dictionary(d)))) => Some(d.clone()),
        Some(_) => return Err(structure("DSS")),
    };
    let mut dss = existing.clone().unwrap_or_else(|| dictionary! { "Type" => "DSS" });
    let old: Vec<(Vec<Object>, Vec<Vec<u8>>)> =
        data.arrays().iter().map(|(key, _)| existing_contents(&doc, dss.get(key).ok())).collect();

    // The token-preserving update (crate::update): the streams and the DSS are new objects; the catalog is its
    // original bytes with `/DSS` added or pointed at the new dictionary, every other token as written.
    let mut up = Update::new(signed, &doc);
    for ((key, new), (mut items, mut seen)) in data.arrays().into_iter().zip(old) {
        for der in new {
            if seen.contains(der) {
                continue;
            }
            let mut stream = Stream::new(Dictionary::new(), der.clone());
            // Only when it is smaller (lopdf keeps the raw bytes otherwise).
            let _ = stream.compress();
            items.push(up.add(&Object::Stream(stream))?.into());
            seen.push(der.clone());
        }
        if !items.is_empty() {
            dss.set(key, Object::Array(items));
        }
    }
    let dss_id = up.add(&Object::Dictionary(dss))?;
    let body = up.original(root_id)?;
    let cat = tokens::dictionary(&body, 0).ok_or(structure("catalog"))?;
    let mut edits = Edits::default();
    let reference = format!("{} {} R", dss_id.0, dss_id.1);
    match cat.get(b"DSS") {
        Some(e) => edits.replace(e.value.clone(), reference),
        None => edits.add_entry(&cat, "DSS", &reference),
    }
    up.change(root_id, edits)?;
    up.write(second_id(signed, 0, "DSS"))
}

/// The validation data in `pdf`'s DSS (empty when it has none), as a verifier reads it.
pub fn read(pdf: &[u8]) -> Result<ValidationData, PdfError> {
    let doc = load(pdf)?;
    let dss = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"DSS").ok())
        .and_then(|d| doc.dereference(d).ok())
        .and_then(|(_, d)| d.as_dict().ok().cloned());
    let Some(dss) = dss else { return Ok(ValidationData::default()) };
    let get = |key: &[u8]| existing_contents(&doc, dss.get(key).ok()).1;
    Ok(ValidationData { certificates: get(b"Certs"), crls: get(b"CRLs"), ocsp_responses: get(b"OCSPs") })
}
