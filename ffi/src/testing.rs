//! Feature `testing` only: the core's in-process software card, exported so Kotlin and Swift tests can run
//! the real flow without hardware. It holds TEST-ONLY keys and a known PIN: never enable this in an app.
//!
//! Knobs: short-only or extended link, a lost link injected before a command reaches the card or after the
//! card processed it (its answer lost), reading and setting the signature PIN counter, counting presentations.

use std::sync::{Mutex, MutexGuard};

use kazasu_core::softcard::{fixture, Quirks, SoftCard};

use crate::error::TransportError;

/// The software card's signature PIN (test fixture).
#[uniffi::export]
pub fn software_card_sign_pin() -> String {
    fixture::SIGN_PIN.to_string()
}

/// The software card's user-authentication PIN (test fixture, 4 digits).
#[uniffi::export]
pub fn software_card_auth_pin() -> String {
    fixture::AUTH_PIN.to_string()
}

/// The software card's signature CA certificate (DER), to check chains in tests.
#[uniffi::export]
pub fn software_card_sign_ca_certificate() -> Vec<u8> {
    fixture::SIGN_CA_CERT.to_vec()
}

/// A square luma image of a QR code for `text` (`scale` pixels per module, white quiet zone), made by the
/// project's own generator, so shell tests can feed a camera-like frame to `decode_luma`.
#[derive(uniffi::Record)]
pub struct TestQrImage {
    pub luma: Vec<u8>,
    pub side: u32,
}

#[uniffi::export]
pub fn qr_image_for_tests(text: String, scale: u32) -> Result<TestQrImage, TestSetupError> {
    let (luma, side) = kazasu_qr::to_luma(&text, scale as usize).map_err(TestSetupError::fixture)?;
    Ok(TestQrImage { luma, side: side as u32 })
}

/// Why a test fixture could not be made (the test's own mistake, e.g. an origin that is not one).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum TestSetupError {
    /// An origin or request URL the hand-off protocol refuses.
    #[error("not an origin or request URL: {reason}")]
    BadUrl { reason: String },
    /// A document, certificate or image the fixture could not make.
    #[error("fixture: {reason}")]
    Fixture { reason: String },
}

impl TestSetupError {
    fn bad_url(e: impl std::fmt::Display) -> Self {
        TestSetupError::BadUrl { reason: e.to_string() }
    }

    fn fixture(e: impl std::fmt::Display) -> Self {
        TestSetupError::Fixture { reason: e.to_string() }
    }
}

/// Whether `signature` is a valid PKCS#1 v1.5 signature over `hash(data)` made with the key of `certificate`
/// (DER), checked by the core's OpenSSL verification. Lets Swift/Kotlin tests prove that a flow returned real
/// signature bytes where the platform has no RSA verifier of its own (Swift on Linux).
#[uniffi::export]
pub fn verify_signature_for_tests(
    certificate: Vec<u8>,
    algorithm: crate::signed::HashAlgorithm,
    data: Vec<u8>,
    signature: Vec<u8>,
) -> bool {
    kazasu_core::verify::verify_signature(&certificate, algorithm, &data, &signature).is_ok()
}

/// Which command a fault hits: an instruction byte, optionally only when it carries data (so VERIFY with a
/// PIN can be told apart from the counter query, which is VERIFY without data).
#[derive(Clone, Copy, Debug)]
struct Target {
    ins: u8,
    with_data_only: bool,
}

impl Target {
    fn hits(self, command: &[u8]) -> bool {
        command.get(1) == Some(&self.ins) && (!self.with_data_only || command.len() > 5)
    }
}

#[derive(Clone, Copy, Debug)]
#[allow(clippy::enum_variant_names)] // each is a way of losing the card
enum Fault {
    /// The next such command never reaches the card.
    LoseBefore(Target),
    /// The card processes the next such command, then leaves the field: its answer is lost.
    LoseAnswerOf(Target),
    /// The exchange with this number (counted from 1 over the card's life) never reaches the card.
    LoseBeforeExchange(u32),
    /// The card processes the exchange with this number, then leaves the field.
    LoseAnswerOfExchange(u32),
}

const INS_VERIFY: u8 = 0x20;

struct State {
    card: SoftCard,
    fault: Option<Fault>,
    exchanges: u32,
}

/// An in-process JPKI card speaking APDUs.
#[derive(uniffi::Object)]
pub struct SoftwareCard {
    state: Mutex<State>,
    extended: bool,
}

