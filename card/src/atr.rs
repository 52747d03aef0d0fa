//! What an ATR says about extended-length support: the "card capabilities" object (compact-TLV tag 7, length
//! 3) in the historical bytes, third software function table byte, bit 7 = extended Lc and Le
//! (ISO/IEC 7816-4 §8.1.1.2.7). jpki-facts: `3B DA … 73 C6 01 C0 …` advertises it, `3B C5 … 73 C6 01 00 …` not.

/// The historical bytes of an ATR, or `None` if the ATR is malformed.
pub fn historical_bytes(atr: &[u8]) -> Option<&[u8]> {
    let (&t0, _) = atr.get(1..)?.split_first()?;
    let k = (t0 & 0x0F) as usize;
    let mut i = 2; // index after T0
    let mut y = t0 >> 4;
    loop {
        let mut td = None;
        for bit in 0..4 {
            if y & (1 << bit) != 0 {
                if bit == 3 {
                    td = Some(*atr.get(i)?);
                }
                i += 1;
            }
        }
        match td {
            Some(td) => y = td >> 4,
            None => break,
        }
        if i > atr.len() {
            return None;
        }
    }
    atr.get(i..i + k)
}

/// Whether the ATR advertises extended Lc/Le. `false` when it says nothing (the safe answer).
pub fn supports_extended_length(atr: &[u8]) -> bool {
    let Some(hist) = historical_bytes(atr) else { return false };
    // Category indicator 0x80: compact-TLV objects follow.
    let Some((&0x80, mut rest)) = hist.split_first() else { return false };
    while let Some((&tl, tail)) = rest.split_first() {
        let (tag, len) = (tl >> 4, (tl & 0x0F) as usize);
        let Some(value) = tail.get(..len) else { return false };
        if tag == 0x7 && len >= 3 {
            return value[2] & 0x40 != 0;
        }
        rest = &tail[len..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).unwrap()
    }

    #[test]
    fn atrs_of_jpki_cards() {
        assert!(supports_extended_length(&hex("3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B")));
        assert!(!supports_extended_length(&hex("3B C5 FF 81 31 FB 45 80 73 C6 01 00 00")));
        assert!(!supports_extended_length(&hex("3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F")));
        assert!(!supports_extended_length(&hex("3B E0 00 FF 81 31 FE 45 14")));
        assert_eq!(historical_bytes(&hex("3B C5 FF 81 31 FB 45 80 73 C6 01 00 00")), Some(&hex("80 73 C6 01 00")[..]));
    }

    #[test]
    fn malformed_atrs_say_no() {
        for atr in [vec![], vec![0x3B], vec![0x3B, 0xFF], hex("3B DA 13"), vec![0x3B, 0x8F, 0x80]] {
            assert!(!supports_extended_length(&atr));
        }
    }
}
