//! The signing flow, once, for every front end: the CLI, the phones (through `ffi`) and the tests drive this
//! one state machine. Front ends render its [`State`], forward the person's events, and carry bytes — APDUs to
//! a card, HTTP to the relying party — for the jobs it hands out. They make no flow decision of their own.
//!
//! ```text
//!  hand-off:  Fetching ─▶ Review ─▶ EnterPin ─▶ [ConfirmLastTry] ─▶ HoldCard ─▶ Working ─▶ ConfirmFiling
//!                                                                            ─▶ Submitting ─▶ Done
//!  bytes:                 Review ─▶ EnterPin ─▶ [ConfirmLastTry] ─▶ HoldCard ─▶ Working ─▶ Signed
//!  other ends: SubmitFailed (resend allowed or not) · ProbablyReceived · Blocked · Failed · Cancelled
//! ```
//!
//! One tap when two or more tries remain: the person reads, types the password, taps once; inside that tap the
//! core reads the counter, presents the password, reads the certificate and signs ([`card::CardJob`]). Only when
//! the counter says one try does the tap stop before VERIFY and ask for the last-try confirmation; the next tap
//! presents it. Tries known from an earlier tap in this flow are shown before typing.
//!
//! `Review` shows, with the subject, where a request came from and when ([`consent::Context`]) and what the
//! signature discloses to whom ([`consent::Disclosure`]). After the card signed a request, `ConfirmFiling` shows
//! the whole application once more — the fields and what the certificate says about the signer — and only the
//! person's 申請する ([`Flow::file`]) sends it: a relayed request is not filed behind its signer's back, and the
//! relying party receives nothing the person has not seen going to it.
//!
//! The machine does no I/O. It hands out jobs — [`Flow::begin_fetch`], [`Flow::begin_tap`],
//! [`Flow::begin_submit`] — that the driver runs off the flow (a phone's UI thread is never blocked), and takes
//! their outcomes back. [`Flow::tap`], [`Flow::fetch`] and [`Flow::submit`] run a job in place for synchronous
//! drivers (the CLI, tests).
//!
//! The rules that protect the person, and where they hold:
//! - the counter is read right before every VERIFY, never VERIFY at 0 / blocked, the last try only after
//!   confirmation: [`crate::JpkiSession`], called from [`card::CardJob`] only;
//! - a typed password is presented at most once: the flow holds it by value and gives it to one job; it comes
//!   back only if it never reached the card; a link lost during VERIFY forgets it ([`Notice::VerifyOutcomeUnknown`]);
//! - what is signed is exactly the shown subject ([`Subject::bytes_to_sign`]);
//! - an expired or already signed request never reaches the card, and the password is not asked for it.

pub mod card;
pub mod consent;
pub mod notice;
mod subject;

use std::sync::{Arc, Mutex};

pub use card::{BuildFromCertificate, CardJob, CardOutcome, Signature, Step, ToSign};
pub use consent::{Age, Context, Disclosure, PersonalItem, Recipient};
pub use notice::{Notice, PinRule};
pub use subject::Subject;

use crate::channel::Traffic;
use crate::handoff::{self, HandoffError, HttpClient, HttpsUrl, Receipt, SeenNonces, SignRequest, Submission};
use crate::CardError;
use crate::HashAlgorithm;
use crate::Transport;
use crate::{JpkiSession, LastTry, PinKind, RetryState};
use crate::{PinError, SignPin};