#[uniffi::export]
impl SoftwareCard {
    /// A card on a link that carries extended-length APDUs.
    #[uniffi::constructor]
    pub fn new() -> Self {
        Self::build(SoftCard::new(), true)
    }

    /// A card (and link) that only takes short APDUs: extended ones get 6700.
    #[uniffi::constructor]
    pub fn short_only() -> Self {
        let quirks = Quirks { short_only: true, ..Quirks::default() };
        Self::build(SoftCard::new().with_quirks(quirks), false)
    }

    /// One exchange, as a reader would do it: command APDU in, response APDU (data ‖ SW) out.
    pub fn transceive(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let mut s = self.lock();
        s.exchanges += 1;
        let n = s.exchanges;
        let lose_before = match s.fault {
            Some(Fault::LoseBefore(t)) => t.hits(&command),
            Some(Fault::LoseBeforeExchange(at)) => at == n,
            _ => false,
        };
        if lose_before {
            s.fault = None;
            s.card.power_cycle();
            return Err(TransportError::CardLost);
        }
        let answer = s.card.process(&command);
        let lose_answer = match s.fault {
            Some(Fault::LoseAnswerOf(t)) => t.hits(&command),
            Some(Fault::LoseAnswerOfExchange(at)) => at == n,
            _ => false,
        };
        if lose_answer {
            s.fault = None;
            s.card.power_cycle();
            return Err(TransportError::CardLost);
        }
        Ok(answer)
    }

    pub fn supports_extended_length(&self) -> bool {
        self.extended
    }

    /// The next command with instruction byte `ins` is lost before it reaches the card (card leaves the field).
    pub fn lose_link_before(&self, ins: u8) {
        self.lock().fault = Some(Fault::LoseBefore(Target { ins, with_data_only: false }));
    }

    /// The card processes the next command with instruction `ins`, then leaves the field: its answer is lost.
    pub fn lose_answer_of(&self, ins: u8) {
        self.lock().fault = Some(Fault::LoseAnswerOf(Target { ins, with_data_only: false }));
    }

    /// The card leaves the field at exchange number `exchange` (counted from 1 over this card's life, see
    /// `exchanges`): before the command reaches it, or (`answer_lost`) after it processed it.
    pub fn lose_link_at(&self, exchange: u32, answer_lost: bool) {
        self.lock().fault =
            Some(if answer_lost { Fault::LoseAnswerOfExchange(exchange) } else { Fault::LoseBeforeExchange(exchange) });
    }

    /// The card checks the next PIN it is given (VERIFY with data), then leaves the field before answering.
    pub fn lose_answer_of_pin_presentation(&self) {
        self.lock().fault = Some(Fault::LoseAnswerOf(Target { ins: INS_VERIFY, with_data_only: true }));
    }

    /// The card leaves the field and comes back: the verified state is cleared, the counters stay.
    pub fn power_cycle(&self) {
        self.lock().card.power_cycle();
    }

    /// Tries left on the signature PIN, from the card's memory (0 = blocked).
    pub fn sign_pin_tries(&self) -> u32 {
        self.lock().card.tries_left(true).into()
    }

    /// Sets the tries left on the signature PIN (tests that start near the limit).
    pub fn set_sign_pin_tries(&self, tries: u8) {
        self.lock().card.set_sign_tries_left(tries);
    }

    /// Tries left on the user-authentication PIN, from the card's memory (0 = blocked).
    pub fn auth_pin_tries(&self) -> u32 {
        self.lock().card.tries_left(false).into()
    }

    /// Sets the tries left on the user-authentication PIN (at most 3).
    pub fn set_auth_pin_tries(&self, tries: u8) {
        self.lock().card.set_auth_tries_left(tries);
    }

    /// How many VERIFY commands carrying a PIN reached the card.
    pub fn pin_presentations(&self) -> u32 {
        self.lock().card.log().pin_presentations as u32
    }

    /// How many signatures the card computed.
    pub fn signatures(&self) -> u32 {
        self.lock().card.log().signatures as u32
    }

    /// How many exchanges were attempted on this card (lost ones included).
    pub fn exchanges(&self) -> u32 {
        self.lock().exchanges
    }
}

impl SoftwareCard {
    fn build(card: SoftCard, extended: bool) -> Self {
        SoftwareCard { state: Mutex::new(State { card, fault: None, exchanges: 0 }), extended }
    }

