//! BER → DER for the CMS other tools write: LibreOffice (NSS) and `openssl cms -sign -stream` write the
//! SignedData with indefinite lengths, which RustCrypto's `der` (DER only) refuses. [`to_der`] rewrites one
//! value's structure as DER — indefinite and non-minimal lengths become minimal definite ones, a constructed
//! OCTET STRING becomes one primitive — and copies every primitive's contents unchanged, so the typed `cms`
//! structures read the result. What is signed is not taken from these bytes: the signed attributes are
//! re-encoded as the DER SET the signature is over (RFC 5652, 5.4), whatever their encoding in the file.

/// Nesting deeper than this is refused (a CMS signature nests about 15 levels; a hostile input is not followed
/// into the stack's depth).
const MAX_DEPTH: usize = 64;

/// Why bytes are not a readable BER value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BerError {
    #[error("the value ends early")]
    Truncated,
    #[error("a length is malformed or too large")]
    Length,
    #[error("an indefinite length on a primitive value")]
    IndefinitePrimitive,
    #[error("an end-of-contents marker outside an indefinite length")]
    UnexpectedEnd,
    #[error("a constructed OCTET STRING holds something other than OCTET STRINGs")]
    StringPart,
    #[error("nested more than {MAX_DEPTH} levels")]
    TooDeep,
}

/// The first BER value of `input` as DER (what follows it, such as the zero padding of `/Contents`, is ignored).
pub fn to_der(input: &[u8]) -> Result<Vec<u8>, BerError> {
    let mut out = Vec::with_capacity(input.len());
    value(input, 0, 0, &mut out)?;
    Ok(out)
}

fn byte(input: &[u8], at: usize) -> Result<u8, BerError> {
    input.get(at).copied().ok_or(BerError::Truncated)
}

/// Normalises the value at `at` into `out`; returns where it ends in `input`.
fn value(input: &[u8], at: usize, depth: usize, out: &mut Vec<u8>) -> Result<usize, BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::TooDeep);
    }
    // Identifier: one byte, or more for tag numbers ≥ 31 (continuation bit 0x80).
    let first = byte(input, at)?;
    let mut p = at + 1;
    if first & 0x1f == 0x1f {
        while byte(input, p)? & 0x80 != 0 {
            p += 1;
        }
        p += 1;
    }
    let identifier = &input[at..p];
    let constructed = first & 0x20 != 0;
    let length = byte(input, p)?;
    p += 1;
    let length = match length {
        0x80 => None,
        l if l < 0x80 => Some(usize::from(l)),
        0xff => return Err(BerError::Length),
        l => {
            let n = usize::from(l & 0x7f);
            if n > std::mem::size_of::<usize>() {
                return Err(BerError::Length);
            }
            let mut len = 0usize;
            for i in 0..n {
                len = (len << 8) | usize::from(byte(input, p + i)?);
            }
            p += n;
            Some(len)
        }
    };
    if !constructed {
        let len = length.ok_or(BerError::IndefinitePrimitive)?;
        let end = p.checked_add(len).filter(|&e| e <= input.len()).ok_or(BerError::Truncated)?;
        if first == 0 && len == 0 {
            return Err(BerError::UnexpectedEnd);
        }
        write_tlv(out, identifier, &input[p..end]);
        return Ok(end);
    }
    let mut inner = Vec::new();
    let end = match length {
        Some(len) => {
            let end = p.checked_add(len).filter(|&e| e <= input.len()).ok_or(BerError::Truncated)?;
            while p < end {
                p = value(&input[..end], p, depth + 1, &mut inner)?;
            }
            end
        }
        None => loop {
            if byte(input, p)? == 0 && byte(input, p + 1)? == 0 {
                break p + 2;
            }
            p = value(input, p, depth + 1, &mut inner)?;
        },
    };
    if first == 0x24 {
        // A constructed OCTET STRING (BER's chunked form): DER has one primitive holding the parts' contents.
        write_tlv(out, &[0x04], &string_parts(&inner)?);
    } else {
        write_tlv(out, identifier, &inner);
    }
    Ok(end)
}

