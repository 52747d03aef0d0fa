//! `kazasu login URL|kazasu://login?r=…`: logging in to a site with the card's user-authentication certificate,
//! the CLI as the phone. The log-in kind of the core's one flow does the work: the challenge is fetched and
//! checked (its origin is the origin it came from, it is current), the person reads which site asks, that nothing
//! personal is sent, where and when the log-in was started and the relay warning; then the 4-digit
//! authentication password under the same rules as the signature password (the counter read before VERIFY, the
//! last try only after confirmation, a typed password presented at most once, a lost link "outcome unknown"),
//! one tap (the auth certificate is read and the auth key signs the challenge's exact bytes), the answer sent
//! back, and the site's verdict. The browser that started the log-in then takes the session.
//!
//! Exit codes are `kazasu sign-request`'s: 1 for a refused or bad log-in, 10 when the site refuses the
//! signature or the certificate, and the card's codes (3 wrong password, 4 locked, 5 last try not confirmed, …).

use kazasu_core::flow::{Flow, Notice, State};
use kazasu_core::handoff::{self, HandoffError, HttpsUrl, LinkKind, Refusal, SchemeRefusal};

use crate::drive::{self, now};
use crate::failure::Failure;
use crate::handoff::UreqClient;
use crate::io::progress;
use crate::messages::{detail, exit, text, time, Lang};
use crate::prompt::PinArgs;
use crate::source::{self, SourceArgs};

/// The challenge URL behind what the person gave: a `kazasu://login?r=` link, the app link
/// `https://<app-link host>/login?r=…`, or the challenge's https URL itself (the person said "log in", so a
/// plain URL is taken as a log-in's). A signing request's link is refused with the command that takes it.
fn challenge_url(lang: Lang, given: &str) -> Result<HttpsUrl, Failure> {
    let link = handoff::parse_any_link(given).map_err(|e| link_failure(lang, &e))?;
    match link.kind {
        LinkKind::Login => Ok(link.url),
        // parse_any_link reads a plain https URL as a signing request's: here it is the challenge's.
        LinkKind::Sign if HttpsUrl::parse(given.trim()).is_ok_and(|u| !handoff::link::is_app_link(&u)) => Ok(link.url),
        LinkKind::Sign => Err(refused(lang, text::login_signing_link(lang), exit::FAILURE)),
    }
}

fn link_failure(lang: Lang, e: &HandoffError) -> Failure {
    detail("log-in link", e);
    let message = match e {
        HandoffError::Scheme(SchemeRefusal::PlainHttp) => text::login_http_not_allowed(lang),
        _ => text::login_link_invalid(lang),
    };
    refused(lang, message, exit::FAILURE)
}

/// `message` followed by "You are not logged in."
fn refused(lang: Lang, message: String, code: u8) -> Failure {
    let not = text::not_logged_in(lang);
    Failure::new(if lang == Lang::Ja { format!("{message}{not}") } else { format!("{message} {not}") }, code)
}

/// The log-in's hand-off errors in words, with `kazasu sign-request`'s exit codes: 10 when the site refused
/// the signature or the certificate, else 1.
fn login_failure(lang: Lang, e: &HandoffError) -> Failure {
    detail("log-in", e);
    let code = match e.refusal() {
        Refusal::BadSignature | Refusal::BadCertificate => exit::VERIFY_FAILED,
        _ => exit::FAILURE,
    };
    let message = match e {
        HandoffError::Scheme(_) | HandoffError::InvalidUrl(_) => return link_failure(lang, e),
        HandoffError::OriginMismatch { expected, found } => text::login_origin_mismatch(lang, expected, found),
        HandoffError::Expired { expires_at } => text::login_expired(lang, time::moment_of(lang, expires_at)),
        HandoffError::NotYetValid { issued_at } => text::login_not_yet_valid(lang, time::moment_of(lang, issued_at)),
        HandoffError::TooLong { .. }
        | HandoffError::InvalidUtf8 { .. }
        | HandoffError::Malformed { .. }
        | HandoffError::DisplayMismatch => text::login_malformed(lang),
        HandoffError::UnsupportedVersion => text::login_unsupported_version(lang),
        HandoffError::Replayed | HandoffError::Refused { code: Refusal::Replayed, .. } => {
            text::login_already_used(lang)
        }
        HandoffError::Http(_) => text::network_failed(lang),
        HandoffError::HttpStatus { status } => text::server_status(lang, status),
        HandoffError::Refused { code, message, .. } => text::login_refused(lang, code, message),
        HandoffError::BadSignature => text::login_bad_signature(lang),
        HandoffError::BadCertificate(_) => text::login_bad_certificate(lang),
    };
    refused(lang, message, code)
}

