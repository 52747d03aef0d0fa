//! The relying party's store: signing requests and the signed applications, in SQLite (one process, the
//! default) or PostgreSQL (several instances sharing one database).
//!
//! Both backends give the same guarantees. A nonce is used once: accepting a signature is one transaction that
//! moves the request from `pending` to `signed` only if it is still pending and unexpired, and inserts the
//! signature under a UNIQUE nonce, so two concurrent submissions of one request — in one process or in two
//! instances — cannot both commit. A committed signature survives a kill -9 of the portal (and of the database).
//! Both run the same migrations (`migrations`, by refinery), written once for both dialects.

pub mod migrations;

use std::path::{Path, PathBuf};

use kazasu_core::handoff::Field;

pub use self::postgres::PostgresStore;
pub use self::sqlite::SqliteStore;

/// What the store could not do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database (SQLite): {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database (PostgreSQL): {}", with_causes(.0))]
    Postgres(#[from] ::postgres::Error),
    #[error("database (PostgreSQL): no connection from the pool: {0}")]
    Pool(#[from] r2d2_postgres::r2d2::Error),
    #[error("database: cannot switch SQLite to WAL (journal_mode={0})")]
    NotWal(String),
    #[error("database: stored fields: {0}")]
    Fields(#[from] serde_json::Error),
    #[error("database: schema version {found} is newer than this portal knows ({known}); run a newer portal")]
    NewerSchema { found: i64, known: i64 },
    #[error("database: migration: {}", with_causes(.0))]
    Migration(refinery::Error),
    #[error("database: not a PostgreSQL URL: {0}")]
    Url(::postgres::Error),
}

/// Where the store lives: `--db FILE` (SQLite) or `--db postgres://…` / `postgresql://…`.
#[derive(Clone)]
pub enum Database {
    Sqlite(PathBuf),
    /// A parsed connection string (its Debug hides the password).
    Postgres(Box<::postgres::Config>),
}

impl Database {
    /// A `postgres://` or `postgresql://` URL is PostgreSQL; anything else is an SQLite file.
    pub fn from_arg(arg: &Path) -> Result<Database, StoreError> {
        match arg.to_str() {
            Some(s) if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
                Ok(Database::Postgres(Box::new(s.parse().map_err(StoreError::Url)?)))
            }
            _ => Ok(Database::Sqlite(arg.to_path_buf())),
        }
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

/// What either backend does; `Store` holds one.
trait Backend: Send + Sync {
    fn create_request(&self, r: &RequestRow) -> Result<(), StoreError>;
    fn request(&self, id: &str) -> Result<Option<RequestRow>, StoreError>;
    fn with_signature(&self, by: Key, key: &str) -> Result<Option<(RequestRow, Option<SignatureRow>)>, StoreError>;
    fn record_signature(
        &self,
        request_id: &str,
        nonce: &str,
        now: i64,
        sig: &SignatureRow,
    ) -> Result<Result<(), RecordRefusal>, StoreError>;
    fn purge_unsigned(&self, before: i64) -> Result<usize, StoreError>;
    fn counts(&self) -> Result<(i64, i64, i64), StoreError>;
    fn integrity_ok(&self) -> Result<bool, StoreError>;
    fn schema_version(&self) -> Result<i64, StoreError>;
}

/// The column a request is looked up by.
#[derive(Clone, Copy)]
enum Key {
    Id,
    ViewId,
}

impl Key {
    fn column(self) -> &'static str {
        match self {
            Key::Id => "id",
            Key::ViewId => "view_id",
        }
    }
}

/// A `RequestRow` from a row of either library (`$get`: `get` for rusqlite, `try_get` for postgres), its columns
/// in `REQUEST_COLUMNS` order. (Both macros come before the backends' modules, which see them.)
macro_rules! request_row {
    ($r:ident . $get:ident) => {{
        let fields: String = $r.$get(4)?;
        let state: String = $r.$get(7)?;
        RequestRow {
            id: $r.$get(0)?,
            view_id: $r.$get(1)?,
            nonce: $r.$get(2)?,
            document: $r.$get(3)?,
            fields: $crate::store::fields_of(&fields),
            created_at: $r.$get(5)?,
            expires_at: $r.$get(6)?,
            signed: state == "signed",
            owner: $r.$get(8)?,
        }
    }};
}

/// A `SignatureRow` from a row of either library, its columns in `SIGNATURE_COLUMNS` order.
macro_rules! signature_row {
    ($r:ident . $get:ident) => {
        SignatureRow {
            digest_algorithm: $r.$get(0)?,
            signature: $r.$get(1)?,
            certificate: $r.$get(2)?,
            name: $r.$get(3)?,
            address: $r.$get(4)?,
            date_of_birth: $r.$get(5)?,
            gender: $r.$get(6)?,
            cert_serial: $r.$get(7)?,
            cert_issuer: $r.$get(8)?,
            signed_at: $r.$get(9)?,
        }
    };
}

mod postgres;
mod sqlite;

const REQUEST_COLUMNS: &str = "id, view_id, nonce, document, fields, created_at, expires_at, state, owner";
const SIGNATURE_COLUMNS: &str =
    "digest_algorithm, signature, certificate, name, address, date_of_birth, gender, cert_serial, cert_issuer, signed_at";

/// Every signed request has its one signature under its own nonce, and no signature belongs to an unsigned
/// request (both backends; the count of violations must be 0).
const CONSISTENCY_VIOLATIONS: &str = "
SELECT (SELECT COUNT(*) FROM requests r
         WHERE r.state = 'signed' AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.request_id = r.id))
     + (SELECT COUNT(*) FROM signatures s JOIN requests r ON r.id = s.request_id
         WHERE r.state <> 'signed' OR r.nonce <> s.nonce)
     + (SELECT COUNT(*) FROM signatures s WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = s.request_id))";

