//! `SigningFlow`: the core's one signing flow ([`kazasu_core::flow`]) for the phone shells.
//!
//! The shell renders every [`FlowState`] its [`FlowObserver`] receives, forwards the person's events
//! (`accept`, `enter_pin`, `confirm_last_try`, `decline_last_try`, `file`, `resend`, `cancel`) and hands every card the
//! NFC stack discovers to `card_present` (on the NFC thread: it blocks while the card works). Fetching and
//! sending run on a worker thread of this object, through the shell's [`HttpTransport`]. The shell makes no
//! flow decision: which tap does what, when the password is asked, when the last try needs confirmation,
//! whether a failed sending may be repeated — all of that is the core's.
//!
//! Every method returns at once except `card_present` (the card work) and `wait_idle` (for tests).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kazasu_core::flow::{self as core, Flow, Pending, State, Step, Subject};
use kazasu_core::handoff::LinkKind;
use zeroize::Zeroizing;

use crate::consent::{CreationContext, Disclosure};
use crate::handoff::{self, ForeignHttp, HttpTransport, RefusalCode, RequestDisplay, SubmissionReceipt};
use crate::signed::{identity_of_personal, HashAlgorithm, SignStep, SignedDocument};
use crate::transport::{CardTransport, ForeignTransport};

// ───────────────────────────────────────────── what the shell renders ─────────────────────────────────────────────

// The core's own notice types, exported as they are: `uniffi::remote` generates the conversion for the core's
// type (no hand-written `From`), and a definition below that does not match the core's fails to compile. They are
// remote, not derived in the core, so that uniffi stays out of the core: a derive there would make the core a
// second uniffi component, with its own generated Kotlin package and Swift module for every shell build.

/// Why the typed password was refused before anything reached the card (`kazasu_core::flow::PinRule`).
pub use kazasu_core::flow::PinRule;

#[uniffi::remote(Enum)]
pub enum PinRule {
    Length,
    Alphabet,
    FourDigits,
}

/// What to tell the person (`kazasu_core::flow::Notice`). Each variant has its words in the message catalog
/// (`l10n/`); `Refused.message` is the relying party's own (cleaned, bounded) words, to be shown as theirs.
pub use kazasu_core::flow::Notice;

#[uniffi::remote(Enum)]
pub enum Notice {
    WrongPin { remaining: u8 },
    LastTry,
    CardLost,
    VerifyOutcomeUnknown,
    CardLostAfterPin,
    NotJpkiCard,
    TriesUnknown,
    InvalidPin { rule: PinRule },
    CardUnsupported,
    CardFault,
    InvalidLink,
    InvalidRequest,
    OriginMismatch { expected: String, found: String },
    DisplayMismatch,
    Expired,
    NotYetValid,
    AlreadySigned,
    RequestNotFound,
    Network,
    HttpStatus { status: u16 },
    Refused { code: RefusalCode, message: String },
}

/// Bytes to sign, as the person sees them before the password.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BytesDisplay {
    /// What the front end called them (a file name).
    pub label: String,
    pub size: u64,
    /// SHA-256 of exactly the bytes signed, lower-case hex.
    pub sha256_hex: String,
}

