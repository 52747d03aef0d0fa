//! QR generation: SVG for the relying party's web page, luma bitmaps for tests.

use crate::QrError;
use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};

fn encode(text: &str) -> Result<QrCode, QrError> {
    // Level M: survives a smudge or a glare spot, and keeps the code small for a screen.
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|_| QrError::TooLong { len: text.len() })
}

/// An SVG document (black modules on white, 4-module quiet zone) showing `text` as a QR code.
pub fn to_svg(text: &str) -> Result<String, QrError> {
    let code = encode(text)?;
    Ok(code.render::<svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build())
}

/// The code's modules, row by row (`true` = dark), and the side length in modules
/// (without quiet zone).
pub fn to_modules(text: &str) -> Result<(Vec<bool>, usize), QrError> {
    let code = encode(text)?;
    let w = code.width();
    Ok((code.to_colors().into_iter().map(|c| c == Color::Dark).collect(), w))
}

/// A packed luma image of `text` with `scale` pixels per module and a 4-module quiet
/// zone: dark modules 0, light 255. Returns `(pixels, side)`. Meant for tests and
/// benchmarks (render, then decode).
pub fn to_luma(text: &str, scale: usize) -> Result<(Vec<u8>, usize), QrError> {
    let (mods, w) = to_modules(text)?;
    let scale = scale.max(1);
    let side = (w + 8) * scale;
    let mut img = vec![255u8; side * side];
    for my in 0..w {
        for mx in 0..w {
            if mods[my * w + mx] {
                for dy in 0..scale {
                    let row = ((my + 4) * scale + dy) * side;
                    img[row + (mx + 4) * scale..row + (mx + 5) * scale].fill(0);
                }
            }
        }
    }
    Ok((img, side))
}
