//! Finder-pattern locator: the three 7x7 corner squares of a QR code.
//!
//! A line through a finder's centre crosses dark:light:dark:light:dark in the ratio
//! 1:1:3:1:1 whatever the angle. Rows are scanned for that run pattern (and for its
//! inverse light:dark:light:dark:light, for light-on-dark codes); each hit is checked
//! again vertically and horizontally through the estimated centre, and hits on the same
//! finder are merged into one candidate.

use crate::binarize::Bitmap;

/// A probable finder pattern centre.
#[derive(Clone, Copy, Debug)]
pub struct Finder {
    pub x: f32,
    pub y: f32,
    /// Module size in pixels (mean of the horizontal and vertical estimates).
    pub ms: f32,
    /// How many scan lines confirmed it.
    pub hits: u32,
    /// Light centre on dark surround.
    pub inverted: bool,
}

/// Module size if `r` is a 1:1:3:1:1 run sequence.
#[inline]
fn ratio_ok(r: &[u32; 5]) -> Option<f32> {
    let t: u32 = r.iter().sum();
    if t < 7 {
        return None;
    }
    // |7 r - t| < 0.6 t for the one-module runs, |7 r - 3t| < 1.5 t for the centre.
    let one = |v: u32| (7 * v).abs_diff(t) * 5 < 3 * t;
    let ok = one(r[0]) && one(r[1]) && one(r[3]) && one(r[4]) && (7 * r[2]).abs_diff(3 * t) * 2 < 3 * t;
    ok.then_some(t as f32 / 7.0)
}

/// Run lengths of a 0/1 row, eight pixels per step where nothing changes.
fn run_lengths(row: &[u8], out: &mut Vec<u32>) {
    out.clear();
    let w = row.len();
    let mut start = 0usize;
    let mut x = 0usize;
    // transitions between x+k and x+k+1 for k in 0..8
    while x + 9 <= w {
        let a = u64::from_le_bytes(row[x..x + 8].try_into().unwrap_or([0; 8]));
        let b = u64::from_le_bytes(row[x + 1..x + 9].try_into().unwrap_or([0; 8]));
        let mut d = a ^ b;
        while d != 0 {
            let k = (d.trailing_zeros() / 8) as usize;
            let end = x + k + 1;
            out.push((end - start) as u32);
            start = end;
            d &= d - 1;
        }
        x += 8;
    }
    while x + 1 < w {
        if row[x] != row[x + 1] {
            out.push((x + 1 - start) as u32);
            start = x + 1;
        }
        x += 1;
    }
    out.push((w - start) as u32);
}

/// Runs through (`cx`,`cy`) along direction (`dx`,`dy`) with centre colour `c`: walks out
/// over the centre run, the gap and the ring on both sides. Returns the centre's offset
/// along the line (relative to the start point, in steps) and the total length.
fn cross_check(b: &Bitmap, cx: usize, cy: usize, dx: isize, dy: isize, c: bool, max_run: u32) -> Option<(f32, u32)> {
    let (w, h) = (b.w as isize, b.h as isize);
    let mut r = [0u32; 5];
    // negative direction: indices 2 (centre part), 1, 0
    let walk = |sign: isize, runs: &mut [u32; 3]| -> Option<()> {
        let (mut x, mut y) = (cx as isize, cy as isize);
        let mut state = 0usize; // 0 centre, 1 gap, 2 ring
        loop {
            if x < 0 || y < 0 || x >= w || y >= h {
                // The ring may end at the frame edge; the centre and gap may not.
                return if state == 2 && runs[2] > 0 { Some(()) } else { None };
            }
            let px = b.dark(x as usize, y as usize);
            let want = if state == 1 { !c } else { c };
            if px == want {
                runs[state] += 1;
                if runs[state] > max_run {
                    return None;
                }
            } else {
                if state == 2 {
                    return Some(());
                }
                state += 1;
                runs[state] += 1;
            }
            x += sign * dx;
            y += sign * dy;
        }
    };
    let mut neg = [0u32; 3];
    let mut pos = [0u32; 3];
    walk(-1, &mut neg)?;
    walk(1, &mut pos)?;
    r[0] = neg[2];
    r[1] = neg[1];
    r[2] = neg[0] + pos[0] - 1;
    r[3] = pos[1];
    r[4] = pos[2];
    ratio_ok(&r)?;
    let total = r.iter().sum();
    // centre of the centre run, relative to the start pixel
    let start = -(neg[0] as f32) + 1.0;
    let off = start + r[2] as f32 / 2.0 - 0.5;
    Some((off, total))
}