/// One screen of the flow.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum FlowState {
    /// Fetching and checking the request behind the link.
    Fetching,
    /// Show the request: origin prominently, every field, the expiry; where and when it was created with the
    /// warning (sign only a request you opened yourself, on your own screen); what signing discloses to whom.
    /// Buttons: accept, cancel.
    ReviewRequest {
        request: RequestDisplay,
        context: CreationContext,
        disclosure: Disclosure,
    },
    /// Show the bytes' label, size and SHA-256, and what the signature discloses. Buttons: accept, cancel.
    ReviewBytes {
        bytes: BytesDisplay,
        disclosure: Disclosure,
    },
    /// Password entry; `known_tries` (when known) is shown before typing, and `last_try` when the counter says
    /// one: the next wrong password locks the certificate (presenting it still needs `ConfirmLastTry`).
    EnterPin {
        known_tries: Option<u32>,
        last_try: bool,
        notice: Option<Notice>,
    },
    /// One try left: "the next wrong password locks the certificate — use it?" Buttons: confirm, decline.
    ConfirmLastTry,
    /// Hold the card to the phone. `notice` explains a previous tap's failure.
    HoldCard {
        notice: Option<Notice>,
    },
    /// The card is in use; keep it still.
    Working {
        step: SignStep,
    },
    /// Signed, nothing sent yet: show the application once more — the request's fields and what the certificate
    /// says about the signer (`result.identity`) — before 申請する. Buttons: file (申請する), cancel (drops the
    /// signature; nothing is sent).
    ConfirmFiling {
        request: RequestDisplay,
        result: SignedDocument,
    },
    /// Sending the signature (`attempt` 1 is the first sending).
    Submitting {
        attempt: u32,
    },
    /// Sending failed. Buttons: resend (only when `can_resend`), cancel (drops the signature).
    SubmitFailed {
        notice: Notice,
        can_resend: bool,
    },
    /// Bytes signed.
    Signed {
        result: SignedDocument,
    },
    /// Accepted by the relying party: what it transcribed, and what the card's certificate says.
    Done {
        receipt: SubmissionReceipt,
        result: SignedDocument,
    },
    /// A resent signature was answered "already signed": the earlier sending most probably arrived.
    ProbablyReceived,
    /// The signature password is locked: how to unlock it (municipal office, reset service).
    Blocked,
    Failed {
        notice: Notice,
    },
    Cancelled,
}

/// The way out a screen offers besides its own buttons; every shell draws it as this says, so a screen's
/// cancel means the same on every phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum WayOut {
    /// No extra button: the card or the network is at work, or the screen's own buttons are the way out (the
    /// last-try decline, the filing review's 申請しない).
    None,
    /// Cancel (`SigningFlow::cancel`): nothing is signed yet; a typed password is forgotten.
    Cancel,
    /// Discard the signature that could not be sent (`SigningFlow::cancel`): nothing more is sent.
    Discard,
    /// Close the screen: the flow has ended.
    Close,
}

/// The way out `state` offers.
#[uniffi::export]
pub fn way_out_of(state: FlowState) -> WayOut {
    match state {
        FlowState::Working { .. }
        | FlowState::Submitting { .. }
        | FlowState::ConfirmLastTry
        | FlowState::ConfirmFiling { .. } => WayOut::None,
        FlowState::Fetching
        | FlowState::ReviewRequest { .. }
        | FlowState::ReviewBytes { .. }
        | FlowState::EnterPin { .. }
        | FlowState::HoldCard { .. } => WayOut::Cancel,
        FlowState::SubmitFailed { .. } => WayOut::Discard,
        FlowState::Signed { .. }
        | FlowState::Done { .. }
        | FlowState::ProbablyReceived
        | FlowState::Blocked
        | FlowState::Failed { .. }
        | FlowState::Cancelled => WayOut::Close,
    }
}

/// Whether the card did its work when `state` arrives: it signed and is not needed again. A shell whose NFC
/// sheet closes with the tap (iOS) says "done" then, and otherwise the reason `state` gives; the rule is the
/// core's (`kazasu_core::flow::State::reader_done`), asked of the core state `state` was rendered from.
#[uniffi::export]
pub fn reader_done(state: FlowState) -> bool {
    core_state_of(&state).reader_done()
}

