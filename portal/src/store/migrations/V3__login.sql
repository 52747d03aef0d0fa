-- Log-in with the card's user-authentication certificate (portal/README.md, "Log-in"). Written once for SQLite
-- and PostgreSQL like the steps before it.
--
-- accounts: one row per account key (SHA-256 over a label, the origin, and the auth certificate's issuer and
-- serial; handoff's rp::login::AccountKey), made by its first log-in. Nothing personal: the auth certificate names
-- no one.
CREATE TABLE accounts (
    account_key    TEXT PRIMARY KEY,
    created_at     BIGINT NOT NULL,
    last_login_at  BIGINT NOT NULL
);
-- login_challenges: each challenge's exact canonical bytes (what is verified against), its UNIQUE nonce and
-- expiry, and where it is: pending → answered (the app's response passed verification: single use) → verified
-- (its account recorded) → redeemed (the asking browser session took its log-in, once). `session_secret` is the
-- asking browser's login-session cookie value, which verify_login needs; it is kept only until the app answers
-- (then NULL) — the redemption compares the cookie with the challenge's signed `session` line (its SHA-256).
CREATE TABLE login_challenges (
    id              TEXT PRIMARY KEY,
    nonce           TEXT NOT NULL UNIQUE,
    challenge       {bytes} NOT NULL,
    session_secret  TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'answered', 'verified', 'redeemed')),
    account_key     TEXT REFERENCES accounts(account_key)
);
CREATE INDEX login_challenges_expiry ON login_challenges (expires_at);
-- sessions: a logged-in browser's session cookie, stored as its SHA-256 only.
CREATE TABLE sessions (
    token_digest  {bytes} PRIMARY KEY,
    account_key   TEXT NOT NULL REFERENCES accounts(account_key),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
