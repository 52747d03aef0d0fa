//! The store's guarantees, the same on both backends: SQLite always, PostgreSQL when `.ci/postgres.sh` gave
//! one (see tests/support/pg.rs). Two `Store`s on one database stand for two portal instances.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use std::path::Path;
use std::sync::{Arc, Barrier};

use kazasu_core::handoff::Field;
use kazasu_portal::store::{
    migrations, RecordRefusal, Relink, RequestKind, RequestRow, SignatureRow, Store, StoreError,
};
use support::pg::{self, PgDatabase};
use support::TempDir;

const NOW: i64 = 1_796_083_200;

/// Runs `check` on a fresh SQLite file, then on a fresh PostgreSQL database if there is one.
fn on_each_backend(tag: &str, check: impl Fn(&Path)) {
    let dir = TempDir::new(tag);
    check(&dir.path().join("portal.sqlite3"));
    if let Some(server) = pg::server() {
        let db = PgDatabase::create(&server, tag);
        check(&db.path());
    }
}

fn request(n: usize, expires_at: i64) -> RequestRow {
    RequestRow {
        id: format!("req-{n}"),
        view_id: format!("view-{n}"),
        nonce: format!("nonce-{n}"),
        document: format!("document {n}").into_bytes(),
        fields: vec![Field { label: "通数".into(), value: n.to_string() }],
        created_at: NOW,
        expires_at,
        signed: false,
        owner: Some(vec![n as u8; 32]),
        account_key: None,
        kind: RequestKind::Application,
        outcome: None,
    }
}

fn signature(n: usize) -> SignatureRow {
    SignatureRow {
        digest_algorithm: "SHA-256".into(),
        signature: vec![n as u8; 256],
        certificate: vec![0x30, 0x82, n as u8],
        name: Some("かざす　花子".into()),
        address: Some("三重県伊勢市".into()),
        date_of_birth: Some("1990-01-01".into()),
        gender: Some("2".into()),
        cert_serial: format!("{n:04x}"),
        cert_issuer: "TEST CA".into(),
        signed_at: NOW + n as i64,
    }
}

#[test]
fn a_request_and_its_signature_read_back_as_written() {
    on_each_backend("roundtrip", |db| {
        let store = Store::open(db).unwrap();
        store.create_request(&request(1, NOW + 600)).unwrap();
        let r = store.request("req-1").unwrap().expect("stored");
        assert_eq!(
            (r.view_id.as_str(), r.nonce.as_str(), r.document.as_slice()),
            ("view-1", "nonce-1", &b"document 1"[..])
        );
        assert_eq!(r.fields[0].value, "1");
        assert_eq!(r.owner, Some(vec![1; 32]));
        assert!(!r.signed);
        assert!(store.by_view("view-1").unwrap().unwrap().1.is_none());
        assert_eq!(store.record_signature("req-1", "nonce-1", NOW, &signature(1)).unwrap(), Ok(()));
        let (r, sig) = store.by_id("req-1").unwrap().unwrap();
        assert!(r.signed);
        let sig = sig.expect("the signature");
        assert_eq!((sig.name.as_deref(), sig.signature.len(), sig.signed_at), (Some("かざす　花子"), 256, NOW + 1));
        assert_eq!(store.by_view("view-1").unwrap().unwrap().1.unwrap().cert_serial, "0001");
        assert!(store.request("nope").unwrap().is_none() && store.by_view("nope").unwrap().is_none());
        assert_eq!(store.counts().unwrap(), (1, 1, 1));
        assert!(store.integrity_ok().unwrap());
    });
}

#[test]
fn a_nonce_is_accepted_once_and_only_while_pending_and_unexpired() {
    on_each_backend("once", |db| {
        let store = Store::open(db).unwrap();
        store.create_request(&request(1, NOW + 600)).unwrap();
        store.create_request(&request(2, NOW + 600)).unwrap();
        assert_eq!(
            store.record_signature("req-1", "nonce-2", NOW, &signature(1)).unwrap(),
            Err(RecordRefusal::NotFound)
        );
        assert_eq!(
            store.record_signature("req-1", "nonce-1", NOW + 600, &signature(1)).unwrap(),
            Err(RecordRefusal::Expired)
        );
        assert_eq!(store.record_signature("req-1", "nonce-1", NOW, &signature(1)).unwrap(), Ok(()));
        assert_eq!(
            store.record_signature("req-1", "nonce-1", NOW, &signature(1)).unwrap(),
            Err(RecordRefusal::AlreadySigned)
        );
        assert_eq!(store.counts().unwrap(), (2, 1, 1));
    });
}

