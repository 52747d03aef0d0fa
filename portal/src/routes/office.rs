//! The back office: one application with the full transcription from the certificate, for the city's staff
//! (`Authorization: Bearer`), as JSON and as text.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kazasu_core::handoff::Field;
use serde::Serialize;

use super::reply::{blocking, no_store, text};
use crate::error::Failure;
use crate::pages;
use crate::state::{ApplicationState, Shared};
use crate::store::SignatureRow;

/// One application as the city's staff see it.
#[derive(Debug, Serialize)]
pub struct OfficeRecord {
    pub request_id: String,
    pub state: ApplicationState,
    pub created_at: i64,
    pub expires_at: i64,
    pub fields: Vec<Field>,
    pub signature: Option<SignatureRow>,
}

pub async fn office_json(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let result = blocking(move || -> Result<OfficeRecord, Failure> {
        let (row, sig) = state.for_office(&id, &headers)?;
        Ok(OfficeRecord {
            state: state.state_of(&row),
            request_id: row.id,
            created_at: row.created_at,
            expires_at: row.expires_at,
            fields: row.fields,
            signature: sig,
        })
    })
    .await;
    match result {
        Ok(r) => (no_store(), Json(r)).into_response(),
        Err(r) => r.into_response(),
    }
}

pub async fn office_text(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let result = blocking(move || -> Result<String, Failure> {
        let (row, sig) = state.for_office(&id, &headers)?;
        Ok(pages::application_text(&pages::ApplicationText {
            relying_party: &state.cfg.relying_party,
            state: state.state_of(&row),
            fields: &row.fields,
            signature: sig.as_ref(),
            full: true,
        }))
    })
    .await;
    match result {
        Ok(t) => text(t),
        Err(r) => r.into_response(),
    }
}
