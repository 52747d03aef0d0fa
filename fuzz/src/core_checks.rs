//! What the fuzz targets over kazasu-core check, one function per target. The same file is compiled into
//! `core/tests/fuzz_regressions.rs`, which replays every committed input in `fuzz/regressions/` under plain
//! `cargo test`. A check panics only when a promise is broken: a panic in the code under test, or an
//! assertion below (round trips, "never a second VERIFY", "a lost VERIFY is outcome unknown", …).

use std::sync::Arc;

use kazasu_core::apdu::{CommandName, Response};
use kazasu_core::cert::{Certificate, PersonalData};
use kazasu_core::flow::{CardOutcome, Flow, State};
use kazasu_core::handoff::percent_decode;
use kazasu_core::handoff::{
    app_link, deep_link, parse_link, parse_link_bytes, Document, HttpsUrl, SignRequest, Submission,
};
use kazasu_core::sw::StatusWord;
use kazasu_core::{atr, der, AuthPin, CardError, HashAlgorithm, LastTry, LinkCapabilities, PinKind, SignPin};
use kazasu_core::{der_total_length, CertificateKind, JpkiSession};
use kazasu_core::{Transport, TransportError};
use kazasu_softcard::SoftCard;

/// The instant the request target checks expiry at (2026-12-04T12:34:56Z); its seeds are valid then.
pub const REQUEST_NOW: i64 = 1_796_387_696;
/// The URL the request target's body was "fetched from".
pub const REQUEST_URL: &str = "https://city.example.jp/r/req_0123456789";

/// The canonical document: whatever parses renders back to the very same bytes (one spelling per document).
pub fn document(data: &[u8]) {
    let Ok(doc) = Document::parse(data) else { return };
    let rendered = doc.render().expect("a document that parsed must render");
    assert_eq!(rendered, data, "parse accepted bytes that are not the canonical rendering");
    let _ = doc.check_time(REQUEST_NOW);
}

/// The request JSON the app fetches: when accepted, the bytes to sign are exactly the document shown.
pub fn request_json(data: &[u8]) {
    let url = HttpsUrl::parse(REQUEST_URL).expect("fixed URL");
    let Ok(req) = SignRequest::from_json(&url, data, REQUEST_NOW) else { return };
    let shown = Document::parse(req.bytes_to_sign()).expect("the signed bytes are a canonical document");
    assert_eq!(&shown, req.document(), "what is signed is not what is shown");
    assert_eq!(req.origin(), url.origin(), "a request from another origin was accepted");
    assert_eq!(req.document().origin, url.origin());
    req.check_time(REQUEST_NOW).expect("accepted at REQUEST_NOW, so current at REQUEST_NOW");
    let submit = req.submit_url().expect("a valid request has a valid submit URL");
    assert_eq!(submit.origin(), url.origin(), "the signature would go to another origin");
}

/// The submission JSON a relying party receives: what parses re-encodes and parses to the same value.
pub fn submission_json(data: &[u8]) {
    let Ok(sub) = Submission::from_json(data) else { return };
    let again = Submission::from_json(&sub.to_json()).expect("a re-encoded submission parses");
    assert_eq!(again, sub);
    assert!(!sub.signature.is_empty() && !sub.certificate_chain.is_empty());
}

/// QR payloads, app links and deep links: an accepted link names one https URL (never an app link itself),
/// which survives the deep-link and app-link round trips.
pub fn link(data: &[u8]) {
    if let Ok(url) = parse_link_bytes(data) {
        let text = url.to_string();
        let again = HttpsUrl::parse(&text).expect("a parsed URL's own spelling parses");
        assert_eq!(again.to_string(), text, "URL normal form is not stable");
        assert_eq!(again.origin(), url.origin());
        let via_link = parse_link(&deep_link(&url)).expect("our own deep link parses");
        assert_eq!(via_link.to_string(), text, "the deep link carries another URL");
        let via_app_link = parse_link(&app_link(&url)).expect("our own app link parses");
        assert_eq!(via_app_link.to_string(), text, "the app link carries another URL");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = HttpsUrl::parse(text);
        let _ = percent_decode(text);
    }
}