/// The core state a screen was rendered from, as far as the core's rules about states read it: the data the
/// screen carries for the person (request, result, receipt) is the subject's, not the state's.
fn core_state_of(state: &FlowState) -> State {
    match state {
        FlowState::Fetching => State::Fetching,
        FlowState::ReviewRequest { .. } | FlowState::ReviewBytes { .. } => State::Review,
        FlowState::EnterPin { known_tries, notice, .. } => State::EnterPin {
            known_tries: known_tries.map(|n| u8::try_from(n).unwrap_or(u8::MAX)),
            notice: notice.clone(),
        },
        FlowState::ConfirmLastTry => State::ConfirmLastTry,
        FlowState::HoldCard { notice } => State::HoldCard { notice: notice.clone() },
        FlowState::Working { step } => State::Working { step: core_step_of(*step) },
        FlowState::ConfirmFiling { .. } => State::ConfirmFiling,
        FlowState::Submitting { attempt } => State::Submitting { attempt: *attempt },
        FlowState::SubmitFailed { notice, can_resend } => {
            State::SubmitFailed { notice: notice.clone(), can_resend: *can_resend }
        }
        FlowState::Signed { .. } => State::Signed,
        FlowState::Done { receipt, .. } => State::Done {
            receipt: kazasu_core::handoff::Receipt { request_id: receipt.request_id.clone(), transcribed: None },
        },
        FlowState::ProbablyReceived => State::ProbablyReceived,
        FlowState::Blocked => State::Blocked,
        FlowState::Failed { notice } => State::Failed { notice: notice.clone() },
        FlowState::Cancelled => State::Cancelled,
    }
}

/// Receives every state, in order, on whatever thread changed it: post to the UI thread yourself. Whatever it
/// throws is logged and ignored: the flow goes on.
#[uniffi::export(with_foreign)]
pub trait FlowObserver: Send + Sync {
    fn on_state(&self, state: FlowState) -> Result<(), CallbackFailure>;
}

/// The time, for expiry checks. Without one the flow uses the system clock; tests pin it. If it throws, the
/// system clock is used.
#[uniffi::export(with_foreign)]
pub trait FlowClock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> Result<i64, CallbackFailure>;
}

/// Whatever a shell's observer or clock throws, as a value: the methods return a `Result` only so that an
/// exception there cannot become a panic in the core (uniffi panics on an exception from a method without one).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum CallbackFailure {
    /// `reason` is the platform's message, for logs.
    #[error("a shell callback failed: {reason}")]
    Threw { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for CallbackFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        CallbackFailure::Threw { reason: e.reason }
    }
}

// ───────────────────────────────────────────── the object ─────────────────────────────────────────────

/// Who receives the states: a signing's observer, or other screens driven by the same object and core flow (a
/// log-in's, `LoginFlow`): a function that reads the flow's state as those screens show it and delivers it.
pub(crate) enum Observer {
    Signing(Arc<dyn FlowObserver>),
    Screens(ScreensObserver),
}

/// Delivers the flow's current state as other screens than a signing's show it.
pub(crate) type ScreensObserver = Box<dyn Fn(&SigningFlow) -> Result<(), CallbackFailure> + Send + Sync>;

/// One signing, from link (or bytes) to receipt.
#[derive(uniffi::Object)]
pub struct SigningFlow {
    flow: Mutex<Flow>,
    http: Option<Arc<dyn HttpTransport>>,
    clock: Option<Arc<dyn FlowClock>>,
    observer: Observer,
    /// Held while a state is delivered, so that the observer sees states in order and the last one it sees is
    /// the current one.
    emitting: Mutex<()>,
    /// Work running off the caller's thread (fetch, submit, a card): `wait_idle` waits for it.
    busy: Mutex<u32>,
    idle: Condvar,
}

impl std::fmt::Debug for SigningFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningFlow")
    }
}

#[uniffi::export]
impl SigningFlow {
    /// A hand-off from a scanned QR text or a deep link. Call `start()` to fetch. A log-in link
    /// (`kazasu://login?r=`) is not a signing: it ends at once as `Failed(InvalidLink)`; use `LoginFlow`.
    #[uniffi::constructor]
    pub fn for_link(
        link: String,
        http: Arc<dyn HttpTransport>,
        observer: Arc<dyn FlowObserver>,
        clock: Option<Arc<dyn FlowClock>>,
    ) -> Arc<Self> {
        let flow = Flow::for_link_of(LinkKind::Sign, &link).with_memory(handoff::signed_nonces());
        Arc::new(SigningFlow::new(flow, Some(http), Observer::Signing(observer), clock))
    }

