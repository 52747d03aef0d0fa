//! Kazasu QR: read QR codes from camera luma frames, draw QR codes as SVG.
//!
//! Pure Rust, no I/O, no `unsafe`, so it cross-compiles to Android and iOS.
//!
//! Scanning ([`decode`], [`Scanner`]) runs our own finder-pattern locator on a locally
//! thresholded view of the frame (halved for camera sizes; normal and inverted
//! polarity), samples the module grid through a perspective transform (piecewise
//! through the alignment-pattern lattice for large versions) and reads it with our
//! own codeword decoder (format, unmasking, Reed-Solomon, all segment modes, charsets).
//! For stills where finder patterns were seen but nothing decoded, `rxing` (a pure-Rust
//! port of ZXing) runs as the thorough pass. `rqrr` stays as a baseline for the benchmark
//! ([`Options::rqrr_only`]), off by default. Only the calls into `rxing` and `rqrr` run
//! inside `catch_unwind`: a panic there becomes [`QrError::DecoderPanicked`] (this needs
//! `panic = "unwind"`, the default, in the final binary's profile). Our own code is not
//! wrapped: it must not panic on any frame, and coverage-guided fuzzing (`fuzz/`) checks
//! that it does not.
//!
//! Generation ([`to_svg`], [`to_luma`]) uses the `qrcode` crate.

// The spec's index arithmetic (masks, grids, polynomials) reads best as written there;
// `is_multiple_of` needs Rust 1.87 (workspace MSRV is 1.80).
#![allow(clippy::manual_is_multiple_of, clippy::needless_range_loop, clippy::nonminimal_bool)]

mod binarize;
mod codeword;
mod decoded;
mod error;
mod finder;
mod frame;
mod generate;
mod grid;
mod rs;
mod text;
mod thorough;

pub use decoded::Decoded;
pub use error::QrError;
pub use frame::{LumaFrame, MAX_SIDE};
pub use generate::{to_luma, to_modules, to_svg};
pub use text::payload_to_text;

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Which stages to run; the default is what [`decode`] uses. Exposed so the benchmark
/// can measure each stage's contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Run our finder-pattern locator + grid sampler.
    pub locator: bool,
    /// Look for light-on-dark (inverted) codes too.
    pub inverted: bool,
    /// On stills, run rxing (the thorough pass) when the locator saw finder patterns
    /// but decoded nothing.
    pub rxing_fallback: bool,
    /// Run rqrr's own detector when the locator saw finder patterns but decoded nothing.
    pub rqrr_fallback: bool,
    /// Run rqrr's detector even if the locator saw nothing (slow; for comparison).
    pub rqrr_always: bool,
    /// Read rqrr's grids with rqrr's own decoder instead of ours (the baseline; rqrr's
    /// Reed-Solomon is slow and it rejects Hanzi mode).
    pub rqrr_own_decoder: bool,
    /// The frame is one of a camera stream: keep every frame cheap (no rqrr fallback,
    /// retries only on a plausible finder triple) even when it is small. Off for
    /// one-shot [`decode`], where small frames are treated as stills and get the
    /// thorough path; [`Scanner`] turns it on.
    pub stream: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            locator: true,
            inverted: true,
            rxing_fallback: true,
            rqrr_fallback: false,
            rqrr_always: false,
            rqrr_own_decoder: false,
            stream: false,
        }
    }
}

impl Options {
    /// rqrr 0.11 alone, as the baseline.
    pub fn rqrr_only() -> Self {
        Options {
            locator: false,
            inverted: false,
            rxing_fallback: false,
            rqrr_fallback: false,
            rqrr_always: true,
            rqrr_own_decoder: true,
            stream: false,
        }
    }
}

/// Find and decode one QR code in the frame. `Ok(None)`: no readable code.
pub fn decode(frame: &LumaFrame) -> Result<Option<Decoded>, QrError> {
    decode_with(frame, &Options::default())
}

/// [`decode`] with explicit stage selection.
pub fn decode_with(frame: &LumaFrame, opts: &Options) -> Result<Option<Decoded>, QrError> {
    decode_seen(frame, opts).0
}