/// Certificates (anything starting with a SEQUENCE tag) with their JPKI personal data; other inputs are read
/// as the personal-data fields themselves (six strings split at 0xFF), as a certificate's otherNames carry them.
pub fn certificate(data: &[u8]) {
    if data.first() == Some(&0x30) {
        let Ok(cert) = Certificate::from_der(data) else { return };
        assert_eq!(cert.der(), data);
        let _ = cert.to_pem();
        let _ = cert.is_sign_certificate();
        let _ = (cert.issuer_der(), cert.serial_bytes(), &cert.subject, &cert.issuer);
        // What parsed once parses again for the profile extensions (CPS, distribution points, OCSP, AKI).
        let profile = cert.profile().expect("a parsed certificate's profile reads");
        let _ = profile.crl_distribution_point_directories().count();
        if let Some(p) = &cert.personal {
            personal_data(p);
        }
        return;
    }
    let mut parts = data.split(|&b| b == 0xFF).map(|p| Some(String::from_utf8_lossy(p).into_owned()));
    let p = PersonalData {
        name: parts.next().flatten(),
        name_substitute: parts.next().flatten(),
        gender: parts.next().flatten(),
        date_of_birth: parts.next().flatten(),
        address: parts.next().flatten(),
        address_substitute: parts.next().flatten(),
    };
    personal_data(&p);
}

fn personal_data(p: &PersonalData) {
    let _ = p.gender_code();
    let _ = (p.date_of_birth_era(), p.name_substitute_used(), p.address_substitute_used());
    if let Some(iso) = p.date_of_birth_iso() {
        let b = iso.as_bytes();
        assert!(b.len() == 10 && b[4] == b'-' && b[7] == b'-', "not YYYY-MM-DD: {iso:?}");
        assert!(iso.bytes().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit()), "{iso:?}");
    }
}

/// Response APDUs and the small card-data parsers next to them.
pub fn rapdu(data: &[u8]) {
    match Response::parse(data.to_vec()) {
        Ok(r) => {
            assert_eq!(r.to_bytes(), data, "a response does not re-encode to its bytes");
            let sw = StatusWord::from_bytes(data[data.len() - 2], data[data.len() - 1]);
            assert_eq!(r.sw, sw);
            assert_eq!(u16::from(sw), u16::from_be_bytes([data[data.len() - 2], data[data.len() - 1]]));
            for c in COMMANDS {
                if !sw.is_success() {
                    let e = CardError::from_status(c, sw);
                    // Only VERIFY can say "wrong PIN"; only blocked status words say "blocked".
                    if matches!(e, CardError::WrongPin { .. }) {
                        assert_eq!(c, CommandName::Verify);
                    }
                    if matches!(e, CardError::Blocked) {
                        assert!(sw.is_blocked());
                    }
                    let _ = e.to_string();
                }
            }
            let _ = format!("{r:?} {sw}");
        }
        Err(_) => assert!(data.len() < 2),
    }
    let _ = kazasu_core::TokenKind::parse(data);
    if let Some(total) = der_total_length(data) {
        assert!(total >= 2);
    }
    let _ = atr::supports_extended_length(data);
    let _ = atr::historical_bytes(data);
    if let Some((_, value, rest)) = der::read_tlv(data) {
        assert!(value.len() + rest.len() < data.len());
    }
}

const COMMANDS: [CommandName; 7] = [
    CommandName::SelectAp,
    CommandName::SelectEf,
    CommandName::RetryCounter,
    CommandName::Verify,
    CommandName::ReadBinary,
    CommandName::GetResponse,
    CommandName::ComputeDigitalSignature,
];

/// The software card takes APDUs from any PC/SC program (through vpcd): a stream of commands, each one
/// length-prefixed, must never panic it and every answer carries a status word.
pub fn softcard_apdu(data: &[u8]) {
    let mut card = SoftCard::new();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let len = (len as usize).min(tail.len());
        let (apdu, tail) = tail.split_at(len);
        let out = card.process(apdu);
        assert!(out.len() >= 2, "an answer without a status word");
        if apdu.len() == 1 && apdu[0] == 0xFF {
            card.power_cycle();
        }
        rest = tail;
    }
}

// ------------------------------------------------------------------------------------------------------------
// The session driven by a hostile transport

/// The auth PIN the session target types (sign PINs: [`typed_pin`]); no PIN may appear in an error.
const AUTH_PIN: &str = "4711";

/// What the hostile card did with one command.
#[derive(Debug, Clone)]
enum Answer {
    Lost(TransportError),
    Bytes(Vec<u8>),
}

#[derive(Debug)]
struct Exchange {
    command: Vec<u8>,
    answer: Answer,
}

