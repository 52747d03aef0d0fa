//! Where the visible stamp goes: a corner of the page *as the person sees it*, inside the region a viewer shows.
//!
//! A viewer shows the page's CropBox clipped by its MediaBox (PDF 32000-1 §14.11.2: the CropBox defaults to the
//! MediaBox, and only their intersection is visible), turned clockwise by `/Rotate`; both boxes and `/Rotate` may be
//! inherited from the page tree, and a box may start anywhere (`[100 200 712 992]` as well as `[0 0 612 792]`).
//!
//! The stamp is upright on screen through its appearance stream's `/Matrix`: the form is drawn upright in its own
//! `/BBox` and turned counter-clockwise by `/Rotate` degrees, so that the page's clockwise turn sets it straight
//! again; the widget's `/Rect` (default user space) is the turned box. This is the annotation appearance
//! algorithm of PDF 32000-1 §12.5.5 (the transformed `/BBox` mapped onto `/Rect`), which poppler, pdf.js, PDFium
//! and Acrobat all implement for any annotation. The widget's `/MK /R` is not used: it tells a viewer how to
//! *build* a field's appearance when it regenerates one, and is ignored when an `/AP` is given — a signed
//! appearance is never regenerated. Nor is the `NoRotate` flag, which viewers honour unevenly.

use lopdf::{Document, Object, ObjectId};

/// A rectangle in default user space (points), `x0 <= x1`, `y0 <= y1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    /// From two corners in any order (PDF allows any pair of opposite corners).
    pub fn new(ax: f64, ay: f64, bx: f64, by: f64) -> Rect {
        Rect { x0: ax.min(bx), y0: ay.min(by), x1: ax.max(bx), y1: ay.max(by) }
    }

    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// The common part of two rectangles, `None` when they do not overlap with some area.
    fn intersect(&self, other: &Rect) -> Option<Rect> {
        let r = Rect {
            x0: self.x0.max(other.x0),
            y0: self.y0.max(other.y0),
            x1: self.x1.min(other.x1),
            y1: self.y1.min(other.y1),
        };
        (r.width() > 0.0 && r.height() > 0.0).then_some(r)
    }
}

/// A page's boxes, with what it inherits from the page tree already applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageBoxes {
    pub media: Rect,
    pub crop: Option<Rect>,
}

impl PageBoxes {
    /// What a viewer shows: the CropBox within the MediaBox; the MediaBox when there is no CropBox or the two do
    /// not overlap (as poppler and pdf.js fall back).
    pub fn visible(&self) -> Rect {
        self.crop.and_then(|c| c.intersect(&self.media)).unwrap_or(self.media)
    }
}

/// A corner of the page as the person sees it on screen (after `/Rotate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Corner {
    #[default]
    LowerLeft,
    LowerRight,
    UpperLeft,
    UpperRight,
}

/// Where the stamp's widget goes and how its appearance is turned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    /// The widget's `/Rect`, in default user space.
    pub rect: Rect,
    /// The appearance stream's `/Matrix`: a turn by `/Rotate` degrees counter-clockwise, no translation.
    pub matrix: [i64; 6],
}

/// `/Rotate` as viewers read it: a multiple of 90 in 0..360 (negative values count the other way round; a value
/// that is no multiple of 90 is ignored, as poppler and pdf.js ignore it).
pub fn normalize_rotate(rotate: i64) -> i64 {
    let r = rotate.rem_euclid(360);
    if r % 90 == 0 {
        r
    } else {
        0
    }
}