/// Confirm a row hit at (`cx`, `y`) with horizontal length `htotal`; returns a refined finder.
fn confirm(b: &Bitmap, cx: usize, y: usize, htotal: u32, c: bool) -> Option<Finder> {
    let max_run = htotal; // no single run can exceed the whole horizontal span
    let (oy, vtotal) = cross_check(b, cx, y, 0, 1, c, max_run)?;
    if (vtotal as f32 - htotal as f32).abs() > 0.7 * htotal as f32 {
        return None;
    }
    let cy = (y as f32 + oy).round().clamp(0.0, (b.h - 1) as f32) as usize;
    let (ox, htotal2) = cross_check(b, cx, cy, 1, 0, c, max_run.max(vtotal))?;
    let fx = cx as f32 + ox;
    let fcx = fx.round().clamp(0.0, (b.w - 1) as f32) as usize;
    // a second vertical pass through the refined column steadies y
    let (oy2, vtotal2) = cross_check(b, fcx, cy, 0, 1, c, max_run.max(vtotal))?;
    let fy = cy as f32 + oy2;
    // a diagonal pass weeds out crosses and stripes that pass the two axes
    let dmax = (htotal2.max(vtotal2) as f32 * 1.6) as u32;
    cross_check(b, fcx, (fy.round().max(0.0) as usize).min(b.h - 1), 1, 1, c, dmax)?;
    Some(Finder { x: fx + 0.5, y: fy + 0.5, ms: (htotal2 + vtotal2) as f32 / 14.0, hits: 1, inverted: !c })
}

fn add(list: &mut Vec<Finder>, f: Finder) {
    for e in list.iter_mut() {
        if e.inverted == f.inverted
            && (e.x - f.x).abs() <= e.ms.max(f.ms) * 1.5
            && (e.y - f.y).abs() <= e.ms.max(f.ms) * 1.5
            && (e.ms / f.ms) < 1.5
            && (f.ms / e.ms) < 1.5
        {
            let n = e.hits as f32;
            e.x = (e.x * n + f.x) / (n + 1.0);
            e.y = (e.y * n + f.y) / (n + 1.0);
            e.ms = (e.ms * n + f.ms) / (n + 1.0);
            e.hits += 1;
            return;
        }
    }
    list.push(f);
}

/// Scan every `step`-th row for finder patterns. `inverted`: also look for light-centred ones.
pub fn find(b: &Bitmap, step: usize, inverted: bool) -> Vec<Finder> {
    let mut out: Vec<Finder> = Vec::new();
    let w = b.w;
    let mut runs = Vec::with_capacity(w);
    let mut row = Vec::with_capacity(w);
    let mut thr_row = (usize::MAX, Vec::with_capacity(w));
    let mut y = step / 2;
    while y < b.h {
        b.row_into(y, &mut thr_row, &mut row);
        run_lengths(&row, &mut runs);
        let first_dark = row[0] == 1;
        let mut end = 0usize; // x one past run i
        let mut t = 0u32; // length of runs i-4..=i
        for i in 0..runs.len() {
            end += runs[i] as usize;
            t += runs[i];
            if i < 4 {
                continue;
            }
            if i > 4 {
                t -= runs[i - 5];
            }
            // Most windows fail on the centre run alone (ratio_ok's test, done first
            // with the running total).
            if t < 7 || (7 * runs[i - 2]).abs_diff(3 * t) * 2 >= 3 * t {
                continue;
            }
            // colour of run i: runs alternate starting with row[0]
            let dark = first_dark == (i % 2 == 0);
            if !(dark || inverted) {
                continue;
            }
            let r = [runs[i - 4], runs[i - 3], runs[i - 2], runs[i - 1], runs[i]];
            if ratio_ok(&r).is_some() {
                let end_c = end - r[4] as usize - r[3] as usize;
                let cx = end_c - (r[2] as usize).div_ceil(2);
                let total: u32 = r.iter().sum();
                // A row through a finder already confirmed only adds a hit.
                let m = total as f32 / 7.0;
                if let Some(e) = out.iter_mut().find(|e| {
                    e.inverted == !dark
                        && (e.x - cx as f32).abs() < e.ms
                        && (e.y - y as f32).abs() < 1.5 * e.ms
                        && (m / e.ms - 1.0).abs() < 0.4
                }) {
                    e.hits += 1;
                    continue;
                }
                // Cheap probe before the walks: the centre square reaches about one
                // module above and below the row.
                let reach = (m * 0.9) as usize;
                if reach >= 1
                    && (y < reach || y + reach >= b.h || b.dark(cx, y - reach) != dark || b.dark(cx, y + reach) != dark)
                {
                    continue;
                }
                if let Some(f) = confirm(b, cx, y, total, dark) {
                    add(&mut out, f);
                }
            }
        }
        y += step;
    }
    out
}
