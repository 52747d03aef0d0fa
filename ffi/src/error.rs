//! The FFI's own small errors, and the one place where they meet the core's.
//!
//! Machine-readable on purpose: the shells branch on the variant; a `reason`/`detail` string is the platform's
//! or the core's message, for logs only — never shown as the reason, never carrying a PIN or APDU data. What
//! goes wrong in a signing is not an error at all: the flow's state carries a typed `Notice`.

use kazasu_core::TransportError as CoreTransportError;
use kazasu_qr::QrError;

/// How the shell's transport reports a failed exchange (what Kotlin/Swift throw from `transceive`).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum TransportError {
    /// The tag left the field (Android `TagLostException`, iOS tag connection lost).
    #[error("card lost")]
    CardLost,
    /// The card did not answer in time.
    #[error("timeout")]
    Timeout,
    /// Any other I/O failure of the link. `reason` is the platform's message, never APDU data.
    #[error("link failure: {reason}")]
    Io { reason: String },
}

/// Any exception the shell's transport throws that is not a `TransportError` (an `IOException`, a
/// `RuntimeException` from a bug…) arrives here instead of panicking: the link is treated as lost.
impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::Io { reason: e.reason }
    }
}

impl From<TransportError> for CoreTransportError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::CardLost => CoreTransportError::CardLost,
            TransportError::Timeout => CoreTransportError::Timeout,
            TransportError::Io { reason } => CoreTransportError::Reader(reason),
        }
    }
}

impl From<CoreTransportError> for TransportError {
    fn from(e: CoreTransportError) -> Self {
        match e {
            CoreTransportError::CardLost | CoreTransportError::NoCard => TransportError::CardLost,
            CoreTransportError::Timeout => TransportError::Timeout,
            CoreTransportError::Reader(reason) => TransportError::Io { reason },
        }
    }
}

/// Why a camera frame was not read (`decode_luma`). Finding no code in it is not an error.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FrameError {
    /// The frame's sizes do not fit its buffer: a bug in the shell. `detail` is for logs.
    #[error("not a frame: {detail}")]
    BadFrame { detail: String },
    /// The decoder failed inside on this frame; drop it and read the next one.
    #[error("the QR decoder failed on this frame")]
    DecoderFailed,
}

impl From<QrError> for FrameError {
    fn from(e: QrError) -> Self {
        match e {
            QrError::BadFrame { .. } => FrameError::BadFrame { detail: e.to_string() },
            // Only the generator says TooLong; a decoder never does.
            QrError::TooLong { .. } | QrError::DecoderPanicked => FrameError::DecoderFailed,
        }
    }
}
