//! QR codes from camera frames: the shell passes the luma (Y) plane as it comes from the camera, row stride
//! included (Android `ImageProxy`/`Image` plane 0, iOS `CVPixelBuffer` plane 0); the core finds and decodes.

use kazasu_qr::{decode, LumaFrame};

use crate::error::FrameError;

/// Decodes one QR code in an 8-bit luma frame: `height` rows of `width` pixels, rows `stride` bytes apart
/// (`luma` needs `stride*(height-1)+width` bytes). `None` when no readable code is in the frame.
/// A frame whose sizes do not fit its buffer is a shell bug: `BadFrame` (nothing is read out of bounds).
/// The text is returned unparsed; the hand-off protocol validates it.
#[uniffi::export]
pub fn decode_luma(width: u32, height: u32, stride: u32, luma: Vec<u8>) -> Result<Option<String>, FrameError> {
    let frame = LumaFrame::new(width as usize, height as usize, stride as usize, &luma)?;
    Ok(decode(&frame)?.map(|d| d.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_code_in_a_padded_frame_is_read_back() {
        let (packed, side) = kazasu_qr::to_luma("https://city.example/r/abc", 4).unwrap();
        // Copy into rows with 13 bytes of padding, as camera buffers have.
        let stride = side + 13;
        let mut padded = vec![0u8; stride * side];
        for y in 0..side {
            padded[y * stride..y * stride + side].copy_from_slice(&packed[y * side..(y + 1) * side]);
        }
        let text = decode_luma(side as u32, side as u32, stride as u32, padded).unwrap();
        assert_eq!(text.as_deref(), Some("https://city.example/r/abc"));
    }

    #[test]
    fn a_frame_without_a_code_is_none_and_a_short_buffer_an_error() {
        assert_eq!(decode_luma(64, 64, 64, vec![255; 64 * 64]).unwrap(), None);
        assert!(matches!(decode_luma(64, 64, 80, vec![0; 100]), Err(FrameError::BadFrame { .. })));
        assert!(matches!(decode_luma(0, 0, 0, vec![]), Err(FrameError::BadFrame { .. })));
    }
}
