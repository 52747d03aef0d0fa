//! The few DER pieces Kazasu reads by hand (the JPKI otherName values of a certificate), and writes in tests.
//! Reading never panics: every accessor returns `None` on short or malformed input.

/// One TLV: tag byte, its value, and what follows it. Only single-byte tags and lengths up to 4 bytes.
pub fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1F == 0x1F {
        return None; // multi-byte tags never occur in what we read
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7F) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Encodes a TLV with a definite length.
pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (4 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
    out
}

pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlvs_round_trip_for_short_and_long_lengths() {
        for len in [0usize, 1, 127, 128, 255, 256, 70000] {
            let value = vec![0xAB; len];
            let enc = tlv(0x04, &value);
            let (tag, v, rest) = read_tlv(&enc).unwrap();
            assert_eq!((tag, v.len(), rest.len()), (0x04, len, 0));
        }
    }

    #[test]
    fn malformed_tlvs_are_none_not_panics() {
        for bad in [&[][..], &[0x30], &[0x30, 0x05, 1], &[0x30, 0x85, 1, 1, 1, 1, 1], &[0x30, 0x80], &[0x1F, 0]] {
            assert!(read_tlv(bad).is_none(), "{bad:?}");
        }
    }
}