/// Where the flow is. Every state is a screen; the front end renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// The request behind the link is being fetched and checked.
    Fetching,
    /// The subject is shown ([`Flow::subject`]) with its context and disclosure ([`Subject::context`],
    /// [`Subject::disclosure`]): the person reads it and accepts or cancels.
    Review,
    /// Type the signature password. `known_tries`: the counter as last read in this flow, shown before typing.
    EnterPin {
        known_tries: Option<u8>,
        notice: Option<Notice>,
    },
    /// One try is left: the password (already typed) is presented only after the person confirms.
    ConfirmLastTry,
    /// The password is typed: hold the card to sign. `notice` explains a previous tap's failure.
    HoldCard {
        notice: Option<Notice>,
    },
    /// The card is in use.
    Working {
        step: Step,
    },
    /// A request is signed and nothing is sent yet: the application is shown once more, with what the
    /// certificate says about the signer ([`Flow::signature`]). 申請する ([`Flow::file`]) sends it; cancel drops
    /// the signature.
    ConfirmFiling,
    /// Signed and filed; the signature is being sent to the relying party (`attempt` 1 = first sending).
    Submitting {
        attempt: u32,
    },
    /// Signed, but sending failed. `can_resend`: sending the same signature again may help (it never signs
    /// again and never needs the password).
    SubmitFailed {
        notice: Notice,
        can_resend: bool,
    },
    /// Bytes signed: [`Flow::signature`] holds the result.
    Signed,
    /// The relying party accepted the signature; the receipt holds what it transcribed.
    Done {
        receipt: Receipt,
    },
    /// A resent signature was answered "already signed": the earlier sending most probably arrived.
    ProbablyReceived,
    /// The signature password is locked: only a municipal office or the reset service unlocks it.
    Blocked,
    /// The flow cannot go on.
    Failed {
        notice: Notice,
    },
    Cancelled,
}

impl State {
    /// The flow has ended; no event changes it any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            State::Signed
                | State::Done { .. }
                | State::ProbablyReceived
                | State::Blocked
                | State::Failed { .. }
                | State::Cancelled
        )
    }
}

/// The work the flow waits for, for a driver that runs it (a phone: fetch and submit on a worker thread; the
/// card when the person holds it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    Nothing,
    Fetch,
    /// A card tap would be used now (to sign, or in `EnterPin` to read the tries while they are unknown).
    Card,
    Submit,
}

/// The job a driver has taken out and not yet returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InFlight {
    Fetch,
    Card { signing: bool },
    Submit,
}

/// Fetching the request behind the link.
pub struct FetchJob {
    url: HttpsUrl,
}

impl FetchJob {
    pub fn run<C: HttpClient>(self, http: &mut C, now: i64) -> Result<SignRequest, HandoffError> {
        handoff::fetch_request(http, &self.url, now)
    }
}

/// Sending the signature to the request's submit URL.
pub struct SubmitJob {
    request: SignRequest,
    submission: Submission,
}

impl SubmitJob {
    pub fn run<C: HttpClient>(self, http: &mut C) -> Result<Receipt, HandoffError> {
        handoff::submit(http, &self.request, &self.submission)
    }
}

/// The flow of one signing. Not `Clone`: it may hold the typed password.
pub struct Flow {
    state: State,
    link: Option<HttpsUrl>,
    subject: Option<Subject>,
    pin: Option<SignPin>,
    last_try_confirmed: bool,
    known_tries: Option<u8>,
    signature: Option<Signature>,
    in_flight: Option<InFlight>,
    cancel_requested: bool,
    /// Sendings of the signature so far (1 = the first).
    attempt: u32,
    memory: Option<Arc<Mutex<SeenNonces>>>,
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("state", &self.state)
            .field("pin_held", &self.pin.is_some())
            .field("known_tries", &self.known_tries)
            .finish_non_exhaustive()
    }
}

impl Flow {
    fn new(state: State) -> Flow {
        Flow {
            state,
            link: None,
            subject: None,
            pin: None,
            last_try_confirmed: false,
            known_tries: None,
            signature: None,
            in_flight: None,
            cancel_requested: false,
            attempt: 0,
            memory: None,
        }
    }

    /// A hand-off from a scanned QR text or a deep link. A text that is no Kazasu link ends the flow at once
    /// ([`Notice::InvalidLink`]); nothing is fetched from it.
    pub fn for_link(text: &str) -> Flow {
        match handoff::parse_link(text) {
            Ok(url) => Flow { link: Some(url), ..Flow::new(State::Fetching) },
            // Whatever is wrong with it (scheme, syntax, length, encoding), it is not a link we follow.
            Err(e) => {
                log::info!("not a Kazasu link: {e}");
                Flow::new(State::Failed { notice: Notice::InvalidLink })
            }
        }
    }

