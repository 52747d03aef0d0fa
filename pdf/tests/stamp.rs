//! The visible stamp as a viewer shows it: signed PDFs (the test PKI's TEST-ONLY key stands in for the card)
//! rendered by poppler (`pdftoppm -cropbox`, the page as a viewer shows it: CropBox, /Rotate applied), its text
//! extracted (`pdftotext`) and its font listed (`pdffonts`), for every /Rotate × box case × corner. These need
//! poppler-utils, so they are #[ignore]d in a plain `cargo test`; .ci/pdf.sh runs them with --ignored.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::path::{Path, PathBuf};
use std::process::Command;

use kazasu_pdf::{cms, prepare, Corner, SignOptions, Stamp, SubFilter};
use lopdf::{dictionary, Dictionary, Document, Object, Stream};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");
const TIME: i64 = 1_796_000_000;
const LINES: [&str; 2] = ["署名者: 山田 花子", "日時: 2026-12-06 09:00 JST"];
/// The stamp's size and default margin, in points (= pixels at 72 dpi).
const W: i64 = 260;
const H: i64 = 46;
const MARGIN: i64 = 36;
/// Pixels of slack for rounding at the edges of a rendered box.
const SLACK: i64 = 2;

fn cert() -> Vec<u8> {
    std::fs::read(format!("{PKI}/sign.der")).unwrap()
}

/// What the card does: RSA PKCS#1 v1.5 over the SHA-256 DigestInfo of `data`.
fn card_sign(data: &[u8]) -> Vec<u8> {
    let key = PKey::private_key_from_pem(&std::fs::read(format!("{PKI}/sign.TEST-ONLY.key.pem")).unwrap()).unwrap();
    let mut s = Signer::new(MessageDigest::sha256(), &key).unwrap();
    s.update(data).unwrap();
    s.sign_to_vec().unwrap()
}

fn sign(input: &[u8], stamp: Option<Stamp>) -> Vec<u8> {
    let mut options = SignOptions::new(SubFilter::Pades, TIME);
    options.stamp = stamp;
    let prepared = prepare(input, &options).unwrap();
    let attrs = prepared.signed_attributes(Some(&cert())).unwrap();
    prepared.finish(&cms::signed_data(&attrs, &cert(), &[], &card_sign(&attrs), None).unwrap()).unwrap()
}

/// A box case: where the page attributes are, and what a viewer shows of the page (x0, y0, x1, y1).
struct BoxCase {
    name: &'static str,
    media: [i64; 4],
    crop: Option<[i64; 4]>,
    /// The boxes and /Rotate on the page tree's root node, inherited by the pages, instead of on the page.
    inherited: bool,
}

impl BoxCase {
    fn visible(&self) -> [i64; 4] {
        self.crop.unwrap_or(self.media)
    }
}

const CASES: [BoxCase; 4] = [
    BoxCase { name: "media-at-origin", media: [0, 0, 595, 842], crop: None, inherited: false },
    BoxCase { name: "media-at-100-200", media: [100, 200, 712, 992], crop: None, inherited: false },
    BoxCase {
        name: "crop-in-shifted-media",
        media: [100, 200, 712, 992],
        crop: Some([150, 260, 650, 900]),
        inherited: false,
    },
    BoxCase {
        name: "inherited-crop-and-rotate",
        media: [-50, -80, 560, 800],
        crop: Some([0, 0, 500, 700]),
        inherited: true,
    },
];

fn array(r: [i64; 4]) -> Object {
    Object::Array(r.iter().map(|v| Object::Integer(*v)).collect())
}

/// Two pages with some text on each, written by lopdf: the stamp goes on the last; both have the case's boxes
/// and /Rotate (on the page, or on the page tree's root).
fn make_pdf(case: &BoxCase, rotate: i64) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let mut attributes = dictionary! { "MediaBox" => array(case.media), "Rotate" => rotate };
    if let Some(crop) = case.crop {
        attributes.set("CropBox", array(crop));
    }
    let mut kids = Vec::new();
    for _ in 0..2 {
        // A word in the page's middle: the page is not blank, and the word stays clear of the corners.
        let [x0, y0, x1, y1] = case.visible();
        let text = format!("BT /F1 12 Tf {} {} Td (page) Tj ET", (x0 + x1) / 2 - 15, (y0 + y1) / 2);
        let content = doc.add_object(Stream::new(dictionary! {}, text.into_bytes()));
        let mut page = dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content };
        if !case.inherited {
            page.extend(&attributes);
        }
        kids.push(Object::from(doc.add_object(page)));
    }
    let font = dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" };
    let mut root: Dictionary = dictionary! {
        "Type" => "Pages", "Kids" => kids, "Count" => 2,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    };
    if case.inherited {
        root.extend(&attributes);
    }
    doc.objects.insert(pages_id, Object::Dictionary(root));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stamp-rendered");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(program: &str, args: &[&str]) -> (String, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} (poppler-utils) could not run: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A grey image: width, height, one byte a pixel (0 black … 255 white), rows from the top.
