//! What can go wrong in scanning or drawing a QR code.

/// What went wrong. Not finding a code is not an error: [`decode`] returns `Ok(None)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The frame's sizes do not fit its buffer (a bug at the FFI boundary).
    #[error("bad frame {width}x{height} stride {stride} with {len} bytes: {reason}")]
    BadFrame { width: usize, height: usize, stride: usize, len: usize, reason: &'static str },
    /// The text does not fit in the largest QR code.
    #[error("text of {len} bytes is too long for a QR code")]
    TooLong { len: usize },
    /// The underlying decoder panicked; the frame is dropped, the app goes on.
    #[error("the QR decoder failed internally on this frame")]
    DecoderPanicked,
}
