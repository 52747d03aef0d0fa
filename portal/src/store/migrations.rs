//! The schema: numbered steps in `migrations/V{n}__{what}.sql`, written once for both backends and run by
//! refinery, which records each step in `refinery_schema_history` (with its checksum: a step changed after it
//! ran is refused) and refuses a database that ran steps this portal does not know (a newer portal's).
//!
//! The dialects differ in one word the steps use: the byte-string type, `{bytes}` in the files, BLOB in SQLite
//! and BYTEA in PostgreSQL. Everything else (TEXT, BIGINT, CHECK, REFERENCES, `IF NOT EXISTS`) both accept.
//! All pending steps run in one transaction (`grouped`): a step and its record commit together or not at all.
//!
//! Databases made before refinery: step 1 creates its tables only if they do not exist, so a database made by
//! the portal's earlier runner (which recorded version 1 in `schema_migrations`) keeps its tables and rows and
//! is adopted by running the steps over it; step 2 marks it so that such an earlier portal refuses it from
//! now on. SQLite files from before any runner also lack the owner column, which the SQLite backend adds
//! before the steps run (SQLite has no `ADD COLUMN IF NOT EXISTS`).

use refinery::error::Kind;
use refinery::{Migration, Runner};

use super::error::StoreError;

/// The steps, in order: (refinery's name `V{n}__{what}`, the SQL with `{bytes}`).
const STEPS: &[(&str, &str)] = &[
    ("V1__requests_and_signatures", include_str!("migrations/V1__requests_and_signatures.sql")),
    ("V2__refuse_older_portals", include_str!("migrations/V2__refuse_older_portals.sql")),
    ("V3__login", include_str!("migrations/V3__login.sql")),
    ("V4__relink", include_str!("migrations/V4__relink.sql")),
];

/// The table refinery records the steps in (its default name, spelled out: tests and operators read it).
pub const HISTORY_TABLE: &str = "refinery_schema_history";

/// The SQL dialect a step is written out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn bytes(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BLOB",
            Dialect::Postgres => "BYTEA",
        }
    }

    /// A step's SQL in this dialect.
    pub fn sql(self, step: &str) -> String {
        step.replace("{bytes}", self.bytes())
    }
}

/// The steps in `dialect`, for refinery.
pub fn steps(dialect: Dialect) -> Result<Vec<Migration>, refinery::Error> {
    STEPS.iter().map(|(name, sql)| Migration::unapplied(name, &dialect.sql(sql))).collect()
}

/// refinery's runner over the steps in `dialect`: all pending steps in one transaction, a changed or unknown
/// step refused (refinery's defaults, set here so they are seen).
pub fn runner(dialect: Dialect) -> Result<Runner, refinery::Error> {
    let mut runner = Runner::new(&steps(dialect)?).set_grouped(true).set_abort_divergent(true).set_abort_missing(true);
    runner.set_migration_table_name(HISTORY_TABLE);
    Ok(runner)
}

/// The highest step a database ran, as a BIGINT in both dialects (refinery records INT4 versions).
pub fn version_query() -> String {
    format!("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM {HISTORY_TABLE}")
}

/// The version a fully migrated database has.
pub fn latest() -> i64 {
    STEPS.len() as i64
}

/// The refusal of a database that ran a step this portal does not know: it was migrated by a newer portal.
pub(super) fn refusal(e: refinery::Error) -> StoreError {
    match e.kind() {
        Kind::MissingVersion(m) => StoreError::NewerSchema { found: i64::from(m.version()), known: latest() },
        _ => StoreError::Migration(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_from_one_without_gaps() {
        for (i, m) in steps(Dialect::Sqlite).unwrap().iter().enumerate() {
            assert_eq!(i64::from(m.version()), i as i64 + 1, "{m}");
        }
        assert_eq!(latest(), STEPS.len() as i64);
    }

    #[test]
    fn the_dialects_differ_only_in_the_byte_type() {
        for (_, sql) in STEPS {
            let (sqlite, postgres) = (Dialect::Sqlite.sql(sql), Dialect::Postgres.sql(sql));
            assert!(!sqlite.contains("{bytes}") && !postgres.contains("{bytes}"));
            assert_eq!(sqlite.replace("BLOB", "BYTEA"), postgres.replace("BLOB", "BYTEA"));
        }
        assert!(Dialect::Postgres.sql(STEPS[0].1).contains("document    BYTEA NOT NULL"));
    }
}