impl Exchange {
    fn ins(&self) -> u8 {
        self.command.get(1).copied().unwrap_or(0)
    }
    fn is_verify_with_pin(&self) -> bool {
        self.ins() == 0x20 && self.command.len() > 4
    }
    fn is_counter_read(&self) -> bool {
        self.ins() == 0x20 && self.command.len() == 4
    }
    /// The answer broke the link: an error or fewer than two bytes.
    fn link_failed(&self) -> bool {
        match &self.answer {
            Answer::Lost(_) => true,
            Answer::Bytes(b) => b.len() < 2,
        }
    }
    fn status(&self) -> Option<StatusWord> {
        match &self.answer {
            Answer::Bytes(b) if b.len() >= 2 => Some(StatusWord::from_bytes(b[b.len() - 2], b[b.len() - 1])),
            _ => None,
        }
    }
}

/// Interesting status words, picked by index so the fuzzer reaches every branch quickly.
const STATUS: [u16; 16] = [
    0x9000, 0x63C5, 0x63C1, 0x63C0, 0x6100, 0x6110, 0x6C00, 0x6C20, 0x6282, 0x6B00, 0x6983, 0x6984, 0x6A82, 0x6700,
    0x6982, 0x6300,
];

/// A card that answers from a script: per command one control byte, then (by its low two bits) a lost link,
/// a 0–1 byte answer, data with a status word from [`STATUS`], or data with two raw status bytes. An empty
/// script is a card that left.
struct Hostile<'a> {
    script: &'a [u8],
    caps: LinkCapabilities,
    log: Vec<Exchange>,
}

impl Hostile<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.script.split_first()?;
        self.script = rest;
        Some(b)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.script.len());
        let (head, rest) = self.script.split_at(n);
        self.script = rest;
        head.to_vec()
    }
    fn answer(&mut self) -> Answer {
        let Some(ctl) = self.byte() else { return Answer::Lost(TransportError::CardLost) };
        match ctl & 3 {
            0 => Answer::Lost(match ctl >> 2 & 3 {
                0 => TransportError::CardLost,
                1 => TransportError::Timeout,
                2 => TransportError::NoCard,
                _ => TransportError::Reader("reader failed".into()),
            }),
            1 => Answer::Bytes(self.bytes((ctl >> 2 & 1) as usize)),
            2 => {
                let len = self.byte().unwrap_or(0) as usize;
                let mut out = self.bytes(len);
                out.extend_from_slice(&STATUS[(ctl >> 2) as usize & 15].to_be_bytes());
                Answer::Bytes(out)
            }
            _ => {
                let hi = self.byte().unwrap_or(0) as usize;
                let lo = self.byte().unwrap_or(0) as usize;
                let mut out = self.bytes((hi << 8 | lo) & 0x0FFF);
                let sw = self.bytes(2);
                out.extend_from_slice(&sw);
                out.resize(out.len().max(2), 0x90);
                Answer::Bytes(out)
            }
        }
    }
}

impl Transport for Hostile<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.answer();
        self.log.push(Exchange { command: command.to_vec(), answer: answer.clone() });
        match answer {
            Answer::Lost(e) => Err(e),
            Answer::Bytes(b) => Ok(b),
        }
    }
    fn capabilities(&self) -> LinkCapabilities {
        self.caps
    }
}

/// The PIN rules, whatever the card answers: the counter is read right before every VERIFY; each typed PIN is
/// presented at most once; with one try left only after confirmation; never when blocked; a lost VERIFY is
/// "outcome unknown" and ends the session; errors are typed and never carry the PIN; nothing panics.
///
/// The first byte picks the link and the scenario: the signing [`Flow`] driven by a script of the person's
/// actions and card taps (the same script answers the card), a session asked for one PIN twice, the auth PIN
/// asked for twice in one session, or the log-in kind of the flow (the 4-digit auth PIN, 3 tries) under the
/// same script.
pub fn session(data: &[u8]) {
    let Some((&mode, script)) = data.split_first() else { return };
    let caps = match mode & 3 {
        0 => LinkCapabilities::SHORT,
        1 => LinkCapabilities::extended(65536),
        2 => LinkCapabilities::extended(1000),
        _ => LinkCapabilities { extended_length: true, max_response: 300 },
    };
    let last_try = if mode & 4 != 0 { LastTry::Confirmed } else { LastTry::NotConfirmed };
    let mut card = Hostile { script, caps, log: Vec::new() };
    match mode >> 3 & 3 {
        0 => flow_under_attack(&mut card, false),
        3 => flow_under_attack(&mut card, true),
        1 => {
            let mut results = Vec::new();
            // A PIN handed over once, asked for twice: presented at most once.
            let mut pin = Some(SignPin::new(&typed_pin(0)).expect("valid test PIN"));
            if let Ok(mut s) = JpkiSession::open(&mut card) {
                results.push(s.token_kind().map(drop));
                results.push(s.remaining_tries(PinKind::Auth).map(drop));
                results.push(s.read_certificate(CertificateKind::SignCa).map(drop));
                results.push(s.verify_sign_pin_with(last_try, || pin.take()));
                results.push(s.verify_sign_pin_with(last_try, || pin.take()));
                results.push(s.read_sign_certificate().map(|der| drop(Certificate::from_der(&der))));
                results.push(s.sign_hash(HashAlgorithm::Sha256, &[7; 32]).map(drop));
            }
            let errors: Vec<&CardError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
            check_log(&card.log, &|_| last_try == LastTry::Confirmed, &errors);
        }
        _ => {
            let mut results = Vec::new();
            // An auth PIN handed over once, asked for twice: presented at most once.
            let mut pin = Some(AuthPin::new(AUTH_PIN).expect("valid test PIN"));
            if let Ok(mut s) = JpkiSession::open(&mut card) {
                results.push(s.read_certificate(CertificateKind::Auth).map(drop));
                results.push(s.verify_auth_pin_with(last_try, || pin.take()));
                results.push(s.verify_auth_pin_with(last_try, || pin.take()));
                results.push(s.read_auth_certificate().map(|der| drop(Certificate::from_der(&der))));
                results.push(s.authenticate(HashAlgorithm::Sha384, b"challenge").map(drop));
            }
            let errors: Vec<&CardError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
            check_log(&card.log, &|_| last_try == LastTry::Confirmed, &errors);
        }
    }
}

