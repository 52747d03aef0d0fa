//! Behaviour of the scanner on frames we make ourselves: generated codes rendered the
//! way a camera sees a screen (scaled, rotated, tilted, inverted, glare, noise), bad
//! frame sizes from the FFI, and hostile or random frames.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use kazasu_qr::{decode, decode_with, to_luma, to_svg, LumaFrame, Options, QrError};
use support::*;

const URL: &str = "https://kazasu.example.jp/s/3f9a1c2e7b4d?n=8c1f2a9e0d3b4c5a&v=1";

fn read(w: usize, h: usize, d: &[u8]) -> Option<String> {
    decode(&LumaFrame::packed(w, h, d).unwrap()).expect("no error").map(|d| d.text)
}

#[test]
fn a_generated_code_reads_back_at_every_scale() {
    for scale in 2..=8 {
        let (img, side) = to_luma(URL, scale).unwrap();
        assert_eq!(read(side, side, &img).as_deref(), Some(URL), "scale {scale}");
    }
}

#[test]
fn japanese_and_binary_safe_text_round_trips() {
    for text in ["かざす 申請書 第12号", "ﾃﾞｻﾞｲﾝQR", "a", "0123456789", "MIXED Case: 1/2 €"] {
        let (img, side) = to_luma(text, 4).unwrap();
        assert_eq!(read(side, side, &img).as_deref(), Some(text));
    }
}

#[test]
fn a_padded_stride_is_honoured() {
    let (img, side) = to_luma(URL, 3).unwrap();
    let stride = side + 13;
    let mut padded = vec![0u8; stride * side];
    for y in 0..side {
        padded[y * stride..y * stride + side].copy_from_slice(&img[y * side..(y + 1) * side]);
        // garbage in the padding must not matter
        padded[y * stride + side..(y + 1) * stride].fill(((y * 37) % 256) as u8);
    }
    let f = LumaFrame::new(side, side, stride, &padded).unwrap();
    assert_eq!(decode(&f).unwrap().map(|d| d.text).as_deref(), Some(URL));
}

