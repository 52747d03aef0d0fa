//! The incremental update changes nothing it need not: only new objects and the objects it must change, each
//! written as its original tokens with the one intended edit; certification (DocMDP) and field locks honoured;
//! the trailer's second `/ID` renewed; `/NeedAppearances` removed only when nothing is left for a reader to draw.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use kazasu_pdf::{inspect, prepare, AllowedChanges, ChangedObject, PdfError, Prepared, SignOptions, SubFilter};
use lopdf::xref::XrefEntry;
use lopdf::{Document, Object};

mod common;

use common::pdf;

const TIME: i64 = 1_796_000_000;

const PAGE: &str = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.3039370079 841.8897637795] \
                    /CropBox [ 0.5 .25 595.3039370079 841.8897637795 ] /Contents 4 0 R /Rotate 0 >>";
const PAGES: &str = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
const CONTENT: &str = "<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 720 Td (page 0 \\) x) Tj ET\nendstream";
const ID: &str = "/ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>]";

fn prepared(input: &[u8]) -> Prepared {
    prepare(input, &SignOptions::new(SubFilter::Pades, TIME)).unwrap()
}

/// `written` is `original` with `inserted` put in at one place and `removed` taken out at one other (either
/// may be empty): every other byte as it was.
fn only_edit(c: &ChangedObject, inserted: &[&str], removed: &[&str]) {
    let (o, w) = (&c.original, &c.written);
    let prefix = o.iter().zip(w.iter()).take_while(|(a, b)| a == b).count();
    let suffix = o[prefix..].iter().rev().zip(w[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let (gone, added) = (&o[prefix..o.len() - suffix], &w[prefix..w.len() - suffix]);
    let (gone, added) = (String::from_utf8_lossy(gone), String::from_utf8_lossy(added));
    // Several edits in one object: each inserted text and each removed text must account for the whole
    // difference, in order.
    let mut rest_added = added.to_string();
    for i in inserted {
        assert!(rest_added.contains(i), "{:?}: inserted {added:?}, expected {inserted:?}", c.id);
        rest_added = rest_added.replacen(i, "", 1);
    }
    let mut rest_gone = gone.to_string();
    for r in removed {
        assert!(rest_gone.contains(r), "{:?}: removed {gone:?}, expected {removed:?}", c.id);
        rest_gone = rest_gone.replacen(r, "", 1);
    }
    // What is left of the middle must be the same bytes on both sides (the text between two edits).
    assert_eq!(rest_added.trim(), rest_gone.trim(), "{:?}: nothing else changed", c.id);
}

/// Every object of `input` that the output's cross-reference data locates anew is one of `changed`; the
/// others still point where they were; each changed one's original bytes are those the input holds.
fn nothing_else_changed(input: &[u8], p: &Prepared) {
    let before = Document::load_mem(input).unwrap();
    let after = Document::load_mem(&p.clone().finish(&[0x30, 0x00]).unwrap()).unwrap();
    for (&number, entry) in &before.reference_table.entries {
        let moved = match (entry, after.reference_table.get(number)) {
            (XrefEntry::Normal { offset: a, .. }, Some(XrefEntry::Normal { offset: b, .. })) => a != b,
            (
                XrefEntry::Compressed { container: a, index: i },
                Some(XrefEntry::Compressed { container: b, index: j }),
            ) => a != b || i != j,
            (XrefEntry::Free | XrefEntry::UnusableFree, _) => false,
            _ => true,
        };
        let listed = p.changed_objects().iter().any(|c| c.id.0 == number);
        assert_eq!(moved, listed, "object {number}: written again only when listed as changed");
    }
    for c in p.changed_objects() {
        if let Some(XrefEntry::Normal { offset, .. }) = before.reference_table.get(c.id.0) {
            // Right after its `n g obj`.
            let at = *offset as usize;
            let body = input[at..].windows(c.original.len()).position(|w| w == &c.original[..]);
            assert!(body.is_some_and(|b| b < 24), "object {:?}: the original bytes are the input's", c.id);
        }
    }
}

fn changed(p: &Prepared, id: u32) -> &ChangedObject {
    p.changed_objects().iter().find(|c| c.id.0 == id).unwrap_or_else(|| panic!("object {id} not changed"))
}

#[test]
fn a_page_with_long_reals_is_written_again_with_every_number_as_the_producer_wrote_it() {
    let input = pdf(&["<< /Type /Catalog /Pages 2 0 R >>", PAGES, PAGE, CONTENT], &format!("/Root 1 0 R {ID}"));
    let p = prepared(&input);
    let ids: Vec<u32> = p.changed_objects().iter().map(|c| c.id.0).collect();
    assert_eq!(ids, [1, 3], "the catalog (a new AcroForm) and the page (its /Annots), nothing else");
    only_edit(changed(&p, 3), &[" /Annots [6 0 R] "], &[]);
    only_edit(changed(&p, 1), &[" /AcroForm 7 0 R "], &[]);
    let page = String::from_utf8(changed(&p, 3).written.clone()).unwrap();
    assert!(page.contains("/MediaBox [0 0 595.3039370079 841.8897637795]"), "{page}");
    assert!(page.contains("/CropBox [ 0.5 .25 595.3039370079 841.8897637795 ]"), "{page}");
    nothing_else_changed(&input, &p);
}

#[test]
fn existing_annotations_and_fields_get_one_more_element_and_an_indirect_array_is_edited_instead_of_its_owner() {
    let catalog = "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 6 0 R /DA (/Helv 0 Tf 0 g) >> >>";
    let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612.0001 792] /Annots [5 0 R] /Contents 4 0 R >>";
    let widget = "<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /Rect [10.25 10 100.125 30] /P 3 0 R \
                  /AP << /N 7 0 R >> >>";
    let ap = "<< /Type /XObject /Subtype /Form /BBox [0 0 89.875 20] /Length 0 >>\nstream\n\nendstream";
    let input = pdf(&[catalog, PAGES, page, CONTENT, widget, "[ 5 0 R ]", ap], &format!("/Root 1 0 R {ID}"));
    let p = prepared(&input);
    let ids: Vec<u32> = p.changed_objects().iter().map(|c| c.id.0).collect();
    assert_eq!(ids, [1, 3, 6], "catalog (its direct AcroForm's /SigFlags), page, the /Fields array");
    only_edit(changed(&p, 3), &[" 9 0 R"], &[]);
    only_edit(changed(&p, 6), &[" 9 0 R"], &[]);
    only_edit(changed(&p, 1), &[" /SigFlags 3 "], &[]);
    nothing_else_changed(&input, &p);
}

#[test]
fn need_appearances_is_removed_only_when_every_widget_has_its_appearance() {
    let form = |need: &str| format!("<< /Fields [5 0 R] /NeedAppearances {need} /SigFlags 1 >>");
    let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [5 0 R] /Contents 4 0 R >>";
    let with_ap = "<< /Type /Annot /Subtype /Widget /FT /Tx /T (a) /Rect [0 0 9 9] /AP << /N 7 0 R >> >>";
    let without = "<< /Type /Annot /Subtype /Widget /FT /Tx /T (a) /Rect [0 0 9 9] >>";
    // As LibreOffice writes check boxes: states without streams.
    let null_states =
        "<< /Type /Annot /Subtype /Widget /FT /Btn /T (a) /Rect [0 0 9 9] /AP << /N << /Yes null /Off null >> >> >>";
    let states =
        "<< /Type /Annot /Subtype /Widget /FT /Btn /T (a) /Rect [0 0 9 9] /AP << /N << /Yes 7 0 R /Off 7 0 R >> >> >>";
    let ap = "<< /Type /XObject /Subtype /Form /BBox [0 0 9 9] /Length 0 >>\nstream\n\nendstream";
    for (widget, removed) in [(with_ap, true), (states, true), (without, false), (null_states, false)] {
        let catalog = "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>";
        let f = form("true");
        let input = pdf(&[catalog, PAGES, page, CONTENT, widget, &f, ap], &format!("/Root 1 0 R {ID}"));
        let p = prepared(&input);
        let c = changed(&p, 6);
        if removed {
            only_edit(c, &[" 9 0 R", "3"], &["/NeedAppearances true", "1"]);
        } else {
            only_edit(c, &[" 9 0 R", "3"], &["1"]);
            assert!(String::from_utf8_lossy(&c.written).contains("/NeedAppearances true"));
        }
        nothing_else_changed(&input, &p);
    }
}

#[test]
fn the_trailer_keeps_the_first_id_and_renews_the_second() {
    let input = pdf(&["<< /Type /Catalog /Pages 2 0 R >>", PAGES, PAGE, CONTENT], &format!("/Root 1 0 R {ID}"));
    let out = prepared(&input).finish(&[0x30, 0x00]).unwrap();
    let doc = Document::load_mem(&out).unwrap();
    let Ok(Object::Array(id)) = doc.trailer.get(b"ID") else { panic!("no /ID") };
    let strings: Vec<&[u8]> = id.iter().map(|s| s.as_str().unwrap()).collect();
    let original = hex::decode("00112233445566778899AABBCCDDEEFF").unwrap();
    assert_eq!(strings[0], &original[..], "the first names the document and is kept");
    assert_ne!(strings[1], &original[..], "the second names this revision");
    assert_eq!(strings[1].len(), 16);
}

/// A document certified with DocMDP permission `p` (absent: no /P), through the catalog's /Perms.
fn certified(p: Option<u8>) -> Vec<u8> {
    let params = match p {
        Some(p) => format!("<< /Type /TransformParams /P {p} /V /1.2 >>"),
        None => "<< /Type /TransformParams /V /1.2 >>".into(),
    };
    let sig = format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 1 2 3] /Contents <00> \
         /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams {params} >>] >>"
    );
    let catalog =
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> /Perms << /DocMDP 6 0 R >> >>";
    let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [5 0 R] /Contents 4 0 R >>";
    let field = "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Cert) /V 6 0 R /Rect [0 0 0 0] /P 3 0 R >>";
    pdf(&[catalog, PAGES, page, CONTENT, field, &sig], "/Root 1 0 R")
}

