//! The visible stamp of a signature: a framed box in the lower left of the first page with a few lines of text
//! (the signer's name from the certificate, the time), drawn by the widget's appearance stream. The text uses
//! the standard Japanese CID font HeiseiKakuGo-W5 with the UniJIS-UCS2-H encoding (not embedded: viewers supply
//! their Japanese font), so names in kanji and kana need no font file here.

use lopdf::{dictionary, Dictionary, Object, Stream};

/// What the stamp says, one line each (characters outside the Basic Multilingual Plane become '?').
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub lines: Vec<String>,
}

/// Width and height of the stamp, in points.
pub(crate) const SIZE: (i64, i64) = (260, 46);
/// Its lower-left corner on the page, in points.
pub(crate) const ORIGIN: (i64, i64) = (36, 36);
const FONT_SIZE: i64 = 10;

/// Text as UTF-16BE code units of the BMP (what UniJIS-UCS2-H takes), for a hex string.
fn ucs2(text: &str) -> Vec<u8> {
    text.chars()
        .flat_map(|c| {
            let unit = u16::try_from(u32::from(c)).ok().filter(|u| !(0xD800..0xE000).contains(u)).unwrap_or(0x3F);
            unit.to_be_bytes()
        })
        .collect()
}

/// The appearance stream (a Form XObject) drawing `stamp`, with its font resources.
pub(crate) fn appearance(stamp: &Stamp) -> Stream {
    let (w, h) = SIZE;
    let mut content =
        format!("q 0.94 0.96 1 rg 0 0 {w} {h} re f 0.2 0.3 0.6 RG 1 w 0.5 0.5 {} {} re S Q\n", w - 1, h - 1);
    content.push_str("BT 0 0 0 rg\n");
    let mut y = h - 6 - FONT_SIZE;
    for line in stamp.lines.iter().take(3) {
        let hex: String = ucs2(line).iter().map(|b| format!("{b:02X}")).collect();
        content.push_str(&format!("/F1 {FONT_SIZE} Tf 1 0 0 1 6 {y} Tm <{hex}> Tj\n"));
        y -= FONT_SIZE + 4;
    }
    content.push_str("ET\n");
    let descriptor = dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => "HeiseiKakuGo-W5",
        "Flags" => 4,
        "FontBBox" => vec![(-92).into(), (-250).into(), 1010.into(), 922.into()],
        "ItalicAngle" => 0,
        "Ascent" => 880,
        "Descent" => -120,
        "CapHeight" => 880,
        "StemV" => 93,
    };
    let cid_font = dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType0",
        "BaseFont" => "HeiseiKakuGo-W5",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Japan1"),
            "Supplement" => 2,
        },
        "FontDescriptor" => descriptor,
        "DW" => 1000,
        // Roman letters and digits (proportional and half-width CIDs) half as wide as kanji.
        "W" => vec![1.into(), 95.into(), 500.into(), 231.into(), 325.into(), 500.into()],
    };
    let font: Dictionary = dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "HeiseiKakuGo-W5",
        "Encoding" => "UniJIS-UCS2-H",
        "DescendantFonts" => vec![Object::Dictionary(cid_font)],
    };
    let dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), w.into(), h.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    };
    Stream::new(dict, content.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kanji_are_written_as_ucs2_and_what_ucs2_cannot_hold_as_a_question_mark() {
        assert_eq!(ucs2("花A"), vec![0x82, 0xB1, 0x00, 0x41]);
        assert_eq!(ucs2("𠮷"), vec![0x00, 0x3F]);
    }
}
