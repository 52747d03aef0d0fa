//! The schema, as numbered steps both backends run in order, each in its own dialect. A database records the
//! steps it has run in `schema_migrations`; a portal refuses a database migrated by a newer one.

/// One step of the schema.
pub struct Migration {
    pub version: i64,
    pub what: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    what: "signing requests (single-use nonce, pending → signed) and their signatures",
    // IF NOT EXISTS: SQLite files from before migrations were recorded already hold these tables.
    sqlite: "
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
",
    postgres: "
CREATE TABLE requests (
    id          TEXT PRIMARY KEY,
    view_id     TEXT NOT NULL UNIQUE,
    nonce       TEXT NOT NULL UNIQUE,
    document    BYTEA NOT NULL,
    fields      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'signed')),
    owner       BYTEA
);
CREATE TABLE signatures (
    request_id       TEXT PRIMARY KEY REFERENCES requests(id),
    nonce            TEXT NOT NULL UNIQUE,
    digest_algorithm TEXT NOT NULL,
    signature        BYTEA NOT NULL,
    certificate      BYTEA NOT NULL,
    name             TEXT,
    address          TEXT,
    date_of_birth    TEXT,
    gender           TEXT,
    cert_serial      TEXT NOT NULL,
    cert_issuer      TEXT NOT NULL,
    signed_at        BIGINT NOT NULL
);
CREATE INDEX requests_pending_expiry ON requests (state, expires_at);
",
}];

/// The version a fully migrated database has.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The steps still to run on a database at `current`, or the refusal of a database newer than this portal.
pub fn pending(current: i64) -> Result<impl Iterator<Item = &'static Migration>, super::StoreError> {
    if current > latest() {
        return Err(super::StoreError::NewerSchema { found: current, known: latest() });
    }
    Ok(MIGRATIONS.iter().filter(move |m| m.version > current))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.what);
            assert!(!m.sqlite.trim().is_empty() && !m.postgres.trim().is_empty());
        }
    }

    #[test]
    fn a_database_newer_than_the_portal_is_refused() {
        assert!(pending(latest() + 1).is_err());
        assert_eq!(pending(0).unwrap().count(), MIGRATIONS.len());
        assert_eq!(pending(latest()).unwrap().count(), 0);
    }
}
