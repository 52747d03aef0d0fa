//! The stamp's font: IPAex Gothic (pdf/fonts/README.md, IPA Font License v1.0), built into the library so the
//! CLI and the phones need no system font, and embedded in the signed PDF as a subset holding only the glyphs the
//! stamp draws — a Type0 font with the `Identity-H` encoding over a CIDFontType2 (TrueType outlines in
//! `/FontFile2`), with `/W` widths from the font's own `hmtx`, a `/CIDSet`, and a `/ToUnicode` CMap so that text
//! extraction gives the name back. This is what PDF/A asks of every font used for rendering (embedded, widths
//! consistent with the program, CIDSet for a subset in PDF/A-1, ToUnicode for level U).
//!
//! `ttf-parser` reads the font (cmap, advances, metrics) and typst's `subsetter` writes the subset: no TrueType
//! code is written here. The subset's glyph ids are the CIDs (`subsetter` numbers the kept glyphs 0, 1, 2, … and
//! `/CIDToGIDMap /Identity` says CID = glyph id).

use std::collections::BTreeMap;

use lopdf::{dictionary, Dictionary, Object, ObjectId, Stream};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;
use ttf_parser::Face;

use crate::error::PdfError;

/// IPAex Gothic 004.01, unmodified (pdf/fonts/README.md).
const IPAEX_GOTHIC: &[u8] = include_bytes!("../fonts/ipaexg.ttf");
/// Its PostScript name.
const BASE_NAME: &str = "IPAexGothic";
/// Drawn for a character the font lacks: 〓 (geta), the mark Japanese typesetting uses for a missing kanji.
const MISSING: char = '\u{3013}';

/// The glyphs a stamp uses so far, collected while its text is encoded, then written as the embedded subset.
pub(crate) struct Subset {
    face: Face<'static>,
    remapper: GlyphRemapper,
    /// CID → the text its glyph stands for (for `/ToUnicode`) and its advance in thousandths of an em (`/W`).
    glyphs: BTreeMap<u16, (char, i64)>,
}

impl Subset {
    pub(crate) fn new() -> Result<Subset, PdfError> {
        let face = Face::parse(IPAEX_GOTHIC, 0).map_err(|_| PdfError::Font("the built-in font cannot be read"))?;
        let mut subset = Subset { face, remapper: GlyphRemapper::new(), glyphs: BTreeMap::new() };
        // CID 0 is .notdef, always in a subset.
        let notdef = subset.advance(ttf_parser::GlyphId(0));
        subset.glyphs.insert(0, ('\u{FFFD}', notdef));
        Ok(subset)
    }

    /// Advance of a glyph in thousandths of an em (what `/W` and text positioning use).
    fn advance(&self, glyph: ttf_parser::GlyphId) -> i64 {
        let units = f64::from(self.face.units_per_em());
        let advance = f64::from(self.face.glyph_hor_advance(glyph).unwrap_or(0));
        (advance * 1000.0 / units).round() as i64
    }

    /// `text` as the 2-byte CIDs of `Identity-H` (for a hex string), and its width in thousandths of the font
    /// size. A character the font has no glyph for is drawn as 〓; control characters are dropped.
    pub(crate) fn encode(&mut self, text: &str) -> (Vec<u8>, i64) {
        let mut codes = Vec::with_capacity(text.len() * 2);
        let mut width = 0;
        for c in text.chars().filter(|c| !c.is_control()) {
            let (c, glyph) = match self.face.glyph_index(c) {
                Some(g) => (c, g),
                None => (MISSING, self.face.glyph_index(MISSING).unwrap_or(ttf_parser::GlyphId(0))),
            };
            let cid = self.remapper.remap(glyph.0);
            let advance = self.advance(glyph);
            self.glyphs.entry(cid).or_insert((c, advance));
            codes.extend_from_slice(&cid.to_be_bytes());
            width += advance;
        }
        (codes, width)
    }