/// The n-th PIN the person types in a scenario (all different, so each one's VERIFYs can be counted).
fn typed_pin(n: usize) -> String {
    format!("QZ7XW{n:X}")
}

/// The n-th auth PIN the person types in a log-in (4 digits, all different within a script's 24 actions).
fn typed_auth_pin(n: usize) -> String {
    format!("47{:02}", n % 100)
}

/// A log-in challenge as the app holds it after fetching, valid at `now`.
fn login_challenge(now: i64) -> kazasu_core::handoff::LoginChallenge {
    use kazasu_core::handoff::login::{challenge_json, session_binding, Challenge, LoginChallenge};
    let bytes = Challenge {
        origin: "https://city.example.jp".into(),
        relying_party: "伊勢市".into(),
        challenge_id: "login_0123456789".into(),
        nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
        issued_at: now - 10,
        created_from: "Windows · Chrome".into(),
        expires_at: now + 290,
        session: session_binding(b"session"),
        submit_url: "https://city.example.jp/login/login_0123456789/response".into(),
    }
    .render()
    .expect("a valid challenge");
    let url = HttpsUrl::parse("https://city.example.jp/login/login_0123456789").expect("a valid URL");
    LoginChallenge::from_json(&url, &challenge_json(&bytes).expect("a valid challenge"), now).expect("valid now")
}

