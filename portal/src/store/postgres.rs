//! The PostgreSQL backend: several portal instances share one database through a pool of connections each.
//!
//! Accepting a signature is one READ COMMITTED transaction whose `UPDATE … WHERE state = 'pending'` takes the
//! request's row lock. A concurrent submission of the same request, from any instance, waits on that lock and,
//! once the first commits, re-reads the row, finds it `signed` and updates nothing: it is refused as a replay.
//! If the first rolls back (its instance or connection died), the second proceeds. The UNIQUE nonce and the
//! signature's primary key are the database's own backstop against a second signature. Commits are synchronous
//! (PostgreSQL's default `synchronous_commit = on`), so an acknowledged signature survives a crash of either.

use std::time::Duration;

use postgres::{Client, IsolationLevel, NoTls, Row};
use r2d2_postgres::r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;

use super::backend::{
    account_row, login_row, request_row, signature_row, Backend, Key, RecordRefusal, Relink, RequestRow, SignatureRow,
    CONSISTENCY_VIOLATIONS, REQUEST_COLUMNS, SIGNATURE_COLUMNS,
};
use super::error::StoreError;
use super::login::{self as sql, postgres_sql as pg, AccountRow, LoginRow};
use super::migrations::{self, Dialect};

/// Connections per portal instance (the handlers run on tokio's blocking pool and wait for one).
pub const POOL_SIZE: u32 = 16;
/// How long a handler waits for a connection (e.g. while PostgreSQL restarts) before answering "internal".
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(15);
/// The advisory lock that serialises migrations when several instances start at once.
const MIGRATION_LOCK: i64 = 0x6b617a617375; // "kazasu"

type Manager = PostgresConnectionManager<NoTls>;

pub struct PostgresStore {
    pool: Pool<Manager>,
}

impl PostgresStore {
    /// Connects (TLS-less: PostgreSQL on loopback or a private network), migrates, and keeps a pool.
    pub fn connect(cfg: &postgres::Config) -> Result<PostgresStore, StoreError> {
        let mut cfg = cfg.clone();
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(Duration::from_secs(5));
        }
        if cfg.get_application_name().is_none() {
            cfg.application_name("kazasu-portal");
        }
        // Migrated on a connection of its own, so that a wrong URL, user or database is reported at start in
        // the server's words (the pool would only say that it timed out).
        migrate(&mut cfg.connect(NoTls)?)?;
        // A broken connection (the server restarted) is noticed at checkout and replaced.
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .test_on_check_out(true)
            .connection_timeout(CHECKOUT_TIMEOUT)
            .build(PostgresConnectionManager::new(cfg, NoTls))?;
        Ok(PostgresStore { pool })
    }

    fn client(&self) -> Result<PooledConnection<Manager>, StoreError> {
        Ok(self.pool.get()?)
    }

    fn request_of(r: &Row) -> Result<RequestRow, StoreError> {
        Ok(request_row!(r.try_get))
    }

    fn signature_of(r: &Row) -> Result<SignatureRow, StoreError> {
        Ok(signature_row!(r.try_get))
    }

    fn count(c: &mut Client, sql: &str) -> Result<i64, StoreError> {
        Ok(c.query_one(sql, &[])?.try_get(0)?)
    }
}

/// Runs the steps this database has not run yet (refinery), holding a session advisory lock meanwhile so that
/// instances starting together migrate one after the other: the later ones find every step recorded. The lock
/// ends with the session if anything fails (this connection is the migration's own).
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let ran = migrations::runner(Dialect::Postgres).and_then(|r| r.run(client)).map_err(migrations::refusal);
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
    ran.map(drop)
}