#[test]
fn concurrent_submissions_through_two_stores_commit_exactly_one_signature_each() {
    const REQUESTS: usize = 20;
    const RACERS: usize = 8;
    on_each_backend("race", |db| {
        // Two stores on one database: two instances, each with its own connections.
        let stores = [Arc::new(Store::open(db).unwrap()), Arc::new(Store::open(db).unwrap())];
        for n in 0..REQUESTS {
            stores[n % 2].create_request(&request(n, NOW + 600)).unwrap();
        }
        let barrier = Arc::new(Barrier::new(RACERS));
        let threads: Vec<_> = (0..RACERS)
            .map(|t| {
                let (store, barrier) = (stores[t % 2].clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..REQUESTS)
                        .map(|n| store.record_signature(&format!("req-{n}"), &format!("nonce-{n}"), NOW, &signature(n)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut accepted = vec![0; REQUESTS];
        for t in threads {
            for (n, outcome) in t.join().unwrap().into_iter().enumerate() {
                match outcome.unwrap() {
                    Ok(()) => accepted[n] += 1,
                    Err(refusal) => assert_eq!(refusal, RecordRefusal::AlreadySigned),
                }
            }
        }
        assert_eq!(accepted, vec![1; REQUESTS], "each request accepted exactly once");
        assert_eq!(stores[0].counts().unwrap(), (REQUESTS as i64, REQUESTS as i64, REQUESTS as i64));
        assert!(stores[1].integrity_ok().unwrap());
    });
}

#[test]
fn purging_removes_expired_unsigned_requests_only() {
    on_each_backend("purge", |db| {
        let store = Store::open(db).unwrap();
        store.create_request(&request(1, NOW - 10)).unwrap(); // expired, unsigned
        store.create_request(&request(2, NOW + 600)).unwrap(); // pending
        store.create_request(&request(3, NOW + 5)).unwrap(); // signed, then expired
        assert_eq!(store.record_signature("req-3", "nonce-3", NOW, &signature(3)).unwrap(), Ok(()));
        assert_eq!(store.purge_unsigned(NOW + 100).unwrap(), 1);
        assert!(store.request("req-1").unwrap().is_none());
        assert!(store.request("req-2").unwrap().is_some() && store.request("req-3").unwrap().is_some());
        assert_eq!(store.counts().unwrap(), (2, 1, 1));
    });
}

#[test]
fn instances_starting_together_migrate_once_and_reopening_migrates_nothing() {
    on_each_backend("migrate", |db| {
        let db = Arc::new(db.to_path_buf());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let db = db.clone();
                std::thread::spawn(move || Store::open(&db).map(|s| s.schema_version().unwrap()))
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap(), migrations::latest());
        }
        let store = Store::open(&db).unwrap();
        store.create_request(&request(1, NOW + 600)).unwrap();
        drop(store);
        let store = Store::open(&db).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::latest());
        assert_eq!(store.counts().unwrap(), (1, 0, 0), "reopening keeps the data");
    });
}

#[test]
fn a_database_migrated_by_a_newer_portal_is_refused() {
    let dir = TempDir::new("newer");
    let file = dir.path().join("portal.sqlite3");
    drop(Store::open(&file).unwrap());
    // A step recorded as refinery records it, by a portal that knows one more than this one.
    let newer = format!(
        "INSERT INTO {} (version, name, applied_on, checksum) VALUES ({}, 'from_a_newer_portal', '2026-12-01T00:00:00Z', '0')",
        migrations::HISTORY_TABLE,
        migrations::latest() + 1
    );
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute_batch(&newer).unwrap();
    drop(conn);
    let known = migrations::latest();
    assert!(
        matches!(Store::open(&file), Err(StoreError::NewerSchema { found, known: k }) if found == known + 1 && k == known)
    );
    if let Some(server) = pg::server() {
        let db = PgDatabase::create(&server, "newer");
        drop(Store::open(&db.path()).unwrap());
        let mut c = postgres::Client::connect(&db.url(), postgres::NoTls).unwrap();
        c.batch_execute(&newer).unwrap();
        assert!(matches!(Store::open(&db.path()), Err(StoreError::NewerSchema { .. })));
    }
}

/// The schema as the portal's earlier, hand-written runner made it (its step 1, in each dialect, recorded as
/// version 1 in schema_migrations), with one signed application in it.
const EARLIER_RUNNER: &str = "
CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY);
INSERT INTO schema_migrations (version) VALUES (1);
CREATE TABLE requests (id TEXT PRIMARY KEY, view_id TEXT NOT NULL UNIQUE, nonce TEXT NOT NULL UNIQUE,
    document {bytes} NOT NULL, fields TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'signed')), owner {bytes});
