//! The CLI as a driver of the core's one flow ([`kazasu_core::flow`]), for signing and for logging in: the same
//! state machine the phones run, on a reader that keeps the card. The password is the flow's
//! ([`Flow::pin_kind`]): the signature password, or the 4-digit authentication password of a log-in. The counter is read in a first tap before the prompt (the
//! tries are shown before typing) and again by the core right before VERIFY in the signing tap. Each tap runs
//! in its own session inside a PC/SC transaction ([`Transport::exclusive`]). One typed password per run: a
//! failure ends the run with its exit code; nothing is retried.

use std::io::{BufRead, IsTerminal, Write};

use kazasu_core::cert::Certificate;
use kazasu_core::flow::{Age, CardOutcome, Flow, Notice, PersonalItem, Recipient, State, Step};
use kazasu_core::{PinKind, Transport};

use crate::failure::{card_failure_of, Failure};
use crate::io::progress;
use crate::messages::{exit, password, text, Lang};
use crate::prompt::{self, PinArgs};
use crate::show::gender_words;

pub(crate) fn now() -> i64 {
    kazasu_core::clock::Clock::now(&kazasu_core::clock::SystemClock)
}

/// Runs the card part of `flow` (accept → tries → password → [last-try question] → the signing tap) on the
/// card in `transport`. Returns when the card signed (state `Signed`, `ConfirmFiling` for a hand-off, or
/// `Submitting` for a log-in, whose answer goes back at once); every other end is a `Failure` in the person's
/// words. `refused` gives the words for a flow that ended before the card (e.g. the
/// request expired while the password was typed).
pub(crate) fn sign_on_card(
    flow: &mut Flow,
    transport: &mut dyn Transport,
    pin: &PinArgs,
    lang: Lang,
    refused: &dyn Fn(&Notice) -> Failure,
) -> Result<(), Failure> {
    flow.accept(now());
    let kind = flow.pin_kind();
    // The words of the last card failure (the card error says more than the notice: timeout, reader, …).
    let mut card_words: Option<Failure> = None;
    loop {
        match flow.state().clone() {
            State::EnterPin { known_tries: None, notice: None } => tap(flow, transport, lang, &mut card_words),
            State::EnterPin { known_tries: Some(n), notice: None } => {
                if n == 1 {
                    eprintln!("{}", password::last_try_warning(lang, kind));
                } else {
                    eprintln!("{}", password::tries_left(lang, kind, n));
                }
                match kind {
                    PinKind::Sign => {
                        let typed = kazasu_pcsc::timed("cli: password read", || prompt::read_sign_pin(pin, lang))?;
                        flow.enter_pin(Ok(typed));
                    }
                    PinKind::Auth => {
                        let typed = kazasu_pcsc::timed("cli: password read", || prompt::read_auth_pin(pin, lang))?;
                        flow.enter_auth_pin(Ok(typed));
                    }
                }
            }
            State::ConfirmLastTry => {
                if prompt::confirm_last_try(pin, lang) {
                    flow.confirm_last_try();
                } else {
                    flow.decline_last_try();
                    return Err(Failure::new(password::last_try_not_confirmed(lang, kind), exit::NEEDS_CONFIRMATION));
                }
            }
            State::HoldCard { notice: None } => tap(flow, transport, lang, &mut card_words),
            State::Signed | State::ConfirmFiling | State::Submitting { .. } => return Ok(()),
            // One password per run: a card failure after the tap ends it, with the card's own words.
            State::EnterPin { notice: Some(n), .. } | State::HoldCard { notice: Some(n) } => {
                return Err(card_words.take().unwrap_or_else(|| notice_failure(lang, kind, &n)))
            }
            State::Blocked => {
                return Err(card_words
                    .take()
                    .unwrap_or_else(|| Failure::new(password::locked(lang, kind), exit::BLOCKED)))
            }
            State::Failed { notice } => return Err(card_words.take().unwrap_or_else(|| refused(&notice))),
            other => {
                log::warn!("flow stopped in {other:?}");
                return Err(Failure::new(text::card_operation_failed(lang), exit::FAILURE));
            }
        }
    }
}

/// One tap on the card that stays in the reader.
fn tap(flow: &mut Flow, transport: &mut dyn Transport, lang: Lang, card_words: &mut Option<Failure>) {
    let phase = if flow.holds_pin() { "cli: signing tap" } else { "cli: counter tap" };
    let kind = flow.pin_kind();
    let Some(job) = flow.begin_tap(now()) else {
        return; // the flow refused the tap (e.g. the request expired): its state says why
    };
    let (outcome, traffic) = kazasu_pcsc::timed(phase, || {
        job.run_on(transport, &mut |step| match step {
            Step::VerifyingPin => progress(password::checking(lang, kind)),
            Step::ReadingCertificate => progress(password::reading_certificate(lang, kind)),
            Step::Signing => progress(password::signing(lang, kind)),
            Step::Connecting | Step::ReadingTries => {}
        })
    });
    log::info!("tap: {} APDUs, {} bytes out, {} bytes in", traffic.apdus, traffic.bytes_sent, traffic.bytes_received);
    if let CardOutcome::Failed { error, .. } = &outcome {
        *card_words = Some(card_failure_of(lang, kind, error));
    }
    flow.finish_tap(outcome);
}