    /// A hand-off whose request the front end fetched with [`handoff::fetch_request`] (the CLI, which words
    /// fetch errors itself): the flow starts at `Review`.
    pub fn for_request(request: SignRequest) -> Flow {
        Flow { subject: Some(Subject::Request(Box::new(request))), ..Flow::new(State::Review) }
    }

    /// Signing bytes the front end holds (a file), shown as `label`, its size and its SHA-256.
    pub fn for_bytes(label: impl Into<String>, data: Arc<[u8]>, algorithm: HashAlgorithm) -> Flow {
        Flow { subject: Some(Subject::Bytes { label: label.into(), data, algorithm }), ..Flow::new(State::Review) }
    }

    /// Signing a document shown as `label` with the size and SHA-256 of `shown`, through bytes `build` makes
    /// from the signer's certificate in the signing tap ([`Subject::Attested`]).
    pub fn for_attested(
        label: impl Into<String>,
        shown: Arc<[u8]>,
        algorithm: HashAlgorithm,
        build: BuildFromCertificate,
    ) -> Flow {
        let subject = Subject::Attested { label: label.into(), shown, algorithm, build };
        Flow { subject: Some(subject), ..Flow::new(State::Review) }
    }

    /// Reading the signature certificate (which needs the password) under the same rules; nothing is signed.
    pub fn for_sign_certificate() -> Flow {
        Flow { subject: Some(Subject::SignCertificate), ..Flow::new(State::Review) }
    }