CREATE TABLE signatures (request_id TEXT PRIMARY KEY REFERENCES requests(id), nonce TEXT NOT NULL UNIQUE,
    digest_algorithm TEXT NOT NULL, signature {bytes} NOT NULL, certificate {bytes} NOT NULL, name TEXT, address TEXT,
    date_of_birth TEXT, gender TEXT, cert_serial TEXT NOT NULL, cert_issuer TEXT NOT NULL, signed_at BIGINT NOT NULL);
CREATE INDEX requests_pending_expiry ON requests (state, expires_at);
INSERT INTO requests (id, view_id, nonce, document, fields, created_at, expires_at, state)
    VALUES ('earlier', 'earlier-view', 'earlier-nonce', 'doc', '[]', 1796083200, 1796083800, 'signed');
INSERT INTO signatures (request_id, nonce, digest_algorithm, signature, certificate, name, cert_serial, cert_issuer,
    signed_at) VALUES ('earlier', 'earlier-nonce', 'sha256', 'sig', 'cert', 'かざす　花子', '01', 'Test CA', 1796083300);
";

#[test]
fn a_database_made_by_the_earlier_runner_is_adopted_with_its_data_and_then_refused_by_that_runner() {
    let check = |store: &Store| {
        assert_eq!(store.schema_version().unwrap(), migrations::latest());
        let (row, sig) = store.by_id("earlier").unwrap().expect("the earlier application kept");
        assert!(row.signed && row.document == b"doc");
        assert_eq!(sig.expect("its signature kept").name.as_deref(), Some("かざす　花子"));
        store.create_request(&request(1, NOW + 600)).unwrap();
        assert!(store.integrity_ok().unwrap());
    };
    let dir = TempDir::new("earlier");
    let file = dir.path().join("portal.sqlite3");
    let conn = rusqlite::Connection::open(&file).unwrap();
    // SQLite stores a string literal as TEXT: the byte columns get blob literals (PostgreSQL reads the same
    // strings as bytea).
    let blobs = [("'doc'", "x'646f63'"), ("'sig'", "x'736967'"), ("'cert'", "x'63657274'")];
    let sql = blobs.iter().fold(migrations::Dialect::Sqlite.sql(EARLIER_RUNNER), |sql, (s, b)| sql.replace(s, b));
    conn.execute_batch(&sql).unwrap();
    drop(conn);
    check(&Store::open(&file).unwrap());
    // The earlier runner refused a database whose schema_migrations version was above its own (1).
    let conn = rusqlite::Connection::open(&file).unwrap();
    let earlier_sees: i64 = conn.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert!(earlier_sees > 1);
    if let Some(server) = pg::server() {
        let db = PgDatabase::create(&server, "earlier");
        let mut c = postgres::Client::connect(&db.url(), postgres::NoTls).unwrap();
        c.batch_execute(&migrations::Dialect::Postgres.sql(EARLIER_RUNNER)).unwrap();
        check(&Store::open(&db.path()).unwrap());
        let earlier_sees: i64 = c.query_one("SELECT MAX(version) FROM schema_migrations", &[]).unwrap().get(0);
        assert!(earlier_sees > 1);
    }
}