    /// The card's state survives a panic elsewhere: a poisoned lock is taken over, not propagated.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for SoftwareCard {
    fn default() -> Self {
        Self::new()
    }
}

/// A relying party in memory, for shell tests of the hand-off: it creates requests the way a city's site does
/// (document rendered once and stored), answers GETs with the request JSON, and verifies submissions with the
/// core's `verify_submission` against the software card's sign CA (and its CRL), single use enforced. It also
/// issues log-in challenges (`create_login_challenge`, each bound to a session of its own) and verifies the
/// answers with `verify_login` against the software card's auth CA and its CRL. Its clock
/// is fixed inside the software card certificate's validity ([`FakeRelyingParty::now`]); use that as the
/// phone's `now` too. The shell's test `HttpTransport` serves its answers: `answer_get` / `answer_post`.
#[derive(uniffi::Object)]
pub struct FakeRelyingParty {
    origin: String,
    now: i64,
    rp: Mutex<RpMemory>,
}

#[derive(Default)]
struct RpMemory {
    /// request id → the stored document bytes.
    documents: std::collections::HashMap<String, Vec<u8>>,
    used: std::collections::HashSet<String>,
    gets: u32,
    posts: u32,
    accepted: u32,
    post_fault: Option<PostFault>,
    /// challenge id → (the stored challenge bytes, the secret of the session it was issued to).
    challenges: std::collections::HashMap<String, (Vec<u8>, String)>,
    answered: Option<kazasu_core::handoff::SeenNonces>,
    /// Log-ins are checked against the sign CA instead of the auth CA: every log-in is refused.
    distrust_auth_ca: bool,
    /// session secret → the account it is logged in to (what a relying party's session cookie then carries).
    sessions: std::collections::HashMap<String, String>,
}

/// Fresh tokens for request ids and nonces (the app remembers signed nonces for its lifetime): 128 bits from
/// the operating system's random generator, as a relying party makes them.
fn fresh_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random generator answers");
    hex::encode(bytes)
}

fn rp_reply(status: u16, reply: &kazasu_core::handoff::client::Reply) -> crate::handoff::HttpReply {
    crate::handoff::HttpReply { status: status.into(), body: serde_json::to_vec(reply).unwrap_or_default() }
}

fn request_id_of(origin: &str, url: &str, suffix: &str) -> Option<String> {
    id_under(origin, url, "/r/", suffix)
}

fn id_under(origin: &str, url: &str, prefix: &str, suffix: &str) -> Option<String> {
    let parsed = kazasu_core::handoff::HttpsUrl::parse(url).ok()?;
    if parsed.origin() != origin {
        return None;
    }
    let path = parsed.path_and_query();
    Some(path.strip_prefix(prefix)?.strip_suffix(suffix)?.to_string())
}

#[uniffi::export]
impl FakeRelyingParty {
    /// A relying party at `origin` (e.g. `https://city.example.jp`).
    #[uniffi::constructor]
    pub fn new(origin: String) -> Result<Self, TestSetupError> {
        let url = kazasu_core::handoff::HttpsUrl::parse(&origin).map_err(TestSetupError::bad_url)?;
        let cert = kazasu_core::Certificate::from_der(fixture::SIGN_CERT).map_err(TestSetupError::fixture)?;
        let now = (cert.not_before + cert.not_after) / 2;
        Ok(FakeRelyingParty { origin: url.origin(), now, rp: Mutex::new(RpMemory::default()) })
    }

    /// The relying party's clock (mid-validity of the software card's certificate); the phone should use it.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// Creates a request (issued now, valid `validity_secs`, fresh id and nonce, three fields) and returns its
    /// request URL — what the QR code carries.
    pub fn create_request(&self, validity_secs: i64) -> Result<String, TestSetupError> {
        use kazasu_core::handoff::{Document, Field};
        let id = fresh_token();
        let document = Document {
            origin: self.origin.clone(),
            relying_party: "伊勢市（テスト）".into(),
            title: "住民票の写しの交付申請".into(),
            request_id: id.clone(),
            nonce: fresh_token(),
            issued_at: self.now,
            created_from: "Windows · Chrome".into(),
            expires_at: self.now + validity_secs,
            submit_url: format!("{}/r/{id}/submit", self.origin),
            fields: vec![
                Field { label: "交付を受ける通数".into(), value: "2".into() },
                Field { label: "使用目的".into(), value: "年金の手続き".into() },
                Field { label: "備考".into(), value: "".into() },
            ],
        };
        let bytes = document.render().map_err(TestSetupError::fixture)?;
        self.lock().documents.insert(id.clone(), bytes);
        Ok(format!("{}/r/{id}", self.origin))
    }

