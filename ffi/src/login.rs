//! `LoginFlow`: log-in with the card's user-authentication certificate, for the phone shells. It is the core's
//! one flow ([`kazasu_core::flow`], a log-in subject) driven by the same machinery as `SigningFlow` (the same
//! events, card taps and worker thread); only the screens differ, so they have their own state type
//! ([`LoginState`]) and observer, and the signing shells are not asked to draw log-in screens they do not have.
//!
//! The shell renders every [`LoginState`], forwards `accept`, `enter_pin` (the 4-digit user-authentication PIN,
//! 利用者証明用電子証明書の暗証番号), `confirm_last_try`, `decline_last_try`, `resend`, `cancel`, and hands every
//! card to `card_present` (on the NFC thread). It makes no flow decision.

use std::sync::Arc;

use kazasu_core::flow::{Flow, State};
use kazasu_core::handoff::LinkKind;
use zeroize::Zeroizing;

use crate::consent::CreationContext;
use crate::flow::{core_step_of, step_of, CallbackFailure, FlowClock, Notice, Observer, SigningFlow, WayOut};
use crate::handoff::{self, HttpTransport};
use crate::signed::SignStep;
use crate::transport::CardTransport;

/// Who asks for the log-in, as the challenge states it (its bytes are what the auth key signs).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LoginDisplay {
    /// The site that asks (`https://host[:port]`): show it first and largest.
    pub origin: String,
    /// False for a plain-http development origin (loopback only): say so in red.
    pub origin_is_https: bool,
    /// The relying party's name in its own words (伊勢市).
    pub relying_party: String,
    pub challenge_id: String,
    /// Seconds since the Unix epoch.
    pub issued_at: i64,
    pub expires_at: i64,
}

/// One screen of a log-in.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum LoginState {
    /// Fetching and checking the challenge behind the link.
    Fetching,
    /// Show, before the PIN: which site asks (origin prominently, then its name); that a log-in sends **no
    /// personal data** — no name, address, birth date or gender — only the user-authentication certificate,
    /// which names no one; where and when the log-in was asked for (`context`) with the relay warning: log in
    /// only when you yourself just asked for it, on your own screen — someone who sends you a log-in QR code or
    /// link would be logged in as you. Buttons: accept, cancel.
    ReviewLogin {
        challenge: LoginDisplay,
        context: CreationContext,
    },
    /// The 4-digit user-authentication PIN (3 tries); `known_tries` (when known) is shown before typing, and
    /// `last_try` when the counter says one.
    EnterPin {
        known_tries: Option<u32>,
        last_try: bool,
        notice: Option<Notice>,
    },
    /// One try is left (of 3): "a wrong PIN now locks the log-in certificate — use it?" Buttons: confirm, decline.
    ConfirmLastTry,
    /// Hold the card to the phone. `notice` explains a previous tap's failure.
    HoldCard {
        notice: Option<Notice>,
    },
    /// The card is in use; keep it still.
    Working {
        step: SignStep,
    },
    /// The answer is on its way to the relying party (`attempt` 1 is the first sending).
    Submitting {
        attempt: u32,
    },
    /// Sending failed. Buttons: resend (only when `can_resend`), cancel.
    SubmitFailed {
        notice: Notice,
        can_resend: bool,
    },
    /// The relying party logged the person in: return to the site.
    LoggedIn {
        origin: String,
        relying_party: String,
    },
    /// A resent answer was refused as already used: the first sending most probably logged in.
    ProbablyReceived,
    /// The user-authentication PIN is locked: how to unlock it (municipal office, reset service).
    Blocked,
    Failed {
        notice: Notice,
    },
    Cancelled,
}

/// Receives every log-in state, in order, on whatever thread changed it. Whatever it throws is logged and
/// ignored.
#[uniffi::export(with_foreign)]
pub trait LoginObserver: Send + Sync {
    fn on_state(&self, state: LoginState) -> Result<(), CallbackFailure>;
}

/// The way out `state` offers besides its own buttons (as `way_out_of` for signing).
#[uniffi::export]
pub fn login_way_out_of(state: LoginState) -> WayOut {
    use LoginState as S;
    match state {
        S::Working { .. } | S::Submitting { .. } | S::ConfirmLastTry => WayOut::None,
        S::Fetching | S::ReviewLogin { .. } | S::EnterPin { .. } | S::HoldCard { .. } => WayOut::Cancel,
        S::SubmitFailed { .. } => WayOut::Discard,
        S::LoggedIn { .. } | S::ProbablyReceived | S::Blocked | S::Failed { .. } | S::Cancelled => WayOut::Close,
    }
}

