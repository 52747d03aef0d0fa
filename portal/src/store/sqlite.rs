//! The SQLite backend: one file, one connection behind a mutex (one process).
//!
//! WAL journal with `synchronous=FULL`, so a committed signature survives a kill -9 (and a power cut). Accepting
//! a signature is one `BEGIN IMMEDIATE` transaction, which takes SQLite's single write lock before reading, so
//! the pending → signed flip cannot interleave with another writer — even another process on the same file.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use super::{
    migrations, Backend, Key, RecordRefusal, RequestRow, SignatureRow, StoreError, CONSISTENCY_VIOLATIONS,
    REQUEST_COLUMNS, SIGNATURE_COLUMNS,
};

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

/// Runs the steps this file has not run yet, in one write transaction (two processes opening one new file
/// cannot both create the schema).
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")?;
    let current: i64 = tx.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    for m in migrations::pending(current)? {
        tx.execute_batch(m.sqlite)?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES (?1)", [m.version])?;
    }
    // Files from before the owner cookie (and before migrations were recorded): add the column; their
    // requests have no owner and no page.
    let has_owner: bool =
        tx.query_row("SELECT COUNT(*) FROM pragma_table_info('requests') WHERE name = 'owner'", [], |r| {
            r.get::<_, i64>(0)
        })? > 0;
    if !has_owner {
        tx.execute_batch("ALTER TABLE requests ADD COLUMN owner BLOB")?;
    }
    tx.commit()?;
    Ok(())
}

impl Backend for SqliteStore {
    fn create_request(&self, r: &RequestRow) -> Result<(), StoreError> {
        let fields = serde_json::to_string(&r.fields)?;
        self.conn().execute(
            "INSERT INTO requests (id, view_id, nonce, document, fields, created_at, expires_at, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![r.id, r.view_id, r.nonce, r.document, fields, r.created_at, r.expires_at, r.owner],
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
        Ok(self.conn().query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?)
    }
}
