//! What either backend does (`Backend`), the rows it reads and writes, and the SQL both share: the columns in
//! the order the row macros read them, and the consistency check.

use kazasu_core::handoff::Field;

use super::error::StoreError;
use super::login::{AccountRow, LoginRow};

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
    /// The logged-in account whose browser created it (None: no log-in).
    pub account_key: Option<String>,
    pub kind: RequestKind,
    /// What a verified re-link statement did (`words::RelinkOutcome::as_str`); None otherwise.
    pub outcome: Option<String>,
}

/// What a signing request asks the person to sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    Application,
    /// The statement "link this card to my earlier account" (re-linking a renewed card).
    Relink,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Application => "application",
            RequestKind::Relink => "relink",
        }
    }

    pub fn of(column: &str) -> RequestKind {
        match column {
            "relink" => RequestKind::Relink,
            _ => RequestKind::Application,
        }
    }
}

/// What recording a verified re-link statement does besides recording its signature.
#[derive(Clone, Debug)]
pub struct Relink {
    /// Stored as the request's outcome.
    pub outcome: &'static str,
    /// (the asking account, the earlier account it is linked to) when it links.
    pub link: Option<(String, String)>,
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
pub trait Backend: Send + Sync {
    fn create_request(&self, r: &RequestRow) -> Result<(), StoreError>;
    fn request(&self, id: &str) -> Result<Option<RequestRow>, StoreError>;
    fn with_signature(&self, by: Key, key: &str) -> Result<Option<(RequestRow, Option<SignatureRow>)>, StoreError>;
    /// One transaction: the request signed (once, while pending and unexpired), its signature, and for a re-link
    /// statement its outcome and link.
    fn record_signature(
        &self,
        request_id: &str,
        nonce: &str,
        now: i64,
        sig: &SignatureRow,
        relink: Option<&Relink>,
    ) -> Result<Result<(), RecordRefusal>, StoreError>;
    fn purge_unsigned(&self, before: i64) -> Result<usize, StoreError>;
    fn counts(&self) -> Result<(i64, i64, i64), StoreError>;
    fn integrity_ok(&self) -> Result<bool, StoreError>;
    fn schema_version(&self) -> Result<i64, StoreError>;

    // Log-in (step V3; the SQL in `login.rs`).
    fn create_login(&self, r: &LoginRow) -> Result<(), StoreError>;
    fn login(&self, id: &str) -> Result<Option<LoginRow>, StoreError>;
    /// Whether the challenge with `nonce` was answered (used up) already.
    fn login_used(&self, nonce: &str) -> Result<bool, StoreError>;
    /// Uses the pending challenge with `nonce` up; false when it was not pending (a concurrent answer won).
    fn mark_login_answered(&self, nonce: &str) -> Result<bool, StoreError>;
    /// One transaction: the account (made on its first log-in, else its last log-in time moved) and the
    /// answered challenge marked verified for it. False when the challenge was not answered.
    fn record_login(&self, id: &str, account_key: &str, certificate: &[u8], now: i64) -> Result<bool, StoreError>;
    /// One transaction: the verified challenge `id` marked redeemed if its expiry is after `until`, and the
    /// session (`digest`, `created_at`, `expires_at`) stored for its account, which is returned. None: nothing
    /// to redeem (not verified, redeemed before, or too late).
    fn redeem_login(
        &self,
        id: &str,
        until: i64,
        digest: &[u8],
        created_at: i64,
        expires_at: i64,
    ) -> Result<Option<String>, StoreError>;
    /// The account of a current session.
    fn session(&self, digest: &[u8], now: i64) -> Result<Option<String>, StoreError>;
    fn end_session(&self, digest: &[u8]) -> Result<(), StoreError>;
    fn account(&self, key: &str) -> Result<Option<AccountRow>, StoreError>;
    /// Deletes challenges that expired before `before` and sessions that ended before it.
    fn purge_logins(&self, before: i64) -> Result<(), StoreError>;

