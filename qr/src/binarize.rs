//! Local thresholding: the frame becomes a dark/light bitmap.
//!
//! The frame is cut into square blocks. A block whose pixels span enough contrast
//! votes its mean; every pixel's threshold is the average vote of the blocks around
//! its own (5x5 blocks, widened to 11x11 where none voted, else the frame-wide mean).
//! This follows the light level across a monitor with glare or a shadowed print,
//! where one global threshold would blacken or bleach half a code.

use crate::LumaFrame;

/// A thresholded view of a frame. Pixels are compared with their block's threshold
/// on access (rows in bulk for the scan, single pixels for cross-checks and sampling),
/// so no binary copy of the frame is ever written.
pub struct Bitmap<'a> {
    pub w: usize,
    pub h: usize,
    frame: LumaFrame<'a>,
    thr: Vec<u8>,
    bw: usize,
    shift: u32,
}

impl Bitmap<'_> {
    #[inline]
    pub fn dark(&self, x: usize, y: usize) -> bool {
        self.frame.px(x, y) < self.thr[(y >> self.shift) * self.bw + (x >> self.shift)]
    }
    /// Dark at the pixel containing (x, y); `None` outside the frame.
    #[inline]
    pub fn dark_at(&self, x: f32, y: f32) -> Option<bool> {
        if !(x >= 0.0 && y >= 0.0) {
            return None;
        }
        let (xi, yi) = (x as usize, y as usize);
        if xi >= self.w || yi >= self.h {
            return None;
        }
        Some(self.dark(xi, yi))
    }
    /// Row `y` as 0/1 bytes (1 = dark) into `out`. `thr_row` holds the thresholds of
    /// the row's pixels, kept from the previous call while `y` stays in the same row of
    /// blocks (so the comparison is one straight, vectorised pass).
    pub fn row_into(&self, y: usize, thr_row: &mut (usize, Vec<u8>), out: &mut Vec<u8>) {
        let by = y >> self.shift;
        if thr_row.1.len() != self.w || thr_row.0 != by {
            let bs = 1usize << self.shift;
            let trow = &self.thr[by * self.bw..by * self.bw + self.bw];
            thr_row.1.clear();
            thr_row.1.resize(self.w, 0);
            for (tc, &t) in thr_row.1.chunks_mut(bs).zip(trow) {
                tc.fill(t);
            }
            thr_row.0 = by;
        }
        out.clear();
        out.resize(self.w, 0);
        for ((o, &v), &t) in out.iter_mut().zip(self.frame.row(y)).zip(&thr_row.1) {
            *o = (v < t) as u8;
        }
    }
}

/// Settings for [`binarize`].
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// log2 of the block side in pixels.
    pub block_shift: u32,
    /// A block votes only if max - min >= this.
    pub min_contrast: u8,
}

/// One row of blocks `N` pixels wide from the column statistics (minimum, maximum, sum of
/// `rows` sampled rows): each block's mean, minimum and maximum. A whole block is an array
/// of `N`, whose reductions the compiler vectorises (it did not the slice folds: ~15% of
/// the thresholding of a 640x480 photo); the narrower block at the right edge folds as a
/// slice.
fn block_row<const N: usize>(
    (cmin, cmax, csum): (&[u8], &[u8], &[u16]),
    rows: u32,
    full_shift: u32,
    (mean, min, max): (&mut [u32], &mut [u8], &mut [u8]),
) {
    let blocks = cmin.chunks(N).zip(cmax.chunks(N)).zip(csum.chunks(N));
    for ((((mnc, mxc), smc), mean), (min, max)) in blocks.zip(mean).zip(min.iter_mut().zip(max)) {
        let whole = (<&[u8; N]>::try_from(mnc), <&[u8; N]>::try_from(mxc), <&[u16; N]>::try_from(smc));
        let (mn, mx, sum) = if let (Ok(mn), Ok(mx), Ok(sm)) = whole {
            let sum: u32 = sm.iter().map(|&v| v as u32).sum();
            (mn.iter().copied().fold(255, u8::min), mx.iter().copied().fold(0, u8::max), sum)
        } else {
            let sum: u32 = smc.iter().map(|&v| v as u32).sum();
            (mnc.iter().copied().fold(255, u8::min), mxc.iter().copied().fold(0, u8::max), sum)
        };
        let n = rows * smc.len() as u32;
        *mean = if n == 1 << full_shift { sum >> full_shift } else { sum / n };
        (*min, *max) = (mn, mx);
    }
}

