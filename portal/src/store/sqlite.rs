//! The SQLite backend: one file, one connection behind a mutex (one process).
//!
//! WAL journal with `synchronous=FULL`, so a committed signature survives a kill -9 (and a power cut). Accepting
//! a signature is one `BEGIN IMMEDIATE` transaction, which takes SQLite's single write lock before reading, so
//! the pending → signed flip cannot interleave with another writer — even another process on the same file.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::backend::{
    account_row, login_row, request_row, signature_row, Backend, Key, RecordRefusal, Relink, RequestRow, SignatureRow,
    CONSISTENCY_VIOLATIONS, REQUEST_COLUMNS, SIGNATURE_COLUMNS,
};
use super::error::StoreError;
use super::login::{self as sql, AccountRow, LoginRow};
use super::migrations::{self, Dialect};

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode = switch_to_wal(&conn)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NotWal(mode));
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll back), so a
        // poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestRow> {
        Ok(request_row!(r.get))
    }
}

/// How long a statement waits for another connection's lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Puts the file in WAL mode; the mode it is in afterwards. Instances opening one new file together meet here:
/// the switch needs the file to itself, and SQLite answers a conflicting switch BUSY at once rather than wait
/// (its busy handler is skipped where waiting could deadlock), so the switch is retried within the busy timeout.
fn switch_to_wal(conn: &Connection) -> Result<String, StoreError> {
    let until = Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::DatabaseBusy && Instant::now() < until =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            mode => return Ok(mode?),
        }
    }
}

/// Runs the steps this file has not run yet (refinery, all in one transaction). Instances opening one new file
/// together both find it unmigrated; the one whose transaction comes second fails — SQLITE_BUSY for its stale
/// snapshot, or the UNIQUE version the first recorded — and rolls back whole, so it runs again (within the busy
/// timeout) and finds every step recorded.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    add_owner_column_to_files_from_before_it(conn)?;
    let until = Instant::now() + BUSY_TIMEOUT;
    loop {
        match migrations::runner(Dialect::Sqlite).and_then(|r| r.run(conn)) {
            Ok(_) => return Ok(()),
            Err(e) if lost_race(&e) && Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(migrations::refusal(e)),
        }
    }
}

/// Whether a migration failed because another connection migrated the file at the same time.
fn lost_race(e: &refinery::Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(rusqlite::Error::SqliteFailure(f, _)) = c.downcast_ref::<rusqlite::Error>() {
            return matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::ConstraintViolation);
        }
        cause = c.source();
    }
    false
}

/// Files from before the owner cookie (and before any runner) have `requests` without its `owner` column: it is
/// added, in a write transaction (two processes cannot both add it); their requests have no owner and no page.
/// New files have no `requests` yet: the steps create it with the column.
fn add_owner_column_to_files_from_before_it(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let column = |name: &str| {
        tx.query_row("SELECT COUNT(*) FROM pragma_table_info('requests') WHERE name = ?1", [name], |r| {
            r.get::<_, i64>(0)
        })
    };
    if column("id")? > 0 && column("owner")? == 0 {
        tx.execute_batch("ALTER TABLE requests ADD COLUMN owner BLOB")?;
    }
    tx.commit()?;
    Ok(())
}

impl Backend for SqliteStore {
    fn create_request(&self, r: &RequestRow) -> Result<(), StoreError> {
        let fields = serde_json::to_string(&r.fields)?;
        self.conn().execute(
            "INSERT INTO requests (id, view_id, nonce, document, fields, created_at, expires_at, owner, account_key, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![r.id, r.view_id, r.nonce, r.document, fields, r.created_at, r.expires_at, r.owner, r.account_key, r.kind.as_str()],
        )?;
        Ok(())
    }

