//! Re-linking a renewed card (issue 24; the design in handoff's `rp::login`): a browser logged in with the new
//! card asks (`POST /account/relink`, from the account page) for a statement "link this card's account to my
//! earlier account", which the person signs with the signature certificate through the signing hand-off — the
//! same QR code, same-device link and owner-cookie desktop page (`/a/{view}`) as an application. When the
//! signed statement is verified ([`finish`], from the submission route), the earlier account is the one for
//! which the same name and birth date signed ([`SignerIdentity`]); only if exactly one matches and none of its
//! cards still works ([`card_is_current`]) are the asking account's keys and sessions moved to it.
//!
//! The statement is bound to the session that asked: the account to link is the asking session's, stored with
//! the request when it is made and named in the statement's text — nothing in the submission can name another —
//! and a request is signed once. A QR code relayed elsewhere can therefore only link the account that asked.
//! The other relay — an attacker logged in with their own card who gets a victim to sign the attacker's
//! statement — is why the earlier card must no longer work: the victim's account, whose card works, is never
//! taken.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kazasu_core::handoff::client::{Reply, Transcribed};
use kazasu_core::handoff::rp::login::{card_is_current, LoginRefusal, SignerIdentity};
use kazasu_core::handoff::rp::Verified;
use kazasu_core::handoff::{Field, Refusal};

use super::create::{create, with_owner_cookie, Made};
use super::login::{logged_in_account, short_account, LoginStart};
use super::reply::{blocking, page, page_lang};
use crate::error::{Failure, Refused};
use crate::guard::Denied;
use crate::state::{AppState, Shared};
use crate::store::{RecordRefusal, Relink, RequestKind, RequestRow, SignatureRow};
use crate::words::{self, Languages, RelinkOutcome};
use crate::{browser, pages};

/// `POST /account/relink`: same origin, the form token, the create rate and a current session; the statement's
/// signing request for the session's account, its owner cookie, then its desktop page.
pub async fn start(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginStart>,
) -> Response {
    if let Err(d) = state.admit_creating_form(&headers, peer, &form.form_token) {
        return d.into_response();
    }
    let lang = page_lang(&headers);
    let st = state.clone();
    let result = blocking(move || -> Result<_, Failure> {
        let account = logged_in_account(&st, &headers)?.ok_or(Denied::NotOwner)?;
        let (title, fields) = words::relink_document(lang, &st.cfg.public_origin, short_account(&account));
        let fields = fields.into_iter().map(|(label, value)| Field { label, value }).collect();
        let created_from = browser::created_from(&headers);
        let made = Made { title, fields, created_from, account: Some(account), kind: RequestKind::Relink };
        Ok(create(&st, made)?)
    })
    .await;
    match result {
        Ok((c, owner)) => with_owner_cookie(&state, &c, &owner, Redirect::to(&format!("/a/{}", c.view_id))),
        Err(Failure::Denied(Denied::NotOwner)) => {
            let text = words::not_logged_in(lang);
            page(StatusCode::UNAUTHORIZED, &pages::Message { lang: lang.tag(), text: &text })
        }
        Err(r) => r.into_response(),
    }
}

/// A verified statement (`verified`, for relink request `row`): which earlier account it names, the link if
/// exactly one does and none of its cards works, recorded once with the signature in one transaction. The app
/// is answered `accepted` when it linked, and otherwise refused in the person's words — nothing linked.
pub(crate) fn finish(
    state: &AppState,
    row: &RequestRow,
    nonce: &str,
    sig: SignatureRow,
    verified: &Verified,
    languages: Languages,
) -> Result<Reply, Refused> {
    let asking = row.account_key.clone().ok_or_else(|| Refused::internal("a re-link statement without an account"))?;
    let (outcome, link) = match SignerIdentity::of(&verified.personal, &state.cfg.public_origin) {
        None => (RelinkOutcome::NoMatch, None),
        Some(identity) => {
            let accounts = state.store.signed_accounts(&identity.0, &asking).map_err(Refused::internal)?;
            match accounts.as_slice() {
                [] => (RelinkOutcome::NoMatch, None),
                [earlier] if earlier_card_works(state, earlier, languages)? => {
                    (RelinkOutcome::EarlierCardCurrent, None)
                }
                [earlier] => (RelinkOutcome::Linked, Some((asking.clone(), earlier.clone()))),
                _ => (RelinkOutcome::Several, None),
            }
        }
    };
    let relink = Relink { outcome: outcome.as_str(), link };
    match state.store.record_relink(&row.id, nonce, state.now(), &sig, &relink).map_err(Refused::internal)? {
        Ok(()) => {}
        Err(RecordRefusal::AlreadySigned) => return Err(kazasu_core::handoff::HandoffError::Replayed.into()),
        Err(RecordRefusal::Expired) => return Err(Refused::expired()),
        Err(RecordRefusal::NotFound) => return Err(Refused::not_found()),
    }
    eprintln!("kazasu-portal: re-link statement {}: {}", row.id, outcome.as_str());
    match outcome {
        RelinkOutcome::Linked => Ok(Reply::accepted(
            &row.id,
            Transcribed { name: sig.name, address: sig.address, date_of_birth: sig.date_of_birth },
        )),
        refused => Err(Refused { code: Refusal::Mismatch, message: refused.refusal(languages) }),
    }
}

/// Whether any card of `account` still works. A key that logged in before its certificate was kept (step V4)
/// counts as working: unknown is never taken over. When it cannot be told now (no current revocation answer),
/// the statement is refused unused, to be sent again later.
fn earlier_card_works(state: &AppState, account: &str, languages: Languages) -> Result<bool, Refused> {
    let now = state.now();
    let crls = state.revocation.current();
    let scoped: Vec<&kazasu_core::crl::ScopedCrl> = crls.iter().map(|c| &c.scoped).collect();
    for certificate in state.store.account_certificates(account).map_err(Refused::internal)? {
        let Some(der) = certificate else { return Ok(true) };
        match card_is_current(&der, state.auth_trust(), state.revocation_source(&scoped), now) {
            Ok(false) => {}
            Ok(true) => return Ok(true),
            Err(why) => {
                eprintln!("kazasu-portal: re-link: an earlier card's state cannot be told: {why}");
                return Err(Refused {
                    code: Refusal::RevocationUnavailable,
                    message: words::login_refusal(languages, &LoginRefusal::Certificate(why)),
                });
            }
        }
    }
    Ok(false)
}