/// Threshold `frame` into a [`Bitmap`]. Returns `None` when no block in the whole frame
/// has contrast (a blank frame cannot hold a code).
pub fn binarize<'a>(frame: &LumaFrame<'a>, p: Params) -> Option<Bitmap<'a>> {
    let (w, h) = (frame.width(), frame.height());
    let bs = 1usize << p.block_shift;
    let bw = w.div_ceil(bs);
    let bh = h.div_ceil(bs);

    // Per-block min, max, sum: column-wise over the block's rows first (vectorises),
    // then across the block's columns.
    let mut bmean = vec![0u32; bw * bh];
    let mut bmin = vec![0u8; bw * bh];
    let mut bmax = vec![0u8; bw * bh];
    let mut cmin = vec![0u8; w];
    let mut cmax = vec![0u8; w];
    let mut csum = vec![0u16; w];
    for by in 0..bh {
        let y0 = by * bs;
        let y1 = (y0 + bs).min(h);
        cmin.copy_from_slice(frame.row(y0));
        cmax.copy_from_slice(frame.row(y0));
        for (s, &v) in csum.iter_mut().zip(frame.row(y0)) {
            *s = v as u16;
        }
        // Every other row is enough to judge a block's level and contrast.
        for y in (y0 + 2..y1).step_by(2) {
            let r = &frame.row(y)[..w];
            let (mn, mx, sm) = (&mut cmin[..w], &mut cmax[..w], &mut csum[..w]);
            for x in 0..w {
                let v = r[x];
                mn[x] = mn[x].min(v);
                mx[x] = mx[x].max(v);
                sm[x] += v as u16;
            }
        }
        let rows = (y1 - y0).div_ceil(2) as u32;
        // A whole block holds bs/2 sampled rows of bs pixels: a power of two, so its mean
        // is a shift (only edge blocks divide).
        let full_shift = (2 * p.block_shift).saturating_sub(1);
        let row = by * bw..(by + 1) * bw;
        let out = (&mut bmean[row.clone()], &mut bmin[row.clone()], &mut bmax[row]);
        match bs {
            4 => block_row::<4>((&cmin, &cmax, &csum), rows, full_shift, out),
            8 => block_row::<8>((&cmin, &cmax, &csum), rows, full_shift, out),
            16 => block_row::<16>((&cmin, &cmax, &csum), rows, full_shift, out),
            _ => block_row::<32>((&cmin, &cmax, &csum), rows, full_shift, out),
        }
    }
    // A block votes when its 3x3 block neighbourhood has contrast: a block lying wholly
    // inside one module (large modules, or a screenshot aligned to the block grid) still
    // votes its own level next to an edge.
    let mut bvote = vec![false; bw * bh];
    // Separable: min/max over 3 blocks along each row, then over 3 rows.
    let mut hmin = vec![0u8; bw * bh];
    let mut hmax = vec![0u8; bw * bh];
    for by in 0..bh {
        let row = by * bw;
        for bx in 0..bw {
            let (l, r) = (row + bx.saturating_sub(1), row + (bx + 1).min(bw - 1));
            hmin[row + bx] = bmin[l].min(bmin[row + bx]).min(bmin[r]);
            hmax[row + bx] = bmax[l].max(bmax[row + bx]).max(bmax[r]);
        }
    }
    for by in 0..bh {
        let (u, d) = (by.saturating_sub(1) * bw, (by + 1).min(bh - 1) * bw);
        let row = by * bw;
        for bx in 0..bw {
            let mn = hmin[u + bx].min(hmin[row + bx]).min(hmin[d + bx]);
            let mx = hmax[u + bx].max(hmax[row + bx]).max(hmax[d + bx]);
            bvote[row + bx] = mx - mn >= p.min_contrast;
        }
    }

    // Integral images of votes over the block grid.
    let iw = bw + 1;
    let mut isum = vec![0u32; iw * (bh + 1)];
    let mut icnt = vec![0u32; iw * (bh + 1)];
    let mut total = 0u64;
    let mut voters = 0u64;
    for by in 0..bh {
        let mut rs = 0u32;
        let mut rc = 0u32;
        for bx in 0..bw {
            let i = by * bw + bx;
            if bvote[i] {
                rs += bmean[i];
                rc += 1;
            }
            isum[(by + 1) * iw + bx + 1] = isum[by * iw + bx + 1] + rs;
            icnt[(by + 1) * iw + bx + 1] = icnt[by * iw + bx + 1] + rc;
        }
        total += rs as u64;
        voters += rc as u64;
    }
    if voters == 0 {
        return None;
    }
    let global = (total / voters) as u32;
    let rect = |x0: usize, y0: usize, x1: usize, y1: usize| -> (u32, u32) {
        // inclusive-exclusive block rectangle
        let s = isum[y1 * iw + x1] + isum[y0 * iw + x0] - isum[y0 * iw + x1] - isum[y1 * iw + x0];
        let c = icnt[y1 * iw + x1] + icnt[y0 * iw + x0] - icnt[y0 * iw + x1] - icnt[y1 * iw + x0];
        (s, c)
    };
    // The windows' edges per block column and row, and s / c as a multiply: c <= 121 and
    // s <= 255 c, so s * ceil(2^24 / c) >> 24 is the exact quotient (s c < 2^24).
    let span = |n: usize, r: usize| -> Vec<(usize, usize)> {
        (0..n).map(|i| (i.saturating_sub(r), (i + r + 1).min(n))).collect()
    };
    let (xs2, xs5, ys2, ys5) = (span(bw, 2), span(bw, 5), span(bh, 2), span(bh, 5));
    let recip = reciprocals();
    let quotient = |s: u32, c: u32| mean_of(s, c, &recip);
    let mut thr = vec![0u8; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            let (s, c) = rect(xs2[bx].0, ys2[by].0, xs2[bx].1, ys2[by].1);
            let t = if c > 0 {
                quotient(s, c)
            } else {
                let (s, c) = rect(xs5[bx].0, ys5[by].0, xs5[bx].1, ys5[by].1);
                if c > 0 {
                    quotient(s, c)
                } else {
                    global
                }
            };
            let t = t.min(255) as u8;
            // A block with no contrast anywhere near it is flat: classify it whole (by
            // its mean) so sensor noise around the threshold cannot draw stripes.
            thr[by * bw + bx] = if bvote[by * bw + bx] {
                t
            } else if (bmean[by * bw + bx] as u8) < t {
                255
            } else {
                0
            };
        }
    }

    Some(Bitmap { w, h, frame: *frame, thr, bw, shift: p.block_shift })
}

