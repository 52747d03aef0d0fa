//! Tuning aid: print finder candidates and the result for synthetic scenes or photos.

#![allow(clippy::unwrap_used)] // a measuring tool, not product code: an unwrap that fails stops the run

#[path = "../tests/support/mod.rs"]
mod support;
use kazasu_qr::{debug_finders, decode, LumaFrame};
use std::time::Instant;
use support::*;

fn show(name: &str, w: usize, h: usize, d: &[u8]) {
    let f = LumaFrame::packed(w, h, d).unwrap();
    let t = Instant::now();
    let fs = debug_finders(&f);
    let tf = t.elapsed().as_secs_f64() * 1e3;
    println!("   timing downsample/binarize/find/n: {:?}", kazasu_qr::debug_timing(&f));
    let mut td = f64::MAX;
    let mut r = decode(&f);
    for _ in 0..20 {
        let t = Instant::now();
        r = decode(&f);
        td = td.min(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "{name}: {} finders ({tf:.2} ms), decode {:?} in {td:.2} ms",
        fs.len(),
        r.map(|o| o.map(|d| d.text.chars().take(40).collect::<String>()))
    );
    for x in fs.iter().take(12) {
        println!("   {:.1},{:.1} ms {:.2} hits {} inv {}", x.0, x.1, x.2, x.3, x.4);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        let url = SCENE_URL;
        for (k, s) in hd_scenes().iter().enumerate() {
            let fr = render(url, s);
            show(&format!("scale {} angle {} inv {} glare {}", s.scale, s.angle, s.inverted, s.glare), 1280, 720, &fr);
            if std::env::var("DUMP").is_ok() {
                image::GrayImage::from_raw(1280, 720, fr)
                    .unwrap()
                    .save(format!("/tmp/scene_{}_{}.png", k / 3, k % 3))
                    .unwrap();
            }
        }
        for seed in 1..=3 {
            show(&format!("clutter {seed}"), 1280, 720, &clutter(1280, 720, seed));
        }
    } else if args[0] == "gen" {
        let scale: usize = args[1].parse().unwrap();
        let (img, side) =
            kazasu_qr::to_luma("https://kazasu.example.jp/s/3f9a1c2e7b4d?n=8c1f2a9e0d3b4c5a&v=1", scale).unwrap();
        show("gen", side, side, &img);
    } else if args[0] == "scale" {
        for a in &args[1..] {
            let mut sc = Scene::hd(a.parse().unwrap());
            sc.angle = 2.0;
            let fr = render("https://kazasu.example.jp/s/3f9a1c2e7b4d?n=8c1f2a9e0d3b4c5a&v=1", &sc);
            show(&format!("scale {a}"), sc.w, sc.h, &fr);
            image::GrayImage::from_raw(sc.w as u32, sc.h as u32, fr)
                .unwrap()
                .save(format!("/tmp/scale_{a}.png"))
                .unwrap();
        }
    } else if args[0] == "cam" {
        let set = camera_set();
        for a in &args[1..] {
            let (label, sc) = &set[a.parse::<usize>().unwrap()];
            let fr = render("https://kazasu.example.jp/s/3f9a1c2e7b4d?n=8c1f2a9e0d3b4c5a&v=1", sc);
            show(label, sc.w, sc.h, &fr);
            image::GrayImage::from_raw(sc.w as u32, sc.h as u32, fr)
                .unwrap()
                .save(format!("/tmp/cam_{a}.png"))
                .unwrap();
        }
    } else if args[0] == "hd" {
        for a in &args[1..] {
            let (d, w, h) = load_luma(std::path::Path::new(a));
            let fr = resize(&d, w, h, 1280, 720);
            show(a, 1280, 720, &fr);
        }
    } else {
        for a in args {
            let (d, w, h) = load_luma(std::path::Path::new(&a));
            show(&a, w, h, &d);
        }
    }
}
