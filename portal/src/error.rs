//! The portal's refusals and failures, as the handlers return them: the protocol's (`Refused`, spelled as the
//! app expects it), the access rules' (`guard::Denied`), either of them (`Failure`), and why a portal does not
//! start (`StartError`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kazasu_core::handoff::client::Reply;
use kazasu_core::handoff::{HandoffError, Refusal};

use crate::guard::Denied;
use crate::revocation::CrlError;
use crate::store::StoreError;

/// A refusal as the protocol spells it (`{"status":"refused","error":…,"message":…}`, HTTP status by code).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    pub code: Refusal,
    pub message: String,
}

impl Refused {
    /// An error the caller cannot act on: logged here, answered as `internal` without its details.
    pub fn internal(e: impl std::fmt::Display) -> Refused {
        eprintln!("kazasu-portal: internal error: {e}");
        Refused { code: Refusal::Internal, message: "internal error".into() }
    }

    pub fn not_found() -> Refused {
        Refused { code: Refusal::NotFound, message: "no such signing request".into() }
    }

    pub fn expired() -> Refused {
        Refused { code: Refusal::Expired, message: "this request has expired".into() }
    }
}

impl From<HandoffError> for Refused {
    fn from(e: HandoffError) -> Refused {
        Refused { code: e.refusal(), message: e.to_string() }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let no_store = [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))];
        (status, no_store, Json(Reply::refused(self.code, self.message))).into_response()
    }
}

/// A refusal of either layer: the protocol's (`Refused`) or the portal's access rules (`Denied`).
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error(transparent)]
    Denied(#[from] Denied),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Refused(r) => r.into_response(),
            Failure::Denied(d) => d.into_response(),
        }
    }
}

/// Why a portal does not start (a configuration the operator must fix).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("public origin: {0}")]
    PublicOrigin(#[source] HandoffError),
    #[error("public origin must be written as {0}")]
    PublicOriginSpelling(String),
    #[error("{0}")]
    RelyingPartyName(#[source] HandoffError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the office token must be at least 32 characters")]
    OfficeTokenTooShort,
    #[error("--ocsp and --crl are alternatives: give one")]
    OcspAndCrl,
    #[error("--crl: {0}")]
    Crl(#[from] CrlError),
    #[error("the trusted CA certificates: {0}")]
    Anchors(String),
}