#[test]
fn a_certification_that_allows_no_change_is_refused_before_anything_is_shown() {
    let input = certified(Some(1));
    assert!(matches!(inspect(&input), Err(PdfError::NoChangesAllowed)), "{:?}", inspect(&input));
    let refused = prepare(&input, &SignOptions::new(SubFilter::Pades, TIME));
    assert!(matches!(refused, Err(PdfError::NoChangesAllowed)), "{:?}", refused.err());
}

#[test]
fn a_certification_that_allows_signing_is_honoured_with_only_a_signature_added() {
    for (p, allowed) in [
        (Some(2), AllowedChanges::FormsAndSigning),
        (None, AllowedChanges::FormsAndSigning),
        (Some(3), AllowedChanges::FormsSigningAndAnnotations),
    ] {
        let input = certified(p);
        assert_eq!(inspect(&input).unwrap().allowed_changes, Some(allowed), "P={p:?}");
        let prepared = prepared(&input);
        assert_eq!(prepared.allowed_changes(), Some(allowed));
        let ids: Vec<u32> = prepared.changed_objects().iter().map(|c| c.id.0).collect();
        assert_eq!(ids, [1, 3], "the AcroForm's /Fields (in the catalog) and the page's /Annots only");
        only_edit(changed(&prepared, 1), &[" 8 0 R"], &[]);
        only_edit(changed(&prepared, 3), &[" 8 0 R"], &[]);
        nothing_else_changed(&input, &prepared);
    }
    assert_eq!(
        inspect(&pdf(&["<< /Type /Catalog /Pages 2 0 R >>", PAGES, PAGE, CONTENT], "/Root 1 0 R"))
            .unwrap()
            .allowed_changes,
        None
    );
}