/// Whether `link` (a deep link, an app link or a scanned QR text, exactly as it came) asks for a log-in: the
/// shell opens its log-in screen (`LoginFlow`) for it, and its signing screen for anything else, whose flow
/// refuses what is no link. The core's one link parser decides, so that no shell reads a link itself.
#[uniffi::export]
pub fn is_login_link(link: String) -> bool {
    kazasu_core::handoff::parse_any_link(&link).is_ok_and(|l| l.kind == LinkKind::Login)
}

/// Whether the card did its work when `state` arrives: it answered the log-in and is not needed again (as
/// `reader_done` for signing). A shell whose NFC sheet closes with the tap (iOS) says "done" then, and otherwise
/// the reason `state` gives; the rule is the core's (`kazasu_core::flow::State::reader_done`).
#[uniffi::export]
pub fn login_reader_done(state: LoginState) -> bool {
    core_state_of(&state).reader_done()
}

/// The core state a log-in screen was rendered from, as far as the core's rules about states read it (the
/// receipt of a log-in is the relying party's verdict, which the screen shows as its origin).
fn core_state_of(state: &LoginState) -> State {
    use LoginState as S;
    match state {
        S::Fetching => State::Fetching,
        S::ReviewLogin { .. } => State::Review,
        S::EnterPin { known_tries, notice, .. } => State::EnterPin {
            known_tries: known_tries.map(|n| u8::try_from(n).unwrap_or(u8::MAX)),
            notice: notice.clone(),
        },
        S::ConfirmLastTry => State::ConfirmLastTry,
        S::HoldCard { notice } => State::HoldCard { notice: notice.clone() },
        S::Working { step } => State::Working { step: core_step_of(*step) },
        S::Submitting { attempt } => State::Submitting { attempt: *attempt },
        S::SubmitFailed { notice, can_resend } => {
            State::SubmitFailed { notice: notice.clone(), can_resend: *can_resend }
        }
        S::LoggedIn { .. } => {
            State::Done { receipt: kazasu_core::handoff::Receipt { request_id: String::new(), transcribed: None } }
        }
        S::ProbablyReceived => State::ProbablyReceived,
        S::Blocked => State::Blocked,
        S::Failed { notice } => State::Failed { notice: notice.clone() },
        S::Cancelled => State::Cancelled,
    }
}

/// One log-in, from the `kazasu://login?r=` link (or its app link / QR code) to the relying party's verdict.
#[derive(uniffi::Object)]
pub struct LoginFlow {
    inner: Arc<SigningFlow>,
}

impl std::fmt::Debug for LoginFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginFlow")
    }
}

#[uniffi::export]
impl LoginFlow {
    /// A log-in from a scanned QR text or a deep link. Call `start()` to fetch the challenge. A signing link
    /// ends at once as `Failed(InvalidLink)`; use `SigningFlow`.
    #[uniffi::constructor]
    pub fn for_link(
        link: String,
        http: Arc<dyn HttpTransport>,
        observer: Arc<dyn LoginObserver>,
        clock: Option<Arc<dyn FlowClock>>,
    ) -> Arc<Self> {
        let flow = Flow::for_link_of(LinkKind::Login, &link).with_memory(handoff::signed_nonces());
        let deliver = move |flow: &SigningFlow| observer.on_state(login_state(flow));
        let inner = SigningFlow::new(flow, Some(http), Observer::Screens(Box::new(deliver)), clock);
        Arc::new(LoginFlow { inner: Arc::new(inner) })
    }

    /// Delivers the first state and starts the fetch.
    pub fn start(&self) {
        self.inner.clone().start();
    }

    /// The current state (the observer receives every change).
    pub fn state(&self) -> LoginState {
        login_state(&self.inner)
    }

    /// The person read who asks and goes on: the PIN is asked next. An expired challenge ends here.
    pub fn accept(&self) {
        self.inner.clone().accept();
    }

    /// The typed 4-digit PIN as UTF-8 (clear your copy after the call): checked, kept zeroized, used by the
    /// next tap.
    pub fn enter_pin(&self, typed: Vec<u8>) {
        self.inner.clone().enter_pin(Zeroizing::new(typed).to_vec());
    }