    /// Signing bytes the app holds, shown as `label`. Call `start()` to show them.
    #[uniffi::constructor]
    pub fn for_bytes(
        label: String,
        data: Vec<u8>,
        algorithm: HashAlgorithm,
        observer: Arc<dyn FlowObserver>,
        clock: Option<Arc<dyn FlowClock>>,
    ) -> Arc<Self> {
        let flow = Flow::for_bytes(label, Arc::from(data), algorithm);
        Arc::new(SigningFlow::new(flow, None, Observer::Signing(observer), clock))
    }

    /// Signing a prepared PDF (`prepare_pdf`), shown as `label` with the file's size and SHA-256; the signing tap
    /// builds the signed attributes naming the card's certificate. Finish with `prepared.finish(result)`.
    #[uniffi::constructor]
    pub fn for_pdf(
        label: String,
        prepared: Arc<crate::pdf::PreparedPdf>,
        observer: Arc<dyn FlowObserver>,
        clock: Option<Arc<dyn FlowClock>>,
    ) -> Arc<Self> {
        let flow = Flow::for_attested(label, prepared.input(), kazasu_core::HashAlgorithm::Sha256, prepared.builder());
        Arc::new(SigningFlow::new(flow, None, Observer::Signing(observer), clock))
    }

    /// Delivers the first state and starts the fetch of a hand-off.
    pub fn start(self: Arc<Self>) {
        self.changed();
    }

    /// The current state (the observer receives every change).
    pub fn state(&self) -> FlowState {
        match self.lock() {
            Some(flow) => render(&flow, self.now()),
            None => poisoned_state(),
        }
    }

    /// The person read what is shown and goes on.
    pub fn accept(self: Arc<Self>) {
        let now = self.now();
        self.event(|f| f.accept(now));
    }

    /// The typed password as UTF-8 (clear your copy after the call). It is checked, kept zeroized and used by
    /// the next signing tap; a password typed when none is asked is forgotten.
    pub fn enter_pin(self: Arc<Self>, typed: Vec<u8>) {
        let typed = Zeroizing::new(typed);
        self.event(|f| f.enter_typed_pin(typed));
    }

    pub fn confirm_last_try(self: Arc<Self>) {
        self.event(Flow::confirm_last_try);
    }

    pub fn decline_last_try(self: Arc<Self>) {
        self.event(Flow::decline_last_try);
    }

    /// 申請する: files the reviewed application (in `ConfirmFiling`); the signature is sent.
    pub fn file(self: Arc<Self>) {
        let now = self.now();
        self.event(|f| f.file(now));
    }

    /// Sends the same signature again (when `SubmitFailed.can_resend`).
    pub fn resend(self: Arc<Self>) {
        self.event(Flow::resend);
    }

    pub fn cancel(self: Arc<Self>) {
        self.event(Flow::cancel);
    }

    /// A card is in the field: runs this tap's card work if the flow wants a card now, and returns whether it
    /// did (false: let the card go). Blocks while the card works — call it on the NFC thread, never the UI's.
    pub fn card_present(self: Arc<Self>, transport: Arc<dyn CardTransport>) -> bool {
        let now = self.now();
        let (job, refused_now) = match self.lock() {
            Some(mut f) => {
                let before = f.state().clone();
                let job = f.begin_tap(now);
                (job, *f.state() != before)
            }
            None => (None, false),
        };
        let Some(job) = job else {
            if refused_now {
                self.changed(); // e.g. the request expired while the password was typed
            }
            return false;
        };
        self.changed();
        let mut link = ForeignTransport::new(transport);
        let this = self.clone();
        let (outcome, _traffic) = job.run_on(&mut link, &mut |step| {
            if let Some(mut f) = this.lock() {
                f.progress(step);
            }
            this.changed();
        });
        if let Some(mut f) = self.lock() {
            f.finish_tap(outcome);
        }
        self.changed();
        true
    }

