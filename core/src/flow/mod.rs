//! The signing flow, once, for every front end: the CLI, the phones (through `ffi`) and the tests drive this
//! one state machine. Front ends render its [`State`], forward the person's events, and carry bytes — APDUs to
//! a card, HTTP to the relying party — for the jobs it hands out. They make no flow decision of their own.
//!
//! ```text
//!  hand-off:  Fetching ─▶ Review ─▶ EnterPin ─▶ [ConfirmLastTry] ─▶ HoldCard ─▶ Working ─▶ ConfirmFiling
//!                                                                            ─▶ Submitting ─▶ Done
//!  bytes:                 Review ─▶ EnterPin ─▶ [ConfirmLastTry] ─▶ HoldCard ─▶ Working ─▶ Signed
//!  log-in:    Fetching ─▶ Review ─▶ EnterPin ─▶ [ConfirmLastTry] ─▶ HoldCard ─▶ Working ─▶ Submitting ─▶ Done
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
//! A log-in ([`Subject::Login`], from a `kazasu://login?r=` link) is a kind of the same machine, not a second one:
//! the password is the 4-digit user-authentication PIN (3 tries; [`Flow::pin_kind`]) under the same rules, the
//! tap reads the auth certificate and signs the challenge's exact bytes with the auth key, and the answer goes
//! back at once (there is no application to review again): `Done` is "logged in". `Review` tells which site asks,
//! that no personal data is sent — only the auth certificate, which names no one — and where and when the log-in
//! was asked for ([`consent::Context`]), so a relayed log-in QR code can be noticed.
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

pub use card::{Authentication, BuildFromCertificate, CardJob, CardOutcome, Signature, Step, ToSign};
pub use consent::{Age, Context, Disclosure, PersonalItem, Recipient};
pub use notice::{Notice, PinRule};
pub use subject::Subject;

use crate::channel::Traffic;
use crate::handoff::{
    self, HandoffError, HttpClient, Link, LinkKind, LoginChallenge, LoginResponse, Receipt, SeenNonces, SignRequest,
    Submission,
};
use crate::{
    AuthPin, CardError, CardPin, HashAlgorithm, JpkiSession, LastTry, PinBytes, PinError, PinKind, RetryState, SignPin,
    Transport,
};

/// Where the flow is. Every state is a screen; the front end renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// The request behind the link is being fetched and checked.
    Fetching,
    /// The subject is shown ([`Flow::subject`]) with its context and disclosure ([`Subject::context`],
    /// [`Subject::disclosure`]): the person reads it and accepts or cancels.
    Review,
    /// Type the password ([`Flow::pin_kind`]: the signature password, or the 4-digit auth PIN of a log-in).
    /// `known_tries`: the counter as last read in this flow, shown before typing.
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
    /// The relying party accepted the signature (the receipt holds what it transcribed), or — for a log-in — the
    /// relying party logged the person in.
    Done {
        receipt: Receipt,
    },
    /// A resent signature was answered "already signed": the earlier sending most probably arrived.
    ProbablyReceived,
    /// The password is locked: only a municipal office or the reset service unlocks it.
    Blocked,
    /// The flow cannot go on.
    Failed {
        notice: Notice,
    },
    Cancelled,
}

impl State {
    /// Whether the card did its work: it signed (or answered the log-in) and is not needed any more. A phone
    /// whose NFC sheet closes as this state arrives (iOS) says "done" then, and otherwise closes it with the
    /// reason the state gives (a notice, the last-try question, the lock). The shells never decide this
    /// themselves.
    pub fn reader_done(&self) -> bool {
        matches!(
            self,
            State::ConfirmFiling
                | State::Signed
                | State::Submitting { .. }
                | State::SubmitFailed { .. }
                | State::Done { .. }
                | State::ProbablyReceived
        )
    }

