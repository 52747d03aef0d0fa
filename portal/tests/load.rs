//! Bounded loopback load: N requests, each submitted M times concurrently (the same valid signature), through
//! C client threads. None may be lost, none accepted twice: exactly N accepted, N×(M−1) refused as replays,
//! and the database holds N signatures. Prints a table; asserts only correctness, never speed.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use kazasu_core::handoff::{self, Submission};
use kazasu_core::HashAlgorithm;
use support::*;

const N: usize = 60;
const M: usize = 6;
const C: usize = 24;

/// The app's clock agrees with the portal's pinned one.
fn now() -> i64 {
    TEST_NOW
}

#[test]
fn concurrent_duplicate_submissions_are_accepted_exactly_once_each() {
    let dir = TempDir::new("load");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let base = server.url("");
    // N requests, each signed once by the software card.
    let mut jobs = Vec::with_capacity(N * M);
    for _ in 0..N {
        let c = create(&base);
        let url = handoff::parse_link(&c.request_url).unwrap();
        let req = handoff::fetch_request(&mut Http::new(), &url, now()).unwrap();
        let (sig, cert) = card_sign(req.bytes_to_sign());
        let body = Submission::new(&req, HashAlgorithm::Sha256, sig, cert).to_json();
        let submit = server.url(&format!("/r/{}/submit", c.request_id));
        for _ in 0..M {
            jobs.push((c.request_id.clone(), submit.clone(), body.clone()));
        }
    }
    // Interleave so duplicates of one request race each other.
    let mut rng = 0x2545F4914F6CDD1Du64;
    for i in (1..jobs.len()).rev() {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        jobs.swap(i, (rng % (i as u64 + 1)) as usize);
    }
    let queue = Arc::new(Mutex::new(jobs));
    let accepted_by_request = Arc::new(Mutex::new(std::collections::HashMap::<String, usize>::new()));
    let (accepted, replayed, other) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let started = Instant::now();
    let threads: Vec<_> = (0..C)
        .map(|_| {
            let (queue, by_req) = (queue.clone(), accepted_by_request.clone());
            let (accepted, replayed, other) = (accepted.clone(), replayed.clone(), other.clone());
            std::thread::spawn(move || loop {
                let Some((id, url, body)) = queue.lock().unwrap().pop() else { break };
                let (status, reply) = post_raw(&url, &body);
                match (status, error_code(&reply).as_str()) {
                    (200, _) => {
                        accepted.fetch_add(1, Ordering::Relaxed);
                        *by_req.lock().unwrap().entry(id).or_default() += 1;
                    }
                    (409, "replayed") => {
                        replayed.fetch_add(1, Ordering::Relaxed);
                    }
                    (s, e) => {
                        eprintln!("unexpected answer {s} {e}");
                        other.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = started.elapsed();
    let (a, r, o) = (accepted.load(Ordering::Relaxed), replayed.load(Ordering::Relaxed), other.load(Ordering::Relaxed));
    println!("| requests | submissions each | client threads | submissions | accepted | refused (replay) | other | wall time | submissions/s |");
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {N} | {M} | {C} | {} | {a} | {r} | {o} | {:.2} s | {:.0} |",
        N * M,
        elapsed.as_secs_f64(),
        (N * M) as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(o, 0, "no other outcome than accepted or replayed");
    assert_eq!(a, N, "each request accepted exactly once");
    assert_eq!(r, N * (M - 1));
    let by_req = accepted_by_request.lock().unwrap();
    assert_eq!(by_req.len(), N);
    assert!(by_req.values().all(|&n| n == 1));
    assert_eq!(server.state.store().counts().unwrap(), (N as i64, N as i64, N as i64));
    assert!(server.state.store().integrity_ok().unwrap());
}
