//! Shared by the tests and the `qrbench` example: the public photo set and synthetic
//! camera-like frames.
#![allow(dead_code, clippy::needless_range_loop)]

use std::path::PathBuf;

/// One photo from /work/shared/qr-photos (`../shared/qr-photos` beside the repo).
pub struct Photo {
    pub folder: String,
    pub name: String,
    pub w: usize,
    pub h: usize,
    pub luma: Vec<u8>,
    /// Expected text; `None` for the false-positive folders.
    pub expected: Option<String>,
}

pub fn photo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/qr-photos")
}

pub fn load_luma(path: &std::path::Path) -> (Vec<u8>, usize, usize) {
    let img = image::open(path).unwrap_or_else(|e| panic!("cannot decode {}: {e}", path.display()));
    let g = img.to_luma8();
    let (w, h) = (g.width() as usize, g.height() as usize);
    (g.into_raw(), w, h)
}

pub const FOLDERS: [&str; 5] = ["qrcode-1", "qrcode-2", "qrcode-3", "falsepositives-1", "falsepositives-2"];

/// Whether the photo set is beside the repo. When it is absent: with `CI` set, an `Err` (CI always has it, so
/// its absence is a failure); otherwise `Ok(false)` after saying on the terminal (past the test harness's
/// output capture) that `what` is skipped and why.
pub fn photo_set_present(what: &str) -> Result<bool, String> {
    use std::io::Write;
    let root = photo_dir();
    if root.is_dir() {
        return Ok(true);
    }
    let missing = format!("the QR photo set is not at {} (../shared/qr-photos beside the repository)", root.display());
    if std::env::var_os("CI").is_some() {
        return Err(format!("{what}: CI is set and {missing}"));
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED {what}: {missing}; put the photo set there to run it");
    Ok(false)
}

/// Every shared set, the held-out `jsqr-e2e` last (street photos nobody here tuned on).
pub const ALL_SETS: [&str; 6] =
    ["qrcode-1", "qrcode-2", "qrcode-3", "falsepositives-1", "falsepositives-2", "jsqr-e2e"];

/// Every photo of the tuning sets ([`FOLDERS`]). Panics (fails the test loudly) when the set is missing.
pub fn photos() -> Vec<Photo> {
    photos_in(&FOLDERS)
}

/// Every photo of the given sets; folders named `falsepositives-*` hold no code.
pub fn photos_in(folders: &[&str]) -> Vec<Photo> {
    let root = photo_dir();
    assert!(
        root.is_dir(),
        "QR photo set not found at {} (expected ../shared/qr-photos beside the repo)",
        root.display()
    );
    let mut out = Vec::new();
    for &folder in folders {
        let dir = root.join(folder);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("png" | "jpg" | "jpeg" | "webp")))
            .collect();
        names.sort();
        assert!(!names.is_empty(), "no images in {}", dir.display());
        for p in names {
            let expected = if !folder.starts_with("falsepositives") {
                let t = p.with_extension("txt");
                let bytes = std::fs::read(&t).unwrap_or_else(|e| panic!("missing {}: {e}", t.display()));
                Some(String::from_utf8(bytes).expect("expected text is UTF-8"))
            } else {
                None
            };
            let (luma, w, h) = load_luma(&p);
            out.push(Photo {
                folder: folder.to_string(),
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                w,
                h,
                luma,
                expected,
            });
        }
    }
    out
}

/// Small deterministic PRNG (xorshift) so synthetic frames are reproducible.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Roughly normal, sd 1.
    pub fn gauss(&mut self) -> f32 {
        (0..4).map(|_| self.unit()).sum::<f32>() * 1.732 - 3.464
    }
}

/// How to place a code into a synthetic frame.
#[derive(Clone, Copy, Debug)]
pub struct Scene {
    pub w: usize,
    pub h: usize,
    /// Pixels per module.
    pub scale: f32,
    /// Rotation in degrees.
    pub angle: f32,
    /// Horizontal foreshortening: right edge is `1 - tilt` times as tall as the left.
    pub tilt: f32,
    /// Light modules on dark.
    pub inverted: bool,
    /// Noise standard deviation in grey levels.
    pub noise: f32,
    /// Dark and light grey levels.
    pub dark: u8,
    pub light: u8,
    /// A bright glare blob over the code's right half.
    pub glare: bool,
    /// Defocus: passes of a 3x3 box blur.
    pub blur: u32,
    /// Curled paper: rows bow by this many modules (a half sine across the code).
    pub bend: f32,
    pub seed: u64,
}