/// ceil(2^24 / c) for the vote counts c of an 11x11 window (index 0 unused).
fn reciprocals() -> [u64; 122] {
    let mut r = [0u64; 122];
    for (c, v) in r.iter_mut().enumerate().skip(1) {
        *v = (1u64 << 24).div_ceil(c as u64);
    }
    r
}

/// `s / c` for a sum `s` of `c` <= 121 block means (so `s <= 255 c`), without a division.
#[inline]
fn mean_of(s: u32, c: u32, recip: &[u64; 122]) -> u32 {
    ((s as u64 * recip[c as usize]) >> 24) as u32
}

/// One output row of the 2x2 box mean, `(a0 + a1 + b0 + b1 + 2) / 4`, of two input rows.
/// Eight input pixels per step as 16-bit lanes of a `u64` (a 720p camera frame is halved
/// in about a third of the time of the pixel-by-pixel loop, which the compiler does not
/// vectorise), the rest pixel by pixel.
fn halve_rows(r0: &[u8], r1: &[u8], out: &mut [u8]) {
    const LO: u64 = 0x00ff_00ff_00ff_00ff;
    let pairs = |r: &[u8]| {
        let v = u64::from_le_bytes(r.try_into().unwrap_or([0; 8]));
        (v & LO) + ((v >> 8) & LO)
    };
    let n = out.len();
    let mut o8 = out.chunks_exact_mut(4);
    let (mut a8, mut b8) = (r0.chunks_exact(8), r1.chunks_exact(8));
    for ((o, a), b) in (&mut o8).zip(&mut a8).zip(&mut b8) {
        // four lanes of 4-pixel sums (at most 1020 + 2), each divided by 4
        let q = ((pairs(a) + pairs(b) + 0x0002_0002_0002_0002) >> 2) & LO;
        let q = (q | (q >> 8)) & 0x0000_ffff_0000_ffff;
        let q = (q | (q >> 16)) as u32;
        o.copy_from_slice(&q.to_le_bytes());
    }
    let done = n - o8.into_remainder().len();
    for (i, o) in out.iter_mut().enumerate().skip(done) {
        let px = |r: &[u8], k: usize| r.get(2 * i + k).copied().unwrap_or(0) as u16;
        *o = ((px(r0, 0) + px(r0, 1) + px(r1, 0) + px(r1, 1) + 2) >> 2) as u8;
    }
}