    /// The same-device deep link for a request URL (`kazasu://sign?r=…`).
    pub fn deep_link(&self, request_url: String) -> Result<String, TestSetupError> {
        let url = kazasu_core::handoff::HttpsUrl::parse(&request_url).map_err(TestSetupError::bad_url)?;
        Ok(kazasu_core::handoff::deep_link(&url))
    }

    /// The answer to `GET url`: 200 with the request JSON, 404 for an unknown request (or another origin),
    /// 409 once it was signed.
    pub fn answer_get(&self, url: String) -> crate::handoff::HttpReply {
        use kazasu_core::handoff::client::Reply;
        use kazasu_core::handoff::{request::request_json, Document, Refusal};
        let mut rp = self.lock();
        rp.gets += 1;
        if let Some(id) = id_under(&self.origin, &url, "/login/", "") {
            let body = rp.challenges.get(&id).and_then(|(b, _)| kazasu_core::handoff::login::challenge_json(b).ok());
            return match body {
                Some(body) => crate::handoff::HttpReply { status: 200, body },
                None => rp_reply(404, &Reply::refused(Refusal::NotFound, "no such log-in")),
            };
        }
        let id = request_id_of(&self.origin, &url, "").unwrap_or_default();
        if rp.used.contains(&id) {
            return rp_reply(409, &Reply::refused(Refusal::Replayed, "this request was already signed"));
        }
        let body = rp.documents.get(&id).and_then(|b| Document::parse(b).ok()).and_then(|d| request_json(&d).ok());
        match body {
            Some(body) => crate::handoff::HttpReply { status: 200, body },
            None => rp_reply(404, &Reply::refused(Refusal::NotFound, "no such request")),
        }
    }

    /// The answer to `POST url` with a submission: verified against the stored document bytes with the software
    /// card's sign CA and CRL at [`FakeRelyingParty::now`]; 200 with what it transcribed, or a refusal.
    pub fn answer_post(&self, url: String, body: Vec<u8>) -> crate::handoff::HttpReply {
        use kazasu_core::anchors::TrustAnchors;
        use kazasu_core::crl::ScopedCrl;
        use kazasu_core::handoff::client::{Reply, Transcribed};
        use kazasu_core::handoff::rp::{verify_submission, RevocationSource, Trust};
        use kazasu_core::handoff::{Refusal, Submission};
        let mut rp = self.lock();
        rp.posts += 1;
        if let Some(id) = id_under(&self.origin, &url, "/login/", "/response") {
            return self.answer_login(&mut rp, &id, &body);
        }
        let id = request_id_of(&self.origin, &url, "/submit").unwrap_or_default();
        let Some(document) = rp.documents.get(&id).cloned() else {
            return rp_reply(404, &Reply::refused(Refusal::NotFound, "no such request"));
        };
        let Ok(anchors) = TrustAnchors::from_der(fixture::SIGN_CA_CERT) else {
            return rp_reply(500, &Reply::refused(Refusal::Internal, "the test CA is unreadable"));
        };
        let trust = Trust::only(anchors);
        let Ok(crl) = ScopedCrl::read(fixture::SIGN_CA_CRL) else {
            return rp_reply(500, &Reply::refused(Refusal::Internal, "the test CRL is unreadable"));
        };
        let verified = Submission::from_json(&body)
            .and_then(|s| verify_submission(&document, &s, &trust, RevocationSource::Crls(&[&crl]), self.now));
        match verified {
            Err(e) => rp_reply(e.refusal().http_status(), &Reply::refused(e.refusal(), e.to_string())),
            Ok(_) if !rp.used.insert(id.clone()) => {
                rp_reply(409, &Reply::refused(Refusal::Replayed, "this request was already signed"))
            }
            Ok(v) => {
                rp.accepted += 1;
                let p = v.personal;
                let transcribed = Transcribed {
                    date_of_birth: p.date_of_birth_iso().or(p.date_of_birth.clone()),
                    name: p.name,
                    address: p.address,
                };
                rp_reply(200, &Reply::accepted(&id, transcribed))
            }
        }
    }

