//! The visible stamp of a signature: a framed box with a few lines of text (the signer's name from the
//! certificate, the time), drawn by the widget's appearance stream, in a corner of the chosen page as the person
//! sees it (module `place`: inside the visible CropBox, upright under any `/Rotate`). The text is set in IPAex
//! Gothic, embedded as a subset of the glyphs used (module `font`), so every viewer draws the same name and PDF/A
//! inputs keep their font rule; colours are DeviceGray, which PDF/A allows with any output intent.

use lopdf::{dictionary, Document, Object, ObjectId, Stream};

use crate::error::PdfError;
use crate::font::Subset;
use crate::place::{page_geometry, place, Corner, Placement};

/// What the stamp says (one line each, at most three), and where it goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Stamp {
    pub lines: Vec<String>,
    /// The page: 1 is the first; a negative number counts from the end (-1 is the last). 0 is no page.
    pub page: i32,
    /// The corner of the page as the person sees it.
    pub corner: Corner,
    /// Points between the stamp and the two page edges of its corner.
    pub margin: f64,
}

impl Stamp {
    /// `lines` in the lower left of the first page, half an inch from its edges.
    pub fn new(lines: Vec<String>) -> Stamp {
        Stamp { lines, page: 1, corner: Corner::LowerLeft, margin: DEFAULT_MARGIN }
    }
}

/// Width and height of the stamp as read, in points.
pub const SIZE: (f64, f64) = (260.0, 46.0);
/// The default distance from the page's edges, in points (half an inch).
pub const DEFAULT_MARGIN: f64 = 36.0;
const FONT_SIZE: f64 = 10.0;
/// Space between the frame and the text, in points.
const PADDING: f64 = 6.0;
const LINE_PITCH: f64 = 14.0;
const MAX_LINES: usize = 3;

/// The stamp's page and its place there, read from the document before the update is built.
pub(crate) fn locate(doc: &Document, stamp: &Stamp) -> Result<(ObjectId, Placement), PdfError> {
    let pages = doc.get_pages();
    let count = pages.len();
    let from_end = |back: u32| usize::try_from(back).ok().and_then(|b| (count + 1).checked_sub(b));
    let number = match stamp.page {
        0 => None,
        p if p > 0 => usize::try_from(p).ok(),
        p => from_end(p.unsigned_abs()),
    };
    let no_such_page = || PdfError::NoSuchPage { page: stamp.page, pages: count };
    let number = number.filter(|n| (1..=count).contains(n)).ok_or_else(no_such_page)?;
    let page = *pages.values().nth(number - 1).ok_or_else(no_such_page)?;
    let (boxes, rotate) = page_geometry(doc, page);
    Ok((page, place(&boxes, rotate, stamp.corner, stamp.margin, SIZE)))
}

/// The widget's `/Rect` for `placement`.
pub(crate) fn rect(placement: &Placement) -> Object {
    let r = placement.rect;
    Object::Array([r.x0, r.y0, r.x1, r.y1].into_iter().map(real).collect())
}

