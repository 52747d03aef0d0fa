//! Writing the incremental update (ISO 32000-1 7.5.6): the input as it is, then the new objects and the changed
//! ones, a cross-reference section of the input's kind (table, or stream) and a trailer with `/Prev`.
//!
//! New objects are serialized by `lopdf`'s [`Writer`]. A changed object is its original bytes with the intended
//! edits spliced in ([`crate::tokens`]), never `lopdf`'s re-serialization of it: `lopdf` holds reals as `f32`,
//! and a page whose `/MediaBox` came back rounded would make an earlier signature look tampered with. The
//! cross-reference rows are `lopdf`'s own ([`XrefSection`], [`XrefStreamBuilder`]).

use std::collections::BTreeMap;
use std::io::Write;

use lopdf::xref::{Xref, XrefEntry, XrefSection, XrefStreamBuilder, XrefType};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, Writer};
use sha2::{Digest, Sha256};

use crate::error::PdfError;
use crate::tokens::{self, Edits};

/// An object stream's decoded content is read up to this size (the limit `lopdf` applies when loading).
const MAX_OBJECT_STREAM: usize = crate::read::MAX_INPUT;

/// One object changed by the update: its original bytes and the edits to make in them.
struct Changed {
    original: Vec<u8>,
    edits: Edits,
}

/// An object of the input the update writes again: its number, its original bytes (between `obj` and `endobj`,
/// as the file or its object stream has them) and the bytes written, which differ only by the intended edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedObject {
    pub id: (u32, u16),
    pub original: Vec<u8>,
    pub written: Vec<u8>,
}

/// The update being assembled over `input` (already loaded as `doc`).
pub(crate) struct Update<'a> {
    input: &'a [u8],
    doc: &'a Document,
    next_id: u32,
    new: BTreeMap<u32, Vec<u8>>,
    changed: BTreeMap<ObjectId, Changed>,
}

fn structure(what: &'static str) -> PdfError {
    PdfError::Structure { what }
}