/// What the person reads first: which site asks, its name, until when.
fn show(lang: Lang, flow: &Flow) {
    let Some(c) = flow.subject().and_then(|s| s.login()).map(|l| l.challenge()) else {
        return;
    };
    let bar = "─".repeat(40);
    eprintln!("{bar}");
    eprintln!("{}", text::login_site(lang, &c.origin));
    eprintln!("{}", text::login_relying_party(lang, &c.relying_party));
    eprintln!("{}", text::login_expires(lang, time::moment(lang, c.expires_at)));
    eprintln!("{bar}");
}

/// `kazasu login URL|LINK`.
pub fn login(source: &SourceArgs, lang: Lang, given: &str, pin: &PinArgs) -> Result<(), Failure> {
    let url = challenge_url(lang, given)?;
    let mut http = UreqClient::new().map_err(|e| {
        detail("TLS", e);
        Failure::new(text::tls_unavailable(lang), exit::FAILURE)
    })?;
    let mut flow = Flow::for_link_of(LinkKind::Login, &handoff::login_deep_link(&url));
    progress(text::fetching_login(lang));
    let job = flow.begin_fetch().ok_or_else(|| refused(lang, text::login_link_invalid(lang), exit::FAILURE))?;
    let fetched = job.run(&mut http, now());
    if let Err(e) = &fetched {
        return Err(http.failure_in(lang, &url, e, login_failure, text::not_logged_in));
    }
    flow.finish_fetch(fetched);
    if let State::Failed { notice } = flow.state() {
        return Err(notice_failure(lang, notice, None));
    }
    let expires_at = flow.subject().and_then(|s| s.login()).map(|l| l.challenge().expires_at);
    show(lang, &flow);
    drive::show_consent(&flow, lang);
    let mut transport = source::open(source, lang)?;
    let ended = |n: &Notice| notice_failure(lang, n, expires_at);
    drive::sign_on_card(&mut flow, &mut *transport, pin, lang, &ended)?;
    drop(transport); // the card is released before the network round trip
    progress(text::sending_login(lang));
    let job = flow.begin_submit().ok_or_else(|| Failure::new(text::card_operation_failed(lang), exit::FAILURE))?;
    let verdict = job.run(&mut http);
    if let Err(e) = &verdict {
        return Err(http.failure_in(lang, &url, e, login_failure, text::not_logged_in));
    }
    flow.finish_submit(verdict);
    match flow.state() {
        State::Done { .. } => {
            let origin = flow.subject().and_then(|s| s.login()).map(|l| l.origin().to_string()).unwrap_or_default();
            outln!("{}", text::logged_in(lang, origin));
            Ok(())
        }
        other => {
            log::warn!("log-in flow stopped in {other:?}");
            Err(Failure::new(text::card_operation_failed(lang), exit::FAILURE))
        }
    }
}

/// Words for a log-in the flow ended before the card: what the core found (a link of the wrong kind, a
/// challenge that expired while the password was typed, at `expires_at`).
fn notice_failure(lang: Lang, notice: &Notice, expires_at: Option<i64>) -> Failure {
    let message = match notice {
        Notice::Expired => {
            text::login_expired(lang, expires_at.map(|t| time::moment(lang, t)).unwrap_or_else(|| "-".into()))
        }
        Notice::AlreadySigned => text::login_already_used(lang),
        Notice::OriginMismatch { expected, found } => text::login_origin_mismatch(lang, expected, found),
        Notice::InvalidLink => text::login_link_invalid(lang),
        _ => text::login_malformed(lang),
    };
    refused(lang, message, exit::FAILURE)
}