#[test]
fn a_signed_field_locking_the_document_is_honoured_like_a_certification() {
    let lock = |p: u8| format!("<< /Type /SigFieldLock /Action /All /P {p} >>");
    for (p, refused) in [(1, true), (2, false)] {
        let sig = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 1 2 3] /Contents <00> >>";
        let catalog = "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>";
        let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [5 0 R] /Contents 4 0 R >>";
        let field = format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T (A) /V 6 0 R /Lock {} /Rect [0 0 0 0] /P 3 0 R >>",
            lock(p)
        );
        let input = pdf(&[catalog, PAGES, page, CONTENT, &field, sig], "/Root 1 0 R");
        assert_eq!(matches!(inspect(&input), Err(PdfError::NoChangesAllowed)), refused, "Lock /P {p}");
    }
}

#[test]
fn an_object_inside_an_object_stream_is_copied_from_the_streams_own_bytes() {
    // lopdf's modern save: object streams and an xref stream; the page is compressed.
    let mut doc = Document::load_mem(&pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            PAGES,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            CONTENT,
        ],
        "/Root 1 0 R",
    ))
    .unwrap();
    let mut input = Vec::new();
    doc.save_modern(&mut input).unwrap();
    let loaded = Document::load_mem(&input).unwrap();
    let Some(XrefEntry::Compressed { container, .. }) = loaded.reference_table.get(3) else {
        panic!("the page is not in an object stream: {:?}", loaded.reference_table.get(3))
    };
    let stream = loaded.get_object((*container, 0)).unwrap().as_stream().unwrap().get_plain_content().unwrap();
    let p = prepared(&input);
    let page = changed(&p, 3);
    assert!(stream.windows(page.original.len()).any(|w| w == &page.original[..]), "the stream's bytes");
    // The signature dictionary takes the first free number, the widget the next.
    let size = loaded.trailer.get(b"Size").unwrap().as_i64().unwrap();
    only_edit(page, &[&format!(" /Annots [{} 0 R] ", size + 1)], &[]);
    let out = p.clone().finish(&[0x30, 0x00]).unwrap();
    let after = Document::load_mem(&out).unwrap();
    assert!(matches!(after.reference_table.get(3), Some(XrefEntry::Normal { .. })), "written anew, uncompressed");
    assert!(out[input.len()..].windows(5).any(|w| w == b"/XRef"), "the update's xref section is a stream too");
    nothing_else_changed(&input, &p);
}