    /// Refuse requests whose nonce this app signed before (checked after fetching and again before the card),
    /// and remember each one signed here.
    pub fn with_memory(mut self, memory: Arc<Mutex<SeenNonces>>) -> Flow {
        self.memory = Some(memory);
        self
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// What is shown and signed (None while fetching, or when the link was refused).
    pub fn subject(&self) -> Option<&Subject> {
        self.subject.as_ref()
    }

    /// The signature, once the card made it (kept while it is being sent, and after).
    pub fn signature(&self) -> Option<&Signature> {
        self.signature.as_ref()
    }

    /// Tries left as last read in this flow.
    pub fn known_tries(&self) -> Option<u8> {
        self.known_tries
    }

    /// Whether a typed password is held for the next tap.
    pub fn holds_pin(&self) -> bool {
        self.pin.is_some()
    }

    /// The work this flow waits for.
    pub fn pending(&self) -> Pending {
        if self.in_flight.is_some() {
            return Pending::Nothing;
        }
        match self.state {
            State::Fetching => Pending::Fetch,
            State::HoldCard { .. } => Pending::Card,
            // While the password is typed a card is used only to learn the tries, once: a card that stays on
            // the reader is not read again and again.
            State::EnterPin { known_tries: None, .. } => Pending::Card,
            State::Submitting { .. } => Pending::Submit,
            _ => Pending::Nothing,
        }
    }

    // ───────────────────────────────────────── the person's events ─────────────────────────────────────────

    /// The person read the subject and goes on: the password is asked next. An expired request ends here.
    pub fn accept(&mut self, now: i64) {
        if self.state != State::Review {
            return;
        }
        if let Err(e) = self.check_request(now) {
            return self.fail(Notice::of_handoff(&e));
        }
        self.state = State::EnterPin { known_tries: self.known_tries, notice: None };
    }

    /// The person typed the password (checked by the core: 6–16 of A–Z 0–9). It is held for the signing tap.
    pub fn enter_pin(&mut self, typed: Result<SignPin, PinError>) {
        if !matches!(self.state, State::EnterPin { .. }) {
            return; // dropped: a password typed into no password screen is forgotten at once
        }
        let pin = match typed {
            Ok(pin) => pin,
            Err(e) => {
                self.state = State::EnterPin { known_tries: self.known_tries, notice: Some(Notice::of_pin(&e)) };
                return;
            }
        };
        self.pin = Some(pin);
        self.last_try_confirmed = false;
        self.state = if self.known_tries == Some(1) { State::ConfirmLastTry } else { State::HoldCard { notice: None } };
    }

    /// The person agreed that the held password may use the last try.
    pub fn confirm_last_try(&mut self) {
        if self.state == State::ConfirmLastTry && self.pin.is_some() {
            self.last_try_confirmed = true;
            self.state = State::HoldCard { notice: None };
        }
    }

    /// The person does not want to use the last try: the password is forgotten and the flow ends.
    pub fn decline_last_try(&mut self) {
        if self.state == State::ConfirmLastTry {
            self.pin = None;
            self.state = State::Cancelled;
        }
    }

    /// 申請する: the person reviewed the signed application and files it; the signature is sent. An expired
    /// request is not sent (the relying party would refuse it).
    pub fn file(&mut self, now: i64) {
        if self.state != State::ConfirmFiling {
            return;
        }
        if let Err(e) = self.check_request(now) {
            self.signature = None;
            return self.fail(Notice::of_handoff(&e));
        }
        if let (Some(memory), Some(Subject::Request(r))) = (&self.memory, &self.subject) {
            if let Ok(mut m) = memory.lock() {
                m.record(r);
            }
        }
        self.attempt = 1;
        self.state = State::Submitting { attempt: 1 };
    }

    /// Sends the same signature again after a failed sending that may be retried.
    pub fn resend(&mut self) {
        if let State::SubmitFailed { can_resend: true, .. } = self.state {
            self.attempt += 1;
            self.state = State::Submitting { attempt: self.attempt };
        }
    }

    /// The person cancels. Before the card is used: the flow ends and the password is forgotten. While the card
    /// or the network works: the outcome is discarded when it comes (a signature is not sent; a sending already
    /// on its way may still arrive, and its acceptance is shown). After a failed sending: the signature is
    /// dropped, nothing more is sent.
    pub fn cancel(&mut self) {
        if self.state.is_final() {
            return;
        }
        self.pin = None;
        if self.in_flight.is_some() {
            self.cancel_requested = true;
            return;
        }
        self.signature = None;
        self.state = State::Cancelled;
    }

    // ───────────────────────────────────────── the jobs ─────────────────────────────────────────

    /// The fetch to run, when the flow waits for one.
    pub fn begin_fetch(&mut self) -> Option<FetchJob> {
        if self.pending() != Pending::Fetch {
            return None;
        }
        let url = self.link.clone()?;
        self.in_flight = Some(InFlight::Fetch);
        Some(FetchJob { url })
    }

    pub fn finish_fetch(&mut self, outcome: Result<SignRequest, HandoffError>) {
        if self.in_flight != Some(InFlight::Fetch) {
            return;
        }
        self.in_flight = None;
        if self.take_cancel() {
            return;
        }
        let request = match outcome.and_then(|r| self.check_not_signed_before(&r).map(|_| r)) {
            Ok(r) => r,
            Err(e) => return self.fail(Notice::of_handoff(&e)),
        };
        self.subject = Some(Subject::Request(Box::new(request)));
        self.state = State::Review;
    }

    /// A card is there. Returns the card work of this tap when the flow wants a card now: to sign when the
    /// password is held (the request's expiry and nonce are checked first), or to read the tries while the
    /// password is being typed and they are unknown. `None`: the card is not wanted now (a shell may keep it
    /// and offer it again when the state changes).
    pub fn begin_tap(&mut self, now: i64) -> Option<CardJob> {
        if self.pending() != Pending::Card {
            return None;
        }
        let signing = matches!(self.state, State::HoldCard { .. });
        let job = if signing {
            if let Err(e) = self.check_request(now) {
                self.fail(Notice::of_handoff(&e));
                return None;
            }
            let subject = self.subject.as_ref()?;
            let (data, algorithm) = (subject.to_sign(), subject.algorithm());
            let pin = self.pin.take()?;
            let last_try = if self.last_try_confirmed { LastTry::Confirmed } else { LastTry::NotConfirmed };
            CardJob::sign(pin, last_try, algorithm, data)
        } else {
            CardJob::read_tries()
        };
        self.in_flight = Some(InFlight::Card { signing });
        self.state = State::Working { step: Step::Connecting };
        Some(job)
    }

    /// Progress of the running tap.
    pub fn progress(&mut self, step: Step) {
        if let State::Working { .. } = self.state {
            if !self.cancel_requested {
                self.state = State::Working { step };
            }
        }
    }

    pub fn finish_tap(&mut self, outcome: CardOutcome) {
        let Some(InFlight::Card { signing }) = self.in_flight else {
            return;
        };
        self.in_flight = None;
        if self.take_cancel() {
            return; // a signature made meanwhile is discarded; a returned password is dropped with the outcome
        }
        match outcome {
            CardOutcome::TriesRead(RetryState::Remaining(n)) if n > 0 => {
                self.known_tries = Some(n);
                self.state = State::EnterPin { known_tries: Some(n), notice: None };
            }
            CardOutcome::TriesRead(_) => self.blocked(),
            CardOutcome::Signed(signature) => {
                self.known_tries = Some(PinKind::Sign.max_tries());
                self.last_try_confirmed = false;
                self.signature = Some(signature);
                self.state = match &self.subject {
                    Some(Subject::Request(_)) => State::ConfirmFiling,
                    _ => State::Signed,
                };
            }
            CardOutcome::Failed { error, unpresented_pin } => self.after_card_failure(error, unpresented_pin, signing),
        }
    }

    fn after_card_failure(&mut self, error: CardError, unpresented_pin: Option<SignPin>, signing: bool) {
        let notice = Notice::of_card(&error, signing && unpresented_pin.is_none());
        match error {
            CardError::Blocked => self.blocked(),
            CardError::NeedsLastTryConfirmation => {
                self.known_tries = Some(1);
                self.pin = unpresented_pin;
                self.last_try_confirmed = false;
                self.state =
                    if self.pin.is_some() { State::ConfirmLastTry } else { self.enter_pin_again(Some(notice)) };
            }
            CardError::WrongPin { remaining } => {
                self.known_tries = Some(remaining);
                self.state = self.enter_pin_again(Some(notice));
            }
            CardError::VerifyOutcomeUnknown(_) => {
                self.known_tries = None;
                self.state = self.enter_pin_again(Some(notice));
            }
            CardError::Transport(_) | CardError::SessionClosed | CardError::NotJpkiCard => match unpresented_pin {
                // The password never left this device: the next tap may present it (still at most once).
                Some(pin) => {
                    self.pin = Some(pin);
                    self.state = State::HoldCard { notice: Some(notice) };
                }
                None => {
                    if signing {
                        // The password was taken and no VERIFY error came back: the card accepted it, which
                        // resets its counter.
                        self.known_tries = Some(PinKind::Sign.max_tries());
                    }
                    self.state = self.enter_pin_again(Some(notice));
                }
            },
            _ => self.fail(notice),
        }
    }

    /// The sending to run, when the flow waits for one.
    pub fn begin_submit(&mut self) -> Option<SubmitJob> {
        if self.pending() != Pending::Submit {
            return None;
        }
        let request = self.subject.as_ref()?.request()?.clone();
        let s = self.signature.as_ref()?;
        let submission = Submission::new(&request, s.algorithm, s.signature.clone(), s.certificate.clone());
        self.in_flight = Some(InFlight::Submit);
        Some(SubmitJob { request, submission })
    }

    pub fn finish_submit(&mut self, outcome: Result<Receipt, HandoffError>) {
        if self.in_flight != Some(InFlight::Submit) {
            return;
        }
        self.in_flight = None;
        let attempt = self.attempt;
        match outcome {
            // Accepted: shown even after a cancel, because it did arrive.
            Ok(receipt) => {
                self.cancel_requested = false;
                self.state = State::Done { receipt };
            }
            Err(_) if self.take_cancel() => {}
            Err(HandoffError::Replayed) if attempt > 1 => self.state = State::ProbablyReceived,
            Err(e) => {
                self.state =
                    State::SubmitFailed { notice: Notice::of_handoff(&e), can_resend: notice::resend_may_help(&e) }
            }
        }
    }

    // ───────────────────────────────────────── synchronous drivers ─────────────────────────────────────────

    /// Fetches in place (CLI, tests).
    pub fn fetch<C: HttpClient>(&mut self, http: &mut C, now: i64) {
        if let Some(job) = self.begin_fetch() {
            let outcome = job.run(http, now);
            self.finish_fetch(outcome);
        }
    }

    /// Runs a tap in place on a new session over `transport`; returns the traffic of the tap.
    pub fn tap<T: Transport>(&mut self, transport: T, now: i64, progress: &mut dyn FnMut(Step)) -> Traffic {
        let Some(job) = self.begin_tap(now) else {
            return Traffic::default();
        };
        let (outcome, traffic) = job.run_on(transport, progress);
        self.finish_tap(outcome);
        traffic
    }

    /// Runs a tap in place on an open session (a reader that keeps the card between taps: no new SELECT).
    pub fn tap_session<T: Transport>(
        &mut self,
        session: &mut JpkiSession<T>,
        now: i64,
        progress: &mut dyn FnMut(Step),
    ) {
        if let Some(job) = self.begin_tap(now) {
            let outcome = job.run(session, progress);
            self.finish_tap(outcome);
        }
    }

    /// Sends in place (CLI, tests).
    pub fn submit<C: HttpClient>(&mut self, http: &mut C) {
        if let Some(job) = self.begin_submit() {
            let outcome = job.run(http);
            self.finish_submit(outcome);
        }
    }

    // ───────────────────────────────────────── helpers ─────────────────────────────────────────

    fn check_request(&self, now: i64) -> Result<(), HandoffError> {
        match &self.subject {
            Some(Subject::Request(r)) => {
                r.check_time(now)?;
                self.check_not_signed_before(r)
            }
            _ => Ok(()),
        }
    }

    fn check_not_signed_before(&self, request: &SignRequest) -> Result<(), HandoffError> {
        match &self.memory {
            Some(m) => m.lock().map_err(|_| HandoffError::Replayed)?.check(request),
            None => Ok(()),
        }
    }

    fn enter_pin_again(&mut self, notice: Option<Notice>) -> State {
        self.pin = None;
        self.last_try_confirmed = false;
        State::EnterPin { known_tries: self.known_tries, notice }
    }

    fn blocked(&mut self) {
        self.known_tries = Some(0);
        self.pin = None;
        self.state = State::Blocked;
    }

    fn fail(&mut self, notice: Notice) {
        self.pin = None;
        self.state = State::Failed { notice };
    }

    fn take_cancel(&mut self) -> bool {
        if !self.cancel_requested {
            return false;
        }
        self.cancel_requested = false;
        self.pin = None;
        self.signature = None;
        self.state = State::Cancelled;
        true
    }
}

/// Signs `data` in one tap's card work on a new session (counter, VERIFY once, certificate, signature), for
/// readers and benchmarks that need no screens. The same [`CardJob`] the flow runs.
pub fn sign<T: Transport>(
    transport: T,
    pin: SignPin,
    last_try: LastTry,
    algorithm: HashAlgorithm,
    data: &[u8],
) -> Result<Signed, CardError> {
    let mut session = JpkiSession::open(transport)?;
    let data = ToSign::Bytes(Arc::from(data));
    let s = card::sign_once(&mut session, pin, last_try, algorithm, &data, &mut |_| {}).map_err(|(e, _)| e)?;
    Ok(Signed { signature: s.signature, certificate: s.certificate, algorithm, traffic: session.traffic() })
}

/// What [`sign`] returns.
#[derive(Clone, Debug)]
pub struct Signed {
    pub signature: Vec<u8>,
    pub certificate: Vec<u8>,
    pub algorithm: HashAlgorithm,
    /// APDUs and bytes this tap exchanged.
    pub traffic: Traffic,
}
