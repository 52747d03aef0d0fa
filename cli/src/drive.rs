//! The CLI as a driver of the core's one signing flow ([`kazasu_core::flow`]): the same state machine the
//! phones run, on a reader that keeps the card. The counter is read in a first tap before the prompt (the
//! tries are shown before typing) and again by the core right before VERIFY in the signing tap. Each tap runs
//! in its own session inside a PC/SC transaction ([`Transport::exclusive`]). One typed password per run: a
//! failure ends the run with its exit code; nothing is retried.

use kazasu_core::flow::{CardOutcome, Flow, Notice, State, Step};
use kazasu_core::Transport;

use crate::card::{card_failure, progress};
use crate::messages::{exit, text, Lang};
use crate::{prompt, Failure, PinArgs};

pub(crate) fn now() -> i64 {
    kazasu_core::clock::Clock::now(&kazasu_core::clock::SystemClock)
}

/// Runs the card part of `flow` (accept → tries → password → [last-try question] → the signing tap) on the
/// card in `transport`. Returns when the card signed (state `Signed`, or `Submitting` for a hand-off); every other end is a
/// `Failure` in the person's words. `refused` gives the words for a flow that ended before the card (e.g. the
/// request expired while the password was typed).
pub(crate) fn sign_on_card(
    flow: &mut Flow,
    transport: &mut dyn Transport,
    pin: &PinArgs,
    lang: Lang,
    refused: &dyn Fn(&Notice) -> Failure,
) -> Result<(), Failure> {
    flow.accept(now());
    // The words of the last card failure (the card error says more than the notice: timeout, reader, …).
    let mut card_words: Option<Failure> = None;
    loop {
        match flow.state().clone() {
            State::EnterPin { known_tries: None, notice: None } => tap(flow, transport, lang, &mut card_words),
            State::EnterPin { known_tries: Some(n), notice: None } => {
                if n == 1 {
                    eprintln!("{}", text::sign_password_last_try_warning(lang));
                } else {
                    eprintln!("{}", text::sign_password_tries_left(lang, n));
                }
                flow.enter_pin(Ok(prompt::read_sign_pin(pin, lang)?));
            }
            State::ConfirmLastTry => {
                if prompt::confirm_last_try(pin, lang) {
                    flow.confirm_last_try();
                } else {
                    flow.decline_last_try();
                    return Err(Failure::new(
                        text::sign_password_last_try_not_confirmed(lang),
                        exit::NEEDS_CONFIRMATION,
                    ));
                }
            }
            State::HoldCard { notice: None } => tap(flow, transport, lang, &mut card_words),
            State::Signed | State::Submitting { .. } => return Ok(()),
            // One password per run: a card failure after the tap ends it, with the card's own words.
            State::EnterPin { notice: Some(n), .. } | State::HoldCard { notice: Some(n) } => {
                return Err(card_words.take().unwrap_or_else(|| notice_failure(lang, &n)))
            }
            State::Blocked => {
                return Err(card_words
                    .take()
                    .unwrap_or_else(|| Failure::new(text::sign_password_locked(lang), exit::BLOCKED)))
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
    let Some(job) = flow.begin_tap(now()) else {
        return; // the flow refused the tap (e.g. the request expired): its state says why
    };
    let (outcome, traffic) = job.run_on(transport, &mut |step| match step {
        Step::VerifyingPin => progress(text::sign_password_checking(lang)),
        Step::ReadingCertificate => progress(text::reading_sign_certificate(lang)),
        Step::Signing => progress(text::signing(lang)),
        Step::Connecting | Step::ReadingTries => {}
    });
    log::info!("tap: {} APDUs, {} bytes out, {} bytes in", traffic.apdus, traffic.bytes_sent, traffic.bytes_received);
    if let CardOutcome::Failed { error, .. } = &outcome {
        *card_words = Some(card_failure(lang, error));
    }
    flow.finish_tap(outcome);
}

/// Words for a card notice when no card error is at hand.
fn notice_failure(lang: Lang, notice: &Notice) -> Failure {
    match notice {
        Notice::WrongPin { remaining } => Failure::new(text::sign_password_wrong(lang, remaining), exit::WRONG_PIN),
        Notice::LastTry => Failure::new(text::sign_password_last_try_not_confirmed(lang), exit::NEEDS_CONFIRMATION),
        Notice::VerifyOutcomeUnknown => Failure::new(text::verify_outcome_unknown(lang), exit::CARD_LOST),
        Notice::CardLost | Notice::CardLostAfterPin => Failure::new(text::card_connection_lost(lang), exit::CARD_LOST),
        Notice::NotJpkiCard => Failure::new(text::not_jpki_card(lang), exit::NOT_JPKI),
        _ => Failure::new(text::card_operation_failed(lang), exit::FAILURE),
    }
}