impl Scene {
    pub fn hd(scale: f32) -> Self {
        Scene {
            w: 1280,
            h: 720,
            scale,
            angle: 0.0,
            tilt: 0.0,
            inverted: false,
            noise: 6.0,
            dark: 40,
            light: 200,
            glare: false,
            blur: 0,
            bend: 0.0,
            seed: 7,
        }
    }
}

/// Projective map taking `src[i]` to `dst[i]` (8x8 Gauss-Jordan), as `[f64; 9]`.
pub fn homography(src: [(f64, f64); 4], dst: [(f64, f64); 4]) -> [f64; 9] {
    let mut m = [[0f64; 9]; 8];
    for i in 0..4 {
        let ((x, y), (u, v)) = (src[i], dst[i]);
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for c in 0..8 {
        let p = (c..8).max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs())).unwrap();
        m.swap(c, p);
        for r in 0..8 {
            if r != c {
                let f = m[r][c] / m[c][c];
                for k in c..9 {
                    m[r][k] -= f * m[c][k];
                }
            }
        }
    }
    let mut h = [1.0; 9];
    for i in 0..8 {
        h[i] = m[i][8] / m[i][i];
    }
    h
}

/// A camera-like frame: grey gradient background, the code (with quiet zone) centred,
/// rotated and seen in perspective (`tilt`), optional inversion, glare and noise.
/// Sampled with 2x2 supersampling so module edges are soft like a camera's.
pub fn render(text: &str, s: &Scene) -> Vec<u8> {
    render_at(text, s, 0.0, 0.0)
}

/// [`render`] with the code's centre moved by (`dx`, `dy`) pixels.
pub fn render_at(text: &str, s: &Scene, dx: f32, dy: f32) -> Vec<u8> {
    let (mods, n) = kazasu_qr::to_modules(text).expect("encodable");
    let quiet = 4.0;
    let total = n as f64 + 2.0 * quiet;
    let (cx, cy) = (s.w as f64 / 2.0 + dx as f64, s.h as f64 / 2.0 + dy as f64);
    let (sa, ca) = (s.angle as f64).to_radians().sin_cos();
    let half = total * s.scale as f64 / 2.0;
    let t = 1.0 - s.tilt as f64;
    // corners of the code square (with quiet zone) in the frame: right side shorter
    let local = [(-half, -half), (half, -half * t), (half, half * t), (-half, half)];
    let frame_pts = local.map(|(x, y)| (cx + ca * x - sa * y, cy + sa * x + ca * y));
    let code_pts = [
        (-quiet, -quiet),
        (n as f64 + quiet, -quiet),
        (n as f64 + quiet, n as f64 + quiet),
        (-quiet, n as f64 + quiet),
    ];
    let h = homography(frame_pts, code_pts);
    let mut rng = Rng(s.seed * 2 + 1);
    let (dk, lt) = if s.inverted { (s.light, s.dark) } else { (s.dark, s.light) };
    let mut img = vec![0u8; s.w * s.h];
    let _ = total;
    for y in 0..s.h {
        for x in 0..s.w {
            let bg = 90.0 + 60.0 * (x as f32 / s.w as f32) + 30.0 * (y as f32 / s.h as f32);
            let mut acc = 0.0;
            for (ox, oy) in [(0.25f64, 0.25f64), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let (px, py) = (x as f64 + ox, y as f64 + oy);
                let z = h[6] * px + h[7] * py + h[8];
                let mx = (h[0] * px + h[1] * py + h[2]) / z;
                let my = (h[3] * px + h[4] * py + h[5]) / z;
                let my = my + s.bend as f64 * (std::f64::consts::PI * (mx + quiet) / total).sin();
                let v = if mx >= -quiet && my >= -quiet && mx < n as f64 + quiet && my < n as f64 + quiet {
                    let inside = mx >= 0.0 && my >= 0.0 && (mx as usize) < n && (my as usize) < n;
                    if inside && mods[my as usize * n + mx as usize] {
                        dk as f32
                    } else {
                        lt as f32
                    }
                } else {
                    bg
                };
                acc += v;
            }
            let mut v = acc / 4.0;
            if s.glare {
                let (gx, gy) = (cx + half * 0.4, cy - half * 0.2);
                let r2 = ((x as f64 - gx).powi(2) + (y as f64 - gy).powi(2)) / (half * 0.5).powi(2);
                v += 120.0 * (-r2).exp() as f32;
            }
            v += s.noise * rng.gauss();
            img[y * s.w + x] = v.clamp(0.0, 255.0) as u8;
        }
    }
    for _ in 0..s.blur {
        img = box_blur(&img, s.w, s.h);
    }
    img
}