/// Drives the signing flow for bytes (or, with `login`, the log-in flow: the auth PIN) with the script's actions;
/// every card tap runs on the hostile card.
fn flow_under_attack(card: &mut Hostile, login: bool) {
    const NOW: i64 = 1_796_083_200;
    let mut flow = if login {
        Flow::for_login(login_challenge(NOW))
    } else {
        Flow::for_bytes("申請書.txt", Arc::from(&b"document shown"[..]), HashAlgorithm::Sha256)
    };
    let typed = |n: usize| if login { typed_auth_pin(n) } else { typed_pin(n) };
    // Per typed PIN: whether the person confirmed the last try while the flow held it.
    let mut confirmed: Vec<bool> = Vec::new();
    let mut held: Option<usize> = None;
    for _ in 0..24 {
        let Some(action) = card.byte() else { break };
        match action % 8 {
            0 | 1 => flow.accept(NOW),
            2 => {
                let n = confirmed.len();
                confirmed.push(false);
                let taken = matches!(flow.state(), State::EnterPin { .. });
                flow.enter_typed_pin(kazasu_core::PinBytes::new(typed(n).into_bytes()));
                if taken {
                    held = Some(n);
                }
            }
            3 => flow.enter_typed_pin(kazasu_core::PinBytes::new(b"SHORT".to_vec())),
            4 => {
                if flow.state() == &State::ConfirmLastTry {
                    if let Some(n) = held {
                        confirmed[n] = true;
                    }
                }
                flow.confirm_last_try();
            }
            5 => flow.decline_last_try(),
            6 => flow.cancel(),
            _ => {
                let before = card.log.len();
                let Some(job) = flow.begin_tap(NOW) else {
                    assert_eq!(card.log.len(), before, "the card was used although the flow did not want it");
                    continue;
                };
                let (outcome, _) = job.run_on(&mut *card, &mut |_| {});
                let tap = &card.log[before..];
                let presented = tap.iter().position(Exchange::is_verify_with_pin);
                let mut errors = Vec::new();
                if let CardOutcome::Failed { error, unpresented_pin } = &outcome {
                    assert!(
                        !(presented.is_some() && unpresented_pin.is_some()),
                        "a presented PIN came back as unpresented"
                    );
                    errors.push(error);
                }
                if let (true, Some(v)) = (login, presented) {
                    // The counter read and VERIFY of a log-in are the auth PIN's (EF 0018), never the sign PIN's.
                    let select = tap[..v].iter().rev().find(|e| e.ins() == 0xA4).expect("an EF was selected");
                    assert_eq!(select.command.get(5..7), Some(&[0x00, 0x18][..]), "a log-in presented to another PIN");
                }
                let on_wire = presented.map(|v| &tap[v].command[5..]);
                let n = on_wire.map(|pin| (0..confirmed.len()).find(|&n| typed(n).as_bytes() == pin));
                assert!(n.is_none_or(|n| n.is_some()), "the PIN on the wire was never typed");
                let pin_confirmed = n.flatten().is_some_and(|n| confirmed[n]);
                check_log(tap, &|_| pin_confirmed, &errors);
                flow.finish_tap(outcome);
            }
        }
        let _ = (flow.pending(), flow.holds_pin(), flow.known_tries(), format!("{:?}", flow.state()));
        // A log-in never asks for the signature password, nor a signing for the auth PIN.
        assert_eq!(flow.pin_kind(), if login { PinKind::Auth } else { PinKind::Sign });
    }
    // Each typed PIN reached the card at most once, over all taps.
    for n in 0..confirmed.len() {
        let pin = typed(n);
        let times = card.log.iter().filter(|e| e.is_verify_with_pin() && e.command[5..] == *pin.as_bytes()).count();
        assert!(times <= 1, "PIN #{n} was presented {times} times");
    }
}

/// One session's exchanges: at most one VERIFY, right after a counter read that allowed it (one try left only
/// when `last_try_ok`); nothing after a lost link; a VERIFY without an answer is "outcome unknown" among
/// `errors`; no error carries a PIN.
fn check_log(log: &[Exchange], last_try_ok: &dyn Fn(u8) -> bool, errors: &[&CardError]) {
    let verifies: Vec<usize> = (0..log.len()).filter(|&i| log[i].is_verify_with_pin()).collect();
    assert!(verifies.len() <= 1, "the PIN was presented {} times in one session", verifies.len());
    if let Some(&v) = verifies.first() {
        // The counter was read right before (GET RESPONSE rounds of that read aside) and allowed it.
        let before = (0..v).rev().find(|&i| log[i].ins() != 0xC0).expect("something came before VERIFY");
        assert!(log[before].is_counter_read(), "VERIFY not preceded by a counter read: {:?}", log[before]);
        match log[v - 1].status() {
            Some(StatusWord::RemainingTries(n)) if n >= 2 => {}
            Some(StatusWord::RemainingTries(1)) => {
                assert!(last_try_ok(1), "the last try was used without confirmation")
            }
            other => panic!("VERIFY sent after the counter said {other:?}"),
        }
        // A lost link during VERIFY (or during the GET RESPONSE that completes its answer): the session sends
        // nothing more, and the caller hears "outcome unknown".
        let end = (v + 1..log.len()).find(|&i| log[i].ins() != 0xC0).unwrap_or(log.len());
        if let Some(lost) = (v..end).find(|&i| log[i].link_failed()) {
            assert_eq!(lost + 1, log.len(), "commands were sent after the link was lost during VERIFY");
            let unknown = errors.iter().any(|e| matches!(e, CardError::VerifyOutcomeUnknown(_)));
            assert!(unknown, "a VERIFY without an answer was not reported as outcome unknown: {errors:?}");
        }
    }
    // After any lost link the session is closed: nothing more goes out.
    if let Some(lost) = log.iter().position(Exchange::link_failed) {
        assert_eq!(lost + 1, log.len(), "commands were sent after the link was lost");
    }
    // No error carries a PIN: as text (the sign PINs are letters and digits no status word spells), or as the
    // bytes a Debug of raw APDU data would show. (The 4-digit auth PIN as text cannot be told from a number.)
    let auth_bytes = format!("{:?}", AUTH_PIN.as_bytes());
    let auth_bytes = auth_bytes.trim_matches(['[', ']']);
    for e in errors {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("QZ7XW") && !shown.contains(auth_bytes), "an error carries the PIN: {shown}");
    }
}
