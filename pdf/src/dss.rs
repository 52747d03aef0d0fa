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
//! new streams appended to its arrays, data already there not repeated. The catalog is rewritten through `lopdf`
//! like the signature's update rewrites it (to be switched to the token-preserving writer with it).

use lopdf::{dictionary, Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream};

use crate::error::PdfError;
use crate::read::load;

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

    let mut inc = IncrementalDocument::create_from(signed.to_vec(), doc);
    for ((key, new), (mut items, mut seen)) in data.arrays().into_iter().zip(old) {
        for der in new {
            if seen.contains(der) {
                continue;
            }
            let mut stream = Stream::new(Dictionary::new(), der.clone());
            // Only when it is smaller (lopdf keeps the raw bytes otherwise).
            let _ = stream.compress();
            items.push(inc.new_document.add_object(stream).into());
            seen.push(der.clone());
        }
        if !items.is_empty() {
            dss.set(key, Object::Array(items));
        }
    }
    let dss_id = inc.new_document.add_object(dss);
    inc.opt_clone_object_to_new_document(root_id).map_err(|_| structure("catalog"))?;
    inc.new_document.get_dictionary_mut(root_id).map_err(|_| structure("catalog"))?.set("DSS", dss_id);
    let mut bytes =
        Vec::with_capacity(signed.len() + data.arrays().iter().flat_map(|a| a.1).map(Vec::len).sum::<usize>() + 4096);
    inc.save_to(&mut bytes).map_err(PdfError::Write)?;
    Ok(bytes)
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
