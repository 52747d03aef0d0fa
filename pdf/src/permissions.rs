//! What earlier signatures let a later revision change (DocMDP, ISO 32000-1 12.8.2.2; a field's lock,
//! ISO 32000-2 12.7.5.5): a certification signature's `/TransformParams /P`, and the `/P` of a signed field's
//! `/Lock`. The most restrictive one counts.

use lopdf::{Dictionary, Document, Object};

/// The changes a certified (or locked) document allows after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AllowedChanges {
    /// P=1: no change at all; a new signature would invalidate the certification. Refused here.
    None,
    /// P=2: filling in forms, instantiating page templates and signing.
    FormsAndSigning,
    /// P=3: as P=2, plus annotations.
    FormsSigningAndAnnotations,
}

impl AllowedChanges {
    /// From a `/P` value; anything but 2 or 3 is read as the strictest (1), as an unknown permission grants
    /// nothing.
    fn from_p(p: Option<i64>) -> AllowedChanges {
        match p {
            // Absent: the default is 2 (ISO 32000-1 Table 254).
            None | Some(2) => AllowedChanges::FormsAndSigning,
            Some(3) => AllowedChanges::FormsSigningAndAnnotations,
            Some(_) => AllowedChanges::None,
        }
    }
}

fn dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match doc.dereference(o).ok()? {
        (_, Object::Dictionary(d)) => Some(d),
        (_, Object::Stream(s)) => Some(&s.dict),
        _ => None,
    }
}

fn is_name(d: &Dictionary, key: &[u8], name: &[u8]) -> bool {
    matches!(d.get(key), Ok(Object::Name(n)) if n == name)
}

/// The DocMDP permission a signature dictionary carries in its `/Reference`, if it is a certification.
fn docmdp(doc: &Document, sig: &Dictionary) -> Option<AllowedChanges> {
    let refs = match doc.dereference(sig.get(b"Reference").ok()?).ok()? {
        (_, Object::Array(a)) => a,
        _ => return None,
    };
    refs.iter()
        .filter_map(|r| dict(doc, r))
        .filter(|r| is_name(r, b"TransformMethod", b"DocMDP"))
        .map(|r| {
            let p = r.get(b"TransformParams").ok().and_then(|t| dict(doc, t)).and_then(|t| {
                t.get(b"P").ok().and_then(|p| doc.dereference(p).ok()).and_then(|(_, p)| p.as_i64().ok())
            });
            AllowedChanges::from_p(p)
        })
        .min()
}

/// The most restrictive permission in force: the certification signature's (named by the catalog's
/// `/Perms /DocMDP`, or found in any signature's `/Reference`), and each signed field's `/Lock /P`. `None`: the
/// document is neither certified nor locked, anything may follow.
pub(crate) fn allowed_changes(doc: &Document, signed_fields: &[&Dictionary]) -> Option<AllowedChanges> {
    let mut found = Vec::new();
    let certification = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Perms").ok())
        .and_then(|p| dict(doc, p))
        .and_then(|p| p.get(b"DocMDP").ok())
        .and_then(|s| dict(doc, s));
    found.extend(certification.and_then(|s| docmdp(doc, s)));
    for field in signed_fields {
        if let Some(sig) = field.get(b"V").ok().and_then(|v| dict(doc, v)) {
            found.extend(docmdp(doc, sig));
        }
        if let Some(lock) = field.get(b"Lock").ok().and_then(|l| dict(doc, l)) {
            if lock.has(b"P") {
                let p = lock.get(b"P").ok().and_then(|p| p.as_i64().ok());
                found.push(AllowedChanges::from_p(Some(p.unwrap_or(1))));
            }
        }
    }
    found.into_iter().min()
}
