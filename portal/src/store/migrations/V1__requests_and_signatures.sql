-- Signing requests (single-use nonce, pending → signed) and their signatures. Written once for SQLite and
-- PostgreSQL: {bytes} is the one type they spell differently, filled in per dialect (store/migrations.rs);
-- BIGINT is an INTEGER in SQLite. IF NOT EXISTS: databases made before refinery ran
-- these steps (by the portal's earlier runner, or before any runner) already hold these tables and keep them.
CREATE TABLE IF NOT EXISTS requests (
    id          TEXT PRIMARY KEY,
    view_id     TEXT NOT NULL UNIQUE,
    nonce       TEXT NOT NULL UNIQUE,
    document    {bytes} NOT NULL,
    fields      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'signed')),
    owner       {bytes}
);
CREATE TABLE IF NOT EXISTS signatures (
    request_id       TEXT PRIMARY KEY REFERENCES requests(id),
    nonce            TEXT NOT NULL UNIQUE,
    digest_algorithm TEXT NOT NULL,
    signature        {bytes} NOT NULL,
    certificate      {bytes} NOT NULL,
    name             TEXT,
    address          TEXT,
    date_of_birth    TEXT,
    gender           TEXT,
    cert_serial      TEXT NOT NULL,
    cert_issuer      TEXT NOT NULL,
    signed_at        BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_pending_expiry ON requests (state, expires_at);
