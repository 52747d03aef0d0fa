//! Timings of the libnfc transport against the emulated PN532 (pty, no hardware), printed as a table.
//! `cargo run -p kazasu-nfc --features libnfc --example bench [--release]`
//!
//! Two lines: at pty speed (what libnfc and the emulator cost), and with the emulator modelling a
//! 115200-baud serial line as a PN532 HSU board runs (what a real PN532 UART link adds). The card itself
//! is the software card, so card time (seconds for a real signature) is not in these numbers.
#![allow(clippy::unwrap_used)] // a measuring tool, not product code: an unwrap that fails stops the run

use std::time::{Duration, Instant};

use kazasu_core::softcard::{fixture, SoftCard};
use kazasu_core::{flow, HashAlgorithm, LastTry, SignPin, Transport};
use kazasu_nfc::{NfcTransport, DEFAULT_APDU_TIMEOUT};
use pn532_emu::{Config, Emulator, Field};

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let median = samples[samples.len() / 2];
    let p95 = samples[(samples.len() * 95 / 100).min(samples.len() - 1)];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    (median, mean, p95)
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let select_ap = [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
    let select_cert = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A];
    let read_256 = [0x00, 0xB0, 0x00, 0x00, 0x00];
    println!("| link | measurement | runs | median ms | mean ms | p95 ms |");
    println!("|---|---|---|---|---|---|");
    for (label, baud) in [("pty", None), ("115200 baud modelled", Some(115_200))] {
        let emu =
            Emulator::start(SoftCard::new(), Field::new(), Config { line_baud: baud, ..Config::default() }).unwrap();
        let row = |what: &str, s: Vec<Duration>| {
            let n = s.len();
            let (median, mean, p95) = stats(s);
            println!("| {label} | {what} | {n} | {} | {} | {} |", ms(median), ms(mean), ms(p95));
        };

        let opens: Vec<Duration> = (0..5)
            .map(|_| {
                let t0 = Instant::now();
                let t = NfcTransport::open(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
                let d = t0.elapsed();
                drop(t);
                d
            })
            .collect();
        row("open reader + activate card", opens);

        let mut t = NfcTransport::open(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
        t.transmit(&select_ap).unwrap();
        let small: Vec<Duration> = (0..200)
            .map(|_| {
                let t0 = Instant::now();
                assert_eq!(t.transmit(&select_cert).unwrap(), vec![0x90, 0x00]);
                t0.elapsed()
            })
            .collect();
        row("APDU round trip, 7 B out / 2 B back", small);
        let big: Vec<Duration> = (0..100)
            .map(|_| {
                let t0 = Instant::now();
                assert_eq!(t.transmit(&read_256).unwrap().len(), 258);
                t0.elapsed()
            })
            .collect();
        row("APDU round trip, READ BINARY 256 B", big);

        let mut apdus = 0;
        let flows: Vec<Duration> = (0..20)
            .map(|_| {
                let t0 = Instant::now();
                let pin = SignPin::new(fixture::SIGN_PIN).unwrap();
                let signed = flow::sign(&mut t, pin, LastTry::NotConfirmed, HashAlgorithm::Sha256, b"bench").unwrap();
                apdus = signed.traffic.apdus;
                t0.elapsed()
            })
            .collect();
        row(&format!("full sign flow ({apdus} APDUs: counter, VERIFY, cert, sign)"), flows);
    }
}
