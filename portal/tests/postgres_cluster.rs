//! Two portal instances behind nginx on one PostgreSQL (started by .ci/postgres.sh; see tests/support/pg.rs):
//! duplicates of each submission race through both instances, one instance is killed with SIGKILL and the
//! database is crash-restarted while submissions are in flight. Prints tables; asserts only correctness.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kazasu_portal::store::Store;
use support::pg::{self, Nginx, PgDatabase, Portal};
use support::*;

/// Two instances on `db` behind nginx on a free port; the public origin is nginx's.
fn cluster(dir: &TempDir, db: &PgDatabase) -> (Portal, Portal, Nginx, String) {
    let port = pg::free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let a = Portal::spawn(dir.path(), "a", &db.path(), "127.0.0.1:0", &origin);
    let b = Portal::spawn(dir.path(), "b", &db.path(), "127.0.0.1:0", &origin);
    let nginx = Nginx::start(dir.path(), port, &[&a.addr, &b.addr]);
    (a, b, nginx, origin)
}

#[test]
#[ignore = "needs PostgreSQL and nginx from .ci/postgres.sh, which runs it with --ignored"]
fn duplicates_through_two_instances_are_accepted_exactly_once_and_pages_work_on_either() {
    const N: usize = 60;
    const M: usize = 4;
    const C: usize = 16;
    let server = pg::server().expect("KAZASU_TEST_POSTGRES (.ci/postgres.sh)");
    let dir = TempDir::new("pg-cluster");
    let db = PgDatabase::create(&server, "cluster");
    let (a, b, _nginx, base) = cluster(&dir, &db);

    // The desktop page's requests, whichever instance answers.
    let (c, cookie) = create_owned(&base);
    let mut page_upstreams = HashSet::new();
    for path in ["/status", "/qr.svg", "/qr.png", "", "/application.txt", "/status"] {
        let r = agent().get(&format!("{base}/a/{}{path}", c.view_id)).set("Cookie", &cookie).call().unwrap();
        assert_eq!(r.status(), 200, "{path}");
        page_upstreams.insert(r.header("x-upstream").unwrap_or("").to_string());
    }
    assert_eq!(page_upstreams, HashSet::from([a.addr.clone(), b.addr.clone()]), "both instances served the page");

    let signed = support::signed_submissions(&base, N);
    let mut jobs: Vec<usize> = (0..N).flat_map(|i| std::iter::repeat_n(i, M)).collect();
    pg::shuffle(&mut jobs);
    let queue = Arc::new(Mutex::new(jobs));
    let signed = Arc::new(signed);
    let answers = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let threads: Vec<_> = (0..C)
        .map(|_| {
            let (queue, signed, answers, base) = (queue.clone(), signed.clone(), answers.clone(), base.clone());
            std::thread::spawn(move || loop {
                let Some(i) = queue.lock().unwrap().pop() else { break };
                let s = &signed[i];
                let answer = support::submit(&format!("{base}{}", s.submit_path), &s.body);
                answers.lock().unwrap().push((i, answer));
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = started.elapsed();
    let answers = answers.lock().unwrap();
    let mut accepted = vec![0usize; N];
    let mut upstreams: HashMap<usize, HashSet<String>> = HashMap::new();
    let (mut replayed, mut other) = (0, 0);
    for (i, ans) in answers.iter() {
        upstreams.entry(*i).or_default().insert(ans.upstream.clone());
        if ans.accepted() {
            accepted[*i] += 1;
        } else if ans.replayed() {
            replayed += 1;
        } else {
            eprintln!("unexpected answer {ans:?}");
            other += 1;
        }
    }
    let both = upstreams.values().filter(|u| u.len() == 2).count();
    let store = Store::open(&db.path()).unwrap();
    let (requests, signed_requests, signatures) = store.counts().unwrap();
    println!("| instances | requests | submissions each | submissions | duplicates through both instances | accepted | replayed | other | lost | signatures in DB | submissions/s |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| 2 (nginx) | {N} | {M} | {} | {both} of {N} requests | {} | {replayed} | {other} | {} | {signatures} | {:.0} |",
        N * M,
        accepted.iter().sum::<usize>(),
        accepted.iter().filter(|&&n| n == 0).count(),
        (N * M) as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(other, 0, "every answer is an acceptance or a clean replay");
    assert_eq!(accepted, vec![1; N], "each request accepted exactly once");
    assert_eq!(replayed, N * (M - 1));
    assert!(both >= N / 2, "duplicates of most requests reached both instances ({both} of {N})");
    assert_eq!((requests, signed_requests, signatures), (N as i64 + 1, N as i64, N as i64));
    assert!(store.integrity_ok().unwrap());
}

/// Where the load stood when an answer came back.
const BEFORE_KILL: usize = 0;
const AFTER_RESTART: usize = 3;

#[test]
#[ignore = "needs PostgreSQL and nginx from .ci/postgres.sh, which runs it with --ignored"]
fn acknowledged_signatures_survive_kill_9_of_an_instance_and_a_postgres_restart_exactly_once() {
    const K: usize = 240;
    const THREADS: usize = 8;
    let server = pg::server().expect("KAZASU_TEST_POSTGRES (.ci/postgres.sh)");
    let dir = TempDir::new("pg-chaos");
    let db = PgDatabase::create(&server, "chaos");
    let (mut a, _b, _nginx, base) = cluster(&dir, &db);
    let a_listen = a.addr.clone();
    let jobs = Arc::new(support::signed_submissions(&base, K));

    let queue = Arc::new(Mutex::new((0..K).rev().collect::<Vec<_>>()));
    let phase = Arc::new(AtomicUsize::new(BEFORE_KILL));
    let done = Arc::new(AtomicUsize::new(0));
    // (job, phase when answered, answer)
    let answers = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (queue, phase, done, answers, jobs, base) =
                (queue.clone(), phase.clone(), done.clone(), answers.clone(), jobs.clone(), base.clone());
            std::thread::spawn(move || loop {
                let Some(i) = queue.lock().unwrap().pop() else { break };
                let s = &jobs[i];
                let answer = support::submit(&format!("{base}{}", s.submit_path), &s.body);
                answers.lock().unwrap().push((i, phase.load(Ordering::SeqCst), answer));
                done.fetch_add(1, Ordering::SeqCst);
                // Paced, so that the load outlasts the kill and the restart.
                std::thread::sleep(Duration::from_millis(10));
            })
        })
        .collect();
    let wait_for = |n: usize| {
        while done.load(Ordering::SeqCst) < n {
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    wait_for(K / 4);
    a.kill9();
    phase.store(1, Ordering::SeqCst);
    let left_at_kill = queue.lock().unwrap().len();
    wait_for(K / 2);
    phase.store(2, Ordering::SeqCst);
    let left_at_restart = queue.lock().unwrap().len();
    let restart_started = Instant::now();
    pg::restart_postgres();
    let restart_took = restart_started.elapsed();
    phase.store(AFTER_RESTART, Ordering::SeqCst);
    for t in threads {
        t.join().unwrap();
    }
    assert!(left_at_kill > 0 && left_at_restart > 0, "the kill and the restart landed mid-load");

    let answers = answers.lock().unwrap();
    let acked: HashSet<usize> = answers.iter().filter(|(_, _, a)| a.accepted()).map(|(i, _, _)| *i).collect();
    let acked_before_kill = answers.iter().filter(|(_, p, a)| *p == BEFORE_KILL && a.accepted()).count();
    let acked_after_restart = answers.iter().filter(|(_, p, a)| *p == AFTER_RESTART && a.accepted()).count();
    let failed: Vec<&support::SubmitAnswer> =
        answers.iter().filter(|(_, _, a)| !a.accepted()).map(|(_, _, a)| a).collect();
    assert!(acked_before_kill > 0, "acknowledgements before the kill");
    assert!(acked_after_restart > 0, "acknowledgements after PostgreSQL came back");
    assert!(
        failed.iter().all(|a| matches!(a.status, 0 | 500 | 502 | 503 | 504)),
        "before any resubmission, a failure is only an unavailable instance or database: {failed:?}"
    );

    // Every acknowledged signature is in the database (read directly, not through a portal).
    let store = Store::open(&db.path()).unwrap();
    for &i in &acked {
        let (row, sig) = store.by_id(&jobs[i].request_id).unwrap().expect("the request");
        assert!(row.signed && sig.is_some(), "acknowledged signature {i} lost");
    }

    // The killed instance comes back on its address; every submission is sent once more.
    let a = Portal::spawn(dir.path(), "a2", &db.path(), &a_listen, &base);
    assert_eq!(a.addr, a_listen);
    let (mut accepted_again, mut committed_answer_lost) = (0, 0);
    for (i, s) in jobs.iter().enumerate() {
        let ans = support::submit(&format!("{base}{}", s.submit_path), &s.body);
        if acked.contains(&i) {
            assert!(ans.replayed(), "acknowledged {i} answered {ans:?} on resubmission, not replayed");
        } else if ans.accepted() {
            accepted_again += 1;
        } else {
            assert!(ans.replayed(), "{i}: {ans:?}");
            committed_answer_lost += 1;
        }
    }
    let mut by_status = std::collections::BTreeMap::new();
    for f in &failed {
        *by_status.entry(f.status).or_insert(0) += 1;
    }
    let failures: Vec<String> = by_status.iter().map(|(s, n)| format!("{n}×{s}")).collect();
    let (requests, signed, signatures) = store.counts().unwrap();
    println!(
        "| submissions | acknowledged (before kill -9) | failed during kill -9 / restart | PostgreSQL restart | committed, answer lost | accepted on resubmission | signatures in DB |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {K} | {} ({acked_before_kill}) | {} ({}) | {:.1} s | {committed_answer_lost} | {accepted_again} | {signatures} |",
        acked.len(),
        failed.len(),
        failures.join(", "),
        restart_took.as_secs_f64()
    );
    assert_eq!((requests, signed, signatures), (K as i64, K as i64, K as i64), "every request signed exactly once");
    assert!(store.integrity_ok().unwrap());
}