struct Gray {
    w: i64,
    h: i64,
    px: Vec<u8>,
}

impl Gray {
    fn at(&self, x: i64, y: i64) -> u8 {
        self.px[(y * self.w + x) as usize]
    }

    /// The smallest box (x0, y0, x1, y1 exclusive) around the pixels darker than `below` in `region`.
    fn bounds(&self, below: u8, [rx0, ry0, rx1, ry1]: [i64; 4]) -> Option<[i64; 4]> {
        let mut b: Option<[i64; 4]> = None;
        for y in ry0.max(0)..ry1.min(self.h) {
            for x in rx0.max(0)..rx1.min(self.w) {
                if self.at(x, y) < below {
                    let [x0, y0, x1, y1] = b.unwrap_or([x, y, x + 1, y + 1]);
                    b = Some([x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1)]);
                }
            }
        }
        b
    }
}

/// Page `page` of `pdf` as a viewer shows it (CropBox, /Rotate), at 72 dpi: one pixel a point.
fn render(pdf: &Path, page: usize) -> Gray {
    let prefix = pdf.with_extension("");
    let (p, prefix_str) = (page.to_string(), prefix.to_str().unwrap());
    let (_, stderr) = run(
        "pdftoppm",
        &["-r", "72", "-gray", "-cropbox", "-singlefile", "-f", &p, "-l", &p, pdf.to_str().unwrap(), prefix_str],
    );
    // poppler complains on stderr about a font it cannot load or a broken object.
    assert!(stderr.trim().is_empty(), "pdftoppm {}: {stderr}", pdf.display());
    let data = std::fs::read(prefix.with_extension("pgm")).unwrap();
    // P5 <width> <height> <maxval> then the pixels, each header field ended by one whitespace byte.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        let start = at;
        while !data[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..at]).into_owned());
        at += 1;
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (i64, i64) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    Gray { w, h, px: data[at..].to_vec() }
}

/// Where the stamp must be in the rendered image (rows from the top): `corner` of a `pw` × `ph` page as seen.
fn expected(corner: Corner, pw: i64, ph: i64) -> [i64; 4] {
    let x0 = match corner {
        Corner::LowerLeft | Corner::UpperLeft => MARGIN,
        Corner::LowerRight | Corner::UpperRight => pw - MARGIN - W,
    };
    let y0 = match corner {
        Corner::UpperLeft | Corner::UpperRight => MARGIN,
        Corner::LowerLeft | Corner::LowerRight => ph - MARGIN - H,
    };
    [x0, y0, x0 + W, y0 + H]
}

fn near(a: [i64; 4], b: [i64; 4]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= SLACK)
}

