//! Side-by-side QR benchmark: kazasu-qr's `decode` (what ships), rxing, ZXing-C++ (the
//! reference; run by `bench/zxing_cpp.py` on the same luma buffers) and rqrr 0.11, on every
//! shared photo set (`../shared/qr-photos`), plus kazasu-qr and rxing on 1280x720 camera frames.
//!
//! Run it all with `scripts/qr-bench.sh`. By hand:
//! `cargo run --release -p kazasu-qr --example qrcompare -- [--dump DIR] [--zxing FILE] [--reps N]
//!  [--sets a,b] [--misses] [--no-camera] [--stages] [--ours-only]`
//! - `--dump DIR`: write each photo's luma (DIR/index.tsv + raw files) for the Python helper, then exit.
//! - `--zxing FILES`: the helper's results (set, name, ms, text as hex, every code), shown as the
//!   ZXing-C++ rows; several files (comma-separated, one per round) give each photo its least time.
//! - `--min-times FILES`: `--times` files of earlier rounds (comma-separated); each decoder's time per
//!   photo is the least of this run's and theirs (`scripts/qr-bench.sh` interleaves rounds of the
//!   helper and of this program, so a slow phase of the shared machine does not fall on one decoder).
//! - `--misses`: list, per decoder, the photos it did not read exactly; `--times FILE`: per-photo times (TSV).
//! - `--stages`: add kazasu-qr without its rxing pass; `--ours-only`: kazasu-qr alone (profiling).
//!
//! Times: this thread's CPU time of the decode call only (frame already in memory as luma), best
//! of `--reps` runs (default 3) per frame; the helper times ZXing-C++ the same way. Judged on exact
//! text; a text on a no-code photo is a false positive. A photo can hold more than one code while
//! its `N.txt` names one (the "double QR" sample, an inner code inside an outer one, is in both
//! `qrcode-2` and `jsqr-e2e`, and the two sets name different ones): every decoder answers with one
//! code, so the text of any code the reference decoder finds in that photo (ZXing-C++'s
//! `read_barcodes`, from `--zxing`) counts as read, for every decoder alike; without `--zxing`
//! only `N.txt` counts. A panic inside a decoder is caught here,
//! counted, and the frame counts as unread. An empty `N.txt` (jsqr-e2e: jsQR recorded an empty
//! `data` for a code it could not turn into text) is no reference: such photos are counted apart
//! ("unjudged") and neither read nor wrong.

#![allow(clippy::unwrap_used)] // a measuring tool, not product code: an unwrap that fails stops the run

#[path = "../tests/support/mod.rs"]
mod support;

use kazasu_qr::{decode, decode_with, LumaFrame, Options, Scanner};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use support::*;

fn cpu_ms() -> f64 {
    let ts = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .expect("Linux has a per-thread CPU clock");
    ts.tv_sec() as f64 * 1e3 + ts.tv_nsec() as f64 / 1e6
}

/// One decoder's answer on one frame.
#[derive(Clone)]
struct Outcome {
    text: Option<String>,
    ms: f64,
    panicked: bool,
}

type Decoder = fn(&[u8], usize, usize) -> Option<String>;

fn kazasu(luma: &[u8], w: usize, h: usize) -> Option<String> {
    let f = LumaFrame::packed(w, h, luma).ok()?;
    decode(&f).ok().flatten().map(|d| d.text)
}

fn rqrr_alone(luma: &[u8], w: usize, h: usize) -> Option<String> {
    let f = LumaFrame::packed(w, h, luma).ok()?;
    decode_with(&f, &Options::rqrr_only()).ok().flatten().map(|d| d.text)
}

fn kazasu_locator_only(luma: &[u8], w: usize, h: usize) -> Option<String> {
    let f = LumaFrame::packed(w, h, luma).ok()?;
    decode_with(&f, &Options { rxing_fallback: false, rqrr_fallback: false, ..Options::default() })
        .ok()
        .flatten()
        .map(|d| d.text)
}

fn rxing(luma: &[u8], w: usize, h: usize) -> Option<String> {
    // QR only, TryHarder (rxing's default for this helper), on the borrowed buffer.
    let r = rxing::helpers::detect_in_luma_slice(luma, w as u32, h as u32, Some(rxing::BarcodeFormat::QR_CODE));
    r.ok().map(|r| r.getText().to_string())
}