/// The store of one portal, on either backend.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl Store {
    /// `--db`: a `postgres://` URL, or else an SQLite file (created if missing).
    pub fn open(db: &Path) -> Result<Store, StoreError> {
        Store::connect(&Database::from_arg(db)?)
    }

    /// Either backend; a PostgreSQL database gets a connection pool of `POOL_SIZE`.
    pub fn connect(db: &Database) -> Result<Store, StoreError> {
        match db {
            Database::Sqlite(path) => Ok(Store { backend: Box::new(SqliteStore::open(path)?) }),
            Database::Postgres(cfg) => Ok(Store { backend: Box::new(PostgresStore::connect(cfg)?) }),
        }
    }

    pub fn create_request(&self, r: &RequestRow) -> Result<(), StoreError> {
        self.backend.create_request(r)
    }

    pub fn request(&self, id: &str) -> Result<Option<RequestRow>, StoreError> {
        self.backend.request(id)
    }

    pub fn by_view(&self, view_id: &str) -> Result<Option<(RequestRow, Option<SignatureRow>)>, StoreError> {
        self.backend.with_signature(Key::ViewId, view_id)
    }

    /// A request and its signature by request id (the back office).
    pub fn by_id(&self, id: &str) -> Result<Option<(RequestRow, Option<SignatureRow>)>, StoreError> {
        self.backend.with_signature(Key::Id, id)
    }

    /// Records a verified signature for a pending, unexpired request: all or nothing, once per nonce.
    pub fn record_signature(
        &self,
        request_id: &str,
        nonce: &str,
        now: i64,
        sig: &SignatureRow,
    ) -> Result<Result<(), RecordRefusal>, StoreError> {
        self.backend.record_signature(request_id, nonce, now, sig)
    }

    /// Deletes requests that were never signed and expired before `before`; returns how many.
    pub fn purge_unsigned(&self, before: i64) -> Result<usize, StoreError> {
        self.backend.purge_unsigned(before)
    }

    /// (requests, signed requests, signatures) — for tests and the operator.
    pub fn counts(&self) -> Result<(i64, i64, i64), StoreError> {
        self.backend.counts()
    }

    /// The storage is sound (SQLite's `integrity_check`) and every signed request has exactly its signature.
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        self.backend.integrity_ok()
    }

    /// The highest migration applied.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.backend.schema_version()
    }
}

/// An error and its causes: the postgres client's own message is only the kind ("db error"), the server's
/// words are in its source.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn fields_of(json: &str) -> Vec<Field> {
    serde_json::from_str(json).unwrap_or_default()
}