/// [`decode_with`], also telling whether finder patterns formed a plausible code.
fn decode_seen(frame: &LumaFrame, opts: &Options) -> (Result<Option<Decoded>, QrError>, bool) {
    let mut saw_finders = false;
    let mut region = None;
    if opts.locator {
        match grid::locate_and_decode(frame, opts.inverted, opts.stream, opts.rxing_fallback) {
            (Some(d), _, _) => return (Ok(Some(d)), true),
            (None, seen, r) => (saw_finders, region) = (seen, r),
        }
    }
    // The thorough passes cost milliseconds: only for stills (< 720 lines, e.g. photos)
    // where finders were seen; never on camera-sized frames or in stream mode.
    let still = grid::factor(frame) == 1 && !opts.stream;
    if opts.rxing_fallback && still && saw_finders {
        // Where the first pass's finders lie in a clearly smaller region, the thorough
        // pass reads that region (a code they belong to lies inside it).
        let crop = region.and_then(|(x0, y0, x1, y1)| {
            let data = frame.data().get(y0 * frame.stride() + x0..)?;
            Some((LumaFrame::new(x1 - x0, y1 - y0, frame.stride(), data).ok()?, (x0 as f32, y0 as f32)))
        });
        let (view, (ox, oy)) = crop.unwrap_or((*frame, (0.0, 0.0)));
        match thorough::rxing_detect(&view).map(|d| {
            d.map(|mut d| {
                d.corners = d.corners.map(|(x, y)| (x + ox, y + oy));
                d
            })
        }) {
            Ok(Some(d)) => return (Ok(Some(d)), true),
            Ok(None) => {}
            Err(e) => return (Err(e), saw_finders),
        }
    }
    if opts.rqrr_always || (opts.rqrr_fallback && still && saw_finders) {
        match rqrr_detect(frame, opts.rqrr_own_decoder) {
            Ok(Some(d)) => return (Ok(Some(d)), true),
            Ok(None) => {}
            Err(e) => return (Err(e), saw_finders),
        }
    }
    (Ok(None), saw_finders)
}

/// Runs `f`, a call into rqrr, turning a panic inside it into [`QrError::DecoderPanicked`].
/// Only rqrr's code goes through here: a panic in our own code is a bug that must surface.
/// The default panic hook still prints the message to stderr; the app keeps running.
fn in_rqrr<T>(f: impl FnOnce() -> T) -> Result<T, QrError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| QrError::DecoderPanicked)
}

/// rqrr's own pipeline (its thresholding, capstone flood fill, grid fit, decode).
/// Frames above 480 lines are halved first (4x less work; camera codes are large).
/// Each call into rqrr is guarded; a panic there ends the search with `DecoderPanicked`.
fn rqrr_detect(frame: &LumaFrame, own: bool) -> Result<Option<Decoded>, QrError> {
    if !own && frame.height().min(frame.width()) > 480 {
        let (small, w, h) = binarize::downsample(frame, 2);
        let Ok(sf) = LumaFrame::packed(w, h, &small) else {
            return Ok(None);
        };
        return Ok(rqrr_detect(&sf, own)?.map(|mut d| {
            d.corners = d.corners.map(|(x, y)| (x * 2.0, y * 2.0));
            d
        }));
    }
    let mut img =
        in_rqrr(|| rqrr::PreparedImage::prepare_from_greyscale(frame.width(), frame.height(), |x, y| frame.px(x, y)))?;
    let grids = in_rqrr(|| img.detect_grids())?;
    for g in grids {
        let c = g.bounds.map(|p| (p.x as f32, p.y as f32));
        if own {
            let mut bytes = Vec::new();
            if in_rqrr(|| g.decode_to(&mut bytes).is_ok())? {
                return Ok(Some(Decoded { text: payload_to_text(&bytes), bytes, corners: c }));
            }
            continue;
        }
        // rqrr finds and samples the grid; our decoder (fast Reed-Solomon, all modes)
        // reads it.
        let (n, bits) = in_rqrr(|| {
            let n = rqrr::BitGrid::size(&g.grid);
            let bits: Vec<bool> = (0..n * n).map(|i| rqrr::BitGrid::bit(&g.grid, i / n, i % n)).collect();
            (n, bits)
        })?;
        if let Ok(segs) = codeword::decode_grid(&bits, n) {
            let (text, bytes) = text::segments_to_text(&segs);
            return Ok(Some(Decoded { text, bytes, corners: c }));
        }
    }
    Ok(None)
}

/// A scanner for a stream of camera frames. It remembers where the last code was and
/// first looks only there (a region 1.5x the code's box), which is what a phone held
/// over a screen sees frame after frame; if that fails it scans the whole frame.
/// Frames are kept cheap ([`Options::stream`]); when a frame shows finder patterns of
/// a code it cannot read, the next frame gets the thorough treatment of [`decode`].
#[derive(Debug, Clone)]
pub struct Scanner {
    last: Option<[(f32, f32); 4]>,
    opts: Options,
    /// The last frame showed a plausible code it could not read: give the next frame
    /// the thorough (stills) treatment.
    hard: bool,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner { last: None, opts: Options { stream: true, ..Options::default() }, hard: false }
    }
}

impl Scanner {
    /// A scanner for camera frames (every frame kept cheap, see [`Options::stream`]).
    pub fn new() -> Self {
        Scanner::default()
    }

