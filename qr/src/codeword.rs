//! From a sampled module grid to the payload bytes: format information, data-module
//! walk, unmasking, block de-interleaving, Reed-Solomon correction and segment parsing.
//! Tables and layout follow ISO/IEC 18004 (QR Code 2005 edition).

use crate::rs;

/// Error-correction check bytes per block, by level (L, M, Q, H) and version 1..=40.
const ECC_PER_BLOCK: [[u8; 41]; 4] = [
    [
        0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28,
        28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    [
        0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
];

/// Number of error-correction blocks, by level (L, M, Q, H) and version 1..=40.
const BLOCKS: [[u8; 41]; 4] = [
    [
        0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18,
        19, 19, 20, 21, 22, 24, 25,
    ],
    [
        0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29,
        31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
    [
        0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40,
        43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
    [
        0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45,
        48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
];

/// Why a grid did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridError {
    Size,
    Format,
    Ecc,
    Payload,
}

/// Error-correction level in table order (L, M, Q, H).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub level: usize,
    pub mask: u8,
}

/// A square module grid, `true` = dark, row-major.
pub struct Grid<'a> {
    pub dim: usize,
    pub bits: &'a [bool],
    pub transposed: bool,
}

impl Grid<'_> {
    #[inline]
    fn at(&self, x: usize, y: usize) -> bool {
        if self.transposed {
            self.bits[x * self.dim + y]
        } else {
            self.bits[y * self.dim + x]
        }
    }
}

/// The 32 valid (masked) format words.
fn format_words() -> [u16; 32] {
    let mut out = [0u16; 32];
    for (d, o) in out.iter_mut().enumerate() {
        let mut rem = (d as u32) << 10;
        for i in (10..15).rev() {
            if rem & (1 << i) != 0 {
                rem ^= 0x537 << (i - 10);
            }
        }
        *o = ((((d as u32) << 10) | rem) ^ 0x5412) as u16;
    }
    out
}

fn read_format(g: &Grid) -> Option<Format> {
    let n = g.dim;
    let mut a = 0u16;
    let first: [(usize, usize); 15] = [
        (0, 8),
        (1, 8),
        (2, 8),
        (3, 8),
        (4, 8),
        (5, 8),
        (7, 8),
        (8, 8),
        (8, 7),
        (8, 5),
        (8, 4),
        (8, 3),
        (8, 2),
        (8, 1),
        (8, 0),
    ];
    for (x, y) in first {
        a = (a << 1) | g.at(x, y) as u16;
    }
    let mut b = 0u16;
    for y in (n - 7..n).rev() {
        b = (b << 1) | g.at(8, y) as u16;
    }
    for x in n - 8..n {
        b = (b << 1) | g.at(x, 8) as u16;
    }
    let mut best = (u32::MAX, 0usize);
    for (d, w) in format_words().iter().enumerate() {
        for r in [a, b] {
            let dist = (r ^ w).count_ones();
            if dist < best.0 {
                best = (dist, d);
            }
        }
    }
    if best.0 > 3 {
        return None;
    }
    let d = best.1 as u8;
    // level bits: 01 = L, 00 = M, 11 = Q, 10 = H
    let level = match d >> 3 {
        1 => 0,
        0 => 1,
        3 => 2,
        _ => 3,
    };
    Some(Format { level, mask: d & 7 })
}

/// Alignment pattern centre coordinates for `version` (empty for version 1).
pub fn alignment_positions(version: usize) -> Vec<usize> {
    if version < 2 {
        return Vec::new();
    }
    let n = version / 7 + 2;
    let size = version * 4 + 17;
    let step = if version == 32 { 26 } else { (version * 4 + n * 2 + 1) / (n * 2 - 2) * 2 };
    let mut v = vec![6usize; n];
    let mut pos = size - 7;
    for i in (1..n).rev() {
        v[i] = pos;
        pos = pos.saturating_sub(step);
    }
    v
}

/// `true` for modules that carry no data (finders, separators, timing, format and
/// version areas, alignment patterns, the dark module).
fn function_mask(version: usize) -> Vec<bool> {
    let n = version * 4 + 17;
    let mut m = vec![false; n * n];
    let mut set = |x: usize, y: usize| m[y * n + x] = true;
    for y in 0..9 {
        for x in 0..9 {
            set(x, y); // top-left finder, separator, format
        }
    }
    for y in 0..9 {
        for x in n - 8..n {
            set(x, y);
        }
    }
    for y in n - 8..n {
        for x in 0..9 {
            set(x, y);
        }
    }
    for i in 0..n {
        set(i, 6);
        set(6, i);
    }
    let ap = alignment_positions(version);
    for &cy in &ap {
        for &cx in &ap {
            let corner = (cx == 6 && cy == 6) || (cx == 6 && cy == n - 7) || (cx == n - 7 && cy == 6);
            if corner {
                continue;
            }
            for y in cy - 2..=cy + 2 {
                for x in cx - 2..=cx + 2 {
                    set(x, y);
                }
            }
        }
    }
    if version >= 7 {
        for a in 0..6 {
            for b in n - 11..n - 8 {
                set(a, b);
                set(b, a);
            }
        }
    }
    m
}

#[inline]
fn masked(mask: u8, i: usize, j: usize) -> bool {
    // i = row, j = column
    match mask {
        0 => (i + j) % 2 == 0,
        1 => i % 2 == 0,
        2 => j % 3 == 0,
        3 => (i + j) % 3 == 0,
        4 => (i / 2 + j / 3) % 2 == 0,
        5 => (i * j) % 2 + (i * j) % 3 == 0,
        6 => ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        _ => ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    }
}

fn read_codewords(g: &Grid, version: usize, mask: u8) -> Vec<u8> {
    let n = g.dim;
    let func = function_mask(version);
    let mut out = Vec::with_capacity(n * n / 8);
    let mut cur = 0u8;
    let mut nbits = 0;
    let mut upward = true;
    let mut x = n as isize - 1;
    while x > 0 {
        if x == 6 {
            x -= 1;
        }
        for k in 0..n {
            let y = if upward { n - 1 - k } else { k };
            for dx in 0..2 {
                let xx = (x - dx) as usize;
                if func[y * n + xx] {
                    continue;
                }
                let bit = g.at(xx, y) ^ masked(mask, y, xx);
                cur = (cur << 1) | bit as u8;
                nbits += 1;
                if nbits == 8 {
                    out.push(cur);
                    cur = 0;
                    nbits = 0;
                }
            }
        }
        upward = !upward;
        x -= 2;
    }
    out
}

/// De-interleave and correct; returns the data codewords in order.
fn correct_blocks(raw: &[u8], version: usize, level: usize) -> Option<Vec<u8>> {
    let nb = BLOCKS[level][version] as usize;
    let ecc = ECC_PER_BLOCK[level][version] as usize;
    let total = raw.len();
    let short_len = total / nb;
    let n_long = total % nb;
    let short_data = short_len - ecc;
    let mut blocks: Vec<Vec<u8>> =
        (0..nb).map(|i| Vec::with_capacity(short_len + (i >= nb - n_long) as usize)).collect();
    let mut it = raw.iter();
    // data codewords, round robin; long blocks (the last n_long) have one more
    for i in 0..=short_data {
        for (b, blk) in blocks.iter_mut().enumerate() {
            if i == short_data && b < nb - n_long {
                continue;
            }
            blk.push(*it.next()?);
        }
    }
    for _ in 0..ecc {
        for blk in blocks.iter_mut() {
            blk.push(*it.next()?);
        }
    }
    let mut data = Vec::with_capacity(total - nb * ecc);
    for mut blk in blocks {
        rs::correct(&mut blk, ecc)?;
        let dl = blk.len() - ecc;
        data.extend_from_slice(&blk[..dl]);
    }
    Some(data)
}

/// One decoded segment: its bytes and how to read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charset {
    /// Numeric / alphanumeric: ASCII.
    Ascii,
    /// Byte mode with no ECI in force: guessed later over all such bytes.
    Guess,
    /// Kanji mode: Shift_JIS pairs.
    ShiftJis,
    /// Hanzi mode: GB2312 pairs.
    Gb2312,
    /// Byte mode under an ECI designator.
    Eci(u32),
}