#[test]
#[ignore = "needs poppler (pdftoppm, pdftotext, pdffonts); run by .ci/pdf.sh"]
fn the_stamp_is_drawn_upright_in_the_chosen_corner_of_the_visible_page_for_every_rotation_and_box() {
    let dir = work_dir();
    let corners = [Corner::LowerLeft, Corner::LowerRight, Corner::UpperLeft, Corner::UpperRight];
    let mut checked = 0;
    for case in &CASES {
        for rotate in [0, 90, 180, 270] {
            let input = make_pdf(case, rotate);
            for corner in corners {
                let what = format!("{} /Rotate {rotate} {corner:?}", case.name);
                let stamp = Stamp { page: -1, corner, ..Stamp::new(LINES.iter().map(|l| l.to_string()).collect()) };
                let path = dir.join(format!("{}-{rotate}-{corner:?}.pdf", case.name));
                std::fs::write(&path, sign(&input, Some(stamp))).unwrap();
                let img = render(&path, 2);
                // The image is the visible box, turned: the viewer shows the CropBox, sideways for 90 and 270.
                let [x0, y0, x1, y1] = case.visible();
                let (pw, ph) = if rotate % 180 == 0 { (x1 - x0, y1 - y0) } else { (y1 - y0, x1 - x0) };
                assert!((img.w - pw).abs() <= 1 && (img.h - ph).abs() <= 1, "{what}: page {}×{}", img.w, img.h);
                // The stamp: its light grey ground and frame, wide and low, in the corner asked for (searched
                // around where it should be; the other corners must stay empty, below).
                let want = expected(corner, img.w, img.h);
                let around = [want[0] - 30, want[1] - 30, want[2] + 30, want[3] + 30];
                let found = img.bounds(250, around).unwrap_or_else(|| panic!("{what}: no stamp in its corner"));
                assert!(near(found, want), "{what}: stamp at {found:?}, wanted {want:?}");
                // Nothing drawn in the other corners' stamp places (those apart from this one: on a page under
                // 592 points wide the left and right places overlap).
                let apart = |p: [i64; 4]| {
                    p[0] >= want[2] + SLACK
                        || p[2] <= want[0] - SLACK
                        || p[1] >= want[3] + SLACK
                        || p[3] <= want[1] - SLACK
                };
                for other in corners.iter().filter(|c| **c != corner) {
                    let place = expected(*other, img.w, img.h);
                    if !apart(place) {
                        continue;
                    }
                    assert!(img.bounds(250, place).is_none(), "{what}: something drawn at {other:?}");
                }
                // Upright: inside the frame, the text starts at the left (6 points in), its two lines fill the
                // upper part and leave the lowest quarter empty; turned by 180 it would be the other way round.
                let [fx0, fy0, fx1, fy1] = found;
                let inner = [fx0 + 3, fy0 + 3, fx1 - 3, fy1 - 3];
                let ink = img.bounds(128, inner).unwrap_or_else(|| panic!("{what}: no text in the stamp"));
                assert!((4..=9).contains(&(ink[0] - fx0)), "{what}: text starts {} px from the left", ink[0] - fx0);
                assert!(fx1 - ink[2] > 40, "{what}: text reaches the right edge: {ink:?} in {found:?}");
                let lowest_quarter = [fx0 + 3, fy1 - (fy1 - fy0) / 4, fx1 - 3, fy1 - 3];
                let top_quarter = [fx0 + 3, fy0 + 3, fx1 - 3, fy0 + (fy1 - fy0) / 4];
                assert!(img.bounds(128, lowest_quarter).is_none(), "{what}: text in the lowest quarter (upside down?)");
                assert!(img.bounds(128, top_quarter).is_some(), "{what}: no text in the top quarter");
                checked += 1;
            }
        }
    }
    println!("rendered and checked: {checked} stamps (4 box cases × 4 rotations × 4 corners)");
    assert_eq!(checked, 64);
}

#[test]
#[ignore = "needs poppler (pdftoppm, pdftotext, pdffonts); run by .ci/pdf.sh"]
fn the_stamp_s_font_is_an_embedded_subset_and_its_text_extracts_as_the_name_on_one_line() {
    let dir = work_dir();
    for rotate in [0, 90, 180, 270] {
        let input = make_pdf(&CASES[2], rotate);
        let path = dir.join(format!("text-{rotate}.pdf"));
        let stamp = Stamp { page: -1, ..Stamp::new(LINES.iter().map(|l| l.to_string()).collect()) };
        let signed = sign(&input, Some(stamp));
        let invisible = sign(&input, None);
        std::fs::write(&path, &signed).unwrap();
        let file = path.to_str().unwrap();
        let (fonts, _) = run("pdffonts", &["-f", "2", "-l", "2", file]);
        let row = fonts.lines().find(|l| l.contains("+IPAexGothic")).unwrap_or_else(|| panic!("{fonts}"));
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name, type (2 words), encoding, emb, sub, uni, object, generation
        assert_eq!(cols[1..7], ["CID", "TrueType", "Identity-H", "yes", "yes", "yes"], "{fonts}");
        let (text, _) = run("pdftotext", &["-layout", "-f", "2", "-l", "2", file, "-"]);
        let line = |words: &[&str]| text.lines().any(|l| words.iter().all(|w| l.contains(w)));
        assert!(line(&["署名者:", "山田", "花子"]), "/Rotate {rotate}: the name is not one line: {text}");
        assert!(line(&["日時:", "2026-12-06", "09:00", "JST"]), "/Rotate {rotate}: {text}");
        if rotate == 0 {
            println!(
                "a two-line stamp adds {} bytes over an invisible signature ({} vs {})",
                signed.len() - invisible.len(),
                signed.len(),
                invisible.len()
            );
        }
    }
}