    pub fn confirm_last_try(&self) {
        self.inner.clone().confirm_last_try();
    }

    pub fn decline_last_try(&self) {
        self.inner.clone().decline_last_try();
    }

    /// Sends the same answer again (when `SubmitFailed.can_resend`).
    pub fn resend(&self) {
        self.inner.clone().resend();
    }

    pub fn cancel(&self) {
        self.inner.clone().cancel();
    }

    /// A card is in the field: runs this tap's card work if the flow wants a card now; false: let it go.
    /// Blocks while the card works — call it on the NFC thread.
    pub fn card_present(&self, transport: Arc<dyn CardTransport>) -> bool {
        self.inner.clone().card_present(transport)
    }

    /// Waits until no fetch or sending runs (at most `timeout_ms`); true when idle. For tests and tools.
    pub fn wait_idle(&self, timeout_ms: u64) -> bool {
        self.inner.wait_idle(timeout_ms)
    }
}

/// The log-in screen for the flow's state now.
pub(crate) fn login_state(flow: &SigningFlow) -> LoginState {
    let now = flow.now();
    match flow.lock() {
        Some(f) => render(&f, now),
        None => LoginState::Failed { notice: Notice::CardFault },
    }
}

fn render(flow: &Flow, now: i64) -> LoginState {
    let fault = LoginState::Failed { notice: Notice::CardFault };
    let display = || {
        let c = flow.subject()?.login()?.challenge();
        Some(LoginDisplay {
            origin: c.origin.clone(),
            origin_is_https: c.origin.starts_with("https://"),
            relying_party: c.relying_party.clone(),
            challenge_id: c.challenge_id.clone(),
            issued_at: c.issued_at,
            expires_at: c.expires_at,
        })
    };
    match flow.state() {
        State::Fetching => LoginState::Fetching,
        State::Review => match (display(), flow.subject().and_then(|s| s.context(now))) {
            (Some(challenge), Some(context)) => LoginState::ReviewLogin { challenge, context },
            _ => fault,
        },
        state @ State::EnterPin { known_tries, notice } => LoginState::EnterPin {
            known_tries: known_tries.map(u32::from),
            last_try: state.last_try(),
            notice: notice.clone(),
        },
        State::ConfirmLastTry => LoginState::ConfirmLastTry,
        State::HoldCard { notice } => LoginState::HoldCard { notice: notice.clone() },
        State::Working { step } => LoginState::Working { step: step_of(*step) },
        State::Submitting { attempt } => LoginState::Submitting { attempt: *attempt },
        State::SubmitFailed { notice, can_resend } => {
            LoginState::SubmitFailed { notice: notice.clone(), can_resend: *can_resend }
        }
        State::Done { .. } => match display() {
            Some(d) => LoginState::LoggedIn { origin: d.origin, relying_party: d.relying_party },
            None => fault,
        },
        State::ProbablyReceived => LoginState::ProbablyReceived,
        State::Blocked => LoginState::Blocked,
        State::Failed { notice } => LoginState::Failed { notice: notice.clone() },
        State::Cancelled => LoginState::Cancelled,
        // A log-in never reaches the signing-only states; a flow that does is not a log-in.
        State::ConfirmFiling | State::Signed => fault,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kazasu_core::flow::Subject;

    #[test]
    fn only_a_login_link_opens_the_log_in_screen() {
        let url = kazasu_core::handoff::HttpsUrl::parse("https://city.example.jp/login/abc").unwrap();
        assert!(is_login_link(kazasu_core::handoff::login_deep_link(&url)));
        assert!(is_login_link(kazasu_core::handoff::login_app_link(&url)));
        assert!(!is_login_link(kazasu_core::handoff::deep_link(&url)));
        assert!(!is_login_link(url.to_string()), "a plain https URL is a signing request's");
        assert!(!is_login_link("kazasu://login?r=http%3A%2F%2Fcity.example.jp%2Flogin%2Fabc".into()));
        assert!(!is_login_link("not a link".into()));
    }

    #[test]
    fn a_signing_subject_is_never_rendered_as_a_log_in() {
        let flow = Flow::for_bytes("a.txt", Arc::from(&b"x"[..]), kazasu_core::HashAlgorithm::Sha256);
        assert!(flow.subject().is_some_and(|s| !matches!(s, Subject::Login(_))));
        assert_eq!(render(&flow, 0), LoginState::Failed { notice: Notice::CardFault });
    }
}