/// Box-filter `frame` down by `f` in both directions (camera noise drops by `f` too).
pub fn downsample(frame: &LumaFrame, f: usize) -> (Vec<u8>, usize, usize) {
    let (w, h) = (frame.width() / f, frame.height() / f);
    let mut out = vec![0u8; w * h];
    if f == 2 {
        for y in 0..h {
            halve_rows(frame.row(2 * y), frame.row(2 * y + 1), &mut out[y * w..(y + 1) * w]);
        }
        return (out, w, h);
    }
    // Column sums over f rows (vectorises), then sums of f adjacent columns; divide by
    // f*f with a 16-bit reciprocal (sums stay below 16*255).
    let wf = w * f;
    let mut col = vec![0u16; wf];
    let recip = 65536u32.div_ceil((f * f) as u32);
    for y in 0..h {
        col.fill(0);
        for dy in 0..f {
            let r = &frame.row(y * f + dy)[..wf];
            for (c, &v) in col.iter_mut().zip(r) {
                *c += v as u16;
            }
        }
        let o = &mut out[y * w..(y + 1) * w];
        if f == 3 {
            for (o, c) in o.iter_mut().zip(col.chunks_exact(3)) {
                *o = (((c[0] + c[1] + c[2]) as u32 * recip) >> 16) as u8;
            }
        } else {
            for (o, c) in o.iter_mut().zip(col.chunks_exact(f)) {
                *o = ((c.iter().sum::<u16>() as u32 * recip) >> 16) as u8;
            }
        }
    }
    (out, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_of_blocks_has_each_blocks_minimum_maximum_and_mean_including_the_narrow_edge_block() {
        let w: usize = 8 * 5 + 3; // five whole blocks of 8 and an edge block of 3
        let cmin: Vec<u8> = (0..w).map(|x| (x * 37 % 251) as u8).collect();
        let cmax: Vec<u8> = (0..w).map(|x| (x * 91 % 253) as u8).collect();
        let csum: Vec<u16> = (0..w).map(|x| (x * 113 % 1021) as u16).collect();
        let (rows, full_shift) = (4, 5); // 4 sampled rows x 8 pixels = 2^5
        let n = w.div_ceil(8);
        let (mut mean, mut min, mut max) = (vec![0u32; n], vec![0u8; n], vec![0u8; n]);
        block_row::<8>((&cmin, &cmax, &csum), rows, full_shift, (&mut mean, &mut min, &mut max));
        for b in 0..n {
            let r = 8 * b..(8 * b + 8).min(w);
            assert_eq!(min[b], *cmin[r.clone()].iter().min().unwrap(), "block {b}");
            assert_eq!(max[b], *cmax[r.clone()].iter().max().unwrap(), "block {b}");
            let sum: u32 = csum[r.clone()].iter().map(|&v| v as u32).sum();
            assert_eq!(mean[b], sum / (rows * r.len() as u32), "block {b}");
        }
    }

    #[test]
    fn halving_eight_pixels_at_a_time_is_the_exact_rounded_mean_of_each_2x2_box() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for w in [2usize, 7, 8, 9, 16, 17, 31, 640] {
            for extremes in [false, true] {
                let mut px = |_| if extremes { [0u8, 255][(next() & 1) as usize] } else { next() as u8 };
                let (r0, r1): (Vec<u8>, Vec<u8>) = ((0..w).map(&mut px).collect(), (0..w).map(&mut px).collect());
                let mut out = vec![0u8; w / 2];
                halve_rows(&r0, &r1, &mut out);
                for (i, &o) in out.iter().enumerate() {
                    let sum = r0[2 * i] as u16 + r0[2 * i + 1] as u16 + r1[2 * i] as u16 + r1[2 * i + 1] as u16;
                    assert_eq!(o as u16, (sum + 2) >> 2, "width {w}, pixel {i}");
                }
            }
        }
    }

    #[test]
    fn the_mean_by_reciprocal_is_the_exact_quotient_for_every_window() {
        let recip = reciprocals();
        for c in 1..=121u32 {
            for s in 0..=255 * c {
                assert_eq!(mean_of(s, c, &recip), s / c, "{s} / {c}");
            }
        }
    }
}