    fn request(&self, id: &str) -> Result<Option<RequestRow>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ?1");
        Ok(self.conn().query_row(&sql, [id], Self::row).optional()?)
    }

    fn with_signature(&self, by: Key, key: &str) -> Result<Option<(RequestRow, Option<SignatureRow>)>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE {} = ?1", by.column());
        let Some(req) = conn.query_row(&sql, [key], Self::row).optional()? else {
            return Ok(None);
        };
        let sig = conn
            .query_row(&format!("SELECT {SIGNATURE_COLUMNS} FROM signatures WHERE request_id = ?1"), [&req.id], |r| {
                Ok(signature_row!(r.get))
            })
            .optional()?;
        Ok(Some((req, sig)))
    }

    fn record_signature(
        &self,
        request_id: &str,
        nonce: &str,
        now: i64,
        sig: &SignatureRow,
        relink: Option<&Relink>,
    ) -> Result<Result<(), RecordRefusal>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE requests SET state = 'signed' WHERE id = ?1 AND nonce = ?2 AND state = 'pending' AND expires_at > ?3",
            params![request_id, nonce, now],
        )?;
        if changed != 1 {
            let state: Option<String> = tx
                .query_row("SELECT state FROM requests WHERE id = ?1 AND nonce = ?2", params![request_id, nonce], |r| {
                    r.get(0)
                })
                .optional()?;
            return Ok(Err(match state.as_deref() {
                None => RecordRefusal::NotFound,
                Some("signed") => RecordRefusal::AlreadySigned,
                Some(_) => RecordRefusal::Expired,
            }));
        }
        tx.execute(
            &format!("INSERT INTO signatures (request_id, nonce, {SIGNATURE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                request_id,
                nonce,
                sig.digest_algorithm,
                sig.signature,
                sig.certificate,
                sig.name,
                sig.address,
                sig.date_of_birth,
                sig.gender,
                sig.cert_serial,
                sig.cert_issuer,
                sig.signed_at
            ],
        )?;
        if let Some(r) = relink {
            tx.execute(sql::SET_OUTCOME, params![r.outcome, request_id])?;
            if let Some((asking, earlier)) = &r.link {
                tx.execute(sql::LINK_KEYS, params![earlier, asking])?;
                tx.execute(sql::MOVE_SESSIONS, params![earlier, asking])?;
            }
        }
        tx.commit()?;
        Ok(Ok(()))
    }

    fn purge_unsigned(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self.conn().execute("DELETE FROM requests WHERE state = 'pending' AND expires_at < ?1", [before])?)
    }

    fn counts(&self) -> Result<(i64, i64, i64), StoreError> {
        let conn = self.conn();
        let q = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
        Ok((
            q("SELECT COUNT(*) FROM requests")?,
            q("SELECT COUNT(*) FROM requests WHERE state = 'signed'")?,
            q("SELECT COUNT(*) FROM signatures")?,
        ))
    }

    fn integrity_ok(&self) -> Result<bool, StoreError> {
        let conn = self.conn();
        let s: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        let violations: i64 = conn.query_row(CONSISTENCY_VIOLATIONS, [], |r| r.get(0))?;
        Ok(s == "ok" && violations == 0)
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row(&migrations::version_query(), [], |r| r.get(0))?)
    }

    fn create_login(&self, r: &LoginRow) -> Result<(), StoreError> {
        self.conn().execute(
            sql::INSERT_LOGIN,
            params![r.id, r.nonce, r.challenge, r.session_secret, r.created_at, r.expires_at],
        )?;
        Ok(())
    }

    fn login(&self, id: &str) -> Result<Option<LoginRow>, StoreError> {
        Ok(self.conn().query_row(sql::SELECT_LOGIN, [id], |r| Ok(login_row!(r.get))).optional()?)
    }

    fn login_used(&self, nonce: &str) -> Result<bool, StoreError> {
        Ok(self.conn().query_row(sql::LOGIN_USED, [nonce], |r| r.get::<_, i64>(0))? > 0)
    }

    fn mark_login_answered(&self, nonce: &str) -> Result<bool, StoreError> {
        Ok(self.conn().execute(sql::MARK_ANSWERED, [nonce])? == 1)
    }

    fn record_login(&self, id: &str, account_key: &str, certificate: &[u8], now: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(sql::UPSERT_ACCOUNT, params![account_key, now, certificate])?;
        if tx.execute(sql::MARK_VERIFIED, params![account_key, id])? != 1 {
            return Ok(false);
        }
        tx.commit()?;
        Ok(true)
    }

    fn redeem_login(
        &self,
        id: &str,
        until: i64,
        digest: &[u8],
        created_at: i64,
        expires_at: i64,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if tx.execute(sql::MARK_REDEEMED, params![id, until])? != 1 {
            return Ok(None);
        }
        let account: Option<String> =
            tx.query_row("SELECT account_key FROM login_challenges WHERE id = ?1", [id], |r| r.get(0))?;
        let Some(account) = account else { return Ok(None) };
        tx.execute(sql::INSERT_SESSION, params![digest, account, created_at, expires_at])?;
        tx.commit()?;
        Ok(Some(account))
    }

    fn session(&self, digest: &[u8], now: i64) -> Result<Option<String>, StoreError> {
        Ok(self.conn().query_row(sql::SELECT_SESSION, params![digest, now], |r| r.get(0)).optional()?)
    }

    fn end_session(&self, digest: &[u8]) -> Result<(), StoreError> {
        self.conn().execute(sql::DELETE_SESSION, [digest])?;
        Ok(())
    }

    fn account(&self, key: &str) -> Result<Option<AccountRow>, StoreError> {
        Ok(self.conn().query_row(sql::SELECT_ACCOUNT, [key], |r| Ok(account_row!(r.get))).optional()?)
    }

    fn purge_logins(&self, before: i64) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(sql::PURGE_LOGINS, [before])?;
        conn.execute(sql::PURGE_SESSIONS, [before])?;
        Ok(())
    }

    fn record_signer(&self, request_id: &str, identity: &[u8], now: i64) -> Result<(), StoreError> {
        self.conn().execute(sql::INSERT_SIGNER, params![request_id, identity, now])?;
        Ok(())
    }

    fn signed_accounts(&self, identity: &[u8], asking: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql::SIGNED_ACCOUNTS)?;
        let rows = stmt.query_map(params![identity, asking], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn account_certificates(&self, account: &str) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(sql::ACCOUNT_CERTIFICATES)?;
        let rows = stmt.query_map([account], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migration_that_collides_with_another_connections_is_a_lost_race_and_other_failures_are_not() {
        // What the second of two connections migrating one new file meets: the first's record (here the one
        // step 2 writes) already there. Its transaction fails on the UNIQUE version and rolls back whole.
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY); INSERT INTO schema_migrations VALUES (2);",
        )
        .unwrap();
        let e = migrations::runner(Dialect::Sqlite).unwrap().run(&mut conn).unwrap_err();
        assert!(lost_race(&e), "{e}");
        let tables: i64 =
            conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'requests'", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0, "the failed run left nothing behind");

        // A table the steps cannot build on is no race: reported, not retried.
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE requests (id TEXT PRIMARY KEY)").unwrap();
        let e = migrations::runner(Dialect::Sqlite).unwrap().run(&mut conn).unwrap_err();
        assert!(!lost_race(&e), "{e}");
        assert!(matches!(migrations::refusal(e), StoreError::Migration(_)));
    }
}