/// The concatenated contents of the DER OCTET STRINGs in `der` (the normalised parts of a constructed one).
fn string_parts(der: &[u8]) -> Result<Vec<u8>, BerError> {
    let mut out = Vec::with_capacity(der.len());
    let mut p = 0;
    while p < der.len() {
        if der[p] != 0x04 {
            return Err(BerError::StringPart);
        }
        let next = value(der, p, 0, &mut Vec::new())?;
        out.extend_from_slice(der.get(p + header_len(der, p)?..next).ok_or(BerError::Truncated)?);
        p = next;
    }
    Ok(out)
}

/// The length of the identifier and length octets of the DER value at `at`.
fn header_len(der: &[u8], at: usize) -> Result<usize, BerError> {
    let l = byte(der, at + 1)?;
    Ok(if l < 0x80 { 2 } else { 2 + usize::from(l & 0x7f) })
}

fn write_tlv(out: &mut Vec<u8>, identifier: &[u8], contents: &[u8]) {
    out.extend_from_slice(identifier);
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_passes_through_unchanged_and_trailing_padding_is_ignored() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        let mut padded = der.to_vec();
        padded.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(to_der(&padded).unwrap(), der);
    }

    #[test]
    fn indefinite_and_non_minimal_lengths_become_minimal_definite_ones() {
        // SEQUENCE (indefinite) { [0] (indefinite) { INTEGER 5 }, OCTET STRING (length in two bytes) 0xaa }
        let ber = [0x30, 0x80, 0xa0, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x04, 0x82, 0x00, 0x01, 0xaa, 0x00, 0x00];
        assert_eq!(to_der(&ber).unwrap(), [0x30, 0x08, 0xa0, 0x03, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa]);
    }

    #[test]
    fn a_chunked_octet_string_becomes_one_primitive() {
        let ber = [0x24, 0x80, 0x04, 0x02, 0x01, 0x02, 0x24, 0x03, 0x04, 0x01, 0x03, 0x00, 0x00];
        assert_eq!(to_der(&ber).unwrap(), [0x04, 0x03, 0x01, 0x02, 0x03]);
    }

    #[test]
    fn long_contents_get_a_long_form_length() {
        let mut ber = vec![0x30, 0x80, 0x04, 0x81, 0xc8];
        ber.extend_from_slice(&[7; 200]);
        ber.extend_from_slice(&[0, 0]);
        let der = to_der(&ber).unwrap();
        assert_eq!(&der[..5], &[0x30, 0x81, 0xcb, 0x04, 0x81]);
        assert_eq!(der.len(), 3 + 3 + 200);
    }

    #[test]
    fn malformed_values_are_typed_errors_never_panics() {
        assert_eq!(to_der(&[0x30, 0x80, 0x02, 0x01, 0x05]), Err(BerError::Truncated));
        assert_eq!(to_der(&[0x04, 0x80, 0x00, 0x00]), Err(BerError::IndefinitePrimitive));
        assert_eq!(to_der(&[0x30, 0x03, 0x02, 0x02, 0x05]), Err(BerError::Truncated));
        assert_eq!(to_der(&[0x30, 0x02, 0x00, 0x00]), Err(BerError::UnexpectedEnd));
        assert_eq!(to_der(&[0x04, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]), Err(BerError::Length));
        assert_eq!(to_der(&[0x24, 0x03, 0x02, 0x01, 0x05]), Err(BerError::StringPart));
        let deep = [0x30u8, 0x80].repeat(100);
        assert_eq!(to_der(&deep), Err(BerError::TooDeep));
        // Every prefix and every single-byte change of a valid input: a result or an error.
        let ber =
            [0x30, 0x80, 0xa0, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x24, 0x80, 0x04, 0x01, 0xaa, 0x00, 0x00, 0, 0];
        for n in 0..ber.len() {
            let _ = to_der(&ber[..n]);
            for b in [0x00, 0x1f, 0x24, 0x80, 0x84, 0xff] {
                let mut m = ber;
                m[n] = b;
                let _ = to_der(&m);
            }
        }
    }
}