/// rxing with one of its two QR readers (the port of ZXing-C++'s, or of ZXing's).
fn rxing_one(luma: &[u8], w: usize, h: usize, cpp: bool) -> Option<String> {
    use rxing::{common::HybridBinarizer, BinaryBitmap, DecodeHints, Luma8Source, Reader};
    let src = Luma8Source::new_with_slice(luma, w as u32, h as u32).ok()?;
    let mut img = BinaryBitmap::new(HybridBinarizer::new(src));
    let hints = DecodeHints { TryHarder: Some(true), ..Default::default() };
    let r = if cpp {
        rxing::qrcode::cpp_port::QrReader.decode_with_hints(&mut img, &hints)
    } else {
        rxing::qrcode::QRCodeReader.decode_with_hints(&mut img, &hints)
    };
    r.ok().map(|r| r.getText().to_string())
}

fn run(dec: Decoder, luma: &[u8], w: usize, h: usize, reps: usize) -> Outcome {
    let mut best = f64::MAX;
    let mut text = None;
    for _ in 0..reps {
        let t = cpu_ms();
        let r = catch_unwind(AssertUnwindSafe(|| dec(luma, w, h)));
        best = best.min(cpu_ms() - t);
        match r {
            Ok(t) => text = t,
            Err(_) => return Outcome { text: None, ms: best, panicked: true },
        }
    }
    Outcome { text, ms: best, panicked: false }
}

/// median, p90, total
fn stats(ms: &[f64]) -> (f64, f64, f64) {
    if ms.is_empty() {
        return (f64::NAN, f64::NAN, 0.0);
    }
    let mut v = ms.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let p90 = v[((v.len() as f64 * 0.9).ceil() as usize).clamp(1, v.len()) - 1];
    (v[v.len() / 2], p90, v.iter().sum())
}

#[derive(Default, Clone)]
struct Tally {
    photos: usize,
    codes: usize,
    read: usize,
    wrong: usize,
    false_pos: usize,
    panics: usize,
    unjudged: usize,
    ms: Vec<f64>,
    misses: Vec<String>,
}

impl Tally {
    /// `other_codes`: texts of the other codes the reference decoder found in the photo.
    fn add(&mut self, p: &Photo, o: &Outcome, other_codes: &[String]) {
        self.photos += 1;
        self.ms.push(o.ms);
        self.panics += o.panicked as usize;
        if p.expected.as_deref() == Some("") {
            self.unjudged += 1;
            return;
        }
        self.codes += p.expected.is_some() as usize;
        match (&p.expected, &o.text) {
            (Some(exp), Some(got)) if got == exp || other_codes.contains(got) => self.read += 1,
            (Some(_), Some(got)) => {
                self.wrong += 1;
                self.misses.push(format!(
                    "{}/{} WRONG {:?}",
                    p.folder,
                    p.name,
                    got.chars().take(50).collect::<String>()
                ))
            }
            (Some(_), None) => self.misses.push(format!("{}/{}", p.folder, p.name)),
            (None, Some(got)) => {
                self.false_pos += 1;
                self.misses.push(format!(
                    "{}/{} FALSE {:?}",
                    p.folder,
                    p.name,
                    got.chars().take(50).collect::<String>()
                ))
            }
            (None, None) => {}
        }
    }

    fn merge(&mut self, o: &Tally) {
        self.photos += o.photos;
        self.codes += o.codes;
        self.read += o.read;
        self.wrong += o.wrong;
        self.false_pos += o.false_pos;
        self.panics += o.panics;
        self.unjudged += o.unjudged;
        self.ms.extend_from_slice(&o.ms);
    }

    fn row(&self, set: &str, name: &str) -> String {
        let (md, p90, total) = stats(&self.ms);
        let mut read = if self.codes == 0 {
            "-".to_string()
        } else {
            format!("{}/{} ({:.1}%)", self.read, self.codes, 100.0 * self.read as f64 / self.codes as f64)
        };
        if self.unjudged > 0 {
            read.push_str(&format!(" +{} unjudged", self.unjudged));
        }
        format!(
            "| {set} | {name} | {read} | {} | {} | {} | {md:.2} | {p90:.2} | {total:.1} |",
            self.wrong, self.false_pos, self.panics
        )
    }
}