    /// Creates a log-in challenge (issued now, valid `validity_secs`, fresh id, nonce and session) and returns
    /// its URL — what the log-in QR code carries inside `login_link`.
    pub fn create_login_challenge(&self, validity_secs: i64) -> Result<String, TestSetupError> {
        use kazasu_core::handoff::login::{session_binding, Challenge};
        let id = fresh_token();
        let session = fresh_token();
        let challenge = Challenge {
            origin: self.origin.clone(),
            relying_party: "伊勢市（テスト）".into(),
            challenge_id: id.clone(),
            nonce: fresh_token(),
            issued_at: self.now,
            created_from: "Windows · Chrome".into(),
            expires_at: self.now + validity_secs,
            session: session_binding(session.as_bytes()),
            submit_url: format!("{}/login/{id}/response", self.origin),
        };
        let bytes = challenge.render().map_err(TestSetupError::fixture)?;
        self.lock().challenges.insert(id.clone(), (bytes, session));
        Ok(format!("{}/login/{id}", self.origin))
    }

    /// The same-device log-in link for a challenge URL (`kazasu://login?r=…`).
    pub fn login_link(&self, challenge_url: String) -> Result<String, TestSetupError> {
        let url = kazasu_core::handoff::HttpsUrl::parse(&challenge_url).map_err(TestSetupError::bad_url)?;
        Ok(kazasu_core::handoff::login_deep_link(&url))
    }

    /// The account the browser session that asked for this challenge (`create_login_challenge`'s URL) is logged
    /// in to — the pseudonymous key derived from the auth certificate — or none (not logged in, or no such
    /// challenge).
    pub fn session_account(&self, challenge_url: String) -> Option<String> {
        let rp = self.lock();
        let id = id_under(&self.origin, &challenge_url, "/login/", "")?;
        let (_, session) = rp.challenges.get(&id)?;
        rp.sessions.get(session).cloned()
    }

    /// From now on log-ins are checked against the sign CA: every log-in is refused (bad certificate).
    pub fn distrust_auth_ca(&self) {
        self.lock().distrust_auth_ca = true;
    }

    /// How many GETs / POSTs it answered, and how many signatures (and log-ins) it accepted.
    pub fn gets(&self) -> u32 {
        self.lock().gets
    }

    pub fn posts(&self) -> u32 {
        self.lock().posts
    }

    pub fn accepted(&self) -> u32 {
        self.lock().accepted
    }
}