    /// Waits until no fetch or sending runs (at most `timeout_ms`); true when idle. For tests and tools.
    pub fn wait_idle(&self, timeout_ms: u64) -> bool {
        let Ok(busy) = self.busy.lock() else {
            return false;
        };
        match self.idle.wait_timeout_while(busy, Duration::from_millis(timeout_ms), |n| *n > 0) {
            Ok((_, timeout)) => !timeout.timed_out(),
            Err(_) => false,
        }
    }
}

impl SigningFlow {
    pub(crate) fn new(
        flow: Flow,
        http: Option<Arc<dyn HttpTransport>>,
        observer: Observer,
        clock: Option<Arc<dyn FlowClock>>,
    ) -> SigningFlow {
        SigningFlow {
            flow: Mutex::new(flow),
            http,
            clock,
            observer,
            emitting: Mutex::new(()),
            busy: Mutex::new(0),
            idle: Condvar::new(),
        }
    }

    /// The flow, or None after a panic while it was held (which must not happen; never unwrap it).
    pub(crate) fn lock(&self) -> Option<MutexGuard<'_, Flow>> {
        self.flow.lock().ok()
    }

    pub(crate) fn now(&self) -> i64 {
        let system = || SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        match self.clock.as_ref().map(|c| c.now()) {
            Some(Ok(now)) => now,
            Some(Err(e)) => {
                log::warn!("{e}; using the system clock");
                system()
            }
            None => system(),
        }
    }

    fn event(self: Arc<Self>, apply: impl FnOnce(&mut Flow)) {
        if let Some(mut f) = self.lock() {
            apply(&mut f);
        }
        self.changed();
    }

    /// Delivers the current state, then starts the network work the flow now waits for.
    fn changed(self: &Arc<Self>) {
        if let Ok(_order) = self.emitting.lock() {
            let delivered = match &self.observer {
                Observer::Signing(o) => o.on_state(self.state()),
                Observer::Screens(deliver) => deliver(self),
            };
            if let Err(e) = delivered {
                log::warn!("{e}");
            }
        }
        let pending = self.lock().map(|f| f.pending()).unwrap_or(Pending::Nothing);
        if matches!(pending, Pending::Fetch | Pending::Submit) {
            self.clone().spawn_network();
        }
    }

    fn spawn_network(self: Arc<Self>) {
        let Some(http) = self.http.clone() else {
            return;
        };
        let now = self.now();
        enum Job {
            Fetch(core::FetchJob),
            Submit(Box<core::SubmitJob>),
        }
        let job = match self.lock() {
            Some(mut f) => match f.pending() {
                Pending::Fetch => f.begin_fetch().map(Job::Fetch),
                Pending::Submit => f.begin_submit().map(|j| Job::Submit(Box::new(j))),
                _ => None,
            },
            None => None,
        };
        let Some(job) = job else { return };
        let is_fetch = matches!(job, Job::Fetch(_));
        self.enter_busy();
        let this = self.clone();
        let spawned = std::thread::Builder::new().name("kazasu-flow-http".into()).spawn(move || {
            let mut client = ForeignHttp(http);
            match job {
                Job::Fetch(j) => {
                    let outcome = j.run(&mut client, now);
                    if let Some(mut f) = this.lock() {
                        f.finish_fetch(outcome);
                    }
                }
                Job::Submit(j) => {
                    let outcome = j.run(&mut client);
                    if let Some(mut f) = this.lock() {
                        f.finish_submit(outcome);
                    }
                }
            }
            this.changed();
            this.leave_busy();
        });
        if spawned.is_err() {
            // No thread could be made: the job is lost; tell the person as a network failure.
            if let Some(mut f) = self.lock() {
                let no_thread = kazasu_core::handoff::HttpError("no worker thread".into()).into();
                if is_fetch {
                    f.finish_fetch(Err(no_thread));
                } else {
                    f.finish_submit(Err(no_thread));
                }
            }
            self.leave_busy();
            self.changed();
        }
    }

    fn enter_busy(&self) {
        if let Ok(mut n) = self.busy.lock() {
            *n += 1;
        }
    }

    fn leave_busy(&self) {
        if let Ok(mut n) = self.busy.lock() {
            *n = n.saturating_sub(1);
        }
        self.idle.notify_all();
    }
}