/// A text as the helper writes it: UTF-8 as hex, "-" for none.
fn unhex(h: &str) -> Option<String> {
    (h != "-").then(|| {
        let bytes = hex::decode(h).unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// ZXing-C++ results from the helper: (set, name) -> (ms, text), and the texts of every code
/// it finds in the photo.
type ZxingResults = HashMap<(String, String), (Outcome, Vec<String>)>;

fn read_zxing(path: &str) -> ZxingResults {
    let body = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let mut out = HashMap::new();
    for line in body.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 5, "bad line in {path}: {line:?}");
        let ms: f64 = f[2].parse().unwrap();
        let every = f[4].split(',').filter_map(unhex).collect();
        out.insert((f[0].to_string(), f[1].to_string()), (Outcome { text: unhex(f[3]), ms, panicked: false }, every));
    }
    out
}

/// Per-photo times of earlier rounds (`--times` files): (decoder, set, name) -> least ms.
fn read_times(files: &str) -> HashMap<(String, String, String), f64> {
    let mut out: HashMap<(String, String, String), f64> = HashMap::new();
    for path in files.split(',') {
        let body = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        for line in body.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 6, "bad line in {path}: {line:?}");
            let ms: f64 = f[4].parse().unwrap();
            let e = out.entry((f[0].to_string(), f[1].to_string(), f[2].to_string())).or_insert(ms);
            *e = e.min(ms);
        }
    }
    out
}

fn dump(dir: &str, photos: &[Photo]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut index = String::new();
    for (i, p) in photos.iter().enumerate() {
        let file = format!("{i}.gray");
        std::fs::write(format!("{dir}/{file}"), &p.luma).unwrap();
        index.push_str(&format!("{}\t{}\t{}\t{}\t{file}\n", p.folder, p.name, p.w, p.h));
    }
    std::fs::write(format!("{dir}/index.tsv"), index).unwrap();
    println!("wrote {} luma buffers to {dir}", photos.len());
}

fn arg_value<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(|s| s.as_str())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let reps: usize = arg_value(&args, "--reps").map(|r| r.parse().expect("--reps N")).unwrap_or(3);
    let show_misses = args.iter().any(|a| a == "--misses");
    let sets: Vec<&str> = match arg_value(&args, "--sets") {
        Some(s) => s.split(',').collect(),
        None => ALL_SETS.to_vec(),
    };
    match photo_set_present("qrcompare") {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    let photos = photos_in(&sets);
    if let Some(dir) = arg_value(&args, "--dump") {
        dump(dir, &photos);
        return;
    }
    let zxing = arg_value(&args, "--zxing").map(|files| {
        let mut rounds = files.split(',').map(read_zxing);
        let mut first = rounds.next().expect("--zxing FILES");
        for round in rounds {
            for (k, (o, _)) in first.iter_mut() {
                let later = round.get(k).unwrap_or_else(|| panic!("{k:?} missing from a --zxing round"));
                o.ms = o.ms.min(later.0.ms);
            }
        }
        first
    });
    let earlier = arg_value(&args, "--min-times").map(read_times).unwrap_or_default();
    let no_others: Vec<String> = Vec::new();
    let other_codes = |p: &Photo| -> &[String] {
        match (&p.expected, zxing.as_ref().and_then(|z| z.get(&(p.folder.clone(), p.name.clone())))) {
            (Some(exp), Some((_, every))) if !exp.is_empty() => every,
            _ => &no_others,
        }
    };

    let mut decoders: Vec<(&str, Decoder)> =
        vec![("kazasu-qr", kazasu), ("rxing 0.9", rxing), ("rqrr 0.11", rqrr_alone)];
    if args.iter().any(|a| a == "--stages") {
        decoders.push(("kazasu-qr locator only", kazasu_locator_only));
        decoders.push(("rxing, ZXing-C++ port only", |l, w, h| rxing_one(l, w, h, true)));
        decoders.push(("rxing, ZXing port only", |l, w, h| rxing_one(l, w, h, false)));
    }
    if args.iter().any(|a| a == "--ours-only") {
        decoders.truncate(1); // for profiling our own decoder
    }
    // per decoder: per set tally
    let mut names: Vec<&str> = decoders.iter().take(2).map(|d| d.0).collect();
    if zxing.is_some() {
        names.push("ZXing-C++ 3.1");
    }
    names.extend(decoders.iter().skip(2).map(|d| d.0));
    let mut tallies: HashMap<(&str, &str), Tally> = HashMap::new();
    let mut times = String::new();
    for p in &photos {
        for &(name, dec) in &decoders {
            let mut o = run(dec, &p.luma, p.w, p.h, reps);
            if let Some(&ms) = earlier.get(&(name.to_string(), p.folder.clone(), p.name.clone())) {
                o.ms = o.ms.min(ms);
            }
            times.push_str(&format!(
                "{name}\t{}\t{}\t{}x{}\t{:.3}\t{}\n",
                p.folder,
                p.name,
                p.w,
                p.h,
                o.ms,
                o.text.is_some()
            ));
            tallies.entry((name, sets.iter().find(|s| **s == p.folder).unwrap())).or_default().add(
                p,
                &o,
                other_codes(p),
            );
        }
        if let Some(z) = &zxing {
            let (o, _) = z
                .get(&(p.folder.clone(), p.name.clone()))
                .unwrap_or_else(|| panic!("no ZXing-C++ result for {}/{}", p.folder, p.name));
            tallies.entry(("ZXing-C++ 3.1", sets.iter().find(|s| **s == p.folder).unwrap())).or_default().add(
                p,
                o,
                other_codes(p),
            );
        }
    }
    if let Some(path) = arg_value(&args, "--times") {
        std::fs::write(path, &times).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
    }
    println!("(times: thread CPU ms of the decode call, best of {reps} per photo; read = exact text)");
    for p in &photos {
        let others: Vec<&String> = other_codes(p).iter().filter(|t| Some(*t) != p.expected.as_ref()).collect();
        if !others.is_empty() {
            let show = |t: &String| t.chars().take(30).collect::<String>();
            let named = show(p.expected.as_ref().unwrap_or(&String::new()));
            let others: Vec<String> = others.into_iter().map(show).collect();
            println!(
                "({}/{} holds more codes: {named:?} named, also {others:?}; each counts as read)",
                p.folder, p.name
            );
        }
    }
    println!();
    println!("| set | decoder | read | wrong text | false positives | panics | median ms | p90 ms | total ms |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for set in &sets {
        for name in &names {
            if let Some(t) = tallies.get(&(*name, *set)) {
                println!("{}", t.row(set, name));
            }
        }
    }
    for (label, filter) in [("tuning sets", false), ("all sets", true)] {
        for name in &names {
            let mut all = Tally::default();
            for set in sets.iter().filter(|s| filter || **s != "jsqr-e2e") {
                if let Some(t) = tallies.get(&(*name, *set)) {
                    all.merge(t);
                }
            }
            println!("{}", all.row(&format!("**{label}**"), name));
        }
    }
    if show_misses {
        for name in &names {
            for set in &sets {
                if let Some(t) = tallies.get(&(*name, *set)) {
                    for m in &t.misses {
                        println!("  {name}: {m}");
                    }
                }
            }
        }
    }
    if !args.iter().any(|a| a == "--no-camera") {
        camera(reps.max(5));
    }
}