/// A number for the PDF: an integer when it is one, else a real rounded to 1/1000 point.
fn real(v: f64) -> Object {
    let rounded = (v * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e9 {
        Object::Integer(rounded as i64)
    } else {
        Object::Real(rounded as f32)
    }
}

/// The appearance stream (a Form XObject) drawing `stamp`, turned as `placement` says; its font's objects and
/// the stream itself are handed to `add`, which numbers them in the update. Returns the stream's number.
pub(crate) fn appearance(
    stamp: &Stamp,
    placement: &Placement,
    add: &mut dyn FnMut(Object) -> ObjectId,
) -> Result<ObjectId, PdfError> {
    let (w, h) = SIZE;
    let mut font = Subset::new()?;
    let mut content = format!("q 0.95 g 0 0 {w} {h} re f 0.3 G 1 w 0.5 0.5 {} {} re S Q\n", w - 1.0, h - 1.0);
    content.push_str("BT 0 g\n");
    let mut y = h - PADDING - FONT_SIZE;
    for line in stamp.lines.iter().take(MAX_LINES) {
        let (codes, width) = font.encode(line);
        // A line too long for the box is set smaller rather than cut off.
        let room = w - 2.0 * PADDING;
        let size = if width as f64 * FONT_SIZE / 1000.0 > room { room * 1000.0 / width as f64 } else { FONT_SIZE };
        let hex = hex::encode_upper(&codes);
        content.push_str(&format!("/F1 {size:.3} Tf 1 0 0 1 {PADDING} {y} Tm <{hex}> Tj\n"));
        y -= LINE_PITCH;
    }
    content.push_str("ET\n");
    let font = font.into_font(add)?;
    let dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), real(w), real(h)],
        "Matrix" => placement.matrix.iter().map(|v| Object::Integer(*v)).collect::<Vec<_>>(),
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    };
    let mut stream = Stream::new(dict, content.into_bytes());
    stream.compress().map_err(|_| PdfError::Font("the stamp's drawing could not be compressed"))?;
    Ok(add(Object::Stream(stream)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn doc_with_pages(n: usize) -> Document {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let kids: Vec<Object> = (0..n)
            .map(|i| {
                let size = 500 + i as i64;
                doc.add_object(dictionary! {
                    "Type" => "Page", "Parent" => pages_id,
                    "MediaBox" => vec![0.into(), 0.into(), size.into(), 800.into()],
                })
                .into()
            })
            .collect();
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => n as i64 }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        doc
    }

    #[test]
    fn the_page_is_counted_from_one_and_negative_numbers_from_the_end() {
        let doc = doc_with_pages(3);
        let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
        let at = |page| locate(&doc, &Stamp { page, ..Stamp::new(vec![]) }).map(|(id, _)| id);
        assert_eq!(at(1).unwrap(), pages[0]);
        assert_eq!(at(3).unwrap(), pages[2]);
        assert_eq!(at(-1).unwrap(), pages[2]);
        assert_eq!(at(-3).unwrap(), pages[0]);
        for missing in [0, 4, -4, i32::MIN, i32::MAX] {
            assert!(
                matches!(at(missing), Err(PdfError::NoSuchPage { page, pages: 3 }) if page == missing),
                "{missing}"
            );
        }
        // The third page is 502 points wide: lower right is 36 points from its right edge.
        let stamp = Stamp { page: 3, corner: Corner::LowerRight, ..Stamp::new(vec![]) };
        let (_, placement) = locate(&doc, &stamp).unwrap();
        assert_eq!(placement.rect.x1, 502.0 - DEFAULT_MARGIN);
    }

    #[test]
    fn the_appearance_is_turned_by_the_placement_and_draws_its_lines_in_the_embedded_font() {
        let doc = doc_with_pages(1);
        let page = doc.get_pages()[&1];
        let mut sideways = doc.clone();
        sideways.get_dictionary_mut(page).unwrap().set("Rotate", 270);
        let stamp = Stamp::new(vec!["署名者: 山田 花子".into(), "日時: 2026-12-06".into()]);
        let (_, placement) = locate(&sideways, &stamp).unwrap();
        let mut objects = BTreeMap::new();
        let ap = appearance(&stamp, &placement, &mut |o| {
            let id = (objects.len() as u32 + 1, 0);
            objects.insert(id, o);
            id
        })
        .unwrap();
        let Object::Stream(s) = &objects[&ap] else { panic!("not a stream") };
        let matrix: Vec<i64> =
            s.dict.get(b"Matrix").unwrap().as_array().unwrap().iter().map(|o| o.as_i64().unwrap()).collect();
        assert_eq!(matrix, vec![0, -1, 1, 0, 0, 0]);
        let content = String::from_utf8(s.decompressed_content().unwrap()).unwrap();
        assert_eq!(content.matches(" Tj").count(), 2, "{content}");
        // No RGB or CMYK colour: DeviceGray only.
        assert!(!content.contains("rg") && !content.contains(" k"), "{content}");
        let font = s.dict.get(b"Resources").unwrap().as_dict().unwrap().get(b"Font").unwrap().as_dict().unwrap();
        let Object::Dictionary(type0) = &objects[&font.get(b"F1").unwrap().as_reference().unwrap()] else {
            panic!("no font dictionary")
        };
        assert_eq!(type0.get(b"Subtype").unwrap().as_name().unwrap(), b"Type0");
        // Sideways, the widget is tall and narrow in user space.
        assert_eq!((placement.rect.width(), placement.rect.height()), (SIZE.1, SIZE.0));
    }

    #[test]
    fn a_line_too_long_for_the_box_is_set_smaller_to_fit() {
        let long = "署名者: ".to_string() + &"長".repeat(40);
        let stamp = Stamp::new(vec![long, "short".into()]);
        let placement = place(
            &crate::place::PageBoxes { media: crate::place::Rect::new(0.0, 0.0, 600.0, 800.0), crop: None },
            0,
            Corner::LowerLeft,
            DEFAULT_MARGIN,
            SIZE,
        );
        let mut objects = BTreeMap::new();
        let ap = appearance(&stamp, &placement, &mut |o| {
            let id = (objects.len() as u32 + 1, 0);
            objects.insert(id, o);
            id
        })
        .unwrap();
        let Object::Stream(s) = &objects[&ap] else { panic!("not a stream") };
        let content = String::from_utf8(s.decompressed_content().unwrap()).unwrap();
        let sizes: Vec<f64> =
            content.lines().filter_map(|l| l.strip_prefix("/F1 ")?.split(' ').next()?.parse().ok()).collect();
        // 44 full-width characters (the colon and space are narrower) in 248 points: under 6 points each.
        assert!(sizes[0] < 6.0 && sizes[0] > 5.0, "{sizes:?}");
        assert_eq!(sizes[1], FONT_SIZE);
    }
}
