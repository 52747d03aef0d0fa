//! What the store could not do, in each library's words.

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