#[test]
fn an_empty_signature_field_the_author_left_is_signed_into_with_only_its_value_added() {
    // Certified allowing signing (P=2), with an empty field "Approval" for the next signer.
    let sig = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 1 2 3] \
               /Contents <00> /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams \
               << /Type /TransformParams /P 2 /V /1.2 >> >>] >>";
    let catalog = "<< /Type /Catalog /Pages 2 0 R /AcroForm 8 0 R /Perms << /DocMDP 6 0 R >> >>";
    let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.3039370079 841.8897637795] /Annots [5 0 R 7 0 R] \
                /Contents 4 0 R >>";
    let certification = "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Cert) /V 6 0 R /Rect [0 0 0 0] /P 3 0 R >>";
    let empty =
        "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Approval) /Rect [300.5 100.25 560.75 146] /P 3 0 R /F 4 >>";
    let form = "<< /Fields [5 0 R 7 0 R] /SigFlags 3 >>";
    let input = pdf(&[catalog, PAGES, page, CONTENT, certification, sig, empty, form], "/Root 1 0 R");
    let mut options = SignOptions::new(SubFilter::Pades, TIME);
    options.field_name = Some("Approval".into());
    let p = prepare(&input, &options).unwrap();
    assert_eq!(p.field_name(), "Approval");
    let ids: Vec<u32> = p.changed_objects().iter().map(|c| c.id.0).collect();
    assert_eq!(ids, [7], "only the field: no new widget, the page's /Annots and the form's /Fields as they were");
    only_edit(changed(&p, 7), &[" /V 9 0 R "], &[]);
    nothing_else_changed(&input, &p);
    let out = p.finish(&[0x30, 0x00]).unwrap();
    let found = kazasu_pdf::signatures(&out).unwrap();
    assert!(found.iter().any(|s| s.field_name == "Approval" && s.covers_whole_file));
    // With a stamp, its drawing is the widget's appearance, fitted to the author's rectangle.
    options.stamp = Some(kazasu_pdf::Stamp::new(vec!["署名者: かざす 花子".into()]));
    let p = prepare(&input, &options).unwrap();
    let field = String::from_utf8_lossy(&changed(&p, 7).written).into_owned();
    assert!(field.contains("/V 9 0 R") && field.contains("/AP << /N "), "{field}");
    assert!(field.contains("/Rect [300.5 100.25 560.75 146]"), "the author's place: {field}");
    // A field of that name that is not an empty signature field is not taken over.
    options.stamp = None;
    options.field_name = Some("Cert".into());
    assert!(matches!(prepare(&input, &options), Err(PdfError::FieldExists(n)) if n == "Cert"));
}