impl<'a> Update<'a> {
    pub fn new(input: &'a [u8], doc: &'a Document) -> Update<'a> {
        let size = doc.trailer.get(b"Size").and_then(Object::as_i64).ok().and_then(|s| u32::try_from(s).ok());
        let next_id = size.unwrap_or(0).max(doc.max_id.saturating_add(1)).max(doc.reference_table.max_id() + 1);
        Update { input, doc, next_id, new: BTreeMap::new(), changed: BTreeMap::new() }
    }

    /// Adds a new object (serialized by `lopdf`), returning its number.
    pub fn add(&mut self, object: &Object) -> Result<ObjectId, PdfError> {
        let id = self.next_id;
        self.next_id = self.next_id.checked_add(1).ok_or(structure("object number"))?;
        let mut body = Vec::new();
        Writer::write_object(&mut body, object).map_err(PdfError::Write)?;
        self.new.insert(id, body);
        Ok((id, 0))
    }

    /// The original bytes of object `id` (its value, between `obj` and `endobj`), from the file or from its
    /// object stream, as `lopdf`'s cross-reference table locates it.
    pub fn original(&mut self, id: ObjectId) -> Result<Vec<u8>, PdfError> {
        if let Some(c) = self.changed.get(&id) {
            return Ok(c.original.clone());
        }
        let original = match self.doc.reference_table.get(id.0) {
            Some(XrefEntry::Normal { offset, generation }) if *generation == id.1 => {
                let body = tokens::indirect_body(self.input, *offset as usize, id).ok_or(structure("object"))?;
                self.input[body].to_vec()
            }
            Some(XrefEntry::Compressed { container, .. }) if id.1 == 0 => self.compressed(id.0, *container)?,
            _ => return Err(structure("object")),
        };
        self.changed.insert(id, Changed { original: original.clone(), edits: Edits::default() });
        Ok(original)
    }

    /// Object `number` inside the object stream `container`: the stream's header pairs (number, offset) give
    /// where it starts after `/First`.
    fn compressed(&self, number: u32, container: u32) -> Result<Vec<u8>, PdfError> {
        let stream =
            self.doc.get_object((container, 0)).and_then(Object::as_stream).map_err(|_| structure("object stream"))?;
        let content = stream.get_plain_content_with_limit(MAX_OBJECT_STREAM).map_err(|_| structure("object stream"))?;
        let first = stream.dict.get(b"First").and_then(Object::as_i64).ok().and_then(|f| usize::try_from(f).ok());
        let first = first.filter(|f| *f <= content.len()).ok_or(structure("object stream"))?;
        let header = &content[..first];
        let mut numbers = Vec::new();
        let mut pos = 0;
        while let Some(t) = tokens::next(header, pos) {
            numbers.push(std::str::from_utf8(&header[t.start..t.end]).ok().and_then(|n| n.parse::<usize>().ok()));
            pos = t.end;
        }
        let offset = numbers
            .chunks_exact(2)
            .find(|pair| pair[0] == Some(number as usize))
            .and_then(|pair| pair[1])
            .ok_or(structure("object stream"))?;
        let start = first.checked_add(offset).filter(|s| *s <= content.len()).ok_or(structure("object stream"))?;
        let body = tokens::value(&content, start).ok_or(structure("object"))?;
        Ok(content[body].to_vec())
    }

    /// Records `edits` of object `id`, at positions of its [`Update::original`] bytes.
    pub fn change(&mut self, id: ObjectId, edits: Edits) -> Result<(), PdfError> {
        self.original(id)?;
        let changed = self.changed.get_mut(&id).ok_or(structure("object"))?;
        let mut merged = std::mem::take(&mut changed.edits);
        merged.extend(edits);
        changed.edits = merged;
        Ok(())
    }

    /// The objects this update changes, each as (number, original bytes, new bytes).
    pub fn changes(&self) -> Result<Vec<ChangedObject>, PdfError> {
        self.changed
            .iter()
            .filter(|(_, c)| !c.edits.is_empty())
            .map(|(id, c)| {
                let written = c.edits.apply(&c.original).ok_or(structure("object"))?;
                Ok(ChangedObject { id: *id, original: c.original.clone(), written })
            })
            .collect()
    }

    /// The input followed by the update. `second_id`: the new second string of the trailer's `/ID` (the first,
    /// naming the document, is kept).
    pub fn write(self, second_id: [u8; 16]) -> Result<Vec<u8>, PdfError> {
        let changes = self.changes()?;
        let mut out = Vec::with_capacity(self.input.len() + self.new.values().map(Vec::len).sum::<usize>() + 4096);
        out.extend_from_slice(self.input);
        if out.last() != Some(&b'\n') {
            out.push(b'\n');
        }
        let kind = self.doc.reference_table.cross_reference_type;
        let mut xref = Xref::new(self.next_id, kind);
        let bodies = changes.iter().map(|c| (c.id, &c.written)).chain(self.new.iter().map(|(n, b)| ((*n, 0), b)));
        let mut bodies: Vec<_> = bodies.collect();
        bodies.sort_by_key(|(id, _)| *id);
        for ((number, generation), body) in bodies {
            let offset = u32::try_from(out.len()).map_err(|_| structure("size"))?;
            xref.insert(number, XrefEntry::Normal { offset, generation });
            writeln!(out, "{number} {generation} obj").map_err(PdfError::Write)?;
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let mut trailer = Dictionary::new();
        for key in [&b"Root"[..], b"Info"] {
            if let Ok(v) = self.doc.trailer.get(key) {
                trailer.set(key, v.clone());
            }
        }
        let first_id = match self.doc.trailer.get(b"ID") {
            Ok(Object::Array(a)) => match a.first() {
                Some(Object::String(s, _)) => s.clone(),
                _ => second_id.to_vec(),
            },
            _ => second_id.to_vec(),
        };
        trailer.set(
            "ID",
            vec![
                Object::String(first_id, StringFormat::Hexadecimal),
                Object::String(second_id.to_vec(), StringFormat::Hexadecimal),
            ],
        );
        trailer.set("Prev", Object::Integer(self.doc.xref_start as i64));
        match kind {
            XrefType::CrossReferenceTable => {
                let start = out.len();
                trailer.set("Size", Object::Integer(i64::from(self.next_id)));
                out.extend_from_slice(b"xref\n");
                for section in sections(&xref) {
                    section.write_xref_section(&mut out).map_err(PdfError::Write)?;
                }
                out.extend_from_slice(b"trailer\n");
                Writer::write_object(&mut out, &Object::Dictionary(trailer)).map_err(PdfError::Write)?;
                write!(out, "\nstartxref\n{start}\n%%EOF\n").map_err(PdfError::Write)?;
            }
            XrefType::CrossReferenceStream => {
                // The stream lists itself.
                let number = self.next_id;
                let start = out.len();
                let offset = u32::try_from(start).map_err(|_| structure("size"))?;
                xref.insert(number, XrefEntry::Normal { offset, generation: 0 });
                xref.size = number + 1;
                let mut rows = XrefStreamBuilder::new(&xref);
                let content = rows.build_stream_content().map_err(|_| structure("cross-reference stream"))?;
                let widths = rows.calculate_optimal_widths();
                trailer.set("Type", "XRef");
                trailer.set("Size", Object::Integer(i64::from(number) + 1));
                trailer.set("W", widths.iter().map(|w| Object::Integer(*w as i64)).collect::<Vec<_>>());
                trailer.set("Index", rows.build_index_array());
                let mut stream = Stream::new(trailer, content);
                stream.compress().map_err(|_| structure("cross-reference stream"))?;
                writeln!(out, "{number} 0 obj").map_err(PdfError::Write)?;
                Writer::write_object(&mut out, &Object::Stream(stream)).map_err(PdfError::Write)?;
                write!(out, "\nendobj\nstartxref\n{start}\n%%EOF\n").map_err(PdfError::Write)?;
            }
        }
        Ok(out)
    }
}

/// The table's subsections: runs of consecutive object numbers.
fn sections(xref: &Xref) -> Vec<XrefSection> {
    let mut out: Vec<XrefSection> = Vec::new();
    for (&number, entry) in &xref.entries {
        match out.last_mut() {
            Some(s) if s.starting_id as usize + s.entries.len() == number as usize => s.add_entry(entry.clone()),
            _ => {
                let mut s = XrefSection::new(number);
                s.add_entry(entry.clone());
                out.push(s);
            }
        }
    }
    out
}

/// The new second `/ID` string: it must differ from the last revision's (ISO 32000-1 14.4), so it is made from
/// what is new in this one.
pub(crate) fn second_id(input: &[u8], signing_time: i64, field_name: &str) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(Sha256::digest(input));
    h.update(signing_time.to_be_bytes());
    h.update(field_name.as_bytes());
    let d = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}
