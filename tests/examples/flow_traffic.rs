//! APDUs and bytes of one full sign flow (counter, VERIFY, read the sign certificate, sign) against the
//! software card, per kind of link. Prints a table; `scripts/bench.sh` runs it.

use kazasu_core::softcard::{fixture, Quirks, SoftCard};
use kazasu_core::{flow, HashAlgorithm, LastTry, SignPin};

fn main() {
    let links = [
        ("extended length", Quirks::default()),
        ("short only", Quirks { short_only: true, ..Quirks::default() }),
        ("short, 61xx chaining", Quirks { short_only: true, chaining_61xx: true, ..Quirks::default() }),
        ("extended, 61xx chaining", Quirks { chaining_61xx: true, ..Quirks::default() }),
    ];
    println!("sign certificate: {} bytes", fixture::SIGN_CERT.len());
    println!("| link | APDUs | bytes sent | bytes received |");
    println!("|---|---:|---:|---:|");
    for (name, quirks) in links {
        let mut card = SoftCard::new().with_quirks(quirks);
        let pin = SignPin::new(fixture::SIGN_PIN).expect("fixture PIN is valid");
        match flow::sign(&mut card, pin, LastTry::NotConfirmed, HashAlgorithm::Sha256, b"bench") {
            Ok(s) => {
                println!("| {name} | {} | {} | {} |", s.traffic.apdus, s.traffic.bytes_sent, s.traffic.bytes_received)
            }
            Err(e) => println!("| {name} | failed: {e} | | |"),
        }
    }
}
