//! Submissions per second through real portal processes, in one run: SQLite (one instance), PostgreSQL (one
//! instance), PostgreSQL (two instances behind nginx). Each request is created, fetched and signed beforehand;
//! only the submissions (verification + the recording transaction) are timed. Prints a table, asserts only that
//! every submission was accepted. PostgreSQL and nginx come from .ci/postgres.sh (tests/support/pg.rs).
//!
//! `cargo test -p kazasu-portal --bench submissions` (debug build, as CI runs it) or `cargo bench …` (release).
#![allow(clippy::unwrap_used)] // a benchmark of test code: an unwrap that fails is a run that fails

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use support::pg::{self, Nginx, PgDatabase, Portal};
use support::TempDir;

const SUBMISSIONS: usize = 200;
const CLIENTS: usize = 8;

struct Row {
    backend: &'static str,
    instances: &'static str,
    seconds: f64,
    accepted: usize,
}

/// Submits every prepared submission once through `base` from CLIENTS threads; (seconds, accepted).
fn run(base: &str) -> (f64, usize) {
    let jobs = Arc::new(support::signed_submissions(base, SUBMISSIONS));
    let next = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(Mutex::new(0usize));
    let started = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (jobs, next, accepted, base) = (jobs.clone(), next.clone(), accepted.clone(), base.to_string());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(s) = jobs.get(i) else { break };
                if support::submit(&format!("{base}{}", s.submit_path), &s.body).accepted() {
                    *accepted.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let accepted = *accepted.lock().unwrap();
    (seconds, accepted)
}

fn one_instance(dir: &Path, name: &str, db: &Path) -> (f64, usize) {
    let port = pg::free_port();
    let listen = format!("127.0.0.1:{port}");
    let portal = Portal::spawn(dir, name, db, &listen, &format!("http://{listen}"));
    run(&format!("http://{}", portal.addr))
}

fn main() {
    let dir = TempDir::new("bench");
    let mut rows = Vec::new();
    let (seconds, accepted) = one_instance(dir.path(), "sqlite", &dir.path().join("bench.sqlite3"));
    rows.push(Row { backend: "SQLite", instances: "1", seconds, accepted });
    if let Some(server) = pg::server() {
        let db = PgDatabase::create(&server, "bench1");
        let (seconds, accepted) = one_instance(dir.path(), "pg1", &db.path());
        rows.push(Row { backend: "PostgreSQL", instances: "1", seconds, accepted });

        let db = PgDatabase::create(&server, "bench2");
        let port = pg::free_port();
        let origin = format!("http://127.0.0.1:{port}");
        let a = Portal::spawn(dir.path(), "pg2a", &db.path(), "127.0.0.1:0", &origin);
        let b = Portal::spawn(dir.path(), "pg2b", &db.path(), "127.0.0.1:0", &origin);
        let nginx = Nginx::start(dir.path(), port, &[&a.addr, &b.addr]);
        let (seconds, accepted) = run(&origin);
        rows.push(Row { backend: "PostgreSQL", instances: "2 (nginx)", seconds, accepted });
        drop((nginx, a, b));
    }
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!(
        "\nsubmissions per second ({SUBMISSIONS} submissions, {CLIENTS} client threads, {profile} build, loopback)"
    );
    println!("| backend | instances | submissions | accepted | wall time | submissions/s |");
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {SUBMISSIONS} | {} | {:.2} s | {:.0} |",
            r.backend,
            r.instances,
            r.accepted,
            r.seconds,
            SUBMISSIONS as f64 / r.seconds
        );
    }
    assert!(rows.iter().all(|r| r.accepted == SUBMISSIONS), "every submission accepted");
}
