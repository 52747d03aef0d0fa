//! The relying party's store: signing requests and the signed applications, in SQLite (one process, the
//! default) or PostgreSQL (several instances sharing one database).
//!
//! Both backends give the same guarantees. A nonce is used once: accepting a signature is one transaction that
//! moves the request from `pending` to `signed` only if it is still pending and unexpired, and inserts the
//! signature under a UNIQUE nonce, so two concurrent submissions of one request — in one process or in two
//! instances — cannot both commit. A committed signature survives a kill -9 of the portal (and of the database).
//! Both run the same migrations (`migrations`, by refinery), written once for both dialects.
//!
//! `backend` holds what either backend does and the rows they share, `error` what they could not do; `sqlite`
//! and `postgres` implement it; `Store` (here) is the front the portal holds.

mod backend;
mod error;
mod login;
pub mod migrations;
mod postgres;
mod sqlite;

use std::path::{Path, PathBuf};

use self::backend::{Backend, Key};
pub use self::backend::{RecordRefusal, Relink, RequestKind, RequestRow, SignatureRow};
pub use self::error::StoreError;
pub use self::login::{AccountRow, LoginRow, LoginState};
pub use self::postgres::PostgresStore;
pub use self::sqlite::SqliteStore;

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
        self.backend.record_signature(request_id, nonce, now, sig, None)
    }

    /// Records a verified re-link statement like a signature (once per nonce), with its outcome and — when it
    /// links — the asking account's keys and sessions moved to the earlier account, all in one transaction.
    pub fn record_relink(
        &self,
        request_id: &str,
        nonce: &str,
        now: i64,
        sig: &SignatureRow,
        relink: &Relink,
    ) -> Result<Result<(), RecordRefusal>, StoreError> {
        self.backend.record_signature(request_id, nonce, now, sig, Some(relink))
    }

    /// Records `identity` (a `SignerIdentity`) as a signer of the account that created application
    /// `request_id`, if a logged-in browser did; once per account and identity.
    pub fn record_signer(&self, request_id: &str, identity: &[u8], now: i64) -> Result<(), StoreError> {
        self.backend.record_signer(request_id, identity, now)
    }

    /// The accounts other than `asking`, not re-linked themselves, for which `identity` signed.
    pub fn signed_accounts(&self, identity: &[u8], asking: &str) -> Result<Vec<String>, StoreError> {
        self.backend.signed_accounts(identity, asking)
    }

    /// The auth certificates of every key of `account` (None: one from before they were kept).
    pub fn account_certificates(&self, account: &str) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.backend.account_certificates(account)
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

    /// A new log-in challenge.
    pub fn create_login(&self, r: &LoginRow) -> Result<(), StoreError> {
        self.backend.create_login(r)
    }

    pub fn login(&self, id: &str) -> Result<Option<LoginRow>, StoreError> {
        self.backend.login(id)
    }

    /// The used-challenge record `verify_login` reads and writes: single use across every instance.
    pub fn used_challenges(&self) -> UsedLogins<'_> {
        UsedLogins { store: self, error: None }
    }

    /// Records a verified log-in's account key (made on its first log-in; `certificate`: its auth certificate,
    /// kept) and marks the answered challenge verified for its account — the key's own, or the earlier account it
    /// was re-linked to.
    pub fn record_login(&self, id: &str, account_key: &str, certificate: &[u8], now: i64) -> Result<bool, StoreError> {
        self.backend.record_login(id, account_key, certificate, now)
    }

    /// The asking session takes a verified log-in, once: its session (cookie digest) is stored for the
    /// challenge's account, which is returned.
    pub fn redeem_login(
        &self,
        id: &str,
        until: i64,
        digest: &[u8],
        created_at: i64,
        expires_at: i64,
    ) -> Result<Option<String>, StoreError> {
        self.backend.redeem_login(id, until, digest, created_at, expires_at)
    }

    pub fn session(&self, digest: &[u8], now: i64) -> Result<Option<String>, StoreError> {
        self.backend.session(digest, now)
    }

    pub fn end_session(&self, digest: &[u8]) -> Result<(), StoreError> {
        self.backend.end_session(digest)
    }

    pub fn account(&self, key: &str) -> Result<Option<AccountRow>, StoreError> {
        self.backend.account(key)
    }

    pub fn purge_logins(&self, before: i64) -> Result<(), StoreError> {
        self.backend.purge_logins(before)
    }

    /// The highest migration applied.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.backend.schema_version()
    }
}

/// The store as `verify_login`'s record of answered challenges. A store error reads as "used" (nothing is
/// accepted on a database that cannot say) and is kept in `error` for the caller to report as internal.
pub struct UsedLogins<'a> {
    store: &'a Store,
    pub error: Option<StoreError>,
}

impl kazasu_core::handoff::rp::login::UsedChallenges for UsedLogins<'_> {
    fn was_used(&self, nonce: &str) -> bool {
        // `&self`: an error here is reported by the mark that follows a successful check, or reads as used.
        self.store.backend.login_used(nonce).unwrap_or(true)
    }

    fn mark_used(&mut self, nonce: &str) -> bool {
        match self.store.backend.mark_login_answered(nonce) {
            Ok(marked) => marked,
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }
}