#[test]
fn a_postgres_url_that_does_not_parse_is_refused_and_a_path_is_sqlite() {
    use kazasu_portal::store::Database;
    assert!(matches!(Database::from_arg(Path::new("postgres://host:notaport/db")), Err(StoreError::Url(_))));
    assert!(matches!(Database::from_arg(Path::new("postgresql://u@127.0.0.1:5432/db")), Ok(Database::Postgres(_))));
    assert!(matches!(Database::from_arg(Path::new("data/portal.sqlite3")), Ok(Database::Sqlite(_))));
}

#[test]
#[ignore = "needs PostgreSQL from .ci/postgres.sh, which runs it with --ignored"]
fn a_postgres_database_that_cannot_be_used_is_named_at_start_in_the_servers_words() {
    let server = pg::server().expect("KAZASU_TEST_POSTGRES (.ci/postgres.sh)");
    let err = Store::open(Path::new(&format!("{server}/kazasu_no_such_database"))).err().expect("refused");
    let text = err.to_string();
    assert!(text.contains("\"kazasu_no_such_database\" does not exist"), "{text}");
}

#[test]
fn an_sqlite_file_from_before_migrations_and_owner_cookies_is_migrated_in_place() {
    let dir = TempDir::new("legacy");
    let file = dir.path().join("portal.sqlite3");
    // The schema as the first portal created it: no schema_migrations, no owner column.
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute_batch(
        "CREATE TABLE requests (id TEXT PRIMARY KEY, view_id TEXT NOT NULL UNIQUE, nonce TEXT NOT NULL UNIQUE,
             document BLOB NOT NULL, fields TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
             state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'signed')));
         CREATE TABLE signatures (request_id TEXT PRIMARY KEY REFERENCES requests(id), nonce TEXT NOT NULL UNIQUE,
             digest_algorithm TEXT NOT NULL, signature BLOB NOT NULL, certificate BLOB NOT NULL, name TEXT,
             address TEXT, date_of_birth TEXT, gender TEXT, cert_serial TEXT NOT NULL, cert_issuer TEXT NOT NULL,
             signed_at INTEGER NOT NULL);
         INSERT INTO requests (id, view_id, nonce, document, fields, created_at, expires_at)
             VALUES ('old', 'old-view', 'old-nonce', x'00', '[]', 1796083200, 1796083800);",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&file).unwrap();
    assert_eq!(store.schema_version().unwrap(), migrations::latest());
    let old = store.request("old").unwrap().expect("the old request kept");
    assert_eq!(old.owner, None, "an old request has no owner, so no page");
    assert_eq!(store.record_signature("old", "old-nonce", NOW, &signature(1)).unwrap(), Ok(()));
    store.create_request(&request(2, NOW + 600)).unwrap();
    assert_eq!(store.request("req-2").unwrap().unwrap().owner, Some(vec![2; 32]));
    assert!(store.integrity_ok().unwrap());
}

fn login(n: usize, expires_at: i64) -> kazasu_portal::store::LoginRow {
    kazasu_portal::store::LoginRow {
        id: format!("login-{n}"),
        nonce: format!("login-nonce-{n}"),
        challenge: format!("challenge {n}").into_bytes(),
        session_secret: Some(format!("secret-{n}")),
        created_at: NOW,
        expires_at,
        state: kazasu_portal::store::LoginState::Pending,
        account_key: None,
    }
}

