//! What the fuzz targets over kazasu-qr check. Also compiled into `qr/tests/fuzz_regressions.rs`.
//! There is no `catch_unwind` here: a panic in kazasu-qr's own code fails the target; only a panic inside
//! rqrr may come back, as `QrError::DecoderPanicked`.

use kazasu_qr::{decode, fuzzing, LumaFrame, QrError, Scanner};

/// A camera frame: two bytes of width, two of height (each 1..=256), one of stride padding, then the pixels
/// (repeated to fill the frame). Read once as a still and twice by a scanner (the second frame uses the
/// region the first one found).
pub fn qr_frame(data: &[u8]) {
    if data.len() < 6 {
        return;
    }
    let width = 1 + (u16::from_le_bytes([data[0], data[1]]) as usize % 256);
    let height = 1 + (u16::from_le_bytes([data[2], data[3]]) as usize % 256);
    let stride = width + (data[4] as usize % 8);
    let pixels = &data[5..];
    let buf: Vec<u8> = pixels.iter().copied().cycle().take(stride * height).collect();
    let frame = LumaFrame::new(width, height, stride, &buf).expect("sizes are consistent by construction");
    for r in [decode(&frame), Scanner::new().scan(&frame)] {
        match r {
            Ok(Some(d)) => assert!(d.corners.iter().all(|(x, y)| x.is_finite() && y.is_finite()), "{d:?}"),
            Ok(None) | Err(QrError::DecoderPanicked) => {}
            Err(e) => panic!("unexpected error on a well-formed frame: {e}"),
        }
    }
    let mut scanner = Scanner::new();
    let _ = scanner.scan(&frame);
    let _ = scanner.scan(&frame);
    // A frame whose sizes do not fit its buffer is an error, never a panic.
    let _ = LumaFrame::new(width, height, stride, &buf[..buf.len() / 2]);
}

/// A module grid straight into our grid decoder (format, unmasking, Reed-Solomon, segments): one byte picks
/// the version (size 21..=177), the rest are the modules, eight per byte, repeated to fill the grid.
pub fn qr_grid(data: &[u8]) {
    let Some((&v, bits)) = data.split_first() else { return };
    let version = 1 + v as usize % 40;
    let dim = 17 + 4 * version;
    let grid: Vec<bool> = if bits.is_empty() {
        vec![false; dim * dim]
    } else {
        bits.iter().flat_map(|b| (0..8).map(move |i| b >> (7 - i) & 1 == 1)).cycle().take(dim * dim).collect()
    };
    if let Some((text, bytes)) = fuzzing::decode_grid(&grid, dim) {
        let _ = (text, bytes);
    }
    // Wrong sizes are refused.
    assert!(fuzzing::decode_grid(&grid[..dim * dim - 1], dim).is_none());
}

/// The segment parser on corrected data codewords: one byte picks the version (1..=40), the rest is data.
pub fn qr_segments(data: &[u8]) {
    let Some((&v, rest)) = data.split_first() else { return };
    let version = 1 + v as usize % 40;
    if let Some((text, bytes)) = fuzzing::parse_segments(rest, version) {
        // Numeric mode packs the most: 3 digits per 10 bits.
        assert!(bytes.len() <= rest.len() * 3 + 3, "more payload than the codewords can carry");
        let _ = text;
    }
    let _ = kazasu_qr::payload_to_text(rest);
}
