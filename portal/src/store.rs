//! The relying party's store: signing requests and the signed applications, in SQLite.
//!
//! WAL journal with `synchronous=FULL`, so a committed signature survives a kill -9 (and a power cut).
//! The single use of a nonce is enforced by the database, not by memory: accepting a signature is one
//! `BEGIN IMMEDIATE` transaction that moves the request from `pending` to `signed` only if it is still pending
//! and unexpired, and inserts the signature under a UNIQUE nonce. Two concurrent submissions of one request
//! cannot both commit.

use std::path::Path;
use std::sync::Mutex;

use kazasu_core::handoff::Field;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS requests (
    id          TEXT PRIMARY KEY,
    view_id     TEXT NOT NULL UNIQUE,
    nonce       TEXT NOT NULL UNIQUE,
    document    BLOB NOT NULL,
    fields      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'signed')),
    owner       BLOB
);
CREATE TABLE IF NOT EXISTS signatures (
    request_id       TEXT PRIMARY KEY REFERENCES requests(id),
    nonce            TEXT NOT NULL UNIQUE,
    digest_algorithm TEXT NOT NULL,
    signature        BLOB NOT NULL,
    certificate      BLOB NOT NULL,
    name             TEXT,
    address          TEXT,
    date_of_birth    TEXT,
    gender           TEXT,
    cert_serial      TEXT NOT NULL,
    cert_issuer      TEXT NOT NULL,
    signed_at        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_pending_expiry ON requests (state, expires_at);
";

#[derive(Debug)]
pub struct StoreError(pub String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database: {}", self.0)
    }
}

#[derive(Clone, Debug)]
pub struct RequestRow {
    pub id: String,
    pub view_id: String,
    pub nonce: String,
    pub document: Vec<u8>,
    pub fields: Vec<Field>,
    pub created_at: i64,
    pub expires_at: i64,
    pub signed: bool,
    /// SHA-256 of the owner cookie set in the browser that created the request (None: never viewable).
    pub owner: Option<Vec<u8>>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SignatureRow {
    pub digest_algorithm: String,
    #[serde(skip)]
    pub signature: Vec<u8>,
    #[serde(skip)]
    pub certificate: Vec<u8>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub cert_serial: String,
    pub cert_issuer: String,
    pub signed_at: i64,
}

/// Why a signature could not be recorded.
#[derive(Debug, PartialEq, Eq)]
pub enum RecordRefusal {
    NotFound,
    AlreadySigned,
    Expired,
}

pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError(format!("cannot switch to WAL (journal_mode={mode})")));
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        conn.execute_batch(SCHEMA)?;
        // Databases from before the owner cookie: add the column; their requests have no owner and no page.
        let has_owner: bool =
            conn.query_row("SELECT COUNT(*) FROM pragma_table_info('requests') WHERE name = 'owner'", [], |r| {
                r.get::<_, i64>(0)
            })? > 0;
        if !has_owner {
            conn.execute_batch("ALTER TABLE requests ADD COLUMN owner BLOB")?;
        }
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll back), so a
        // poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn create_request(&self, r: &RequestRow) -> Result<(), StoreError> {
        let fields = serde_json::to_string(&r.fields).map_err(|e| StoreError(e.to_string()))?;
        self.conn().execute(
            "INSERT INTO requests (id, view_id, nonce, document, fields, created_at, expires_at, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![r.id, r.view_id, r.nonce, r.document, fields, r.created_at, r.expires_at, r.owner],
        )?;
        Ok(())
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestRow> {
        let fields: String = r.get(4)?;
        let state: String = r.get(7)?;
        Ok(RequestRow {
            id: r.get(0)?,
            view_id: r.get(1)?,
            nonce: r.get(2)?,
            document: r.get(3)?,
            fields: serde_json::from_str(&fields).unwrap_or_default(),
            created_at: r.get(5)?,
            expires_at: r.get(6)?,
            signed: state == "signed",
            owner: r.get(8)?,
        })
    }

    const COLUMNS: &'static str = "id, view_id, nonce, document, fields, created_at, expires_at, state, owner";

    pub fn request(&self, id: &str) -> Result<Option<RequestRow>, StoreError> {
        let sql = format!("SELECT {} FROM requests WHERE id = ?1", Self::COLUMNS);
        Ok(self.conn().query_row(&sql, [id], Self::row).optional()?)
    }

    pub fn by_view(&self, view_id: &str) -> Result<Option<(RequestRow, Option<SignatureRow>)>, StoreError> {
        self.with_signature("view_id", view_id)
    }

    /// A request and its signature by request id (the back office).
    pub fn by_id(&self, id: &str) -> Result<Option<(RequestRow, Option<SignatureRow>)>, StoreError> {
        self.with_signature("id", id)
    }

    fn with_signature(
        &self,
        column: &str,
        key: &str,
    ) -> Result<Option<(RequestRow, Option<SignatureRow>)>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {} FROM requests WHERE {column} = ?1", Self::COLUMNS);
        let Some(req) = conn.query_row(&sql, [key], Self::row).optional()? else {
            return Ok(None);
        };
        let sig = conn
            .query_row(
                "SELECT digest_algorithm, signature, certificate, name, address, date_of_birth, gender, cert_serial, cert_issuer, signed_at
                 FROM signatures WHERE request_id = ?1",
                [&req.id],
                |r| {
                    Ok(SignatureRow {
                        digest_algorithm: r.get(0)?,
                        signature: r.get(1)?,
                        certificate: r.get(2)?,
                        name: r.get(3)?,
                        address: r.get(4)?,
                        date_of_birth: r.get(5)?,
                        gender: r.get(6)?,
                        cert_serial: r.get(7)?,
                        cert_issuer: r.get(8)?,
                        signed_at: r.get(9)?,
                    })
                },
            )
            .optional()?;
        Ok(Some((req, sig)))
    }

    /// Records a verified signature for a pending, unexpired request: all or nothing.
    pub fn record_signature(
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
            let state: Option<(String, i64)> = tx
                .query_row(
                    "SELECT state, expires_at FROM requests WHERE id = ?1 AND nonce = ?2",
                    params![request_id, nonce],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            return Ok(Err(match state {
                None => RecordRefusal::NotFound,
                Some((s, _)) if s == "signed" => RecordRefusal::AlreadySigned,
                Some(_) => RecordRefusal::Expired,
            }));
        }
        tx.execute(
            "INSERT INTO signatures (request_id, nonce, digest_algorithm, signature, certificate, name, address, date_of_birth,
                                     gender, cert_serial, cert_issuer, signed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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

    /// Deletes requests that were never signed and expired before `before`; returns how many.
    pub fn purge_unsigned(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self.conn().execute("DELETE FROM requests WHERE state = 'pending' AND expires_at < ?1", [before])?)
    }

    /// (requests, signed requests, signatures) — for tests and the operator.
    pub fn counts(&self) -> Result<(i64, i64, i64), StoreError> {
        let conn = self.conn();
        let q = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
        Ok((
            q("SELECT COUNT(*) FROM requests")?,
            q("SELECT COUNT(*) FROM requests WHERE state = 'signed'")?,
            q("SELECT COUNT(*) FROM signatures")?,
        ))
    }

    /// `PRAGMA integrity_check` == "ok".
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        let s: String = self.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(s == "ok")
    }
}