    /// Whether the password typed now would meet the card's last try: the counter, as read in this flow, says
    /// one. Shown on the password screen before typing; presenting it still needs the confirmation.
    pub fn last_try(&self) -> bool {
        matches!(self, State::EnterPin { known_tries: Some(1), .. } | State::ConfirmLastTry)
    }

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

/// Fetching the request (or log-in challenge) behind the link.
pub struct FetchJob {
    link: Link,
}

/// What a fetch brought: a signing request or a log-in challenge, as the link said.
#[derive(Clone, Debug)]
pub enum Fetched {
    Request(SignRequest),
    Login(LoginChallenge),
}

impl From<SignRequest> for Fetched {
    fn from(r: SignRequest) -> Fetched {
        Fetched::Request(r)
    }
}

impl FetchJob {
    pub fn run<C: HttpClient>(self, http: &mut C, now: i64) -> Result<Fetched, HandoffError> {
        match self.link.kind {
            LinkKind::Sign => handoff::fetch_request(http, &self.link.url, now).map(Fetched::Request),
            LinkKind::Login => handoff::client::fetch_challenge(http, &self.link.url, now).map(Fetched::Login),
        }
    }
}

/// Sending the signature to the request's submit URL, or a log-in answer to the challenge's.
pub struct SubmitJob {
    work: SubmitWork,
}

enum SubmitWork {
    Sign { request: SignRequest, submission: Submission },
    Login { challenge: LoginChallenge, response: LoginResponse },
}

impl SubmitJob {
    pub fn run<C: HttpClient>(self, http: &mut C) -> Result<Receipt, HandoffError> {
        match self.work {
            SubmitWork::Sign { request, submission } => handoff::submit(http, &request, &submission),
            SubmitWork::Login { challenge, response } => handoff::client::submit_login(http, &challenge, &response),
        }
    }
}

/// The flow of one signing. Not `Clone`: it may hold the typed password.
pub struct Flow {
    state: State,
    link: Option<Link>,
    subject: Option<Subject>,
    pin: Option<CardPin>,
    last_try_confirmed: bool,
    known_tries: Option<u8>,
    signature: Option<Signature>,
    authentication: Option<Authentication>,
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
            authentication: None,
            in_flight: None,
            cancel_requested: false,
            attempt: 0,
            memory: None,
        }
    }

    /// A hand-off from a scanned QR text or a deep link: a signing request, or a log-in challenge for a
    /// `login` link ([`handoff::parse_any_link`]). A text that is no Kazasu link ends the flow at once
    /// ([`Notice::InvalidLink`]); nothing is fetched from it.
    pub fn for_link(text: &str) -> Flow {
        Flow::for_link_where(text, |_| true)
    }

    /// [`Flow::for_link`] for links of one kind only (a front end with screens for signing only): a link of the
    /// other kind ends the flow at once as [`Notice::InvalidLink`].
    pub fn for_link_of(kind: LinkKind, text: &str) -> Flow {
        Flow::for_link_where(text, |k| k == kind)
    }

    fn for_link_where(text: &str, wanted: impl Fn(LinkKind) -> bool) -> Flow {
        match handoff::parse_any_link(text) {
            Ok(link) if wanted(link.kind) => Flow { link: Some(link), ..Flow::new(State::Fetching) },
            Ok(link) => {
                log::info!("a {:?} link where this front end does not take one", link.kind);
                Flow::new(State::Failed { notice: Notice::InvalidLink })
            }
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

    /// A log-in whose challenge the front end fetched ([`handoff::client::fetch_challenge`]): starts at `Review`.
    pub fn for_login(challenge: LoginChallenge) -> Flow {
        Flow { subject: Some(Subject::Login(Box::new(challenge))), ..Flow::new(State::Review) }
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

    /// The log-in answer, once the card made it.
    pub fn authentication(&self) -> Option<&Authentication> {
        self.authentication.as_ref()
    }

    /// Which password this flow asks for: the auth PIN (4 digits, 3 tries) for a log-in, the signature password
    /// otherwise. Known from the link before the challenge is fetched.
    pub fn pin_kind(&self) -> PinKind {
        match (&self.subject, &self.link) {
            (Some(s), _) => s.pin_kind(),
            (None, Some(Link { kind: LinkKind::Login, .. })) => PinKind::Auth,
            (None, _) => PinKind::Sign,
        }
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

    /// The person typed the signature password (checked by the core: 6–16 of A–Z 0–9). It is held for the
    /// signing tap.
    pub fn enter_pin(&mut self, typed: Result<SignPin, PinError>) {
        self.enter_card_pin(typed.map(CardPin::Sign));
    }

    /// The person typed the 4-digit auth PIN of a log-in (checked by the core). It is held for the log-in tap.
    pub fn enter_auth_pin(&mut self, typed: Result<AuthPin, PinError>) {
        self.enter_card_pin(typed.map(CardPin::Auth));
    }

    /// The person typed this flow's password ([`Flow::pin_kind`]) as UTF-8 (what the phones hand over); it is
    /// checked under that password's rules.
    pub fn enter_typed_pin(&mut self, typed: PinBytes) {
        let pin = CardPin::from_utf8(self.pin_kind(), typed);
        self.enter_card_pin(pin);
    }

    fn enter_card_pin(&mut self, typed: Result<CardPin, PinError>) {
        if !matches!(self.state, State::EnterPin { .. }) {
            return; // dropped: a password typed into no password screen is forgotten at once
        }
        // The other kind of password is never held: it would be presented to the wrong counter.
        let typed = typed.and_then(|p| match self.pin_kind() {
            kind if kind == p.kind() => Ok(p),
            PinKind::Auth => Err(PinError::AuthFormat),
            PinKind::Sign => Err(PinError::SignLength {
                min: kazasu_card::SIGN_PIN_MIN_LEN,
                max: kazasu_card::SIGN_PIN_MAX_LEN,
                actual: kazasu_card::AUTH_PIN_LEN,
            }),
        });
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
        self.record_answered();
        self.attempt = 1;
        self.state = State::Submitting { attempt: 1 };
    }

    /// Remembers the nonce of the request signed (or challenge answered) here, so it is never answered again.
    fn record_answered(&mut self) {
        let Some(memory) = &self.memory else { return };
        let Ok(mut m) = memory.lock() else { return };
        match &self.subject {
            Some(Subject::Request(r)) => m.record(r),
            Some(Subject::Login(c)) => {
                m.record_nonce(c.nonce());
            }
            _ => {}
        }
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
        self.authentication = None;
        self.state = State::Cancelled;
    }

    // ───────────────────────────────────────── the jobs ─────────────────────────────────────────

    /// The fetch to run, when the flow waits for one.
    pub fn begin_fetch(&mut self) -> Option<FetchJob> {
        if self.pending() != Pending::Fetch {
            return None;
        }
        let link = self.link.clone()?;
        self.in_flight = Some(InFlight::Fetch);
        Some(FetchJob { link })
    }

    /// The outcome of the fetch job ([`FetchJob::run`]).
    pub fn finish_fetch(&mut self, outcome: Result<Fetched, HandoffError>) {
        if self.in_flight != Some(InFlight::Fetch) {
            return;
        }
        self.in_flight = None;
        if self.take_cancel() {
            return;
        }
        let subject = match outcome {
            Ok(Fetched::Request(r)) => Subject::Request(Box::new(r)),
            Ok(Fetched::Login(c)) => Subject::Login(Box::new(c)),
            Err(e) => return self.fail(Notice::of_handoff(&e)),
        };
        // The fetch brought what the link announced, or nothing is shown.
        let announced = self.link.as_ref().map(|l| l.kind);
        let brought = if subject.login().is_some() { LinkKind::Login } else { LinkKind::Sign };
        if announced.is_some_and(|k| k != brought) {
            return self.fail(Notice::InvalidRequest);
        }
        if let Err(e) = self.check_not_answered_before(&subject) {
            return self.fail(Notice::of_handoff(&e));
        }
        self.subject = Some(subject);
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
            let last_try = if self.last_try_confirmed { LastTry::Confirmed } else { LastTry::NotConfirmed };
            match (self.pin.take()?, data) {
                (CardPin::Auth(pin), ToSign::Bytes(challenge)) if subject.login().is_some() => {
                    CardJob::log_in(pin, last_try, challenge)
                }
                (CardPin::Sign(pin), data) if subject.login().is_none() => {
                    CardJob::sign(pin, last_try, algorithm, data)
                }
                // Unreachable (enter_card_pin holds only this flow's kind); the password is forgotten, not sent.
                _ => {
                    self.state = self.enter_pin_again(None);
                    return None;
                }
            }
        } else {
            CardJob::read_tries_of(self.pin_kind())
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
            CardOutcome::Authenticated(authentication) => {
                self.known_tries = Some(PinKind::Auth.max_tries());
                self.last_try_confirmed = false;
                self.authentication = Some(authentication);
                // A log-in answer goes back at once: there is nothing more to review.
                self.record_answered();
                self.attempt = 1;
                self.state = State::Submitting { attempt: 1 };
            }
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

    fn after_card_failure(&mut self, error: CardError, unpresented_pin: Option<CardPin>, signing: bool) {
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
                        self.known_tries = Some(self.pin_kind().max_tries());
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
        let work = match self.subject.as_ref()? {
            Subject::Login(challenge) => {
                let a = self.authentication.as_ref()?;
                let response = LoginResponse::new(challenge, a.signature.clone(), a.certificate.clone());
                SubmitWork::Login { challenge: (**challenge).clone(), response }
            }
            subject => {
                let request = subject.request()?.clone();
                let s = self.signature.as_ref()?;
                let submission = Submission::new(&request, s.algorithm, s.signature.clone(), s.certificate.clone());
                SubmitWork::Sign { request, submission }
            }
        };
        self.in_flight = Some(InFlight::Submit);
        Some(SubmitJob { work })
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
        let Some(subject) = &self.subject else { return Ok(()) };
        match subject {
            Subject::Request(r) => r.check_time(now)?,
            Subject::Login(c) => c.check_time(now)?,
            _ => return Ok(()),
        }
        self.check_not_answered_before(subject)
    }

    /// Refuses a request this app signed before, or a log-in challenge it answered before.
    fn check_not_answered_before(&self, subject: &Subject) -> Result<(), HandoffError> {
        let Some(memory) = &self.memory else { return Ok(()) };
        let memory = memory.lock().map_err(|_| HandoffError::Replayed)?;
        match subject {
            Subject::Request(r) => memory.check(r),
            Subject::Login(c) if memory.contains(c.nonce()) => Err(HandoffError::Replayed),
            _ => Ok(()),
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
        self.authentication = None;
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

/// Answers a log-in challenge's `bytes` in one tap's card work on a new session (the auth PIN's counter, VERIFY
/// once, the auth certificate, the auth key's signature), for readers and tests that need no screens. The same
/// card work the flow runs for a log-in.
pub fn log_in<T: Transport>(
    transport: T,
    pin: AuthPin,
    last_try: LastTry,
    bytes: &[u8],
) -> Result<(Authentication, Traffic), CardError> {
    let mut session = JpkiSession::open(transport)?;
    let a = card::log_in_once(&mut session, pin, last_try, Arc::from(bytes), &mut |_| {}).map_err(|(e, _)| e)?;
    Ok((a, session.traffic()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_is_done_exactly_when_the_card_signed_and_is_not_needed_again() {
        let receipt = Receipt { request_id: "r".into(), transcribed: None };
        let notice = || Notice::CardLost;
        let done = [
            State::ConfirmFiling,
            State::Signed,
            State::Submitting { attempt: 1 },
            State::SubmitFailed { notice: Notice::Network, can_resend: true },
            State::Done { receipt },
            State::ProbablyReceived,
        ];
        let not_done = [
            State::Fetching,
            State::Review,
            State::EnterPin { known_tries: Some(4), notice: Some(Notice::WrongPin { remaining: 4 }) },
            State::ConfirmLastTry,
            State::HoldCard { notice: Some(notice()) },
            State::Working { step: Step::Signing },
            State::Blocked,
            State::Failed { notice: notice() },
            State::Cancelled,
        ];
        assert!(done.iter().all(State::reader_done), "{done:?}");
        assert!(!not_done.iter().any(State::reader_done), "{not_done:?}");
    }

    #[test]
    fn the_password_screen_says_when_one_try_is_left() {
        assert!(State::EnterPin { known_tries: Some(1), notice: None }.last_try());
        assert!(State::ConfirmLastTry.last_try());
        for known_tries in [None, Some(2), Some(5)] {
            assert!(!State::EnterPin { known_tries, notice: None }.last_try(), "{known_tries:?}");
        }
    }
}