    // Re-linking (step V4; the SQL in `login.rs`).
    /// Records `identity` as a signer of the account that created application `request_id`, if any, once.
    fn record_signer(&self, request_id: &str, identity: &[u8], now: i64) -> Result<(), StoreError>;
    /// The accounts other than `asking`, not re-linked themselves, for which `identity` signed.
    fn signed_accounts(&self, identity: &[u8], asking: &str) -> Result<Vec<String>, StoreError>;
    /// The auth certificates of every key of `account` (None: a key that logged in before they were kept).
    fn account_certificates(&self, account: &str) -> Result<Vec<Option<Vec<u8>>>, StoreError>;
}

/// The column a request is looked up by.
#[derive(Clone, Copy)]
pub enum Key {
    Id,
    ViewId,
}

impl Key {
    pub fn column(self) -> &'static str {
        match self {
            Key::Id => "id",
            Key::ViewId => "view_id",
        }
    }
}

/// A `RequestRow` from a row of either library (`$get`: `get` for rusqlite, `try_get` for postgres), its columns
/// in `REQUEST_COLUMNS` order.
macro_rules! request_row {
    ($r:ident . $get:ident) => {{
        let fields: String = $r.$get(4)?;
        let state: String = $r.$get(7)?;
        let kind: String = $r.$get(10)?;
        RequestRow {
            id: $r.$get(0)?,
            view_id: $r.$get(1)?,
            nonce: $r.$get(2)?,
            document: $r.$get(3)?,
            fields: $crate::store::backend::fields_of(&fields),
            created_at: $r.$get(5)?,
            expires_at: $r.$get(6)?,
            signed: state == "signed",
            owner: $r.$get(8)?,
            account_key: $r.$get(9)?,
            kind: $crate::store::backend::RequestKind::of(&kind),
            outcome: $r.$get(11)?,
        }
    }};
}

/// A `LoginRow` from a row of either library, its columns in `login::SELECT_LOGIN` order.
macro_rules! login_row {
    ($r:ident . $get:ident) => {{
        let state: String = $r.$get(6)?;
        LoginRow {
            id: $r.$get(0)?,
            nonce: $r.$get(1)?,
            challenge: $r.$get(2)?,
            session_secret: $r.$get(3)?,
            created_at: $r.$get(4)?,
            expires_at: $r.$get(5)?,
            state: $crate::store::login::LoginState::of(&state),
            account_key: $r.$get(7)?,
        }
    }};
}

/// An `AccountRow` from a row of either library (`login::SELECT_ACCOUNT`).
macro_rules! account_row {
    ($r:ident . $get:ident) => {
        AccountRow {
            account_key: $r.$get(0)?,
            created_at: $r.$get(1)?,
            last_login_at: $r.$get(2)?,
            linked_to: $r.$get(3)?,
        }
    };
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

pub(crate) use account_row;
pub(crate) use login_row;
pub(crate) use request_row;
pub(crate) use signature_row;

pub const REQUEST_COLUMNS: &str =
    "id, view_id, nonce, document, fields, created_at, expires_at, state, owner, account_key, kind, outcome";
pub const SIGNATURE_COLUMNS: &str =
    "digest_algorithm, signature, certificate, name, address, date_of_birth, gender, cert_serial, cert_issuer, signed_at";

/// Every signed request has its one signature under its own nonce, and no signature belongs to an unsigned
/// request (both backends; the count of violations must be 0).
pub const CONSISTENCY_VIOLATIONS: &str = "
SELECT (SELECT COUNT(*) FROM requests r
         WHERE r.state = 'signed' AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.request_id = r.id))
     + (SELECT COUNT(*) FROM signatures s JOIN requests r ON r.id = s.request_id
         WHERE r.state <> 'signed' OR r.nonce <> s.nonce)
     + (SELECT COUNT(*) FROM signatures s WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = s.request_id))";

/// The fields as stored (JSON); a row whose fields cannot be read shows none.
pub fn fields_of(json: &str) -> Vec<Field> {
    serde_json::from_str(json).unwrap_or_default()
}