impl Backend for PostgresStore {
    fn create_request(&self, r: &RequestRow) -> Result<(), StoreError> {
        let fields = serde_json::to_string(&r.fields)?;
        self.client()?.execute(
            "INSERT INTO requests (id, view_id, nonce, document, fields, created_at, expires_at, owner, account_key, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &r.id,
                &r.view_id,
                &r.nonce,
                &r.document,
                &fields,
                &r.created_at,
                &r.expires_at,
                &r.owner,
                &r.account_key,
                &r.kind.as_str(),
            ],
        )?;
        Ok(())
    }

    fn request(&self, id: &str) -> Result<Option<RequestRow>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1");
        self.client()?.query_opt(&sql, &[&id])?.as_ref().map(Self::request_of).transpose()
    }

    fn with_signature(&self, by: Key, key: &str) -> Result<Option<(RequestRow, Option<SignatureRow>)>, StoreError> {
        let mut client = self.client()?;
        // One snapshot for both reads, so a signature committed in between cannot show a signed request
        // without its signature.
        let mut tx =
            client.build_transaction().read_only(true).isolation_level(IsolationLevel::RepeatableRead).start()?;
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE {} = $1", by.column());
        let Some(req) = tx.query_opt(&sql, &[&key])?.as_ref().map(Self::request_of).transpose()? else {
            return Ok(None);
        };
        let sig = tx
            .query_opt(&format!("SELECT {SIGNATURE_COLUMNS} FROM signatures WHERE request_id = $1"), &[&req.id])?
            .as_ref()
            .map(Self::signature_of)
            .transpose()?;
        tx.commit()?;
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
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let changed = tx.execute(
            "UPDATE requests SET state = 'signed' WHERE id = $1 AND nonce = $2 AND state = 'pending' AND expires_at > $3",
            &[&request_id, &nonce, &now],
        )?;
        if changed != 1 {
            // Dropping the transaction rolls it back.
            let state: Option<String> = tx
                .query_opt("SELECT state FROM requests WHERE id = $1 AND nonce = $2", &[&request_id, &nonce])?
                .map(|r| r.try_get(0))
                .transpose()?;
            return Ok(Err(match state.as_deref() {
                None => RecordRefusal::NotFound,
                Some("signed") => RecordRefusal::AlreadySigned,
                Some(_) => RecordRefusal::Expired,
            }));
        }
        tx.execute(
            &format!("INSERT INTO signatures (request_id, nonce, {SIGNATURE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
            &[
                &request_id,
                &nonce,
                &sig.digest_algorithm,
                &sig.signature,
                &sig.certificate,
                &sig.name,
                &sig.address,
                &sig.date_of_birth,
                &sig.gender,
                &sig.cert_serial,
                &sig.cert_issuer,
                &sig.signed_at,
            ],
        )?;
        if let Some(r) = relink {
            tx.execute(&pg(sql::SET_OUTCOME), &[&r.outcome, &request_id])?;
            if let Some((asking, earlier)) = &r.link {
                tx.execute(&pg(sql::LINK_KEYS), &[earlier, asking])?;
                tx.execute(&pg(sql::MOVE_SESSIONS), &[earlier, asking])?;
            }
        }
        tx.commit()?;
        Ok(Ok(()))
    }

    fn purge_unsigned(&self, before: i64) -> Result<usize, StoreError> {
        let n =
            self.client()?.execute("DELETE FROM requests WHERE state = 'pending' AND expires_at < $1", &[&before])?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn counts(&self) -> Result<(i64, i64, i64), StoreError> {
        let mut client = self.client()?;
        let mut tx =
            client.build_transaction().read_only(true).isolation_level(IsolationLevel::RepeatableRead).start()?;
        let requests: i64 = tx.query_one("SELECT COUNT(*) FROM requests", &[])?.try_get(0)?;
        let signed: i64 = tx.query_one("SELECT COUNT(*) FROM requests WHERE state = 'signed'", &[])?.try_get(0)?;
        let signatures: i64 = tx.query_one("SELECT COUNT(*) FROM signatures", &[])?.try_get(0)?;
        tx.commit()?;
        Ok((requests, signed, signatures))
    }

    fn integrity_ok(&self) -> Result<bool, StoreError> {
        Ok(Self::count(&mut *self.client()?, CONSISTENCY_VIOLATIONS)? == 0)
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        Self::count(&mut *self.client()?, &migrations::version_query())
    }

    fn create_login(&self, r: &LoginRow) -> Result<(), StoreError> {
        self.client()?.execute(
            &pg(sql::INSERT_LOGIN),
            &[&r.id, &r.nonce, &r.challenge, &r.session_secret, &r.created_at, &r.expires_at],
        )?;
        Ok(())
    }

    fn login(&self, id: &str) -> Result<Option<LoginRow>, StoreError> {
        let row = self.client()?.query_opt(&pg(sql::SELECT_LOGIN), &[&id])?;
        row.as_ref().map(|r| -> Result<LoginRow, StoreError> { Ok(login_row!(r.try_get)) }).transpose()
    }

    fn login_used(&self, nonce: &str) -> Result<bool, StoreError> {
        Ok(self.client()?.query_one(&pg(sql::LOGIN_USED), &[&nonce])?.try_get::<_, i64>(0)? > 0)
    }

    fn mark_login_answered(&self, nonce: &str) -> Result<bool, StoreError> {
        Ok(self.client()?.execute(&pg(sql::MARK_ANSWERED), &[&nonce])? == 1)
    }

    fn record_login(&self, id: &str, account_key: &str, certificate: &[u8], now: i64) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        tx.execute(&pg(sql::UPSERT_ACCOUNT), &[&account_key, &now, &certificate])?;
        if tx.execute(&pg(sql::MARK_VERIFIED), &[&account_key, &id])? != 1 {
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
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        if tx.execute(&pg(sql::MARK_REDEEMED), &[&id, &until])? != 1 {
            return Ok(None);
        }
        let account: Option<String> =
            tx.query_one("SELECT account_key FROM login_challenges WHERE id = $1", &[&id])?.try_get(0)?;
        let Some(account) = account else { return Ok(None) };
        tx.execute(&pg(sql::INSERT_SESSION), &[&digest, &account, &created_at, &expires_at])?;
        tx.commit()?;
        Ok(Some(account))
    }

    fn session(&self, digest: &[u8], now: i64) -> Result<Option<String>, StoreError> {
        let row = self.client()?.query_opt(&pg(sql::SELECT_SESSION), &[&digest, &now])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn end_session(&self, digest: &[u8]) -> Result<(), StoreError> {
        self.client()?.execute(&pg(sql::DELETE_SESSION), &[&digest])?;
        Ok(())
    }

    fn account(&self, key: &str) -> Result<Option<AccountRow>, StoreError> {
        let row = self.client()?.query_opt(&pg(sql::SELECT_ACCOUNT), &[&key])?;
        row.as_ref().map(|r| -> Result<AccountRow, StoreError> { Ok(account_row!(r.try_get)) }).transpose()
    }

    fn purge_logins(&self, before: i64) -> Result<(), StoreError> {
        let mut client = self.client()?;
        client.execute(&pg(sql::PURGE_LOGINS), &[&before])?;
        client.execute(&pg(sql::PURGE_SESSIONS), &[&before])?;
        Ok(())
    }

    fn record_signer(&self, request_id: &str, identity: &[u8], now: i64) -> Result<(), StoreError> {
        self.client()?.execute(&pg(sql::INSERT_SIGNER), &[&request_id, &identity, &now])?;
        Ok(())
    }

    fn signed_accounts(&self, identity: &[u8], asking: &str) -> Result<Vec<String>, StoreError> {
        let rows = self.client()?.query(&pg(sql::SIGNED_ACCOUNTS), &[&identity, &asking])?;
        Ok(rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
    }

    fn account_certificates(&self, account: &str) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let rows = self.client()?.query(&pg(sql::ACCOUNT_CERTIFICATES), &[&account])?;
        Ok(rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
    }
}
