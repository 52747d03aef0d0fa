//! The app's side: fetching the signing request (`GET /r/{id}`) and submitting the signature
//! (`POST /r/{id}/submit`), verified with kazasu-core and recorded once per nonce.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kazasu_core::handoff::client::{Reply, Transcribed};
use kazasu_core::handoff::request::request_json;
use kazasu_core::handoff::rp::login::SignerIdentity;
use kazasu_core::handoff::rp::{verify_submission, RevocationSource, Verified};
use kazasu_core::handoff::{Document, HandoffError, Refusal, Submission, MAX_SUBMISSION_BODY};

use super::reply::{blocking, json, no_store};
use crate::error::Refused;
use crate::guard::Denied;
use crate::state::{AppState, Shared};
use crate::store::{RecordRefusal, RequestKind, RequestRow, SignatureRow};
use crate::words;

/// How much of a submission body is read before it is refused as too large (bigger than
/// `MAX_SUBMISSION_BODY`, so that a modest overrun is answered, not reset).
pub const SUBMIT_READ_LIMIT: usize = 1024 * 1024;

pub async fn fetch_request(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let result = blocking(move || {
        let row = state.store.request(&id).map_err(Refused::internal)?.ok_or_else(Refused::not_found)?;
        if row.signed {
            return Err(Refused { code: Refusal::Replayed, message: "this request was already signed".into() });
        }
        if state.now() >= row.expires_at {
            return Err(Refused::expired());
        }
        let doc = Document::parse(&row.document).map_err(Refused::internal)?;
        request_json(&doc).map_err(Refused::internal)
    })
    .await;
    json(result)
}

pub async fn submit(
    State(state): State<Shared>,
    Path(id): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(d) = state.limiters.submit(&state.client_key(&headers, peer)) {
        return d.into_response();
    }
    if let Some(next) = state.revocation.all_stale(state.now()) {
        eprintln!("kazasu-portal: submission refused: every CRL is past its nextUpdate");
        return Denied::StaleCrl { next_update: kazasu_core::handoff::time::format_utc(next) }.into_response();
    }
    let too_large = || {
        Refused { code: Refusal::TooLarge, message: format!("the submission exceeds {MAX_SUBMISSION_BODY} bytes") }
            .into_response()
    };
    let body = match body {
        Ok(b) if b.len() > MAX_SUBMISSION_BODY => return too_large(),
        Ok(b) => b,
        Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
        Err(rej) => return Refused { code: Refusal::Malformed, message: rej.body_text() }.into_response(),
    };
    let languages =
        words::Languages::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    match blocking(move || accept(&state, &id, &body, languages)).await {
        Ok(reply) => (StatusCode::OK, no_store(), Json(reply)).into_response(),
        Err(r) => r.into_response(),
    }
}

/// Verification and recording of one submission.
fn accept(state: &AppState, id: &str, body: &[u8], languages: words::Languages) -> Result<Reply, Refused> {
    let sub = Submission::from_json(body)?;
    let row = state.store.request(id).map_err(Refused::internal)?.ok_or_else(Refused::not_found)?;
    if sub.request_id != row.id {
        return Err(Refused { code: Refusal::Mismatch, message: "the submission names another request".into() });
    }
    if row.signed {
        return Err(HandoffError::Replayed.into());
    }
    let now = state.now();
    let crls = state.revocation.current();
    let scoped: Vec<&kazasu_core::crl::ScopedCrl> = crls.iter().map(|c| &c.scoped).collect();
    let source = match &state.ocsp {
        Some(checker) => RevocationSource::Ocsp(checker),
        None if state.revocation.is_empty() => RevocationSource::NotChecked,
        None => RevocationSource::Crls(&scoped),
    };
    let verified = verify_submission(&row.document, &sub, &state.cfg.trust, source, now).map_err(|e| match e {
        // The certificate's refusals reach the person (the app quotes them): in their language, from the catalog.
        HandoffError::BadCertificate(why) => {
            eprintln!("kazasu-portal: submission for {id} refused: the certificate: {why}");
            Refused { code: e.refusal(), message: words::certificate_refusal(languages, why) }
        }
        e => Refused::from(e),
    })?;
    let p = &verified.personal;
    let sig = SignatureRow {
        digest_algorithm: sub.algorithm.name().into(),
        signature: sub.signature.clone(),
        certificate: verified.certificate.der().to_vec(),
        name: p.name.clone(),
        address: p.address.clone(),
        date_of_birth: p.date_of_birth_iso().or(p.date_of_birth.clone()),
        gender: p.gender.clone(),
        cert_serial: verified.certificate.serial_hex.clone(),
        cert_issuer: verified.certificate.issuer.clone(),
        signed_at: now,
    };
    if row.kind == RequestKind::Relink {
        return super::relink::finish(state, &row, &sub.nonce, sig, &verified, languages);
    }
    match state.store.record_signature(id, &sub.nonce, now, &sig).map_err(Refused::internal)? {
        Ok(()) => {
            remember_signer(state, &row, &verified, now);
            Ok(Reply::accepted(
                id,
                Transcribed { name: sig.name, address: sig.address, date_of_birth: sig.date_of_birth },
            ))
        }
        Err(RecordRefusal::AlreadySigned) => Err(HandoffError::Replayed.into()),
        Err(RecordRefusal::Expired) => Err(Refused::expired()),
        Err(RecordRefusal::NotFound) => Err(Refused::not_found()),
    }
}

/// An application made by a logged-in browser: who signed it is remembered for its account (its
/// [`SignerIdentity`]), which a renewed card's re-link compares later. After the signature's own commit: the
/// signature is accepted whatever happens here, and a record lost to an error only makes a later re-link find
/// nothing (a refusal, never a wrong link).
fn remember_signer(state: &AppState, row: &RequestRow, verified: &Verified, now: i64) {
    if row.account_key.is_none() {
        return;
    }
    let Some(identity) = SignerIdentity::of(&verified.personal, &state.cfg.public_origin) else { return };
    if let Err(e) = state.store.record_signer(&row.id, &identity.0, now) {
        eprintln!("kazasu-portal: the signer of {} was not recorded for its account: {e}", row.id);
    }
}