    /// Decode one frame of the stream. Same contract as [`decode`].
    pub fn scan(&mut self, frame: &LumaFrame) -> Result<Option<Decoded>, QrError> {
        if let Some(c) = self.last {
            if let Some(d) = self.scan_region(frame, &c) {
                self.last = Some(d.corners);
                return Ok(Some(d));
            }
        }
        // A code in view that the cheap path cannot read gets the thorough path on
        // every other frame (so a hard code costs at most every second frame).
        let opts = if self.hard { Options { stream: false, ..self.opts } } else { self.opts };
        let (r, seen) = decode_seen(frame, &opts);
        self.last = r.as_ref().ok().and_then(|d| d.as_ref().map(|d| d.corners));
        self.hard = !self.hard && seen && self.last.is_none();
        r
    }

    fn scan_region(&self, frame: &LumaFrame, c: &[(f32, f32); 4]) -> Option<Decoded> {
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for &(x, y) in c {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        let (mx, my) = ((x1 - x0) * 0.25 + 8.0, (y1 - y0) * 0.25 + 8.0);
        let clamp = |v: f32, hi: usize| (v.max(0.0) as usize).min(hi);
        let (x0, y0) = (clamp(x0 - mx, frame.width()), clamp(y0 - my, frame.height()));
        let (x1, y1) = (clamp(x1 + mx, frame.width()), clamp(y1 + my, frame.height()));
        if x1 <= x0 + 21 || y1 <= y0 + 21 || (x1 - x0) * (y1 - y0) * 10 > frame.width() * frame.height() * 7 {
            return None; // degenerate, or hardly smaller than the frame
        }
        let off = y0 * frame.stride() + x0;
        let sub = LumaFrame::new(x1 - x0, y1 - y0, frame.stride(), frame.data().get(off..)?).ok()?;
        let f = grid::factor(frame);
        let inverted = self.opts.inverted;
        let (d, _, _) = grid::locate_with_factor(&sub, inverted, f, true, false);
        let mut d = d?;
        d.corners = d.corners.map(|(x, y)| (x + x0 as f32, y + y0 as f32));
        Some(d)
    }
}

/// Finder candidates (x, y, module size, hits, inverted) as the locator sees them;
/// for tuning and the benchmark's diagnostics, not a stable API.
#[doc(hidden)]
pub fn debug_finders(frame: &LumaFrame) -> Vec<(f32, f32, f32, u32, bool)> {
    grid::debug_finders(frame)
}
#[doc(hidden)]
pub fn debug_timing(frame: &LumaFrame) -> (f64, f64, f64, f64, usize) {
    grid::debug_timing(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rqrr 0.11 indexes past the end of a grid smaller than its format-information
    /// area: a genuine panic inside the dependency, which the guard must contain.
    #[test]
    fn a_panic_inside_rqrr_becomes_a_typed_error() {
        let tiny = rqrr::SimpleGrid::from_func(5, |_, _| true);
        let r = in_rqrr(|| rqrr::Grid::new(tiny).decode().is_ok());
        assert_eq!(r, Err(QrError::DecoderPanicked));
    }

    /// Only rqrr is guarded: a panic in kazasu-qr's own pipeline is a bug that must surface
    /// (in tests and fuzzing), not a `DecoderPanicked` that hides it.
    #[test]
    fn a_panic_in_our_own_pipeline_is_not_swallowed() {
        let (luma, side) = to_luma("https://city.example.jp/r/req_0123456789", 4).unwrap();
        let frame = LumaFrame::packed(side, side, &luma).unwrap();
        assert!(decode(&frame).unwrap().is_some());
        grid::INJECT_PANIC.with(|p| p.set(true));
        let r = std::panic::catch_unwind(|| decode(&frame));
        grid::INJECT_PANIC.with(|p| p.set(false));
        assert!(r.is_err(), "the injected panic was turned into {r:?}");
    }
}

/// Entry points for the fuzz targets in `fuzz/` (the grid decoder and the segment parser
/// without the locator in front). Not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    /// Reads a module grid (`dim` × `dim`, row-major, dark = true) as the scanner would.
    pub fn decode_grid(bits: &[bool], dim: usize) -> Option<(String, Vec<u8>)> {
        let segs = crate::codeword::decode_grid(bits, dim).ok()?;
        Some(crate::text::segments_to_text(&segs))
    }

    /// Parses corrected data codewords of a code of `version` into text and bytes.
    pub fn parse_segments(data: &[u8], version: usize) -> Option<(String, Vec<u8>)> {
        let segs = crate::codeword::parse_segments(data, version)?;
        Some(crate::text::segments_to_text(&segs))
    }
}