#[test]
fn a_log_in_challenge_is_used_once_redeemed_once_and_its_account_made_once() {
    use kazasu_core::handoff::rp::login::UsedChallenges;
    use kazasu_portal::store::LoginState;
    on_each_backend("login", |db| {
        // Two stores on one database: two instances.
        let (a, b) = (Store::open(db).unwrap(), Store::open(db).unwrap());
        a.create_login(&login(1, NOW + 600)).unwrap();
        a.create_login(&login(2, NOW + 600)).unwrap();
        let row = b.login("login-1").unwrap().expect("stored");
        assert_eq!((row.challenge.as_slice(), row.session_secret.as_deref()), (&b"challenge 1"[..], Some("secret-1")));
        assert_eq!(row.state, LoginState::Pending);

        let (mut used_a, mut used_b) = (a.used_challenges(), b.used_challenges());
        assert!(!used_b.was_used("login-nonce-1"));
        assert!(used_a.mark_used("login-nonce-1"), "the first answer uses it up");
        assert!(!used_b.mark_used("login-nonce-1"), "on every instance");
        assert!(used_b.was_used("login-nonce-1") && !used_b.was_used("login-nonce-2"));
        assert!(used_a.error.is_none() && used_b.error.is_none());
        let row = b.login("login-1").unwrap().unwrap();
        assert_eq!((row.state, row.session_secret), (LoginState::Answered, None), "the secret is forgotten");

        // Not redeemable before its account is recorded; recorded once.
        assert_eq!(a.redeem_login("login-1", NOW, &[1; 32], NOW, NOW + 60).unwrap(), None);
        assert!(a.record_login("login-1", "account-x", b"cert-x", NOW).unwrap());
        assert!(!b.record_login("login-1", "account-x", b"cert-x", NOW).unwrap());
        assert!(
            !a.record_login("login-2", "account-x", b"cert-x", NOW).unwrap(),
            "a pending challenge is not verified"
        );

        // Redeemed once, whichever instance is asked first; the session names the account.
        assert_eq!(b.redeem_login("login-1", NOW + 600, &[1; 32], NOW, NOW + 60).unwrap(), None, "too late");
        let got = [
            a.redeem_login("login-1", NOW, &[1; 32], NOW, NOW + 60).unwrap(),
            b.redeem_login("login-1", NOW, &[2; 32], NOW, NOW + 60).unwrap(),
        ];
        assert_eq!(got, [Some("account-x".to_string()), None]);
        assert_eq!(b.session(&[1; 32], NOW).unwrap().as_deref(), Some("account-x"));
        assert_eq!(b.session(&[2; 32], NOW).unwrap(), None);
        assert_eq!(b.session(&[1; 32], NOW + 60).unwrap(), None, "ended");

        // A second log-in moves the account's last log-in, not its creation.
        a.create_login(&login(3, NOW + 600)).unwrap();
        assert!(a.used_challenges().mark_used("login-nonce-3"));
        assert!(a.record_login("login-3", "account-x", b"cert-x", NOW + 30).unwrap());
        let acc = b.account("account-x").unwrap().unwrap();
        assert_eq!((acc.created_at, acc.last_login_at), (NOW, NOW + 30));

        a.end_session(&[1; 32]).unwrap();
        assert_eq!(b.session(&[1; 32], NOW).unwrap(), None);
        a.purge_logins(NOW + 601).unwrap();
        assert!(b.login("login-2").unwrap().is_none(), "expired challenges are purged");
    });
}

/// A verified log-in of `key` through a fresh challenge `n`, redeemed as session `[n; 32]`: the account it lands in.
fn log_in(store: &Store, n: usize, key: &str, certificate: &[u8]) -> String {
    use kazasu_core::handoff::rp::login::UsedChallenges;
    store.create_login(&login(n, NOW + 600)).unwrap();
    assert!(store.used_challenges().mark_used(&format!("login-nonce-{n}")));
    assert!(store.record_login(&format!("login-{n}"), key, certificate, NOW).unwrap());
    store.redeem_login(&format!("login-{n}"), NOW, &[n as u8; 32], NOW, NOW + 3600).unwrap().expect("redeemed")
}

