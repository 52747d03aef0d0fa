//! The camera frame handed in by the shells: one luma (Y) plane.

use crate::QrError;

/// A borrowed 8-bit luma plane: `height` rows of `width` pixels, each row starting
/// `stride` bytes after the previous one (camera buffers often pad rows).
///
/// Built only through [`LumaFrame::new`], which checks the sizes, so the scanner can
/// index it without further checks.
#[derive(Debug, Clone, Copy)]
pub struct LumaFrame<'a> {
    width: usize,
    height: usize,
    stride: usize,
    data: &'a [u8],
}

/// Largest side accepted (a 16k sensor row); larger values are certainly a bug at the FFI.
pub const MAX_SIDE: usize = 16_384;

impl<'a> LumaFrame<'a> {
    /// Checks that `data` holds `height` rows of `stride` bytes (the last row needs only
    /// `width`), that `stride >= width`, and that both sides are in `1..=MAX_SIDE`.
    pub fn new(width: usize, height: usize, stride: usize, data: &'a [u8]) -> Result<Self, QrError> {
        let bad = |reason: &'static str| QrError::BadFrame { width, height, stride, len: data.len(), reason };
        if width == 0 || height == 0 {
            return Err(bad("zero width or height"));
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(bad("side larger than 16384"));
        }
        if stride < width {
            return Err(bad("stride smaller than width"));
        }
        let needed =
            stride.checked_mul(height - 1).and_then(|n| n.checked_add(width)).ok_or_else(|| bad("size overflows"))?;
        if data.len() < needed {
            return Err(bad("buffer shorter than stride*(height-1)+width"));
        }
        Ok(LumaFrame { width, height, stride, data })
    }

    /// A tightly packed frame (`stride == width`).
    pub fn packed(width: usize, height: usize, data: &'a [u8]) -> Result<Self, QrError> {
        Self::new(width, height, width, data)
    }

    pub fn width(&self) -> usize {
        self.width
    }
    pub fn height(&self) -> usize {
        self.height
    }
    pub fn stride(&self) -> usize {
        self.stride
    }
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Row `y` (exactly `width` bytes). `y < height` is the caller's duty.
    #[inline]
    pub(crate) fn row(&self, y: usize) -> &'a [u8] {
        let s = y * self.stride;
        &self.data[s..s + self.width]
    }

    #[inline]
    pub(crate) fn px(&self, x: usize, y: usize) -> u8 {
        self.data[y * self.stride + x]
    }
}
