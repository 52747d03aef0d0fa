-- Re-linking a renewed card (portal/README.md, "Renewed cards"). Written once for SQLite and PostgreSQL like the
-- steps before it; columns are added with ALTER TABLE … ADD COLUMN, which both accept (nullable, or with a
-- constant default), and which keeps every row.
--
-- requests.account_key: the logged-in account whose browser created the request (NULL: no log-in).
-- requests.kind: 'application', or 'relink' — a signed statement "link this card to my earlier account".
-- requests.outcome: what a relink statement did once verified ('linked', 'no-match', 'several',
-- 'earlier-card-current'); NULL for applications and pending statements.
ALTER TABLE requests ADD COLUMN account_key TEXT REFERENCES accounts(account_key);
ALTER TABLE requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'application' CHECK (kind IN ('application', 'relink'));
ALTER TABLE requests ADD COLUMN outcome TEXT;
-- accounts.linked_to: the earlier account this key's log-ins land in (NULL: its own account).
-- accounts.certificate: the auth certificate of the key's latest log-in (it names no one), so that a re-link
-- can tell whether the earlier account's cards still work.
ALTER TABLE accounts ADD COLUMN linked_to TEXT REFERENCES accounts(account_key);
ALTER TABLE accounts ADD COLUMN certificate {bytes};
-- account_signers: who signed applications made from an account — SHA-256 over a label, the origin, the
-- signature certificate's name and date of birth (handoff's rp::login::SignerIdentity) — and when first.
CREATE TABLE account_signers (
    account_key  TEXT NOT NULL REFERENCES accounts(account_key),
    identity     {bytes} NOT NULL,
    first_seen   BIGINT NOT NULL,
    PRIMARY KEY (account_key, identity)
);
CREATE INDEX account_signers_identity ON account_signers (identity);