/// One pass of a 3x3 box blur (edges clamp).
pub fn box_blur(src: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0u32;
            for dy in [-1isize, 0, 1] {
                for dx in [-1isize, 0, 1] {
                    let yy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                    let xx = (x as isize + dx).clamp(0, w as isize - 1) as usize;
                    acc += src[yy * w + xx] as u32;
                }
            }
            out[y * w + x] = (acc / 9) as u8;
        }
    }
    out
}

/// A wider set of camera-like 720p scenes: module size, angle, perspective, dark mode,
/// glare, defocus, low contrast. Deterministic.
pub fn camera_set() -> Vec<(String, Scene)> {
    let mut out = Vec::new();
    let mut k = 0u64;
    for &scale in &[3.0f32, 4.0, 6.0, 9.0, 13.0] {
        for &angle in &[0.0f32, 8.0, 30.0, 60.0, 100.0, 225.0] {
            k += 1;
            let mut s = Scene::hd(scale);
            s.angle = angle;
            s.seed = k;
            s.tilt = [0.0, 0.1, 0.25][k as usize % 3];
            s.inverted = k % 4 == 1;
            s.glare = k % 5 == 2;
            s.blur = (k % 3) as u32;
            if k % 7 == 3 {
                s.dark = 90;
                s.light = 150; // dim monitor seen at an angle
            }
            let label = format!(
                "{scale}px {angle}° tilt {} {}{}blur {}{}",
                s.tilt,
                if s.inverted { "inverted " } else { "" },
                if s.glare { "glare " } else { "" },
                s.blur,
                if s.dark == 90 { " low-contrast" } else { "" }
            );
            out.push((label, s));
        }
    }
    out
}

/// The text of the synthetic camera scenes in the benchmarks.
pub const SCENE_URL: &str = "https://kazasu.example.jp/s/3f9a1c2e7b4d?n=8c1f2a9e0d3b4c5a&v=1";

/// Nine 1280x720 scenes: modules of 4/6/9 px at 0/17/45 degrees, the 17-degree ones
/// tilted, the 45-degree ones inverted, the 6 px ones with glare.
pub fn hd_scenes() -> Vec<Scene> {
    let mut out = Vec::new();
    for (i, &scale) in [4.0f32, 6.0, 9.0].iter().enumerate() {
        for (j, &angle) in [0.0f32, 17.0, 45.0].iter().enumerate() {
            let mut s = Scene::hd(scale);
            s.angle = angle;
            s.seed = (i * 10 + j + 1) as u64;
            s.tilt = if j == 1 { 0.2 } else { 0.0 };
            s.inverted = j == 2;
            s.glare = i == 1;
            out.push(s);
        }
    }
    out
}

/// A frame with no code: gradient, blocks of "text-like" stripes, noise.
pub fn clutter(w: usize, h: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed * 2 + 1);
    let mut img: Vec<u8> = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            (60.0 + 120.0 * x as f32 / w as f32 + 40.0 * y as f32 / h as f32) as u8
        })
        .collect();
    for _ in 0..40 {
        let (bw, bh) = (20 + rng.next() as usize % 200, 4 + rng.next() as usize % 20);
        let (x0, y0) = (rng.next() as usize % (w - bw), rng.next() as usize % (h - bh));
        let v = (rng.next() % 256) as u8;
        for y in y0..y0 + bh {
            for x in x0..x0 + bw {
                if (x / 3) % 2 == 0 {
                    img[y * w + x] = v;
                }
            }
        }
    }
    for p in img.iter_mut() {
        *p = (*p as f32 + 5.0 * rng.gauss()).clamp(0.0, 255.0) as u8;
    }
    img
}

