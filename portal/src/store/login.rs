//! The log-in tables' rows and SQL (steps `V3__login` and `V4__relink`), shared by both backends: the statements are written once
//! with SQLite's `?N` placeholders, which [`postgres_sql`] turns into PostgreSQL's `$N`.

/// One log-in challenge as stored.
#[derive(Clone, Debug)]
pub struct LoginRow {
    pub id: String,
    pub nonce: String,
    /// The canonical `KAZASU-LOGIN-CHALLENGE/1` bytes, exactly as issued (what the auth key must sign).
    pub challenge: Vec<u8>,
    /// The asking browser's login-session cookie value, until the app answers (then None).
    pub session_secret: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub state: LoginState,
    pub account_key: Option<String>,
}

/// Where a log-in challenge is (`state` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginState {
    /// Issued; no valid answer yet.
    Pending,
    /// A response passed verification and used the challenge up; its account is being recorded.
    Answered,
    /// The account is recorded: the asking session may take the log-in.
    Verified,
    /// The asking session took it (once).
    Redeemed,
}

impl LoginState {
    pub fn of(column: &str) -> LoginState {
        match column {
            "answered" => LoginState::Answered,
            "verified" => LoginState::Verified,
            "redeemed" => LoginState::Redeemed,
            _ => LoginState::Pending,
        }
    }
}

/// An account (`accounts` row): made by its first log-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    pub account_key: String,
    pub created_at: i64,
    pub last_login_at: i64,
    /// The earlier account this key's log-ins land in since a re-link (None: its own).
    pub linked_to: Option<String>,
}

pub const INSERT_LOGIN: &str = "INSERT INTO login_challenges (id, nonce, challenge, session_secret, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
pub const SELECT_LOGIN: &str = "SELECT id, nonce, challenge, session_secret, created_at, expires_at, state, account_key FROM login_challenges WHERE id = ?1";
pub const LOGIN_USED: &str = "SELECT COUNT(*) FROM login_challenges WHERE nonce = ?1 AND state <> 'pending'";
/// Single use: only a pending challenge is used up, and its session secret is forgotten with it.
pub const MARK_ANSWERED: &str =
    "UPDATE login_challenges SET state = 'answered', session_secret = NULL WHERE nonce = ?1 AND state = 'pending'";
/// The key's row, made by its first log-in; each log-in keeps its auth certificate (to tell later whether the card
/// still works).
pub const UPSERT_ACCOUNT: &str = "INSERT INTO accounts (account_key, created_at, last_login_at, certificate) VALUES (?1, ?2, ?2, ?3) ON CONFLICT (account_key) DO UPDATE SET last_login_at = excluded.last_login_at, certificate = excluded.certificate";
/// The verified challenge's account: the key's own, or the earlier account it was re-linked to.
pub const MARK_VERIFIED: &str = "UPDATE login_challenges SET state = 'verified', account_key = (SELECT COALESCE(linked_to, account_key) FROM accounts WHERE account_key = ?1) WHERE id = ?2 AND state = 'answered'";
/// Redemption: once, only a verified challenge, and only until `?2` (the challenge's expiry plus a grace).
pub const MARK_REDEEMED: &str =
    "UPDATE login_challenges SET state = 'redeemed' WHERE id = ?1 AND state = 'verified' AND expires_at > ?2";
pub const INSERT_SESSION: &str =
    "INSERT INTO sessions (token_digest, account_key, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)";
pub const SELECT_SESSION: &str = "SELECT account_key FROM sessions WHERE token_digest = ?1 AND expires_at > ?2";
pub const DELETE_SESSION: &str = "DELETE FROM sessions WHERE token_digest = ?1";
pub const SELECT_ACCOUNT: &str =
    "SELECT account_key, created_at, last_login_at, linked_to FROM accounts WHERE account_key = ?1";
pub const PURGE_LOGINS: &str = "DELETE FROM login_challenges WHERE expires_at < ?1";
pub const PURGE_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at < ?1";

// Re-linking (step V4).

/// Who signed an application made from a logged-in browser, recorded for the request's account once.
pub const INSERT_SIGNER: &str = "INSERT INTO account_signers (account_key, identity, first_seen) SELECT account_key, ?2, ?3 FROM requests WHERE id = ?1 AND kind = 'application' AND account_key IS NOT NULL ON CONFLICT DO NOTHING";
/// The accounts (not re-linked themselves) other than `?2` for which the identity `?1` signed.
pub const SIGNED_ACCOUNTS: &str = "SELECT DISTINCT s.account_key FROM account_signers s JOIN accounts a ON a.account_key = s.account_key WHERE s.identity = ?1 AND a.linked_to IS NULL AND s.account_key <> ?2 ORDER BY s.account_key";
/// The auth certificates of every key of an account (its own and those linked to it).
pub const ACCOUNT_CERTIFICATES: &str = "SELECT certificate FROM accounts WHERE account_key = ?1 OR linked_to = ?1";
pub const SET_OUTCOME: &str = "UPDATE requests SET outcome = ?1 WHERE id = ?2";
/// The link: the asking account's keys (its own and any linked to it) land in the earlier account `?1` from now
/// on, and so do its current sessions.
pub const LINK_KEYS: &str = "UPDATE accounts SET linked_to = ?1 WHERE account_key = ?2 OR linked_to = ?2";
pub const MOVE_SESSIONS: &str = "UPDATE sessions SET account_key = ?1 WHERE account_key = ?2";

/// A statement in PostgreSQL's placeholders: `?1` → `$1`.
pub fn postgres_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_postgres_ones_and_nothing_else_changes() {
        assert_eq!(postgres_sql(MARK_REDEEMED).replace('$', "?"), MARK_REDEEMED);
        assert!(postgres_sql(INSERT_SESSION).ends_with("VALUES ($1, $2, $3, $4)"));
        assert_eq!(postgres_sql("a <> '?' AND b = ?12"), "a <> '?' AND b = $12");
    }
}