    /// The Type0 font dictionary for the text encoded so far; the streams and dictionaries it refers to are
    /// handed to `add`, which gives each its object number in the update.
    pub(crate) fn into_font(self, add: &mut dyn FnMut(Object) -> ObjectId) -> Result<ObjectId, PdfError> {
        let program = subsetter::subset(IPAEX_GOTHIC, 0, &self.remapper)
            .map_err(|_| PdfError::Font("the built-in font could not be subset"))?;
        // The subset may hold more glyphs than were asked for (the parts of composite glyphs): the CIDSet names
        // every glyph the program holds.
        let held = Face::parse(&program, 0)
            .map_err(|_| PdfError::Font("the font subset cannot be read back"))?
            .number_of_glyphs();
        let name = format!("{}+{BASE_NAME}", subset_tag(&self.remapper));

        let mut file = Stream::new(dictionary! { "Length1" => program.len() as i64 }, program);
        file.compress().map_err(|_| PdfError::Font("the font subset could not be compressed"))?;
        let file = add(Object::Stream(file));
        let mut cid_set = vec![0u8; usize::from(held).div_ceil(8)];
        for cid in 0..usize::from(held) {
            cid_set[cid / 8] |= 0x80 >> (cid % 8);
        }
        let cid_set = add(Object::Stream(Stream::new(Dictionary::new(), cid_set)));
        let face = &self.face;
        let scale = |v: i16| (f64::from(v) * 1000.0 / f64::from(face.units_per_em())).round() as i64;
        let bbox = face.global_bounding_box();
        let descriptor = add(Object::Dictionary(dictionary! {
            "Type" => "FontDescriptor",
            "FontName" => Object::Name(name.clone().into_bytes()),
            // Symbolic: its glyphs lie outside the standard Latin character set.
            "Flags" => 4,
            "FontBBox" => vec![scale(bbox.x_min).into(), scale(bbox.y_min).into(), scale(bbox.x_max).into(), scale(bbox.y_max).into()],
            "ItalicAngle" => 0,
            "Ascent" => scale(face.ascender()),
            "Descent" => scale(face.descender()),
            "CapHeight" => scale(face.capital_height().unwrap_or(face.ascender())),
            // Not in TrueType fonts; the value Acrobat and LibreOffice write for a regular weight.
            "StemV" => 80,
            "FontFile2" => file,
            "CIDSet" => cid_set,
        }));
        let widths: Vec<Object> = self.widths().into_iter().map(Object::Integer).collect();
        let cid_font = add(Object::Dictionary(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => Object::Name(name.clone().into_bytes()),
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal("Identity"),
                "Supplement" => 0,
            },
            "FontDescriptor" => descriptor,
            "CIDToGIDMap" => "Identity",
            "DW" => 1000,
            "W" => vec![0.into(), Object::Array(widths)],
        }));
        let mut to_unicode = Stream::new(Dictionary::new(), self.to_unicode().into_bytes());
        to_unicode.compress().map_err(|_| PdfError::Font("the ToUnicode map could not be compressed"))?;
        let to_unicode = add(Object::Stream(to_unicode));
        Ok(add(Object::Dictionary(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => Object::Name(name.into_bytes()),
            "Encoding" => "Identity-H",
            "DescendantFonts" => vec![cid_font.into()],
            "ToUnicode" => to_unicode,
        })))
    }

    /// The advance of every CID from 0 in order (the CIDs are consecutive: the remapper numbers them so).
    fn widths(&self) -> Vec<i64> {
        self.glyphs.values().map(|(_, w)| *w).collect()
    }

    /// The `/ToUnicode` CMap: each CID to the UTF-16BE of the character it was used for.
    fn to_unicode(&self) -> String {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let mapped: Vec<(u16, char)> =
            self.glyphs.iter().filter(|(cid, _)| **cid != 0).map(|(cid, (c, _))| (*cid, *c)).collect();
        // At most 100 entries per bfchar block (PDF 32000-1 §9.10.3, Adobe technical note 5411).
        for block in mapped.chunks(100) {
            cmap.push_str(&format!("{} beginbfchar\n", block.len()));
            for (cid, c) in block {
                let utf16: String = c.encode_utf16(&mut [0; 2]).iter().map(|u| format!("{u:04X}")).collect();
                cmap.push_str(&format!("<{cid:04X}> <{utf16}>\n"));
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        cmap
    }
}

/// Six capital letters naming this subset (PDF 32000-1 §9.6.4), from the glyphs it holds: the same stamp text
/// gives the same tag.
fn subset_tag(remapper: &GlyphRemapper) -> String {
    let mut h = Sha256::new();
    for g in remapper.remapped_gids() {
        h.update(g.to_be_bytes());
    }
    h.finalize().iter().take(6).map(|b| char::from(b'A' + b % 26)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(subset: Subset) -> (BTreeMap<ObjectId, Object>, ObjectId) {
        let mut objects = BTreeMap::new();
        let mut next = 1;
        let font = subset
            .into_font(&mut |o| {
                let id = (next, 0);
                next += 1;
                objects.insert(id, o);
                id
            })
            .unwrap();
        (objects, font)
    }

    fn dict<'a>(objects: &'a BTreeMap<ObjectId, Object>, id: &Object) -> &'a Dictionary {
        match &objects[&id.as_reference().unwrap()] {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            other => panic!("not a dictionary: {other:?}"),
        }
    }

    fn stream(objects: &BTreeMap<ObjectId, Object>, id: &Object) -> Vec<u8> {
        match &objects[&id.as_reference().unwrap()] {
            Object::Stream(s) => s.decompressed_content().unwrap(),
            other => panic!("not a stream: {other:?}"),
        }
    }

    #[test]
    fn a_name_in_kanji_and_kana_is_encoded_as_consecutive_cids_one_per_character() {
        let mut subset = Subset::new().unwrap();
        let (codes, width) = subset.encode("署名者: 山田 花子");
        assert_eq!(codes.len(), 2 * 10);
        // 署 名 者 : ␠ 山 田 ␠ 花 子: the second space and nothing else repeats.
        let cids: Vec<u16> = codes.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        assert_eq!(cids, vec![1, 2, 3, 4, 5, 6, 7, 5, 8, 9]);
        // Eight full-width kanji and the proportional colon and spaces.
        assert!(width > 8 * 900 && width < 10 * 1000, "{width}");
    }

    #[test]
    fn a_character_the_font_lacks_is_drawn_as_geta_and_extracted_as_geta() {
        let mut subset = Subset::new().unwrap();
        assert_eq!(subset.face.glyph_index('\u{1F600}'), None);
        let (missing, _) = subset.encode("\u{1F600}");
        let (geta, _) = subset.encode("〓");
        assert_eq!(missing, geta);
        assert!(subset.to_unicode().contains("<0001> <3013>"));
    }

    #[test]
    fn the_embedded_subset_holds_the_glyphs_used_with_the_font_s_own_widths_and_maps_back_to_the_text() {
        let mut subset = Subset::new().unwrap();
        let text = "署名者: 山田 花子 Yamada";
        subset.encode(text);
        let used: Vec<char> = text.chars().collect();
        let (objects, font) = collect(subset);
        let type0 = dict(&objects, &Object::Reference(font));
        assert_eq!(type0.get(b"Encoding").unwrap().as_name().unwrap(), b"Identity-H");
        let cid_font = dict(&objects, &type0.get(b"DescendantFonts").unwrap().as_array().unwrap()[0]);
        assert_eq!(cid_font.get(b"Subtype").unwrap().as_name().unwrap(), b"CIDFontType2");
        let base = cid_font.get(b"BaseFont").unwrap().as_name().unwrap();
        assert!(base.ends_with(b"+IPAexGothic") && base[..6].iter().all(u8::is_ascii_uppercase), "{base:?}");
        let descriptor = dict(&objects, cid_font.get(b"FontDescriptor").unwrap());
        let program = stream(&objects, descriptor.get(b"FontFile2").unwrap());
        let file_dict = dict(&objects, descriptor.get(b"FontFile2").unwrap());
        assert_eq!(file_dict.get(b"Length1").unwrap().as_i64().unwrap(), program.len() as i64);
        assert!(program.len() < 20_000, "a subset of a few glyphs is small: {} bytes", program.len());

        // The program read back: each CID's glyph has the advance /W gives it, and the glyphs are those of the
        // characters (the original font's outline for each character, compared by its bounding box).
        let sub = Face::parse(&program, 0).unwrap();
        let full = Face::parse(IPAEX_GOTHIC, 0).unwrap();
        let w = cid_font.get(b"W").unwrap().as_array().unwrap();
        assert_eq!(w[0].as_i64().unwrap(), 0);
        let widths: Vec<i64> = w[1].as_array().unwrap().iter().map(|o| o.as_i64().unwrap()).collect();
        let mut distinct: Vec<char> = Vec::new();
        for c in &used {
            if !distinct.contains(c) {
                distinct.push(*c);
            }
        }
        assert_eq!(widths.len(), distinct.len() + 1, "/W: .notdef and each distinct character");
        for (i, c) in distinct.iter().enumerate() {
            let cid = ttf_parser::GlyphId(i as u16 + 1);
            let original = full.glyph_index(*c).unwrap();
            let advance = f64::from(sub.glyph_hor_advance(cid).unwrap()) * 1000.0 / f64::from(sub.units_per_em());
            assert_eq!(widths[i + 1], advance.round() as i64, "{c}");
            assert_eq!(sub.glyph_bounding_box(cid), full.glyph_bounding_box(original), "{c}");
        }
        // Every glyph of the program is named in the CIDSet, and no other.
        let cid_set = stream(&objects, descriptor.get(b"CIDSet").unwrap());
        let marked: u32 = cid_set.iter().map(|b| b.count_ones()).sum();
        assert_eq!(marked, u32::from(sub.number_of_glyphs()));

        let cmap = String::from_utf8(stream(&objects, type0.get(b"ToUnicode").unwrap())).unwrap();
        assert!(cmap.contains("<0001> <7F72>"), "署 → U+7F72: {cmap}");
        assert!(cmap.contains(&format!("<{:04X}> <0059>", distinct.iter().position(|c| *c == 'Y').unwrap() + 1)));
    }
}
