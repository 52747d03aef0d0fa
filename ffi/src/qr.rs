//! QR codes from camera frames: the shell passes the luma (Y) plane as it comes from the camera, row stride
//! included (Android `ImageProxy`/`Image` plane 0, iOS `CVPixelBuffer` plane 0); the core finds and decodes.
//! A scanning screen feeds its frames to one [`QrScanner`]; [`decode_luma`] reads a single still.

use std::sync::{Arc, Mutex, TryLockError};

use kazasu_qr::{decode, LumaFrame, Scanner};

use crate::error::FrameError;

/// The frames of one scanning screen, in order. It follows a code from frame to frame and gives a code it saw
/// but could not read the thorough treatment on the next frame, so a frame without a code stays cheap (camera
/// preview rate) and a code in view is read within a frame or two. The first text read ends the scan: every
/// later frame answers `None`, so the screen hands on exactly one text.
#[derive(uniffi::Object)]
pub struct QrScanner {
    state: Mutex<ScanState>,
}

struct ScanState {
    scanner: Scanner,
    read: bool,
}

#[uniffi::export]
impl QrScanner {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(QrScanner { state: Mutex::new(ScanState { scanner: Scanner::new(), read: false }) })
    }

    /// Scans the next frame (sizes as for [`decode_luma`]): the code's text the first time one is read, else
    /// `None`. A frame offered while another is being decoded is dropped (`None`): call it from the camera's
    /// frame thread, newest frame first. A frame whose sizes do not fit its buffer is `BadFrame`.
    pub fn scan(&self, width: u32, height: u32, stride: u32, luma: Vec<u8>) -> Result<Option<String>, FrameError> {
        let mut state = match self.state.try_lock() {
            Ok(s) => s,
            Err(TryLockError::WouldBlock) => return Ok(None),
            // A panic while decoding was caught elsewhere: the tracking is only a hint, start afresh.
            Err(TryLockError::Poisoned(p)) => {
                let mut s = p.into_inner();
                s.scanner = Scanner::new();
                s
            }
        };
        if state.read {
            return Ok(None);
        }
        let frame = LumaFrame::new(width as usize, height as usize, stride as usize, &luma)?;
        let text = state.scanner.scan(&frame)?.map(|d| d.text);
        state.read = text.is_some();
        Ok(text)
    }
}

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
    fn a_scanner_hands_on_the_first_text_once_and_refuses_a_bad_frame() {
        let (code, side) = kazasu_qr::to_luma("https://city.example/r/abc", 4).unwrap();
        let scanner = QrScanner::new();
        let empty = vec![255u8; side * side];
        assert_eq!(scanner.scan(side as u32, side as u32, side as u32, empty.clone()).unwrap(), None);
        assert!(matches!(scanner.scan(64, 64, 80, vec![0; 100]), Err(FrameError::BadFrame { .. })));
        let first = scanner.scan(side as u32, side as u32, side as u32, code.clone()).unwrap();
        assert_eq!(first.as_deref(), Some("https://city.example/r/abc"));
        // The screen hands on one text: the same code in the next frames reads nothing more.
        assert_eq!(scanner.scan(side as u32, side as u32, side as u32, code.clone()).unwrap(), None);
        // A fresh scanner (the next scanning screen) reads it again.
        let again = QrScanner::new().scan(side as u32, side as u32, side as u32, code).unwrap();
        assert_eq!(again.as_deref(), Some("https://city.example/r/abc"));
    }

    #[test]
    fn a_frame_without_a_code_is_none_and_a_short_buffer_an_error() {
        assert_eq!(decode_luma(64, 64, 64, vec![255; 64 * 64]).unwrap(), None);
        assert!(matches!(decode_luma(64, 64, 80, vec![0; 100]), Err(FrameError::BadFrame { .. })));
        assert!(matches!(decode_luma(0, 0, 0, vec![]), Err(FrameError::BadFrame { .. })));
    }
}
