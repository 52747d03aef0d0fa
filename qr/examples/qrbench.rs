//! Decode rate and speed of kazasu-qr on the public photo set and on synthetic 720p frames.
//!
//! `cargo run --release -p kazasu-qr --example qrbench [-- --quick] [--baseline] [--misses] [--cpu]`
//! Times are for the decode call only (frame already in memory as luma), one thread.

#![allow(clippy::unwrap_used)] // a measuring tool, not product code: an unwrap that fails stops the run

#[path = "../tests/support/mod.rs"]
mod support;

use kazasu_qr::{decode_with, LumaFrame, Options};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// `--cpu`: time with this thread's CPU clock instead of the wall clock, so time spent
/// descheduled on a busy machine (other builds sharing the cores) is not counted.
static CPU_CLOCK: AtomicBool = AtomicBool::new(false);

fn now_ms() -> f64 {
    if CPU_CLOCK.load(Ordering::Relaxed) {
        let ts = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
            .expect("Linux has a per-thread CPU clock");
        ts.tv_sec() as f64 * 1e3 + ts.tv_nsec() as f64 / 1e6
    } else {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
    }
}
use support::*;

fn median_p95(v: &mut [f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let p95 = v[((v.len() as f64 * 0.95).ceil() as usize).clamp(1, v.len()) - 1];
    (v[v.len() / 2], p95)
}

/// Time one decode: best of `reps` runs (filters scheduler noise on a shared machine).
fn timed(f: &LumaFrame, o: &Options, reps: usize) -> (Option<String>, f64, bool) {
    let mut best = f64::MAX;
    let mut res = None;
    let mut err = false;
    for _ in 0..reps {
        let t = now_ms();
        let r = decode_with(f, o);
        best = best.min(now_ms() - t);
        match r {
            Ok(d) => res = d.map(|d| d.text),
            Err(_) => err = true,
        }
    }
    (res, best, err)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let show_misses = args.iter().any(|a| a == "--misses");
    let reps = if quick { 1 } else { 5 };
    if args.iter().any(|a| a == "--cpu") {
        CPU_CLOCK.store(true, Ordering::Relaxed);
        println!("(times: thread CPU time, best of {reps})");
    } else {
        println!("(times: wall clock, best of {reps})");
    }
    let mut configs: Vec<(&str, Options)> = vec![("kazasu-qr", Options::default())];
    if args.iter().any(|a| a == "--baseline") {
        configs.push(("rqrr 0.11 alone", Options::rqrr_only()));
        configs.push(("locator only", Options { rqrr_fallback: false, ..Options::default() }));
    }
    // Without the photo set there is nothing to measure against: say so (no panic); under CI it must be there.
    match photo_set_present("qrbench") {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    let photos = photos();
    for (cname, o) in &configs {
        println!("\n## {cname}\n");
        println!("| set | images | decoded exact | wrong text | nothing | panics/errors | ms median | ms p95 |");
        println!("|---|---|---|---|---|---|---|---|");
        let (mut ta, mut tok, mut twrong, mut tnone) = (0, 0, 0, 0);
        let mut all_ms = Vec::new();
        for folder in FOLDERS {
            let mut ms = Vec::new();
            let (mut n, mut ok, mut wrong, mut none, mut errs) = (0, 0, 0, 0, 0);
            for p in photos.iter().filter(|p| p.folder == folder) {
                let f = LumaFrame::packed(p.w, p.h, &p.luma).unwrap();
                let (r, t, e) = timed(&f, o, reps);
                ms.push(t);
                if show_misses && t > 5.0 {
                    println!("  SLOW {folder}/{} {t:.1} ms ({}x{})", p.name, p.w, p.h);
                }
                n += 1;
                errs += e as usize;
                match (&r, &p.expected) {
                    (Some(got), Some(exp)) if got == exp => ok += 1,
                    (Some(got), _) => {
                        wrong += 1;
                        if show_misses {
                            println!("  WRONG {folder}/{} got {:?}", p.name, got.chars().take(60).collect::<String>());
                        }
                    }
                    (None, Some(_)) => {
                        none += 1;
                        if show_misses {
                            println!("  MISS {folder}/{} ({}x{})", p.name, p.w, p.h);
                        }
                    }
                    (None, None) => ok += 1,
                }
            }
            all_ms.extend_from_slice(&ms);
            let (md, p95) = median_p95(&mut ms);
            let fp = folder.starts_with("false");
            let okcol = if fp {
                format!("{ok} (correctly nothing)")
            } else {
                format!("{ok} ({:.1}%)", 100.0 * ok as f64 / n as f64)
            };
            println!("| {folder} | {n} | {okcol} | {wrong} | {none} | {errs} | {md:.2} | {p95:.2} |");
            if !fp {
                ta += n;
                tok += ok;
                tnone += none;
            }
            twrong += wrong;
        }
        if *cname == "kazasu-qr" {
            // The same code photos as single frames of a stream (Scanner, stream mode:
            // every frame kept cheap, no rqrr fallback).
            let (mut n, mut ok) = (0, 0);
            let mut ms = Vec::new();
            for p in photos.iter().filter(|p| p.expected.is_some()) {
                let f = LumaFrame::packed(p.w, p.h, &p.luma).unwrap();
                let t = now_ms();
                let r = kazasu_qr::Scanner::new().scan(&f);
                ms.push(now_ms() - t);
                n += 1;
                ok += (r.ok().flatten().map(|d| d.text) == p.expected) as usize;
            }
            let (md, p95) = median_p95(&mut ms);
            println!("| code photos through Scanner (stream mode, 1 frame each) | {n} | {ok} ({:.1}%) | | | | {md:.2} | {p95:.2} |", 100.0 * ok as f64 / n as f64);
            let mut ok2 = 0;
            for p in photos.iter().filter(|p| p.expected.is_some()) {
                let f = LumaFrame::packed(p.w, p.h, &p.luma).unwrap();
                let mut sc = kazasu_qr::Scanner::new();
                let first = sc.scan(&f).ok().flatten();
                let got = first.or_else(|| sc.scan(&f).ok().flatten());
                ok2 += (got.map(|d| d.text) == p.expected) as usize;
            }
            println!(
                "| code photos through Scanner (stream mode, up to 2 frames each) | {n} | {ok2} ({:.1}%) | | | | | |",
                100.0 * ok2 as f64 / n as f64
            );
        }
        let (md, p95) = median_p95(&mut all_ms);
        println!("| **codes total** | {ta} | {tok} ({:.1}%) | {twrong} (all sets) | {tnone} | | {md:.2} (all) | {p95:.2} (all) |", 100.0 * tok as f64 / ta as f64);

        // Synthetic 720p frames with a code.
        let url = SCENE_URL;
        let scenes = hd_scenes();
        let frames: Vec<Vec<u8>> = scenes.iter().map(|s| render(url, s)).collect();
        let mut ms = Vec::new();
        let mut ok = 0;
        for fr in &frames {
            let f = LumaFrame::packed(1280, 720, fr).unwrap();
            let (r, t, _) = timed(&f, o, reps.max(7));
            ms.push(t);
            ok += (r.as_deref() == Some(url)) as usize;
        }
        let (md, p95) = median_p95(&mut ms);
        println!("\n| 1280x720 frames | frames | decoded | ms median | ms p95 |\n|---|---|---|---|---|");
        println!("| synthetic, with code (scale 4/6/9 px, 0/17/45°, tilt, inverted, glare) | {} | {ok} | {md:.2} | {p95:.2} |", frames.len());

        // The wider camera-like set.
        let mut ms = Vec::new();
        let mut ok = 0;
        let set = camera_set();
        for (label, s) in &set {
            let fr = render(url, s);
            let f = LumaFrame::packed(s.w, s.h, &fr).unwrap();
            let (r, t, _) = timed(&f, o, reps.max(3));
            ms.push(t);
            if r.as_deref() == Some(url) {
                ok += 1;
            } else if show_misses {
                println!("  MISS camera set: {label}: {r:?}");
            }
        }
        let (md, p95) = median_p95(&mut ms);
        println!("| camera set (3-13 px modules, 0-225°, tilt to 0.25, inverted, glare, blur, low contrast) | {} | {ok} | {md:.2} | {p95:.2} |", set.len());

        // 1080p frames (iOS preview size), with a code and empty.
        let mut ms = Vec::new();
        let mut ms_empty = Vec::new();
        let mut ok = 0;
        for (k, &scale) in [6.0f32, 9.0, 13.0].iter().enumerate() {
            let mut s = Scene::hd(scale);
            s.w = 1920;
            s.h = 1080;
            s.angle = 20.0 * k as f32;
            s.tilt = 0.1;
            s.seed = 50 + k as u64;
            let fr = render(url, &s);
            let f = LumaFrame::packed(s.w, s.h, &fr).unwrap();
            let (r, t, _) = timed(&f, o, reps.max(3));
            ms.push(t);
            ok += (r.as_deref() == Some(url)) as usize;
            let fr = clutter(1920, 1080, 70 + k as u64);
            let f = LumaFrame::packed(1920, 1080, &fr).unwrap();
            let (_, t, _) = timed(&f, o, reps.max(3));
            ms_empty.push(t);
        }
        let (md, p95) = median_p95(&mut ms);
        println!("| 1920x1080 with code (6/9/13 px, tilted) | 3 | {ok} | {md:.2} | {p95:.2} |");
        let (md, p95) = median_p95(&mut ms_empty);
        println!("| 1920x1080 clutter, no code | 3 | - | {md:.2} | {p95:.2} |");

        // A video-like sequence: the code drifts 3 px and turns 0.5 degree per frame;
        // the Scanner looks where the code was first.
        let mut seq = Vec::new();
        for k in 0..12 {
            let mut s = Scene::hd(6.0);
            s.angle = 5.0 + 0.5 * k as f32;
            s.seed = 100 + k as u64;
            seq.push((render_at(url, &s, 3.0 * k as f32, 2.0 * k as f32), s));
        }
        let modes: &[(&str, bool)] = if *cname == "kazasu-qr" {
            &[("decode() per frame", false), ("Scanner::scan (region of last code first)", true)]
        } else {
            &[("decode() per frame", false)]
        };
        for &(label, use_scanner) in modes {
            let mut ms = Vec::new();
            let mut ok = 0;
            let mut scanner = kazasu_qr::Scanner::new();
            for (fr, _) in &seq {
                let f = LumaFrame::packed(1280, 720, fr).unwrap();
                // best of 3 on copies of the scanner's state, then advance it once
                let mut best = f64::MAX;
                for _ in 0..3 {
                    let mut sc = scanner.clone();
                    let t = now_ms();
                    let _ = if use_scanner { sc.scan(&f) } else { decode_with(&f, o) };
                    best = best.min(now_ms() - t);
                }
                ms.push(best);
                let r = if use_scanner { scanner.scan(&f) } else { decode_with(&f, o) };
                ok += (r.ok().flatten().map(|d| d.text).as_deref() == Some(url)) as usize;
            }
            let (md, p95) = median_p95(&mut ms);
            println!("| video-like sequence, {label} | {} | {ok} | {md:.2} | {p95:.2} |", seq.len());
        }

        // Empty 720p frames: the no-code photos stretched to 720p, plus synthetic clutter.
        let mut ms = Vec::new();
        let mut fps = 0;
        let mut n = 0;
        for p in photos.iter().filter(|p| p.expected.is_none() && p.w >= 100) {
            let fr = resize(&p.luma, p.w, p.h, 1280, 720);
            let f = LumaFrame::packed(1280, 720, &fr).unwrap();
            let (r, t, _) = timed(&f, o, reps.max(7));
            ms.push(t);
            fps += r.is_some() as usize;
            n += 1;
        }
        let (md, p95) = median_p95(&mut ms);
        println!("| no-code photos resized to 720p | {n} | {fps} (false positives) | {md:.2} | {p95:.2} |");
        if *cname == "kazasu-qr" {
            // The same photos at their own size (640x480, 480x480) as a stream would
            // deliver them (Android's default analysis size), through the Scanner.
            let mut ms = Vec::new();
            let mut fps = 0;
            for p in photos.iter().filter(|p| p.expected.is_none() && p.w >= 100) {
                // two consecutive frames of the same scene through one scanner: the
                // second pays for any "thorough next frame" the first asked for
                let f = LumaFrame::packed(p.w, p.h, &p.luma).unwrap();
                for frame_no in 0..2 {
                    let mut best = f64::MAX;
                    let mut r = Ok(None);
                    for _ in 0..reps.max(3) {
                        let mut sc = kazasu_qr::Scanner::new();
                        if frame_no == 1 {
                            let _ = sc.scan(&f);
                        }
                        let t = now_ms();
                        r = sc.scan(&f);
                        best = best.min(now_ms() - t);
                    }
                    ms.push(best);
                    fps += matches!(r, Ok(Some(_))) as usize;
                }
            }
            let (md, p95) = median_p95(&mut ms);
            println!("| no-code photos at 640x480, Scanner (stream mode), 2 frames each | {} | {fps} (false positives) | {md:.2} | {p95:.2} |", ms.len());
        }
        let mut ms = Vec::new();
        let mut fps = 0;
        for seed in 1..=10u64 {
            let fr = clutter(1280, 720, seed);
            let f = LumaFrame::packed(1280, 720, &fr).unwrap();
            let (r, t, _) = timed(&f, o, reps.max(7));
            ms.push(t);
            fps += r.is_some() as usize;
        }
        let (md, p95) = median_p95(&mut ms);
        println!("| synthetic clutter, no code | 10 | {fps} (false positives) | {md:.2} | {p95:.2} |");
    }
}