// ───────────────────────────────────────────── core → FFI, in one place ─────────────────────────────────────────────

pub(crate) fn poisoned_state() -> FlowState {
    FlowState::Failed { notice: Notice::CardFault }
}

fn render(flow: &Flow, now: i64) -> FlowState {
    let signed = || flow.signature().map(signed_document);
    let subject = flow.subject();
    let disclosure = || subject.and_then(Subject::disclosure);
    match flow.state() {
        State::Fetching => FlowState::Fetching,
        State::Review => match (subject, disclosure()) {
            (Some(s @ Subject::Request(r)), Some(disclosure)) => match s.context(now) {
                Some(context) => FlowState::ReviewRequest { request: handoff::display_of(r), context, disclosure },
                None => poisoned_state(),
            },
            (
                Some(Subject::Bytes { label, data, .. } | Subject::Attested { label, shown: data, .. }),
                Some(disclosure),
            ) => FlowState::ReviewBytes {
                bytes: BytesDisplay {
                    label: label.clone(),
                    size: data.len() as u64,
                    sha256_hex: hex::encode(kazasu_core::HashAlgorithm::Sha256.digest(data)),
                },
                disclosure,
            },
            // The FFI makes no certificate-only flow (that is the CLI's `cert`).
            _ => poisoned_state(),
        },
        state @ State::EnterPin { known_tries, notice } => FlowState::EnterPin {
            known_tries: known_tries.map(u32::from),
            last_try: state.last_try(),
            notice: notice.clone(),
        },
        State::ConfirmLastTry => FlowState::ConfirmLastTry,
        State::HoldCard { notice } => FlowState::HoldCard { notice: notice.clone() },
        State::Working { step } => FlowState::Working { step: step_of(*step) },
        State::ConfirmFiling => match (subject.and_then(Subject::request), signed()) {
            (Some(r), Some(result)) => FlowState::ConfirmFiling { request: handoff::display_of(r), result },
            _ => poisoned_state(),
        },
        State::Submitting { attempt } => FlowState::Submitting { attempt: *attempt },
        State::SubmitFailed { notice, can_resend } => {
            FlowState::SubmitFailed { notice: notice.clone(), can_resend: *can_resend }
        }
        State::Signed => match signed() {
            Some(result) => FlowState::Signed { result },
            None => poisoned_state(),
        },
        State::Done { receipt } => match signed() {
            Some(result) => FlowState::Done { receipt: handoff::receipt_of(receipt.clone()), result },
            None => poisoned_state(),
        },
        State::ProbablyReceived => FlowState::ProbablyReceived,
        State::Blocked => FlowState::Blocked,
        State::Failed { notice } => FlowState::Failed { notice: notice.clone() },
        State::Cancelled => FlowState::Cancelled,
    }
}

fn signed_document(s: &core::Signature) -> SignedDocument {
    SignedDocument {
        signature: s.signature.clone(),
        certificate: s.certificate.clone(),
        algorithm: s.algorithm,
        identity: identity_of_personal(s.personal.clone()),
    }
}

pub(crate) fn step_of(step: Step) -> SignStep {
    match step {
        Step::Connecting => SignStep::Connecting,
        Step::ReadingTries | Step::VerifyingPin => SignStep::VerifyingPin,
        Step::ReadingCertificate => SignStep::ReadingCertificate,
        Step::Signing => SignStep::Signing,
    }
}

/// The core step a screen's step was rendered from (the counter's read shows as VERIFY: the rules about states
/// read neither).
pub(crate) fn core_step_of(step: SignStep) -> Step {
    match step {
        SignStep::Connecting => Step::Connecting,
        SignStep::VerifyingPin => Step::VerifyingPin,
        SignStep::ReadingCertificate => Step::ReadingCertificate,
        SignStep::Signing => Step::Signing,
    }
}