/// Places a stamp of `size` (width, height in points, as read on screen) in `corner` of the visible page,
/// `margin` points from both edges the corner joins. On a page too small for it the margin shrinks first, then
/// the stamp (keeping its proportions; the viewer scales the appearance into the smaller `/Rect`).
pub fn place(boxes: &PageBoxes, rotate: i64, corner: Corner, margin: f64, size: (f64, f64)) -> Placement {
    let visible = boxes.visible();
    let rotate = normalize_rotate(rotate);
    let sideways = rotate % 180 != 0;
    // The visible page's width and height as the person sees them.
    let (pw, ph) = if sideways { (visible.height(), visible.width()) } else { (visible.width(), visible.height()) };
    let scale = (pw / size.0).min(ph / size.1).clamp(0.0, 1.0);
    let (w, h) = (size.0 * scale, size.1 * scale);
    let margin = margin.max(0.0).min((pw - w) / 2.0).min((ph - h) / 2.0).max(0.0);
    // The stamp's lower-left corner in screen coordinates (origin at the lower left of the page as seen).
    let dx = match corner {
        Corner::LowerLeft | Corner::UpperLeft => margin,
        Corner::LowerRight | Corner::UpperRight => pw - margin - w,
    };
    let dy = match corner {
        Corner::LowerLeft | Corner::LowerRight => margin,
        Corner::UpperLeft | Corner::UpperRight => ph - margin - h,
    };
    // Screen → user space. The page is shown turned clockwise by `rotate`: the screen's lower-left corner is the
    // visible box's lower-left (0), lower-right (90), upper-right (180) or upper-left (270) corner.
    let Rect { x0, y0, x1, y1 } = visible;
    let to_user = |sx: f64, sy: f64| match rotate {
        90 => (x1 - sy, y0 + sx),
        180 => (x1 - sx, y1 - sy),
        270 => (x0 + sy, y1 - sx),
        _ => (x0 + sx, y0 + sy),
    };
    let (ax, ay) = to_user(dx, dy);
    let (bx, by) = to_user(dx + w, dy + h);
    let matrix = match rotate {
        90 => [0, 1, -1, 0, 0, 0],
        180 => [-1, 0, 0, -1, 0, 0],
        270 => [0, -1, 1, 0, 0, 0],
        _ => [1, 0, 0, 1, 0, 0],
    };
    Placement { rect: Rect::new(ax, ay, bx, by), matrix }
}

/// US Letter, what poppler and pdf.js assume for a page with no readable MediaBox.
const DEFAULT_MEDIA: Rect = Rect { x0: 0.0, y0: 0.0, x1: 612.0, y1: 792.0 };

/// Nodes followed up the page tree at most (a `/Parent` cycle must end).
const MAX_DEPTH: usize = 64;

/// The page's boxes and `/Rotate` (normalized), each taken from the page or, when absent there, from the nearest
/// ancestor in the page tree that has it (PDF 32000-1 §7.7.3.4: inheritable page attributes).
pub(crate) fn page_geometry(doc: &Document, page: ObjectId) -> (PageBoxes, i64) {
    let media = inherited(doc, page, b"MediaBox").and_then(|o| rect(doc, o)).unwrap_or(DEFAULT_MEDIA);
    let crop = inherited(doc, page, b"CropBox").and_then(|o| rect(doc, o));
    let rotate = inherited(doc, page, b"Rotate").and_then(|o| number(doc, o)).map_or(0, |r| r.round() as i64);
    (PageBoxes { media, crop }, normalize_rotate(rotate))
}

