//! Turning a QR payload's bytes into text.
//!
//! The grid decoder hands back the concatenated segment bytes: byte-mode segments as
//! they were encoded and Kanji-mode segments as Shift_JIS pairs. Japanese codes in the
//! wild put Shift_JIS (often half-width katakana) into byte mode without an ECI header,
//! so: valid UTF-8 wins, then Shift_JIS if it decodes without a single error, then
//! ISO-8859-1 (the standard's default for byte mode), which cannot fail.

/// Decode payload bytes to text by the rule above.
pub fn payload_to_text(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let (sjis, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if !had_errors {
        return sjis.into_owned();
    }
    bytes.iter().map(|&b| b as char).collect()
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
    fn latin1_fallback_never_fails() {
        assert_eq!(payload_to_text(&[0x41, 0xE9, 0x80, 0xFF]), "A\u{e9}\u{80}\u{ff}");
    }
}