/// 1280x720 camera frames: the 30-scene synthetic camera set and 9 more scenes (with a code),
/// the no-code photos stretched to 720p and synthetic clutter (without).
fn camera(reps: usize) {
    let url = SCENE_URL;
    let mut with: Vec<Vec<u8>> =
        camera_set().iter().filter(|(_, s)| s.w == 1280 && s.h == 720).map(|(_, s)| render(url, s)).collect();
    with.extend(hd_scenes().iter().map(|s| render(url, s)));
    let mut without: Vec<Vec<u8>> = photos_in(&["falsepositives-1", "falsepositives-2"])
        .iter()
        .filter(|p| p.w >= 100)
        .map(|p| resize(&p.luma, p.w, p.h, 1280, 720))
        .collect();
    without.extend((1..=10u64).map(|seed| clutter(1280, 720, seed)));

    println!("\n1280x720 camera frames (thread CPU ms, best of {reps} per frame)\n");
    println!("| frames | decoder | read / false positives | median ms | p90 ms |");
    println!("|---|---|---|---|---|");
    type Cam = fn(&[u8]) -> Option<String>;
    let dec: [(&str, Cam); 3] = [
        ("kazasu-qr `decode`", |l| kazasu(l, 1280, 720)),
        ("kazasu-qr `Scanner::scan`, first frame", |l| {
            let f = LumaFrame::packed(1280, 720, l).ok()?;
            Scanner::new().scan(&f).ok().flatten().map(|d| d.text)
        }),
        ("rxing 0.9", |l| rxing(l, 1280, 720)),
    ];
    for (label, frames, has_code) in [("with a code", &with, true), ("without a code", &without, false)] {
        for &(name, d) in &dec {
            let mut ms = Vec::new();
            let mut hits = 0;
            for fr in frames.iter() {
                let mut best = f64::MAX;
                let mut got = None;
                for _ in 0..reps {
                    let t = cpu_ms();
                    got = catch_unwind(AssertUnwindSafe(|| d(fr))).ok().flatten();
                    best = best.min(cpu_ms() - t);
                }
                ms.push(best);
                hits += if has_code { (got.as_deref() == Some(url)) as usize } else { got.is_some() as usize };
            }
            let (md, p90, _) = stats(&ms);
            let what = if has_code {
                format!("{hits}/{} read", frames.len())
            } else {
                format!("{hits} false positives of {}", frames.len())
            };
            println!("| {label} | {name} | {what} | {md:.2} | {p90:.2} |");
        }
    }
}
