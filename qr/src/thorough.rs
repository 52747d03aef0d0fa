//! The thorough pass on stills: rxing's port of ZXing-C++'s QR reader (rxing: pure Rust,
//! ports of ZXing and ZXing-C++), run only when our locator saw finder patterns on a
//! still but read nothing. Only that reader: rxing's port of ZXing's own QR reader read
//! nothing more on the photo sets and, run after it as rxing's `MultiFormatReader`
//! does, made every unread photo 1.6x as slow.
//! Every call into rxing is guarded like rqrr's: a panic there becomes
//! [`QrError::DecoderPanicked`].

use crate::{Decoded, LumaFrame, QrError};
use rxing::{common::HybridBinarizer, qrcode::cpp_port::QrReader, BinaryBitmap, DecodeHints, Luma8Source, Reader};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Reads one QR code with rxing (try-harder). `Ok(None)`: nothing read.
pub(crate) fn rxing_detect(frame: &LumaFrame) -> Result<Option<Decoded>, QrError> {
    let (w, h) = (frame.width(), frame.height());
    let packed: Vec<u8>;
    let luma = if frame.stride() == w {
        frame.data().get(..w * h).unwrap_or(&[])
    } else {
        packed = (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).map(|(x, y)| frame.px(x, y)).collect();
        &packed
    };
    let (Ok(w32), Ok(h32)) = (u32::try_from(w), u32::try_from(h)) else {
        return Ok(None);
    };
    let r = catch_unwind(AssertUnwindSafe(|| {
        let src = Luma8Source::new_with_slice(luma, w32, h32).ok()?;
        let mut img = BinaryBitmap::new(HybridBinarizer::new(src));
        let hints = DecodeHints { TryHarder: Some(true), ..Default::default() };
        let r = QrReader.decode_with_hints(&mut img, &hints).ok()?;
        let pts: Vec<(f32, f32)> = r.getPoints().iter().map(|p| (p.x, p.y)).collect();
        Some((r.getText().to_string(), pts))
    }))
    .map_err(|_| QrError::DecoderPanicked)?;
    let Some((text, pts)) = r else {
        return Ok(None);
    };
    // rxing's points (finder centres or the symbol's corners, in an order that depends
    // on which of its readers succeeded) give the box the code lies in; that box is
    // what the corners are used for (the Scanner's next search region).
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &(x, y) in pts.iter().filter(|(x, y)| x.is_finite() && y.is_finite()) {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let corners = if x0 <= x1 && y0 <= y1 {
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    } else {
        [(0.0, 0.0), (w as f32, 0.0), (w as f32, h as f32), (0.0, h as f32)]
    };
    Ok(Some(Decoded { bytes: text.as_bytes().to_vec(), text, corners }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Camera buffers have padded rows; rxing wants packed ones, so the frame is packed first.
    #[test]
    fn a_code_in_a_padded_frame_is_read_by_the_thorough_pass() {
        let url = "https://city.example.jp/r/req_0123456789";
        let (luma, side) = crate::to_luma(url, 3).unwrap();
        let stride = side + 11;
        let mut padded = vec![0u8; stride * side];
        for y in 0..side {
            padded[y * stride..y * stride + side].copy_from_slice(&luma[y * side..(y + 1) * side]);
        }
        let frame = LumaFrame::new(side, side, stride, &padded).unwrap();
        let d = rxing_detect(&frame).unwrap().expect("read");
        assert_eq!(d.text, url);
        assert_eq!(d.bytes, url.as_bytes());
        // the corners are the box around the code's finders, inside the frame
        let (x0, y0) = d.corners[0];
        let (x2, y2) = d.corners[2];
        assert!(x0 < x2 && y0 < y2, "{:?}", d.corners);
        assert!(d.corners.iter().all(|&(x, y)| (0.0..=side as f32).contains(&x) && (0.0..=side as f32).contains(&y)));
    }

    #[test]
    fn a_frame_without_a_code_gives_nothing() {
        let flat = vec![128u8; 64 * 48];
        let frame = LumaFrame::packed(64, 48, &flat).unwrap();
        assert_eq!(rxing_detect(&frame), Ok(None));
    }
}