fn inherited<'a>(doc: &'a Document, page: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut node = doc.get_dictionary(page).ok()?;
    for _ in 0..MAX_DEPTH {
        if let Ok(value) = node.get(key) {
            return Some(value);
        }
        let parent = node.get(b"Parent").and_then(Object::as_reference).ok()?;
        node = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn number(doc: &Document, o: &Object) -> Option<f64> {
    match doc.dereference(o).ok()?.1 {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

fn rect(doc: &Document, o: &Object) -> Option<Rect> {
    let a = doc.dereference(o).ok()?.1.as_array().ok()?;
    let n: Vec<f64> = a.iter().map(|v| number(doc, v)).collect::<Option<_>>()?;
    let r = match n[..] {
        [ax, ay, bx, by] if n.iter().all(|v| v.is_finite()) => Rect::new(ax, ay, bx, by),
        _ => return None,
    };
    (r.width() > 0.0 && r.height() > 0.0).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: (f64, f64) = (260.0, 46.0);
    const MARGIN: f64 = 36.0;

    /// Maps a user-space point to the screen of a page shown turned by `rotate` (the inverse of `place`'s
    /// mapping, written from the other side: the screen is the visible box turned clockwise).
    fn to_screen(visible: Rect, rotate: i64, x: f64, y: f64) -> (f64, f64) {
        let (u, v) = (x - visible.x0, y - visible.y0);
        let (w, h) = (visible.width(), visible.height());
        match rotate {
            // Clockwise by 90: what was up points right; the old right edge becomes the bottom.
            90 => (v, w - u),
            180 => (w - u, h - v),
            270 => (h - v, u),
            _ => (u, v),
        }
    }

    fn screen_size(visible: Rect, rotate: i64) -> (f64, f64) {
        if rotate % 180 == 0 {
            (visible.width(), visible.height())
        } else {
            (visible.height(), visible.width())
        }
    }

    /// Applies an appearance matrix to a vector.
    fn turn(m: [i64; 6], x: f64, y: f64) -> (f64, f64) {
        (m[0] as f64 * x + m[2] as f64 * y, m[1] as f64 * x + m[3] as f64 * y)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    fn cases() -> Vec<(&'static str, PageBoxes)> {
        let a4 = Rect::new(0.0, 0.0, 595.0, 842.0);
        let shifted = Rect::new(100.0, 200.0, 712.0, 992.0);
        vec![
            ("MediaBox at 0,0", PageBoxes { media: a4, crop: None }),
            ("MediaBox at 100,200", PageBoxes { media: shifted, crop: None }),
            (
                "CropBox inside a MediaBox at 0,0",
                PageBoxes { media: a4, crop: Some(Rect::new(50.0, 80.0, 500.0, 700.0)) },
            ),
            (
                "CropBox inside a MediaBox at 100,200",
                PageBoxes { media: shifted, crop: Some(Rect::new(150.0, 260.0, 650.0, 900.0)) },
            ),
            // Written upper-right first, and reaching beyond the MediaBox: only the common part is shown.
            (
                "CropBox reaching beyond the MediaBox",
                PageBoxes { media: a4, crop: Some(Rect::new(700.0, 800.0, -40.0, 100.0)) },
            ),
        ]
    }

    #[test]
    fn the_stamp_sits_in_the_chosen_corner_of_the_visible_page_as_seen_for_every_rotation_and_box() {
        let corners = [Corner::LowerLeft, Corner::LowerRight, Corner::UpperLeft, Corner::UpperRight];
        let mut checked = 0;
        for (name, boxes) in cases() {
            let visible = boxes.visible();
            for rotate in [0, 90, 180, 270] {
                let (pw, ph) = screen_size(visible, rotate);
                for corner in corners {
                    let p = place(&boxes, rotate, corner, MARGIN, SIZE);
                    let what = format!("{name}, /Rotate {rotate}, {corner:?}: {p:?}");
                    // Inside the visible box, in user space.
                    assert!(
                        p.rect.x0 >= visible.x0 - 1e-6
                            && p.rect.y0 >= visible.y0 - 1e-6
                            && p.rect.x1 <= visible.x1 + 1e-6
                            && p.rect.y1 <= visible.y1 + 1e-6,
                        "outside the visible page: {what}"
                    );
                    // On screen: the stamp's box, from its two user-space corners.
                    let (ax, ay) = to_screen(visible, rotate, p.rect.x0, p.rect.y0);
                    let (bx, by) = to_screen(visible, rotate, p.rect.x1, p.rect.y1);
                    let s = Rect::new(ax, ay, bx, by);
                    assert!(
                        close(s.width(), SIZE.0) && close(s.height(), SIZE.1),
                        "not wide and low on screen: {what}"
                    );
                    let (want_x, want_y) = match corner {
                        Corner::LowerLeft => (MARGIN, MARGIN),
                        Corner::LowerRight => (pw - MARGIN - SIZE.0, MARGIN),
                        Corner::UpperLeft => (MARGIN, ph - MARGIN - SIZE.1),
                        Corner::UpperRight => (pw - MARGIN - SIZE.0, ph - MARGIN - SIZE.1),
                    };
                    assert!(close(s.x0, want_x) && close(s.y0, want_y), "wrong corner on screen {s:?}: {what}");
                    // Upright: the form's x axis (the text's direction) runs left to right on screen and its y
                    // axis upwards — the appearance's turn undoes the page's.
                    let (ex, ey) = turn(p.matrix, 1.0, 0.0);
                    let (fx, fy) = turn(p.matrix, 0.0, 1.0);
                    let (sx0, sy0) = to_screen(visible, rotate, visible.x0, visible.y0);
                    let (sx1, sy1) = to_screen(visible, rotate, visible.x0 + ex, visible.y0 + ey);
                    assert!(close(sx1 - sx0, 1.0) && close(sy1 - sy0, 0.0), "text not left to right: {what}");
                    let (tx1, ty1) = to_screen(visible, rotate, visible.x0 + fx, visible.y0 + fy);
                    assert!(close(tx1 - sx0, 0.0) && close(ty1 - sy0, 1.0), "text not upright: {what}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 * 4 * 4);
    }

    #[test]
    fn a_crop_box_reaching_beyond_the_media_box_is_clipped_to_it_and_one_outside_it_is_ignored() {
        let media = Rect::new(0.0, 0.0, 595.0, 842.0);
        let beyond = PageBoxes { media, crop: Some(Rect::new(-40.0, 100.0, 700.0, 800.0)) };
        assert_eq!(beyond.visible(), Rect::new(0.0, 100.0, 595.0, 800.0));
        let outside = PageBoxes { media, crop: Some(Rect::new(1000.0, 1000.0, 1200.0, 1200.0)) };
        assert_eq!(outside.visible(), media);
    }

    #[test]
    fn on_a_page_smaller_than_the_stamp_the_margin_goes_first_then_the_stamp_shrinks_keeping_its_shape() {
        let tiny = PageBoxes { media: Rect::new(10.0, 10.0, 140.0, 60.0), crop: None };
        let p = place(&tiny, 0, Corner::UpperRight, MARGIN, SIZE);
        assert!(close(p.rect.width(), 130.0) && close(p.rect.height(), 23.0), "{p:?}");
        assert!(close(p.rect.x1, 140.0) && close(p.rect.y1, 60.0), "no room for a margin: {p:?}");
        let narrow = PageBoxes { media: Rect::new(0.0, 0.0, 280.0, 400.0), crop: None };
        let p = place(&narrow, 0, Corner::LowerLeft, MARGIN, SIZE);
        assert!(close(p.rect.x0, 10.0) && close(p.rect.width(), 260.0), "margin shrunk to fit: {p:?}");
    }

    #[test]
    fn rotate_is_read_as_viewers_read_it() {
        assert_eq!(normalize_rotate(-90), 270);
        assert_eq!(normalize_rotate(450), 90);
        assert_eq!(normalize_rotate(45), 0);
        assert_eq!(normalize_rotate(180), 180);
    }

    #[test]
    fn boxes_and_rotate_are_inherited_from_the_page_tree_and_the_page_s_own_win() {
        use lopdf::dictionary;
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let kids_id = doc.new_object_id();
        let inheriting = doc.add_object(dictionary! { "Type" => "Page", "Parent" => kids_id });
        let own = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => kids_id, "Rotate" => 0,
            "MediaBox" => vec![0.into(), 0.into(), 300.into(), 400.into()],
        });
        doc.objects.insert(
            kids_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Parent" => pages_id, "Kids" => vec![inheriting.into(), own.into()], "Count" => 2,
                "CropBox" => vec![110.into(), 210.into(), 600.into(), 900.into()],
            }),
        );
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![kids_id.into()], "Count" => 2, "Rotate" => 90,
                "MediaBox" => vec![100.into(), 200.into(), 712.into(), 992.into()],
            }),
        );
        let (boxes, rotate) = page_geometry(&doc, inheriting);
        assert_eq!(rotate, 90);
        assert_eq!(boxes.media, Rect::new(100.0, 200.0, 712.0, 992.0));
        assert_eq!(boxes.crop, Some(Rect::new(110.0, 210.0, 600.0, 900.0)));
        let (boxes, rotate) = page_geometry(&doc, own);
        assert_eq!((rotate, boxes.media), (0, Rect::new(0.0, 0.0, 300.0, 400.0)));
        // The crop box inherited from the parent lies partly outside this page's own media box.
        assert_eq!(boxes.visible(), Rect::new(110.0, 210.0, 300.0, 400.0));
    }

    #[test]
    fn a_parent_cycle_ends_and_a_missing_media_box_is_us_letter() {
        use lopdf::dictionary;
        let mut doc = Document::with_version("1.7");
        let a = doc.new_object_id();
        let b = doc.new_object_id();
        doc.objects.insert(a, Object::Dictionary(dictionary! { "Type" => "Page", "Parent" => b }));
        doc.objects.insert(b, Object::Dictionary(dictionary! { "Type" => "Pages", "Parent" => a }));
        let (boxes, rotate) = page_geometry(&doc, a);
        assert_eq!((boxes, rotate), (PageBoxes { media: DEFAULT_MEDIA, crop: None }, 0));
    }
}