impl FakeRelyingParty {
    fn lock(&self) -> MutexGuard<'_, RpMemory> {
        self.rp.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A log-in answer for challenge `id`, verified for the session the challenge was issued to (the one this
    /// fake relying party then logs in), with the auth CA and its CRL, single use.
    fn answer_login(&self, rp: &mut RpMemory, id: &str, body: &[u8]) -> crate::handoff::HttpReply {
        use kazasu_core::anchors::TrustAnchors;
        use kazasu_core::crl::ScopedCrl;
        use kazasu_core::handoff::client::{Reply, Transcribed};
        use kazasu_core::handoff::rp::login::verify_login;
        use kazasu_core::handoff::rp::{RevocationSource, Trust};
        use kazasu_core::handoff::{LoginResponse, Refusal, SeenNonces};
        let Some((challenge, session)) = rp.challenges.get(id).cloned() else {
            return rp_reply(404, &Reply::refused(Refusal::NotFound, "no such log-in"));
        };
        let ca = if rp.distrust_auth_ca { fixture::SIGN_CA_CERT } else { fixture::AUTH_CA_CERT };
        let (Ok(anchors), Ok(crl)) = (TrustAnchors::from_der(ca), ScopedCrl::read(AUTH_CA_CRL)) else {
            return rp_reply(500, &Reply::refused(Refusal::Internal, "the test CA or CRL is unreadable"));
        };
        let used = rp.answered.get_or_insert_with(|| SeenNonces::new(1024));
        let verified = LoginResponse::from_json(body).map_err(|e| (e.refusal(), e.to_string())).and_then(|r| {
            verify_login(
                &challenge,
                &r,
                session.as_bytes(),
                &Trust::only(anchors),
                RevocationSource::Crls(&[&crl]),
                used,
                self.now,
            )
            .map_err(|e| (e.refusal(), e.to_string()))
        });
        match verified {
            Err((code, message)) => rp_reply(code.http_status(), &Reply::refused(code, message)),
            Ok(logged_in) => {
                rp.accepted += 1;
                rp.sessions.insert(session, logged_in.account.0);
                rp_reply(200, &Reply::accepted(id, Transcribed::default()))
            }
        }
    }
}

/// The test auth CA's CRL (lists nothing), as a relying party's revocation source for log-ins.
const AUTH_CA_CRL: &[u8] = include_bytes!("../../fixtures/test-pki/auth-ca.crl.der");

// ───────────────────────────────────── for the scenario table (tests/scenarios) ─────────────────────────────────────

/// The software card as a shell's `CardTransport`, so tests hand it to `SigningFlow.card_present` directly.
struct SoftwareLink(std::sync::Arc<SoftwareCard>);

impl crate::transport::CardTransport for SoftwareLink {
    fn transceive(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self.0.transceive(command)
    }
    fn supports_extended_length(&self) -> Result<bool, TransportError> {
        Ok(self.0.extended)
    }
    fn max_transceive_length(&self) -> Result<u32, TransportError> {
        Ok(0)
    }
}

#[uniffi::export]
impl SoftwareCard {
    /// This card as a `CardTransport` (what an NFC tag is in the app).
    pub fn link(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn crate::transport::CardTransport> {
        std::sync::Arc::new(SoftwareLink(self))
    }
}

/// How the fake relying party fails the next submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PostFault {
    /// The POST never arrives: no answer.
    NoAnswer,
    /// The relying party processes the POST, then the answer is lost on the way back.
    AnswerLost,
    /// The relying party answers 503 without processing it.
    Status503,
}

/// The fake relying party as the app's `HttpTransport`.
struct FakeHttp(std::sync::Arc<FakeRelyingParty>);

impl crate::handoff::HttpTransport for FakeHttp {
    fn get(&self, url: String, _max_body: u32) -> Result<crate::handoff::HttpReply, crate::handoff::HttpFailure> {
        Ok(self.0.answer_get(url))
    }
    fn post_json(
        &self,
        url: String,
        body: Vec<u8>,
        _max_body: u32,
    ) -> Result<crate::handoff::HttpReply, crate::handoff::HttpFailure> {
        let fault = self.0.lock().post_fault.take();
        let no_answer = || crate::handoff::HttpFailure::Network { reason: "test: no answer".into() };
        match fault {
            Some(PostFault::NoAnswer) => Err(no_answer()),
            Some(PostFault::Status503) => Ok(crate::handoff::HttpReply { status: 503, body: Vec::new() }),
            Some(PostFault::AnswerLost) => {
                let _ = self.0.answer_post(url, body);
                Err(no_answer())
            }
            None => Ok(self.0.answer_post(url, body)),
        }
    }
}

#[uniffi::export]
impl FakeRelyingParty {
    /// This relying party as the app's `HttpTransport` (answers in memory).
    pub fn http(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn crate::handoff::HttpTransport> {
        std::sync::Arc::new(FakeHttp(self))
    }

    /// The next submission fails as `fault` says.
    pub fn fail_next_post(&self, fault: PostFault) {
        self.lock().post_fault = Some(fault);
    }
}

/// A clock the test moves.
#[derive(uniffi::Object)]
pub struct TestClock {
    now: std::sync::atomic::AtomicI64,
}

#[uniffi::export]
impl TestClock {
    #[uniffi::constructor]
    pub fn new(now: i64) -> Self {
        TestClock { now: std::sync::atomic::AtomicI64::new(now) }
    }

    pub fn advance(&self, secs: i64) {
        self.now.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }

    /// This clock as the flow's `FlowClock`.
    pub fn clock(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn crate::flow::FlowClock> {
        self
    }
}

impl crate::flow::FlowClock for TestClock {
    fn now(&self) -> Result<i64, crate::flow::CallbackFailure> {
        Ok(self.now.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// A state as the scenario table names it: the variant, its notice's variant, the numbers it carries and its
/// way out (`way_out_of`, by variant name), whether it is the last try, and whether the card did its work
/// (`reader_done`, `login_reader_done`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct StateSummary {
    pub name: String,
    pub notice: Option<String>,
    pub known_tries: Option<u32>,
    pub last_try: Option<bool>,
    pub can_resend: Option<bool>,
    pub way_out: String,
    pub reader_done: Option<bool>,
}

/// Names a state the way `tests/scenarios/signing-flow.json` does.
#[uniffi::export]
pub fn describe_state(state: crate::flow::FlowState) -> StateSummary {
    use crate::flow::FlowState as S;
    let variant = |d: String| d.split([' ', '{', '(']).next().unwrap_or_default().to_string();
    let notice = |n: &Option<crate::flow::Notice>| n.as_ref().map(|n| variant(format!("{n:?}")));
    let (notice, known_tries, can_resend) = match &state {
        S::EnterPin { known_tries, notice: n, .. } => (notice(n), *known_tries, None),
        S::HoldCard { notice: n } => (notice(n), None, None),
        S::SubmitFailed { notice: n, can_resend } => (Some(variant(format!("{n:?}"))), None, Some(*can_resend)),
        S::Failed { notice: n } => (Some(variant(format!("{n:?}"))), None, None),
        _ => (None, None, None),
    };
    let last_try = match &state {
        S::EnterPin { last_try, .. } => Some(*last_try),
        _ => None,
    };
    let way_out = variant(format!("{:?}", crate::flow::way_out_of(state.clone())));
    let reader_done = Some(crate::flow::reader_done(state.clone()));
    StateSummary {
        name: variant(format!("{state:?}")),
        notice,
        known_tries,
        last_try,
        can_resend,
        way_out,
        reader_done,
    }
}

/// Names a log-in state the way `tests/scenarios/signing-flow.json` does (as `describe_state`).
#[uniffi::export]
pub fn describe_login_state(state: crate::login::LoginState) -> StateSummary {
    use crate::login::LoginState as S;
    let variant = |d: String| d.split([' ', '{', '(']).next().unwrap_or_default().to_string();
    let notice = |n: &Option<crate::flow::Notice>| n.as_ref().map(|n| variant(format!("{n:?}")));
    let (notice, known_tries, can_resend) = match &state {
        S::EnterPin { known_tries, notice: n, .. } => (notice(n), *known_tries, None),
        S::HoldCard { notice: n } => (notice(n), None, None),
        S::SubmitFailed { notice: n, can_resend } => (Some(variant(format!("{n:?}"))), None, Some(*can_resend)),
        S::Failed { notice: n } => (Some(variant(format!("{n:?}"))), None, None),
        _ => (None, None, None),
    };
    let last_try = match &state {
        S::EnterPin { last_try, .. } => Some(*last_try),
        _ => None,
    };
    let way_out = variant(format!("{:?}", crate::login::login_way_out_of(state.clone())));
    let name = variant(format!("{state:?}"));
    let reader_done = Some(crate::login::login_reader_done(state));
    StateSummary { name, notice, known_tries, last_try, can_resend, way_out, reader_done }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::flow::{FlowObserver, FlowState, SigningFlow};
    use crate::HashAlgorithm;

    struct Ignore;

    impl FlowObserver for Ignore {
        fn on_state(&self, _: FlowState) -> Result<(), crate::flow::CallbackFailure> {
            Ok(())
        }
    }

    #[test]
    fn the_test_verifier_accepts_the_signed_bytes_only() {
        let doc = "住民票の写しの交付請求".as_bytes().to_vec();
        let flow =
            SigningFlow::for_bytes("請求.txt".into(), doc.clone(), HashAlgorithm::Sha256, Arc::new(Ignore), None);
        flow.clone().start();
        flow.clone().accept();
        flow.clone().enter_pin(software_card_sign_pin().into_bytes());
        assert!(flow.clone().card_present(Arc::new(SoftwareCard::new()).link()));
        let FlowState::Signed { result: signed } = flow.state() else { panic!("{:?}", flow.state()) };
        let cert = signed.certificate.clone();
        assert!(verify_signature_for_tests(cert.clone(), HashAlgorithm::Sha256, doc.clone(), signed.signature.clone()));
        let mut other = doc.clone();
        other.push(b'.');
        assert!(!verify_signature_for_tests(cert.clone(), HashAlgorithm::Sha256, other, signed.signature.clone()));
        assert!(!verify_signature_for_tests(
            cert.clone(),
            HashAlgorithm::Sha384,
            doc.clone(),
            signed.signature.clone()
        ));
        let mut flipped = signed.signature;
        flipped[10] ^= 1;
        assert!(!verify_signature_for_tests(cert, HashAlgorithm::Sha256, doc.clone(), flipped));
        // Not a certificate: false, not a panic.
        assert!(!verify_signature_for_tests(vec![0x30, 0x03, 0x02], HashAlgorithm::Sha256, doc, vec![1, 2, 3]));
    }
}