#[test]
fn signers_are_recorded_per_account_and_a_relink_moves_the_new_keys_and_sessions_in_its_transaction() {
    on_each_backend("relink", |db| {
        let (a, b) = (Store::open(db).unwrap(), Store::open(db).unwrap());
        assert_eq!(log_in(&a, 1, "old-key", b"old cert"), "old-key");
        // An application from the old account's browser, signed: its signer recorded once for the account.
        a.create_request(&RequestRow { account_key: Some("old-key".into()), ..request(1, NOW + 600) }).unwrap();
        assert_eq!(a.record_signature("req-1", "nonce-1", NOW, &signature(1)).unwrap(), Ok(()));
        a.record_signer("req-1", &[7; 32], NOW).unwrap();
        b.record_signer("req-1", &[7; 32], NOW + 1).unwrap();
        // Without a log-in, nothing is recorded for anyone.
        a.create_request(&request(2, NOW + 600)).unwrap();
        a.record_signer("req-2", &[8; 32], NOW).unwrap();
        assert_eq!(b.signed_accounts(&[7; 32], "new-key").unwrap(), ["old-key"]);
        assert_eq!(b.signed_accounts(&[7; 32], "old-key").unwrap(), Vec::<String>::new(), "not the asking one");
        assert_eq!(b.signed_accounts(&[8; 32], "new-key").unwrap(), Vec::<String>::new());
        assert_eq!(b.account_certificates("old-key").unwrap(), [Some(b"old cert".to_vec())]);

        // The new card's account asks; its statement links it: keys and current session move, all at once.
        assert_eq!(log_in(&a, 2, "new-key", b"new cert"), "new-key");
        let statement =
            RequestRow { account_key: Some("new-key".into()), kind: RequestKind::Relink, ..request(3, NOW + 600) };
        a.create_request(&statement).unwrap();
        let link = Relink { outcome: "linked", link: Some(("new-key".into(), "old-key".into())) };
        assert_eq!(a.record_relink("req-3", "nonce-3", NOW, &signature(3), &link).unwrap(), Ok(()));
        assert_eq!(
            b.record_relink("req-3", "nonce-3", NOW, &signature(3), &link).unwrap(),
            Err(RecordRefusal::AlreadySigned),
            "a statement is used once"
        );
        let r = b.request("req-3").unwrap().unwrap();
        assert_eq!(
            (r.kind, r.outcome.as_deref(), r.account_key.as_deref()),
            (RequestKind::Relink, Some("linked"), Some("new-key"))
        );
        assert_eq!(b.session(&[2; 32], NOW).unwrap().as_deref(), Some("old-key"), "the asking session moved");
        assert_eq!(b.account("new-key").unwrap().unwrap().linked_to.as_deref(), Some("old-key"));
        assert_eq!(log_in(&b, 4, "new-key", b"new cert"), "old-key", "the new card's log-ins land in the old account");
        assert_eq!(log_in(&b, 5, "old-key", b"old cert"), "old-key", "the old key keeps its own");
        let mut certs = b.account_certificates("old-key").unwrap();
        certs.sort();
        assert_eq!(certs, [Some(b"new cert".to_vec()), Some(b"old cert".to_vec())]);
        assert_eq!(b.signed_accounts(&[7; 32], "other").unwrap(), ["old-key"], "a linked key is no candidate");

        // A statement that links nothing records its outcome and moves nothing.
        assert_eq!(log_in(&a, 6, "third-key", b"third cert"), "third-key");
        a.create_request(&RequestRow {
            account_key: Some("third-key".into()),
            kind: RequestKind::Relink,
            ..request(6, NOW + 600)
        })
        .unwrap();
        let none = Relink { outcome: "no-match", link: None };
        assert_eq!(a.record_relink("req-6", "nonce-6", NOW, &signature(6), &none).unwrap(), Ok(()));
        assert_eq!(b.request("req-6").unwrap().unwrap().outcome.as_deref(), Some("no-match"));
        assert_eq!(b.session(&[6; 32], NOW).unwrap().as_deref(), Some("third-key"));
        assert_eq!(b.account("third-key").unwrap().unwrap().linked_to, None);

        // The same identity signing for a second unlinked account: both are found (a re-link refuses `several`).
        a.create_request(&RequestRow { account_key: Some("third-key".into()), ..request(7, NOW + 600) }).unwrap();
        a.record_signer("req-7", &[7; 32], NOW).unwrap();
        assert_eq!(b.signed_accounts(&[7; 32], "asker").unwrap(), ["old-key", "third-key"]);
        assert!(a.integrity_ok().unwrap());
    });
}
