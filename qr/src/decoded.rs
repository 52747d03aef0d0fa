//! What a scan finds: a QR code's text, its bytes and where it is in the frame.

/// A decoded QR code.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The payload as text (UTF-8, else Shift_JIS, else ISO-8859-1; see [`crate::payload_to_text`]).
    pub text: String,
    /// The payload bytes as carried by the code (Kanji segments as Shift_JIS).
    pub bytes: Vec<u8>,
    /// Corners in frame coordinates: top-left, top-right, bottom-right, bottom-left (of the
    /// code; for a code read by the thorough pass, of the box around it).
    pub corners: [(f32, f32); 4],
}
