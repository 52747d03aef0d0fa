//! Turning a QR payload's bytes into text.
//!
//! The grid decoder hands back the concatenated segment bytes: byte-mode segments as
//! they were encoded and Kanji-mode segments as Shift_JIS pairs. Japanese codes in the
//! wild put Shift_JIS (often half-width katakana) into byte mode without an ECI header,
//! so: valid UTF-8 wins, then Shift_JIS if it decodes without a single error, then
//! ISO-8859-1 (the standard's default for byte mode), which cannot fail.

use crate::codeword::Charset;

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// The encoding named by an ECI designator (ISO/IEC 18004 / AIM ECI), if we know it.
fn eci_encoding(eci: u32) -> Option<&'static encoding_rs::Encoding> {
    let label: &[u8] = match eci {
        4 => b"iso-8859-2",
        5 => b"iso-8859-3",
        6 => b"iso-8859-4",
        7 => b"iso-8859-5",
        8 => b"iso-8859-6",
        9 => b"iso-8859-7",
        10 => b"iso-8859-8",
        12 => b"iso-8859-10",
        13 => b"iso-8859-11",
        15 => b"iso-8859-13",
        16 => b"iso-8859-14",
        17 => b"iso-8859-15",
        18 => b"iso-8859-16",
        20 => b"shift_jis",
        21 => b"windows-1250",
        22 => b"windows-1251",
        23 => b"windows-1252",
        24 => b"windows-1256",
        25 => b"utf-16be",
        26 => b"utf-8",
        28 => b"big5",
        29 => b"gb18030",
        30 => b"euc-kr",
        _ => return None,
    };
    encoding_rs::Encoding::for_label(label)
}

/// Text and raw bytes of a decoded code's segments. Byte segments under no ECI are
/// read with one encoding guessed over all of them together ([`payload_to_text`]'s rule).
pub(crate) fn segments_to_text(segs: &[(Charset, Vec<u8>)]) -> (String, Vec<u8>) {
    let unspecified: Vec<u8> =
        segs.iter().filter(|(c, _)| *c == Charset::Guess).flat_map(|(_, b)| b.iter().copied()).collect();
    let guess = if std::str::from_utf8(&unspecified).is_ok() {
        Some(encoding_rs::UTF_8)
    } else if !encoding_rs::SHIFT_JIS.decode_without_bom_handling(&unspecified).1 {
        Some(encoding_rs::SHIFT_JIS)
    } else {
        None // ISO-8859-1
    };
    let mut text = String::new();
    let mut bytes = Vec::new();
    for (cs, b) in segs {
        bytes.extend_from_slice(b);
        let enc = match cs {
            Charset::Ascii => None,
            Charset::Guess => guess,
            Charset::ShiftJis => Some(encoding_rs::SHIFT_JIS),
            Charset::Gb2312 => Some(encoding_rs::GBK),
            Charset::Eci(1 | 3 | 27) => None,
            Charset::Eci(e) => eci_encoding(*e).or(guess),
        };
        match enc {
            Some(e) => text.push_str(&e.decode_without_bom_handling(b).0),
            None => text.push_str(&latin1(b)),
        }
    }
    (text, bytes)
}

/// Decode payload bytes to text by the rule above.
pub fn payload_to_text(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let (sjis, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if !had_errors {
        return sjis.into_owned();
    }
    latin1(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_taken_as_is() {
        assert_eq!(payload_to_text("モバイル".as_bytes()), "モバイル");
    }

    #[test]
    fn shift_jis_half_width_katakana_and_kanji() {
        // "ﾃﾞｻﾞｲﾝ" in half-width katakana, then 阿 (0x88 0xA2) in Shift_JIS.
        let bytes = [0xC3, 0xDE, 0xBB, 0xDE, 0xB2, 0xDD, 0x88, 0xA2];
        assert_eq!(payload_to_text(&bytes), "ﾃﾞｻﾞｲﾝ阿");
    }

    #[test]
    fn segments_use_their_own_charsets() {
        let segs = vec![
            (Charset::Ascii, b"AD:SUB:".to_vec()),
            (Charset::Gb2312, vec![0xB0, 0xA2]), // 阿 in GB2312
            (Charset::Guess, b";;".to_vec()),
            (Charset::ShiftJis, vec![0x88, 0xA2]), // 阿 in Shift_JIS
            (Charset::Eci(26), "é".as_bytes().to_vec()),
        ];
        assert_eq!(segments_to_text(&segs).0, "AD:SUB:阿;;阿é");
    }

    #[test]
    fn latin1_fallback_never_fails() {
        assert_eq!(payload_to_text(&[0x41, 0xE9, 0x80, 0xFF]), "A\u{e9}\u{80}\u{ff}");
    }
}