/// Words for a card notice when no card error is at hand.
fn notice_failure(lang: Lang, kind: PinKind, notice: &Notice) -> Failure {
    match notice {
        Notice::WrongPin { remaining } => Failure::new(password::wrong(lang, kind, *remaining), exit::WRONG_PIN),
        Notice::LastTry => Failure::new(password::last_try_not_confirmed(lang, kind), exit::NEEDS_CONFIRMATION),
        Notice::VerifyOutcomeUnknown => Failure::new(password::outcome_unknown(lang, kind), exit::CARD_LOST),
        Notice::CardLost | Notice::CardLostAfterPin => Failure::new(text::card_connection_lost(lang), exit::CARD_LOST),
        Notice::NotJpkiCard => Failure::new(text::not_jpki_card(lang), exit::NOT_JPKI),
        _ => Failure::new(text::card_operation_failed(lang), exit::FAILURE),
    }
}

/// What the person reads before the password, besides the subject: where and when a request (or a log-in) was
/// created, with the warning against relayed ones, and which personal data the signature hands over to whom —
/// for a log-in, that none is.
pub(crate) fn show_consent(flow: &Flow, lang: Lang) {
    let Some(subject) = flow.subject() else {
        return;
    };
    if let Some(c) = subject.context(now()) {
        let age = match c.age {
            Age::JustNow => text::age_just_now(lang),
            Age::Minutes { count } => text::age_minutes(lang, count),
            Age::Hours { count } => text::age_hours(lang, count),
        };
        if subject.login().is_some() {
            eprintln!("{}", text::login_context(lang, age, &c.created_from));
            eprintln!("{}", text::login_relay_warning(lang));
        } else {
            eprintln!("{}", text::request_context(lang, age, &c.created_from));
            eprintln!("{}", text::relay_warning(lang));
        }
    }
    // A log-in discloses nothing personal: the authentication certificate names no one.
    if subject.login().is_some() {
        eprintln!("{}", text::login_nothing_personal(lang));
        return;
    }
    if let Some(d) = subject.disclosure() {
        let items: Vec<String> = d
            .items
            .iter()
            .map(|i| match i {
                PersonalItem::Name => text::label_name(lang),
                PersonalItem::Address => text::label_address(lang),
                PersonalItem::DateOfBirth => text::label_date_of_birth(lang),
                PersonalItem::Gender => text::label_gender(lang),
            })
            .collect();
        let items = items.join(&text::item_separator(lang));
        match d.recipient {
            Recipient::Origin { origin } => eprintln!("{}", text::disclosure_to_origin(lang, items, origin)),
            Recipient::WhoeverReceivesTheSignature => eprintln!("{}", text::disclosure_with_file(lang, items)),
        }
    }
}

/// In `ConfirmFiling`: shows the signed application once more — its fields and what the certificate says
/// about the signer — and files it on the person's yes. On a terminal the person is asked; a run without one
/// (`--pin-stdin`, a script) was told to file by whoever started it, and files after showing the review.
/// Returns false when the person declined (the flow is then cancelled: nothing is sent).
pub(crate) fn review_and_file(flow: &mut Flow, pin: &PinArgs, lang: Lang) -> bool {
    if flow.state() != &State::ConfirmFiling {
        return false;
    }
    let origin = flow.subject().and_then(|s| s.request()).map(|r| r.origin().to_string()).unwrap_or_default();
    let bar = "─".repeat(40);
    eprintln!("{bar}");
    eprintln!("{}", text::filing_review_heading(lang));
    if let Some(r) = flow.subject().and_then(|s| s.request()) {
        let d = r.document();
        eprintln!("{}", text::request_site(lang, &d.origin));
        eprintln!("{}", text::request_title(lang, &d.title));
        for f in &d.fields {
            eprintln!("  {}: {}", f.label, f.value);
        }
    }
    let personal = flow
        .signature()
        .and_then(|s| Certificate::from_der(&s.certificate).ok())
        .and_then(|c| c.personal)
        .unwrap_or_default();
    eprintln!("{}", text::filing_review_signer(lang));
    let v = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    eprintln!("  {}: {}", text::label_name(lang), v(&personal.name));
    eprintln!("  {}: {}", text::label_address(lang), v(&personal.address));
    eprintln!(
        "  {}: {}",
        text::label_date_of_birth(lang),
        v(&personal.date_of_birth_iso().or(personal.date_of_birth.clone()))
    );
    eprintln!("  {}: {}", text::label_gender(lang), v(&gender_words(&personal, lang)));
    eprintln!("{bar}");
    let interactive = !pin.pin_stdin && std::io::stdin().is_terminal();
    let yes = !interactive || {
        eprint!("{}", text::filing_question(lang, &origin));
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).is_ok()
            && matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "はい")
    };
    if yes {
        flow.file(now());
    } else {
        flow.cancel();
        eprintln!("{}", text::filing_declined(lang));
    }
    yes
}