#[test]
fn camera_like_720p_frames_read_rotated_tilted_inverted_with_glare_and_noise() {
    let mut failures = Vec::new();
    let mut n = 0;
    for scale in [3.5f32, 5.0, 8.0] {
        for angle in [0.0f32, 10.0, 33.0, 45.0, 90.0, 135.0, 200.0, 290.0] {
            for (k, inverted) in [false, true].into_iter().enumerate() {
                let mut s = Scene::hd(scale);
                s.angle = angle;
                s.inverted = inverted;
                s.tilt = if angle as i32 % 20 == 10 { 0.15 } else { 0.0 };
                s.glare = k == 0 && scale > 4.0;
                s.noise = 8.0;
                s.seed = (angle as u64) * 7 + k as u64;
                n += 1;
                let fr = render(URL, &s);
                match read(s.w, s.h, &fr) {
                    Some(t) if t == URL => {}
                    other => failures.push(format!("scale {scale} angle {angle} inverted {inverted}: {other:?}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {n} failed: {failures:#?}", failures.len());
}

#[test]
fn dark_mode_code_is_read_and_light_mode_still_is() {
    let (img, side) = to_luma(URL, 4).unwrap();
    let inv: Vec<u8> = img.iter().map(|v| 255 - v).collect();
    assert_eq!(read(side, side, &inv).as_deref(), Some(URL));
    // without the inverted search it is not found: the option really does the work
    let f = LumaFrame::packed(side, side, &inv).unwrap();
    let normal_only = Options { inverted: false, rqrr_fallback: false, ..Options::default() };
    assert_eq!(decode_with(&f, &normal_only).unwrap(), None);
}

#[test]
fn corners_are_reported_around_the_code() {
    let (img, side) = to_luma(URL, 5).unwrap();
    let d = decode(&LumaFrame::packed(side, side, &img).unwrap()).unwrap().unwrap();
    let q = 4.0 * 5.0; // quiet zone in pixels
    let far = side as f32 - q;
    let want = [(q, q), (far, q), (far, far), (q, far)];
    for (got, want) in d.corners.iter().zip(want) {
        assert!((got.0 - want.0).abs() < 3.0 && (got.1 - want.1).abs() < 3.0, "{:?} vs {want:?}", d.corners);
    }
}

#[test]
fn inconsistent_frame_sizes_are_typed_errors() {
    let buf = vec![0u8; 100];
    let cases = [
        (0, 10, 10),                 // zero width
        (10, 0, 10),                 // zero height
        (10, 10, 9),                 // stride < width
        (10, 11, 10),                // buffer too short
        (20_000, 1, 20_000),         // absurd width
        (usize::MAX, 2, usize::MAX), // overflow
    ];
    for (w, h, stride) in cases {
        match LumaFrame::new(w, h, stride, &buf) {
            Err(QrError::BadFrame { .. }) => {}
            other => panic!("{w}x{h}/{stride}: {other:?}"),
        }
    }
    // the last row needs only `width` bytes, not a full stride
    let big = [0u8; 200];
    assert!(LumaFrame::new(10, 10, 11, &big[..9 * 11 + 10]).is_ok());
    assert!(LumaFrame::new(10, 10, 11, &big[..9 * 11 + 9]).is_err());
}

#[test]
fn blank_and_tiny_frames_decode_to_nothing() {
    for (w, h) in [(1, 1), (1, 100), (100, 1), (7, 7), (64, 48), (1280, 720)] {
        for v in [0u8, 128, 255] {
            let d = vec![v; w * h];
            assert_eq!(read(w, h, &d), None, "{w}x{h} filled {v}");
        }
    }
}

#[test]
fn random_and_hostile_frames_never_panic_or_invent_text() {
    // Bounded fuzz: random sizes and contents, finder-pattern soups in wild
    // perspectives, and finder triples with skewed edges; with and without rqrr's detector.
    // `DecoderPanicked` can only come from inside rqrr: a panic in our own code is not
    // caught and fails this test (coverage-guided fuzzing of the same: `fuzz/`).
    let mut rng = Rng(12345);
    let all = [Options::default(), Options::rqrr_only()];
    for i in 0..150u64 {
        let (w, h) = (1 + (rng.next() % 300) as usize, 1 + (rng.next() % 300) as usize);
        let mode = rng.next() % 3;
        let d: Vec<u8> = (0..w * h)
            .map(|k| match mode {
                0 => rng.next() as u8,
                1 => {
                    if (k / 3 + (k / w) / 3) % 2 == 0 {
                        0
                    } else {
                        255
                    }
                }
                _ => (rng.next() % 2 * 255) as u8,
            })
            .collect();
        let f = LumaFrame::packed(w, h, &d).unwrap();
        for o in &all {
            match decode_with(&f, o) {
                Ok(None) | Err(QrError::DecoderPanicked) => {}
                Ok(Some(got)) => panic!("random frame {i} read as {:?}", got.text),
                Err(e) => panic!("unexpected {e}"),
            }
        }
    }
    for seed in 0..150u64 {
        let (w, h, d) = finder_soup(seed);
        let f = LumaFrame::packed(w, h, &d).unwrap();
        for o in &all {
            assert!(matches!(decode_with(&f, o), Ok(None) | Err(QrError::DecoderPanicked)), "soup {seed}");
        }
    }
    for a in (20..70).step_by(10) {
        let (w, h, d) = skewed_finders(a as f32, -(a as f32), 4.0, 130.0);
        let f = LumaFrame::packed(w, h, &d).unwrap();
        for o in &all {
            assert!(matches!(decode_with(&f, o), Ok(None) | Err(QrError::DecoderPanicked)), "skewed {a}");
        }
    }
}

#[test]
fn svg_is_a_complete_document_and_overlong_text_is_an_error() {
    let svg = to_svg(URL).unwrap();
    assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{}", &svg[..40]);
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("<path") || svg.contains("<rect"));
    let huge = "x".repeat(4000);
    assert_eq!(to_svg(&huge), Err(QrError::TooLong { len: 4000 }));
}

#[test]
fn the_scanner_follows_a_moving_code_and_finds_it_again_after_it_left() {
    let mut scanner = kazasu_qr::Scanner::new();
    let mut s = Scene::hd(6.0);
    let mut seen = 0;
    for k in 0..6 {
        s.angle = 3.0 * k as f32;
        s.seed = k;
        let fr = render_at(URL, &s, 25.0 * k as f32, -10.0 * k as f32);
        let d = scanner.scan(&LumaFrame::packed(s.w, s.h, &fr).unwrap()).unwrap();
        seen += (d.map(|d| d.text).as_deref() == Some(URL)) as usize;
    }
    assert_eq!(seen, 6);
    // the code leaves: an empty frame reads nothing (the remembered region holds no code)
    let empty = clutter(1280, 720, 3);
    assert_eq!(scanner.scan(&LumaFrame::packed(1280, 720, &empty).unwrap()).unwrap(), None);
    // and comes back somewhere else entirely
    let fr = render_at(URL, &s, -300.0, 150.0);
    let d = scanner.scan(&LumaFrame::packed(s.w, s.h, &fr).unwrap()).unwrap();
    assert_eq!(d.map(|d| d.text).as_deref(), Some(URL));
}

#[test]
fn the_harder_camera_set_keeps_its_read_rate() {
    // 30 scenes up to the edge of what a halved 720p frame can resolve (3 px modules,
    // 25% perspective with defocus, glare on a dim dark-mode screen). Decoding is
    // deterministic; 24 read today, the misses are listed by qrbench --misses.
    let set = camera_set();
    let read = set
        .iter()
        .filter(|(_, s)| {
            let fr = render(URL, s);
            decode(&LumaFrame::packed(s.w, s.h, &fr).unwrap()).unwrap().map(|d| d.text).as_deref() == Some(URL)
        })
        .count();
    assert!(read >= 24, "only {read}/30 of the camera set read");
}

#[test]
fn a_large_code_on_curled_paper_reads_through_its_alignment_lattice() {
    // Version 10+: one homography cannot follow a 2-module bow across the code; the
    // lattice of alignment patterns can.
    let text = "https://kazasu.example.jp/apply/2f7c9e1d4b3a?form=tenkyo&city=131016&sig=".to_string()
        + &"0123456789abcdef".repeat(8);
    let mut s = Scene::hd(5.0);
    s.bend = 2.0;
    s.angle = 4.0;
    s.noise = 3.0;
    let fr = render(&text, &s);
    assert_eq!(read(s.w, s.h, &fr).as_deref(), Some(text.as_str()));
}

#[test]
fn a_code_filling_the_frame_is_read() {
    // Phone held close: 16-17 px modules, the code (with quiet zone) nearly the full
    // frame height; also light-on-dark.
    for (scale, inverted) in [(16.0f32, false), (17.0, true)] {
        let mut s = Scene::hd(scale);
        s.inverted = inverted;
        s.angle = 3.0;
        let fr = render(URL, &s);
        assert_eq!(read(s.w, s.h, &fr).as_deref(), Some(URL), "scale {scale}");
    }
}