struct Bits<'a> {
    d: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn left(&self) -> usize {
        self.d.len() * 8 - self.pos
    }
    fn take(&mut self, n: usize) -> Option<u32> {
        if n > self.left() {
            return None;
        }
        let mut v = 0u32;
        for _ in 0..n {
            let b = (self.d[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            v = (v << 1) | b as u32;
            self.pos += 1;
        }
        Some(v)
    }
}

pub(crate) fn parse_segments(data: &[u8], version: usize) -> Option<Vec<(Charset, Vec<u8>)>> {
    let cls = if version <= 9 {
        0
    } else if version <= 26 {
        1
    } else {
        2
    };
    let mut b = Bits { d: data, pos: 0 };
    let mut out: Vec<(Charset, Vec<u8>)> = Vec::new();
    let mut eci: Option<u32> = None;
    while b.left() >= 4 {
        let mode = b.take(4)?;
        match mode {
            0 => break,
            1 => {
                let mut count = b.take([10, 12, 14][cls])? as usize;
                let mut s = Vec::with_capacity(count);
                while count >= 3 {
                    let v = b.take(10)?;
                    if v > 999 {
                        return None;
                    }
                    s.extend_from_slice(format!("{v:03}").as_bytes());
                    count -= 3;
                }
                if count == 2 {
                    let v = b.take(7)?;
                    if v > 99 {
                        return None;
                    }
                    s.extend_from_slice(format!("{v:02}").as_bytes());
                } else if count == 1 {
                    let v = b.take(4)?;
                    if v > 9 {
                        return None;
                    }
                    s.push(b'0' + v as u8);
                }
                out.push((Charset::Ascii, s));
            }
            2 => {
                const T: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
                let mut count = b.take([9, 11, 13][cls])? as usize;
                let mut s = Vec::with_capacity(count);
                while count >= 2 {
                    let v = b.take(11)? as usize;
                    if v >= 45 * 45 {
                        return None;
                    }
                    s.push(T[v / 45]);
                    s.push(T[v % 45]);
                    count -= 2;
                }
                if count == 1 {
                    let v = b.take(6)? as usize;
                    s.push(*T.get(v)?);
                }
                out.push((Charset::Ascii, s));
            }
            4 => {
                let count = b.take([8, 16, 16][cls])? as usize;
                let mut s = Vec::with_capacity(count);
                for _ in 0..count {
                    s.push(b.take(8)? as u8);
                }
                out.push((eci.map_or(Charset::Guess, Charset::Eci), s));
            }
            8 | 13 => {
                if mode == 13 {
                    // Hanzi: a 4-bit subset; 1 = GB2312
                    if b.take(4)? != 1 {
                        return None;
                    }
                }
                let count = b.take([8, 10, 12][cls])? as usize;
                let mut s = Vec::with_capacity(count * 2);
                for _ in 0..count {
                    let v = b.take(13)?;
                    let (hi, lo) = (v / 0xC0, v % 0xC0);
                    let w = (hi << 8) | lo;
                    let w = if mode == 8 {
                        if w + 0x8140 <= 0x9FFC {
                            w + 0x8140
                        } else {
                            w + 0xC140
                        }
                    } else {
                        // GB2312: two-byte values 0xA1A1.. in 0x60-wide rows
                        let (hi, lo) = (v / 0x60, v % 0x60);
                        let w = (hi << 8) | lo;
                        if w < 0x0A00 {
                            w + 0xA1A1
                        } else {
                            w + 0xA6A1
                        }
                    };
                    s.push((w >> 8) as u8);
                    s.push(w as u8);
                }
                out.push((if mode == 8 { Charset::ShiftJis } else { Charset::Gb2312 }, s));
            }
            7 => {
                let first = b.take(8)?;
                let v = if first & 0x80 == 0 {
                    first
                } else if first & 0xC0 == 0x80 {
                    ((first & 0x3F) << 8) | b.take(8)?
                } else if first & 0xE0 == 0xC0 {
                    ((first & 0x1F) << 16) | b.take(16)?
                } else {
                    return None;
                };
                eci = Some(v);
            }
            3 => {
                b.take(16)?; // structured append: position, total, parity
            }
            5 => {} // FNC1 first position: GS1 data follows in the usual modes
            9 => {
                b.take(8)?; // FNC1 second position: application indicator
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Decode a sampled grid (tries the transposed reading too, for mirrored codes).
/// Returns the segments.
pub fn decode_grid(bits: &[bool], dim: usize) -> Result<Vec<(Charset, Vec<u8>)>, GridError> {
    if !(21..=177).contains(&dim) || (dim - 17) % 4 != 0 || bits.len() != dim * dim {
        return Err(GridError::Size);
    }
    let version = (dim - 17) / 4;
    let mut err = GridError::Format;
    for transposed in [false, true] {
        let g = Grid { dim, bits, transposed };
        let Some(f) = read_format(&g) else { continue };
        let raw = read_codewords(&g, version, f.mask);
        let Some(data) = correct_blocks(&raw, version, f.level) else {
            err = GridError::Ecc;
            continue;
        };
        return parse_segments(&data, version).ok_or(GridError::Payload);
    }
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::{EcLevel, QrCode, Version};

    #[test]
    fn every_version_and_level_decodes_from_the_qrcode_crate() {
        let levels = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];
        for v in 1..=40i16 {
            for (li, &lvl) in levels.iter().enumerate() {
                let text = format!("K{v}-{li}");
                let code = QrCode::with_version(text.as_bytes(), Version::Normal(v), lvl).unwrap();
                let dim = code.width();
                let bits: Vec<bool> = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
                let segs = decode_grid(&bits, dim).unwrap_or_else(|e| panic!("v{v} level {li}: {e:?}"));
                let joined: Vec<u8> = segs.into_iter().flat_map(|(_, b)| b).collect();
                assert_eq!(joined, text.as_bytes(), "v{v} level {li}");
                // the transposed (mirrored) grid reads too
                let t: Vec<bool> = (0..dim * dim).map(|i| bits[(i % dim) * dim + i / dim]).collect();
                assert!(decode_grid(&t, dim).is_ok(), "mirrored v{v} level {li}");
            }
        }
    }

    #[test]
    fn damaged_modules_are_corrected() {
        let code =
            QrCode::with_error_correction_level(b"https://kazasu.example.jp/verify/0123456789", EcLevel::M).unwrap();
        let dim = code.width();
        let mut bits: Vec<bool> = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
        // flip a 3x3 patch in the data area
        for y in 12..15 {
            for x in 12..15 {
                bits[y * dim + x] = !bits[y * dim + x];
            }
        }
        let segs = decode_grid(&bits, dim).unwrap();
        let joined: Vec<u8> = segs.into_iter().flat_map(|(_, b)| b).collect();
        assert_eq!(joined, b"https://kazasu.example.jp/verify/0123456789");
    }
}