/// Nearest-neighbour resize (for putting the 640x480 no-code photos into 720p frames).
pub fn resize(src: &[u8], w: usize, h: usize, nw: usize, nh: usize) -> Vec<u8> {
    let mut out = vec![0u8; nw * nh];
    for y in 0..nh {
        let sy = y * h / nh;
        for x in 0..nw {
            out[y * nw + x] = src[sy * w + x * w / nw];
        }
    }
    out
}

/// A seeded frame of finder-pattern-like squares, each seen through a random (often
/// wild) perspective, over noise: a hostile input for a detector's geometry code.
pub fn finder_soup(seed: u64) -> (usize, usize, Vec<u8>) {
    let mut rng = Rng(seed * 2 + 1);
    let (w, h) = (160usize, 120usize);
    let mut img: Vec<u8> = (0..w * h).map(|_| 200 + (rng.next() % 40) as u8).collect();
    let count = 3 + rng.next() % 4;
    for _ in 0..count {
        // a random quad for the finder's 7x7 square (plus a 1-module light margin)
        let (cx, cy) = (rng.unit() as f64 * w as f64, rng.unit() as f64 * h as f64);
        let size = 8.0 + rng.unit() as f64 * 40.0;
        let mut quad = [(0.0, 0.0); 4];
        for (k, q) in quad.iter_mut().enumerate() {
            let (bx, by) = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)][k];
            let jx = (rng.unit() as f64 - 0.5) * size * 1.2;
            let jy = (rng.unit() as f64 - 0.5) * size * 1.2;
            *q = (cx + bx * size / 2.0 + jx, cy + by * size / 2.0 + jy);
        }
        let hm = homography(quad, [(-1.0, -1.0), (8.0, -1.0), (8.0, 8.0), (-1.0, 8.0)]);
        for y in 0..h {
            for x in 0..w {
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                let z = hm[6] * px + hm[7] * py + hm[8];
                let u = (hm[0] * px + hm[1] * py + hm[2]) / z;
                let v = (hm[3] * px + hm[4] * py + hm[5]) / z;
                if !(-1.0..8.0).contains(&u) || !(-1.0..8.0).contains(&v) || z.abs() < 1e-12 {
                    continue;
                }
                let r = (u - 3.5).abs().max((v - 3.5).abs());
                let dark = r < 1.5 || (2.5..3.5).contains(&r);
                img[y * w + x] = if dark { 20 } else { 230 };
            }
        }
    }
    (w, h, img)
}

/// Draw a finder pattern (7x7 modules with a one-module light margin) centred at
/// (`cx`,`cy`), module size `m`, rotated by `deg` degrees, into a `w`-wide image.
pub fn draw_finder(img: &mut [u8], w: usize, cx: f32, cy: f32, m: f32, deg: f32) {
    let h = img.len() / w;
    let (s, c) = deg.to_radians().sin_cos();
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let (u, v) = ((c * dx + s * dy) / m, (-s * dx + c * dy) / m);
            let r = u.abs().max(v.abs());
            if r < 4.5 {
                let dark = r < 1.5 || (2.5..3.5).contains(&r);
                img[y * w + x] = if dark { 20 } else { 235 };
            }
        }
    }
}

/// Three finder patterns where the two outer ones are turned by opposite angles:
/// the lines a detector extends from their edges to guess the fourth corner meet
/// nearly at infinity.
pub fn skewed_finders(a_deg: f32, c_deg: f32, m: f32, gap: f32) -> (usize, usize, Vec<u8>) {
    let (w, h) = (320usize, 320usize);
    let mut img = vec![235u8; w * h];
    let o = 60.0;
    draw_finder(&mut img, w, o, o, m, 0.0);
    draw_finder(&mut img, w, o + gap, o, m, a_deg);
    draw_finder(&mut img, w, o, o + gap, m, c_deg);
    (w, h, img)
}
