//! From three finder patterns to a decoded code: orientation, module count, alignment
//! pattern, perspective transform, sampling, and rqrr's error-correcting decoder.

use crate::binarize::{binarize, downsample, Bitmap, Params};
use crate::finder::{find, Finder};
use crate::{Decoded, LumaFrame};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pt {
    pub x: f32,
    pub y: f32,
}

fn pt(f: &Finder) -> Pt {
    Pt { x: f.x, y: f.y }
}
fn dist(a: Pt, b: Pt) -> f32 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// A plane projective map (3x3 matrix with m[8] = 1).
#[derive(Clone, Copy, Debug)]
pub struct Homography([f32; 9]);

impl Homography {
    /// The map taking each `src[i]` to `dst[i]`; `None` if degenerate.
    pub fn from_points(src: [Pt; 4], dst: [Pt; 4]) -> Option<Self> {
        // 8 unknowns a..h: x' = (a x + b y + c)/(g x + h y + 1), y' = (d x + e y + f)/(g x + h y + 1)
        let mut m = [[0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = (src[i].x as f64, src[i].y as f64);
            let (u, v) = (dst[i].x as f64, dst[i].y as f64);
            m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let piv = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
            if m[piv][col].abs() < 1e-9 {
                return None;
            }
            m.swap(col, piv);
            for r in 0..8 {
                if r != col {
                    let f = m[r][col] / m[col][col];
                    if f != 0.0 {
                        for c in col..9 {
                            m[r][c] -= f * m[col][c];
                        }
                    }
                }
            }
        }
        let mut h = [0f32; 9];
        for i in 0..8 {
            h[i] = (m[i][8] / m[i][i]) as f32;
        }
        h[8] = 1.0;
        h.iter().all(|v| v.is_finite()).then_some(Homography(h))
    }

    #[inline]
    pub fn map(&self, x: f32, y: f32) -> Pt {
        let h = &self.0;
        let z = h[6] * x + h[7] * y + h[8];
        Pt { x: (h[0] * x + h[1] * y + h[2]) / z, y: (h[3] * x + h[4] * y + h[5]) / z }
    }
}

/// Distance from `from` (a finder centre) to the outer edge of its ring, walking towards
/// `to`: 3.5 modules when the walk is along a module row.
fn edge_dist(b: &Bitmap, from: Pt, to: Pt, c: bool) -> Option<f32> {
    let (dx, dy) = (to.x - from.x, to.y - from.y);
    let n = dx.abs().max(dy.abs());
    if n < 1.0 {
        return None;
    }
    let (sx, sy) = (dx / n, dy / n);
    let step_len = (sx * sx + sy * sy).sqrt();
    let mut state = 0; // 0 centre (c), 1 gap (!c), 2 ring (c)
    let (mut x, mut y) = (from.x, from.y);
    for i in 0..(n as usize) {
        let px = b.dark_at(x, y)?;
        let want = if state == 1 { !c } else { c };
        if px != want {
            if state == 2 {
                return Some(i as f32 * step_len);
            }
            state += 1;
        }
        x += sx;
        y += sy;
    }
    None
}

/// Module size along the line between two finders, measured at both ends.
fn module_between(b: &Bitmap, p: &Finder, q: &Finder, c: bool) -> f32 {
    let (a, bb) = (pt(p), pt(q));
    let mut sum = 0.0;
    let mut n = 0.0;
    for (f, t) in [(a, bb), (bb, a)] {
        let back = Pt { x: 2.0 * f.x - t.x, y: 2.0 * f.y - t.y };
        if let (Some(d1), Some(d2)) = (edge_dist(b, f, t, c), edge_dist(b, f, back, c)) {
            let m = (d1 + d2) / 7.0;
            let fm = if f == a { p.ms } else { q.ms };
            if m > fm * 0.5 && m < fm * 2.0 {
                sum += m;
                n += 1.0;
            }
        }
    }
    if n > 0.0 {
        sum / n
    } else {
        (p.ms + q.ms) / 2.0
    }
}

/// Search around `est` for alignment-pattern centres: a module of colour `c` inside a
/// ring of `!c` inside a ring of `c`, about `ms` pixels each. Returns up to `max`
/// candidates, nearest to `est` first.
fn find_alignment(b: &Bitmap, est: Pt, ms: f32, radius: f32, c: bool, max: usize) -> Vec<Pt> {
    let mut found: Vec<(f32, Pt)> = Vec::new();
    let x0 = (est.x - radius).max(0.0) as usize;
    let x1 = ((est.x + radius) as usize).min(b.w.saturating_sub(1));
    let y0 = (est.y - radius).max(0.0) as usize;
    let y1 = ((est.y + radius) as usize).min(b.h.saturating_sub(1));
    if x1 <= x0 + 2 || y1 <= y0 + 2 {
        return Vec::new();
    }
    let lo = ms * 0.4;
    let hi = ms * 1.75;
    let okr = |r: u32| (r as f32) >= lo && (r as f32) <= hi;
    let outer = |r: u32| (r as f32) >= lo;
    // walk from (x, y) by dy while colour == want, at most `lim` steps
    let run = |x: usize, y: isize, dy: isize, want: bool, lim: f32| -> u32 {
        let mut n = 0u32;
        let mut yy = y;
        while yy >= 0 && (yy as usize) < b.h && b.dark(x, yy as usize) == want && (n as f32) <= lim {
            n += 1;
            yy += dy;
        }
        n
    };
    for y in y0..=y1 {
        // the last five runs in this row segment: (colour, length, end x exclusive)
        let mut runs: [(bool, u32, usize); 5] = [(false, 0, 0); 5];
        let mut cur = b.dark(x0, y);
        let mut len = 0u32;
        for x in x0..=x1 + 1 {
            let px = if x <= x1 { b.dark(x, y) } else { !cur };
            if px == cur {
                len += 1;
                continue;
            }
            runs.rotate_left(1);
            runs[4] = (cur, len, x);
            cur = px;
            len = 1;
            let [r0, r1, r2, r3, r4] = runs;
            if !(r2.0 == c && r1.0 == !c && r3.0 == !c && r0.0 == c && r4.0 == c) {
                continue;
            }
            if !(okr(r1.1) && okr(r2.1) && okr(r3.1) && outer(r0.1) && outer(r4.1) && r0.1 > 0) {
                continue;
            }
            let cx = r2.2 as f32 - r2.1 as f32 / 2.0;
            let xi = cx as usize;
            let up = run(xi, y as isize, -1, c, hi);
            let down = run(xi, y as isize + 1, 1, c, hi);
            let gap_up = run(xi, y as isize - up as isize, -1, !c, hi);
            let gap_dn = run(xi, y as isize + 1 + down as isize, 1, !c, hi);
            if okr(up + down) && okr(gap_up) && okr(gap_dn) {
                let cy = y as f32 + 1.0 + (down as f32 - up as f32) / 2.0;
                let p = Pt { x: cx, y: cy };
                let d = dist(p, est);
                if !found.iter().any(|(_, q)| dist(*q, p) < ms) {
                    found.push((d, p));
                }
            }
        }
    }
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    found.into_iter().take(max).map(|(_, p)| p).collect()
}

struct Sampled {
    bits: Vec<bool>,
    dim: usize,
}

fn sample(b: &Bitmap, h: &Homography, dim: usize, inverted: bool) -> Option<Sampled> {
    sample_with(b, dim, inverted, |mx, my| h.map(mx as f32 + 0.5, my as f32 + 0.5))
}

/// Sample every module centre through `at` (module -> pixel).
fn sample_with(b: &Bitmap, dim: usize, inverted: bool, at: impl Fn(usize, usize) -> Pt) -> Option<Sampled> {
    let module = |mx: usize, my: usize| -> Option<bool> {
        let p = at(mx, my);
        b.dark_at(p.x, p.y).map(|d| d != inverted)
    };
    // The timing patterns (row 6 and column 6 between the finders) alternate, starting
    // dark. A wrong module count or a grid off by a module fails this at ~50%; checking
    // it before sampling the rest spares a large grid and the error corrector.
    let mut bad = 0usize;
    let n = dim - 16;
    for i in 8..dim - 8 {
        let want = i % 2 == 0;
        bad += (module(i, 6) != Some(want)) as usize + (module(6, i) != Some(want)) as usize;
    }
    if bad * 4 > 2 * n {
        return None;
    }
    let mut outside = 0usize;
    let mut bits = vec![false; dim * dim];
    for my in 0..dim {
        for mx in 0..dim {
            match module(mx, my) {
                Some(d) => bits[my * dim + mx] = d,
                None => outside += 1,
            }
        }
    }
    if outside * 10 > dim * dim {
        return None;
    }
    Some(Sampled { bits, dim })
}

/// For version 7 and up (a lattice of alignment patterns): find each alignment
/// pattern near where `h` puts it and sample every cell of the lattice through its own
/// homography. Follows bent paper, lens distortion and strong perspective, which one
/// homography for the whole code cannot.
fn sample_piecewise(b: &Bitmap, h: &Homography, dim: usize, inverted: bool, ms: f32) -> Option<Sampled> {
    let ap = crate::codeword::alignment_positions((dim - 17) / 4);
    let n = ap.len();
    if n < 3 {
        return None;
    }
    let c = !inverted;
    let mut anchor = vec![Pt { x: 0.0, y: 0.0 }; n * n];
    let mut found = 0;
    for j in 0..n {
        for i in 0..n {
            let pred = h.map(ap[i] as f32 + 0.5, ap[j] as f32 + 0.5);
            let corner = (i == 0 && j == 0) || (i == n - 1 && j == 0) || (i == 0 && j == n - 1);
            anchor[j * n + i] = pred;
            if !corner {
                if let Some(q) = find_alignment(b, pred, ms, 2.5 * ms, c, 1).first() {
                    anchor[j * n + i] = *q;
                    found += 1;
                }
            }
        }
    }
    if found == 0 {
        return None;
    }
    let mut cells = Vec::with_capacity((n - 1) * (n - 1));
    for j in 0..n - 1 {
        for i in 0..n - 1 {
            let src = [(i, j), (i + 1, j), (i, j + 1), (i + 1, j + 1)]
                .map(|(a, b)| Pt { x: ap[a] as f32 + 0.5, y: ap[b] as f32 + 0.5 });
            let dst = [anchor[j * n + i], anchor[j * n + i + 1], anchor[(j + 1) * n + i], anchor[(j + 1) * n + i + 1]];
            cells.push(Homography::from_points(src, dst)?);
        }
    }
    let cell_of = |m: usize| -> usize {
        let mut k = 0;
        while k + 2 < n && m >= ap[k + 1] {
            k += 1;
        }
        k
    };
    sample_with(b, dim, inverted, |mx, my| {
        cells[cell_of(my) * (n - 1) + cell_of(mx)].map(mx as f32 + 0.5, my as f32 + 0.5)
    })
}

/// Decodes a sampled grid and reports the code's corners in frame coordinates.
fn decode_sampled(s: &Sampled, h: &Homography, dimf: f32) -> Option<Decoded> {
    let (text, bytes) = try_decode(s)?;
    let corners = [h.map(0.0, 0.0), h.map(dimf, 0.0), h.map(dimf, dimf), h.map(0.0, dimf)].map(|p| (p.x, p.y));
    Some(Decoded { text, bytes, corners })
}

fn try_decode(s: &Sampled) -> Option<(String, Vec<u8>)> {
    let r = crate::codeword::decode_grid(&s.bits, s.dim);
    Some(crate::text::segments_to_text(&r.ok()?))
}

/// Order three finders as (top-left, top-right, bottom-left) if they can be the corners
/// of one code; `None` when the shape is too far from a (perspective) right angle.
fn orient(f: [&Finder; 3]) -> Option<(Finder, Finder, Finder)> {
    let p = f.map(pt);
    let d01 = dist(p[0], p[1]);
    let d12 = dist(p[1], p[2]);
    let d02 = dist(p[0], p[2]);
    // the corner opposite the longest side is top-left
    let (tl, a, c) = if d12 >= d01 && d12 >= d02 {
        (0, 1, 2)
    } else if d02 >= d01 && d02 >= d12 {
        (1, 0, 2)
    } else {
        (2, 0, 1)
    };
    let (s1, s2) = (dist(p[tl], p[a]), dist(p[tl], p[c]));
    if s1.max(s2) > 2.0 * s1.min(s2) {
        return None;
    }
    let hyp = dist(p[a], p[c]);
    let expect = (s1 * s1 + s2 * s2).sqrt();
    if (hyp - expect).abs() > 0.25 * expect {
        return None;
    }
    let ms = (f[0].ms + f[1].ms + f[2].ms) / 3.0;
    if s1.min(s2) < 12.0 * ms * 0.7 || s1.max(s2) > 180.0 * ms * 1.4 {
        return None;
    }
    let cross = (p[a].x - p[tl].x) * (p[c].y - p[tl].y) - (p[a].y - p[tl].y) * (p[c].x - p[tl].x);
    let (tr, bl) = if cross > 0.0 { (a, c) } else { (c, a) };
    Some((*f[tl], *f[tr], *f[bl]))
}

/// Samples and decodes a code of `dim` modules whose finder centres are `f` (top-left,
/// top-right, bottom-left) and whose module point `mc` lies at image point `ip`. The
/// first map whose timing patterns fit is kept in `near` (for the piecewise sampler).
fn try_corner(
    b: &Bitmap,
    f: [Pt; 3],
    dim: i32,
    inverted: bool,
    mc: Pt,
    ip: Pt,
    near: &mut Option<Homography>,
) -> Option<Decoded> {
    let dimf = dim as f32;
    let src = [Pt { x: 3.5, y: 3.5 }, Pt { x: dimf - 3.5, y: 3.5 }, Pt { x: 3.5, y: dimf - 3.5 }, mc];
    let h = Homography::from_points(src, [f[0], f[1], f[2], ip])?;
    let s = sample(b, &h, dim as usize, inverted)?;
    let found = decode_sampled(&s, &h, dimf);
    near.get_or_insert(h);
    found
}

fn decode_triple(b: &Bitmap, tl: &Finder, tr: &Finder, bl: &Finder) -> Option<Decoded> {
    let c = !tl.inverted; // colour of the finder's centre: dark for normal codes
    let m_tr = module_between(b, tl, tr, c);
    let m_bl = module_between(b, tl, bl, c);
    let est = (dist(pt(tl), pt(tr)) / m_tr + dist(pt(tl), pt(bl)) / m_bl) / 2.0 + 7.0;
    let d0 = est.round() as i32;
    let base = match d0.rem_euclid(4) {
        0 => d0 + 1,
        2 => d0 - 1,
        3 => d0 + 2,
        _ => d0,
    };
    let mut dims = vec![base];
    if d0.rem_euclid(4) == 3 {
        dims.push(base - 4);
    }
    dims.push(base + 4);
    dims.push(base - 4);
    let ms = (m_tr + m_bl) / 2.0;
    let (ptl, ptr, pbl) = (pt(tl), pt(tr), pt(bl));
    let br_affine = Pt { x: ptr.x + pbl.x - ptl.x, y: ptr.y + pbl.y - ptl.y };
    // Where the bottom-right alignment pattern should be for a code of `dim` modules.
    let ap_est = |dimf: f32| {
        let k = (dimf - 10.0) / (dimf - 7.0);
        Pt { x: ptl.x + (br_affine.x - ptl.x) * k, y: ptl.y + (br_affine.y - ptl.y) * k }
    };
    // One search for alignment-pattern candidates serves every module count tried: their
    // estimates lie within a module or two of each other.
    let mut ap_found: Option<Vec<Pt>> = None;
    let mut tried = Vec::new();
    for dim in dims {
        if !(21..=177).contains(&dim) || tried.contains(&dim) {
            continue;
        }
        tried.push(dim);
        let dimf = dim as f32;
        let mut near: Option<Homography> = None; // first map whose timing patterns fit
                                                 // The fourth corner from an alignment-pattern candidate at `ip`.
        let ap_mc = Pt { x: dimf - 6.5, y: dimf - 6.5 };
        if dim >= 25 {
            let est = ap_est(dimf);
            // Nearest candidates first (up to three within 5 modules, a small search that
            // nearly always holds the pattern); under strong perspective the affine guess
            // is several modules off, so farther ones follow (each costs a timing check),
            // up to 12 modules away, from one wider search per triple.
            let mut aps = find_alignment(b, est, ms, 5.0 * ms, c, 3);
            for &ap in &aps {
                if let Some(d) = try_corner(b, [ptl, ptr, pbl], dim, tl.inverted, ap_mc, ap, &mut near) {
                    return Some(d);
                }
            }
            let found = ap_found.get_or_insert_with(|| {
                let centre = ap_est(base as f32);
                let spread = [base - 4, base + 4].map(|d| dist(ap_est(d.max(25) as f32), centre));
                find_alignment(b, centre, ms, 12.0 * ms + spread[0].max(spread[1]), c, 16)
            });
            let within = |p: &Pt| (p.x - est.x).abs() <= 12.0 * ms && (p.y - est.y).abs() <= 12.0 * ms;
            let mut far: Vec<(f32, Pt)> = found.iter().filter(|p| within(p)).map(|p| (dist(*p, est), *p)).collect();
            far.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (_, ap) in far {
                if aps.len() >= 8 || aps.iter().any(|q| dist(*q, ap) < ms) {
                    continue;
                }
                aps.push(ap);
                if let Some(d) = try_corner(b, [ptl, ptr, pbl], dim, tl.inverted, ap_mc, ap, &mut near) {
                    return Some(d);
                }
            }
        }
        let affine_mc = Pt { x: dimf - 3.5, y: dimf - 3.5 };
        if let Some(d) = try_corner(b, [ptl, ptr, pbl], dim, tl.inverted, affine_mc, br_affine, &mut near) {
            return Some(d);
        }
        if let Some(h) = near {
            if let Some(s) = sample_piecewise(b, &h, dim as usize, tl.inverted, ms) {
                if let Some(found) = decode_sampled(&s, &h, dimf) {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// Try all plausible finder triples (best-confirmed first). Returns the decode, and
/// whether at least one finder was seen.
fn decode_finders(b: &Bitmap, finders: &mut Vec<Finder>) -> (Option<Decoded>, bool) {
    finders.sort_by_key(|f| std::cmp::Reverse(f.hits));
    finders.truncate(12);
    let n = finders.len();
    let mut triples = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let (a, bb, c) = (&finders[i], &finders[j], &finders[k]);
                if a.inverted != bb.inverted || a.inverted != c.inverted {
                    continue;
                }
                let mx = a.ms.max(bb.ms).max(c.ms);
                let mn = a.ms.min(bb.ms).min(c.ms);
                if mx > 1.8 * mn {
                    continue;
                }
                if let Some(t) = orient([a, bb, c]) {
                    let score = mx / mn + 1.0 / (a.hits + bb.hits + c.hits) as f32;
                    triples.push((score, t));
                }
            }
        }
    }
    triples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let plausible = !triples.is_empty();
    // Work cap: a cluttered frame can form many triples; the real one is nearly always
    // among the best-shaped few.
    for (_, (tl, tr, bl)) in triples.into_iter().take(8) {
        if let Some(d) = decode_triple(b, &tl, &tr, &bl) {
            return (Some(d), true);
        }
    }
    (None, plausible)
}

/// Reduction factor for the locator: about 360 lines of work whatever the camera, never
/// fewer than 360 (frames under 720 lines are read whole: rounding to the nearest factor
/// halved 563-line photos and lost their small codes, two of the held-out set's).
pub fn factor(frame: &LumaFrame) -> usize {
    (frame.width().min(frame.height()) / 360).clamp(1, 4)
}

/// Full locator pipeline over one frame. Returns the decode (if any), whether three
/// finder patterns formed a plausible code (which makes a slower fallback worthwhile),
/// and on a still the region a code the first pass's finders belong to must lie in.
pub fn locate_and_decode(frame: &LumaFrame, inverted: bool, stream: bool, thorough: bool) -> Located {
    #[cfg(test)]
    if INJECT_PANIC.with(|p| p.get()) {
        panic!("a bug injected into the locator by a test");
    }
    locate_with_factor(frame, inverted, factor(frame), stream, thorough)
}

#[cfg(test)]
thread_local! {
    /// Set by a test to put a panic into our own pipeline, to show it is not swallowed.
    pub(crate) static INJECT_PANIC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// [`locate_and_decode`] at a given reduction (a crop of a camera frame keeps the
/// frame's reduction and its strict evidence rules).
///
/// `stream`: a frame of a camera stream even if small (e.g. Android's 640x480
/// analysis frames): retry only on a plausible finder triple. `thorough`: the thorough
/// pass follows on a still that shows finders (see [`STILL_PASSES`]).
pub fn locate_with_factor(frame: &LumaFrame, inverted: bool, f: usize, stream: bool, thorough: bool) -> Located {
    if f > 1 {
        let (small, w, h) = downsample(frame, f);
        let Ok(sf) = LumaFrame::packed(w, h, &small) else {
            return (None, false, None);
        };
        let (mut r, seen, first) = locate_at(&sf, inverted, 2, true, STREAM_PASSES);
        let s = f as f32;
        if let Some(d) = r.as_mut() {
            d.corners = d.corners.map(|(x, y)| (x * s, y * s));
            return (r, seen, None);
        }
        // Two or more finders but no code: the code may be too small (or too slanted) for
        // the halved frame. Read the region around those finders at full resolution.
        if let Some((x0, y0, x1, y1)) = finder_region(&first, w, h) {
            let (x0, y0) = (x0 * f, y0 * f);
            let (x1, y1) = ((x1 * f).min(frame.width()), (y1 * f).min(frame.height()));
            let off = y0 * frame.stride() + x0;
            if let Some(Ok(sub)) = frame.data().get(off..).map(|d| LumaFrame::new(x1 - x0, y1 - y0, frame.stride(), d))
            {
                let (mut r2, seen2, _) = locate_at(&sub, inverted, 1, true, STREAM_PASSES);
                if let Some(d) = r2.as_mut() {
                    d.corners = d.corners.map(|(x, y)| (x + x0 as f32, y + y0 as f32));
                    return (r2, true, None);
                }
                return (None, seen || seen2, None);
            }
        }
        return (None, seen, None);
    }
    // A small stream frame scans every other row like a halved camera frame; a still
    // every other row (see STILL_STEP).
    let (step, passes) = match (stream, thorough) {
        (true, _) => (2, STREAM_PASSES),
        (false, true) => (STILL_STEP, STILL_PASSES),
        (false, false) => (STILL_STEP, ALTS.len()),
    };
    let (r, seen, first) = locate_at(frame, inverted, step, stream, passes);
    let region = if stream { None } else { search_region(&first, frame.width(), frame.height()) };
    // For a stream frame, two finders are worth a thorough look at the next frame.
    (r, seen || (stream && first.len() >= 2), region)
}

/// What the locator found: the decode (if any), whether finders made a slower fallback
/// worthwhile, and (stills only) the box around the first pass's finders if clearly
/// smaller than the frame (see [`finder_region`]).
pub type Located = (Option<Decoded>, bool, Option<(usize, usize, usize, usize)>);

/// Rows between scan lines on stills. Every row (the old setting) and every other row
/// read the same photos (95/97 tuning, 95/100 held-out), every third row two held-out
/// photos fewer (small codes, whose finders then get one or two scan lines each);
/// every other row takes 0.6x the time of every row (no-code photos: 0.5x, as less
/// clutter passes for finders and asks for retries).
const STILL_STEP: usize = 2;

/// The box (in the scanned frame's pixels) that must hold a code two or three of these
/// finders belong to, if it is clearly smaller than the frame.
fn finder_region(finders: &[Finder], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    for inverted in [false, true] {
        let mut fs: Vec<&Finder> = finders.iter().filter(|f| f.inverted == inverted).collect();
        if fs.len() < 2 {
            continue;
        }
        fs.sort_by_key(|f| std::cmp::Reverse(f.hits));
        fs.truncate(3);
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        let mut span = 0f32;
        let mut ms = 0f32;
        for a in &fs {
            x0 = x0.min(a.x);
            y0 = y0.min(a.y);
            x1 = x1.max(a.x);
            y1 = y1.max(a.y);
            ms = ms.max(a.ms);
            for b in &fs {
                span = span.max(dist(pt(a), pt(b)));
            }
        }
        let m = span + 6.0 * ms;
        let (x0, y0) = ((x0 - m).max(0.0) as usize, (y0 - m).max(0.0) as usize);
        let (x1, y1) = (((x1 + m) as usize).min(w), ((y1 + m) as usize).min(h));
        if x1 > x0 + 10 && y1 > y0 + 10 && (x1 - x0) * (y1 - y0) * 2 < w * h {
            return Some((x0, y0, x1, y1));
        }
    }
    None
}

/// Where a still's retries and thorough pass look: around two or three finders, else
/// around a lone small one.
fn search_region(finders: &[Finder], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let lone = || if finders.len() == 1 { lone_finder_region(finders, w, h) } else { None };
    finder_region(finders, w, h).or_else(lone)
}

/// The box around the only finder the first pass saw, wide enough for a code of up to 45
/// modules it may belong to, if that box is a small view ([`SMALL_VIEW`], so modules of
/// about 4 px or less) and clearly smaller than the frame. On a code that fine the 8 px
/// blocks can lose the other two finders (a finder's centre square is then under a block
/// wide); the finer first retry, on this box alone, finds them again. A no-code photo
/// pays that retry (a tenth of a millisecond on a 200x200 box), the thorough pass only
/// when the retry finds a plausible triple.
fn lone_finder_region(finders: &[Finder], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let f = finders.first()?;
    let m = 45.0 * f.ms;
    let (x0, y0) = ((f.x - m).max(0.0) as usize, (f.y - m).max(0.0) as usize);
    let (x1, y1) = (((f.x + m) as usize).min(w), ((f.y + m) as usize).min(h));
    let area = (x1 - x0) * (y1 - y0);
    (x1 > x0 + 10 && y1 > y0 + 10 && area <= SMALL_VIEW && area * 2 < w * h).then_some((x0, y0, x1, y1))
}

/// Thresholds per pass: first the everyday setting; the others only when finders were
/// seen but nothing decoded (measured on the photo set: 4x4 blocks rescue fine blurred
/// codes, 16x16 and 32x32 rescue codes whose modules are larger than a block).
const ALTS: [Params; 4] = [
    Params { block_shift: 3, min_contrast: 24 },
    Params { block_shift: 2, min_contrast: 16 },
    Params { block_shift: 4, min_contrast: 24 },
    Params { block_shift: 5, min_contrast: 24 },
];

/// Passes on camera frames: they skip the 32 px blocks, as modules that large are read
/// at the default block size after halving.
const STREAM_PASSES: usize = 3;

/// Passes on a still that the thorough pass (rxing) follows, when the view the retries
/// read (the finders' region, else the frame) is larger than [`SMALL_VIEW`]: the everyday
/// setting and the 4 px blocks. Every photo the 16 and 32 px blocks rescued (3 of the
/// 207) the thorough pass reads too; on a large view those two passes cost about what
/// rxing does, and on photos without a code they added a millisecond or more of texture
/// triples. On a small view they cost a fraction of rxing and run first.
const STILL_PASSES: usize = 2;

/// Pixels of a view on which all four passes are cheaper than the thorough pass.
const SMALL_VIEW: usize = 360 * 360;

/// One frame at one scale with the first `passes` of [`ALTS`]. `strict`: retry with
/// other thresholds only on a plausible finder triple (camera frames), else on two
/// finders (stills). Also returns the finders of the first pass.
fn locate_at(
    frame: &LumaFrame,
    inverted: bool,
    step: usize,
    strict: bool,
    passes: usize,
) -> (Option<Decoded>, bool, Vec<Finder>) {
    let mut seen = false;
    let mut first = Vec::new();
    let mut region: Option<(LumaFrame, (usize, usize))> = None;
    let mut lone = false;
    // Stills followed by the thorough pass take the 16/32 px passes on a small view only.
    let alts = if strict || passes != STILL_PASSES { &ALTS[..passes.min(ALTS.len())] } else { &ALTS[..] };
    for (k, &params) in alts.iter().enumerate() {
        // A lone finder on a still earns the first retry (finer blocks) around it, and
        // the rest only if that retry finds a plausible triple.
        if k > 0 && !seen && !(k == 1 && lone) {
            break;
        }
        // A still's retries read only the region around the first pass's finders when
        // that region is clearly smaller than the frame (a code two of them belong to
        // lies inside it).
        let (view, (ox, oy)) = match region {
            Some(r) if k > 0 => r,
            _ => (*frame, (0, 0)),
        };
        if k >= passes && view.width() * view.height() > SMALL_VIEW {
            break;
        }
        let Some(b) = binarize(&view, params) else {
            continue;
        };
        let mut f = find(&b, step, inverted);
        if k == 0 {
            first = f.clone();
            if !strict {
                let r = search_region(&first, frame.width(), frame.height());
                lone = first.len() == 1 && r.is_some();
                region = r.and_then(|(x0, y0, x1, y1)| {
                    let off = y0 * frame.stride() + x0;
                    let sub = LumaFrame::new(x1 - x0, y1 - y0, frame.stride(), frame.data().get(off..)?).ok()?;
                    Some((sub, (x0, y0)))
                });
            }
        } else if f.len() < 2 {
            // A retry that keeps fewer than two finders ends the retries. When it is the
            // first retry (the finer 4 px blocks, which resolve finders best), the finders
            // the first pass saw count as texture and the thorough pass is spared too: on
            // the photo sets every code a retry or the thorough pass read still showed two
            // or more finders at the first retry.
            seen &= k > 1;
            break;
        }
        // Two finders are evidence on a still when at least one of them was confirmed
        // by two scan lines or more: a finder's centre square spans three modules, and a
        // lone hit is usually texture.
        let two = !strict && !lone && f.len() >= 2 && f.iter().any(|x| x.hits >= 2);
        let (d, plausible) = decode_finders(&b, &mut f);
        if let Some(mut d) = d {
            d.corners = d.corners.map(|(x, y)| (x + ox as f32, y + oy as f32));
            return (Some(d), true, first);
        }
        seen |= plausible || two;
    }
    (None, seen, first)
}

/// Tuning aid (see `examples/qrdebug.rs`).
pub fn debug_finders(frame: &LumaFrame) -> Vec<(f32, f32, f32, u32, bool)> {
    let step = 1;
    let (small, w, h) = downsample(frame, factor(frame));
    let Ok(frame) = LumaFrame::packed(w, h, &small) else {
        return vec![];
    };
    let Some(b) = binarize(&frame, Params { block_shift: 3, min_contrast: 24 }) else {
        return vec![];
    };
    find(&b, step, true).into_iter().map(|f| (f.x, f.y, f.ms, f.hits, f.inverted)).collect()
}

/// Tuning aid: best-of-50 times of downsampling, thresholding, finder scan, decoding.
pub fn debug_timing(frame: &LumaFrame) -> (f64, f64, f64, f64, usize) {
    let mut best = [f64::MAX; 4];
    let mut n = 0;
    for _ in 0..50 {
        let t = std::time::Instant::now();
        let (small, w, h) = downsample(frame, factor(frame));
        best[0] = best[0].min(t.elapsed().as_secs_f64() * 1e3);
        let Ok(frame) = LumaFrame::packed(w, h, &small) else {
            break;
        };
        let t = std::time::Instant::now();
        let Some(b) = binarize(&frame, Params { block_shift: 3, min_contrast: 24 }) else {
            break;
        };
        best[1] = best[1].min(t.elapsed().as_secs_f64() * 1e3);
        let t = std::time::Instant::now();
        let mut f = find(&b, 2, true);
        best[2] = best[2].min(t.elapsed().as_secs_f64() * 1e3);
        n = f.len();
        let t = std::time::Instant::now();
        let _ = decode_finders(&b, &mut f);
        best[3] = best[3].min(t.elapsed().as_secs_f64() * 1e3);
    }
    (best[0], best[1], best[2], best[3], n)
}
