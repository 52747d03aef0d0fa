//! kill -9 in the middle of submissions, then a restart on the same database: every signature the portal
//! acknowledged is there, nothing is half-written, and every request ends up signed exactly once.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kazasu_core::handoff::{self, Submission};
use kazasu_core::HashAlgorithm;
use kazasu_portal::store::Store;
use support::*;

const K: usize = 80;
const THREADS: usize = 8;

/// The app's clock agrees with the portal's pinned one.
fn now() -> i64 {
    TEST_NOW
}

// The caller kills and waits for the child it gets back.
#[allow(clippy::zombie_processes)]
fn spawn_portal(dir: &Path, listen: &str) -> (Child, String) {
    let addr_file = dir.join("addr");
    let _ = std::fs::remove_file(&addr_file);
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-ca.pem");
    let crl = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-ca.crl.pem");
    let token_file = dir.join("office-token");
    std::fs::write(&token_file, OFFICE_TOKEN).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kazasu-portal"))
        .args([
            "--listen",
            listen,
            "--fixed-clock",
            TEST_NOW_UTC,
            "--ca",
            ca,
            "--crl",
            crl,
            "--submit-per-minute",
            "100000",
            "--submit-burst",
            "100000",
        ])
        .args(["--create-per-minute", "100000", "--create-burst", "100000", "--office-token-file"])
        .arg(&token_file)
        .arg("--addr-file")
        .arg(&addr_file)
        .arg("--db")
        .arg(dir.join("portal.sqlite3"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(a) = std::fs::read_to_string(&addr_file) {
            return (child, a);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the portal did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn acknowledged_signatures_survive_kill_9_and_none_is_recorded_twice() {
    let dir = TempDir::new("kill9");
    let (mut child, addr) = spawn_portal(dir.path(), "127.0.0.1:0");
    let base = format!("http://{addr}");
    let mut jobs = Vec::new();
    for _ in 0..K {
        let c = create(&base);
        let url = handoff::parse_link(&c.request_url).unwrap();
        let req = handoff::fetch_request(&mut Http::new(), &url, now()).unwrap();
        let (sig, cert) = card_sign(req.bytes_to_sign());
        jobs.push((c, Submission::new(&req, HashAlgorithm::Sha256, sig, cert).to_json()));
    }
    let queue = Arc::new(Mutex::new((0..K).collect::<Vec<_>>()));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let jobs = Arc::new(jobs);
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (queue, acked, done, jobs, base) =
                (queue.clone(), acked.clone(), done.clone(), jobs.clone(), base.clone());
            std::thread::spawn(move || loop {
                let Some(i) = queue.lock().unwrap().pop() else { break };
                let (c, body) = &jobs[i];
                let r = agent()
                    .post(&format!("{base}/r/{}/submit", c.request_id))
                    .set("Content-Type", "application/json")
                    .send_bytes(body);
                match r {
                    Ok(resp) if resp.status() == 200 => acked.lock().unwrap().push(i),
                    Ok(_) | Err(ureq::Error::Status(..)) => panic!("refused before the kill"),
                    Err(_) => {} // the portal died under this request
                }
                done.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    // Kill -9 while submissions are in flight.
    while done.load(Ordering::Relaxed) < K / 3 {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for t in threads {
        t.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(!acked.is_empty() && acked.len() < K, "the kill landed mid-run ({} of {K} acknowledged)", acked.len());

    // Restart on the same database and the same address (the documents name that origin).
    let (mut child, addr2) = spawn_portal(dir.path(), &addr);
    assert_eq!(addr2, addr);
    let mut resubmitted_ok = 0;
    let mut already = 0;
    for (i, (c, body)) in jobs.iter().enumerate() {
        let record = office(&base, &c.request_id);
        let state: kazasu_portal::ApplicationState = serde_json::from_value(record["state"].clone()).unwrap();
        if acked.contains(&i) {
            assert_eq!(state, kazasu_portal::ApplicationState::Signed, "acknowledged signature {i} lost");
            assert_eq!(record["signature"]["name"], "かざす　花子");
        }
        let (code, reply) = post_raw(&format!("{base}/r/{}/submit", c.request_id), body);
        match code {
            200 => {
                assert_eq!(state, kazasu_portal::ApplicationState::Pending, "{i} accepted again after being signed");
                resubmitted_ok += 1;
            }
            409 => {
                assert_eq!(error_code(&reply), "replayed");
                assert_eq!(state, kazasu_portal::ApplicationState::Signed);
                already += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let store = Store::open(&dir.path().join("portal.sqlite3")).unwrap();
    assert!(store.integrity_ok().unwrap());
    let (requests, signed, signatures) = store.counts().unwrap();
    assert_eq!((requests, signed, signatures), (K as i64, K as i64, K as i64));
    println!("| submissions | acknowledged before kill -9 | committed, answer lost | accepted after restart | signatures in DB |");
    println!("|---|---|---|---|---|");
    println!("| {K} | {} | {} | {resubmitted_ok} | {signatures} |", acked.len(), already - acked.len());
}
