//! The whole JPKI sign flow (kazasu_core::flow::sign) through real libnfc, the pn532_uart driver and the
//! emulated PN532 on a pty, with kazasu-core's software card as the card. Signatures are checked with
//! kazasu_core::verify (OpenSSL) and, independently, with the `openssl` command-line tool.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kazasu_core::flow::{self, Signed};
use kazasu_core::softcard::{fixture, SoftCard};
use kazasu_core::verify::verify_signature;
use kazasu_core::{CardError, HashAlgorithm, JpkiSession, LastTry, PinKind, SignPin, TransportError};
use kazasu_nfc::{NfcTransport, DEFAULT_APDU_TIMEOUT};
use pn532_emu::{Config, Departure, Emulator, Field, Trigger};

const FORM: &[u8] = "申請書: 住民票の写し 1通 / Kazasu libnfc test".as_bytes();

/// INS of the commands the triggers below aim at.
const VERIFY: u8 = 0x20;
const READ_BINARY: u8 = 0xB0;
const COMPUTE_DIGITAL_SIGNATURE: u8 = 0x2A;

struct Rig {
    emu: Emulator,
    card: Arc<Mutex<SoftCard>>,
    field: Field,
}

impl Rig {
    fn new(config: Config) -> Rig {
        let card = Arc::new(Mutex::new(SoftCard::new()));
        let field = Field::new();
        let emu = Emulator::start(card.clone(), field.clone(), config).unwrap();
        Rig { emu, card, field }
    }

    fn open(&self) -> NfcTransport {
        NfcTransport::open(Some(&self.emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap()
    }

    fn pin_presentations(&self) -> usize {
        self.card.lock().unwrap().log().pin_presentations
    }

    fn sign_tries_left(&self) -> u8 {
        self.card.lock().unwrap().tries_left(true)
    }
}

/// What the person typed, this time.
fn typed(pin: &str) -> SignPin {
    SignPin::new(pin).unwrap()
}

fn sign(t: &mut NfcTransport, pin: &str) -> Result<Signed, CardError> {
    flow::sign(t, typed(pin), LastTry::NotConfirmed, HashAlgorithm::Sha256, FORM)
}

/// `openssl dgst -sha256 -verify` with the certificate's public key, as a party outside Rust would.
fn openssl_cli_verifies(certificate: &[u8], data: &[u8], signature: &[u8]) -> bool {
    let dir = std::env::temp_dir().join(format!(
        "kazasu-nfc-openssl-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key, msg, sig) = (dir.join("cert.der"), dir.join("key.pem"), dir.join("data"), dir.join("sig"));
    std::fs::write(&cert, certificate).unwrap();
    std::fs::write(&msg, data).unwrap();
    std::fs::write(&sig, signature).unwrap();
    let pubkey = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
        .arg(&cert)
        .output()
        .expect("the openssl command-line tool must be installed");
    assert!(pubkey.status.success(), "openssl x509: {}", String::from_utf8_lossy(&pubkey.stderr));
    std::fs::write(&key, &pubkey.stdout).unwrap();
    let verify = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&key)
        .arg("-signature")
        .arg(&sig)
        .arg(&msg)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    verify.status.success() && String::from_utf8_lossy(&verify.stdout).contains("Verified OK")
}

fn assert_good(signed: &Signed) {
    assert_eq!(signed.certificate, fixture::SIGN_CERT, "the sign certificate read through libnfc");
    assert_eq!(signed.signature.len(), 256);
    verify_signature(&signed.certificate, HashAlgorithm::Sha256, FORM, &signed.signature).unwrap();
    assert!(openssl_cli_verifies(&signed.certificate, FORM, &signed.signature));
}

#[test]
fn the_full_sign_flow_through_libnfc_gives_a_signature_openssl_verifies() {
    let rig = Rig::new(Config::default());
    let mut t = rig.open();
    let signed = sign(&mut t, fixture::SIGN_PIN).unwrap();
    assert_good(&signed);
    // Tampered data does not verify: the check above can fail.
    assert!(!openssl_cli_verifies(&signed.certificate, b"something else", &signed.signature));
    assert_eq!(rig.pin_presentations(), 1);
    let stats = rig.emu.stats();
    assert_eq!(stats.syntax_errors + stats.frames_corrupt, 0, "{stats:?}");
    assert!(stats.extended_frames > 0, "256-byte answers travel in extended frames");
}

#[test]
fn the_flow_also_works_when_the_chip_chains_every_answer_with_the_mi_bit() {
    let rig = Rig::new(Config { max_chunk: 60, ..Config::default() });
    let mut t = rig.open();
    assert_good(&sign(&mut t, fixture::SIGN_PIN).unwrap());
    assert!(rig.emu.stats().mi_chunks > 10);
}

#[test]
fn a_wrong_pin_through_libnfc_is_wrong_pin_with_the_tries_left() {
    let rig = Rig::new(Config::default());
    let mut t = rig.open();
    match sign(&mut t, "WRONG1") {
        Err(CardError::WrongPin { remaining: 4 }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(rig.pin_presentations(), 1);
    assert_good(&sign(&mut t, fixture::SIGN_PIN).unwrap());
}

#[test]
fn a_card_leaving_before_verify_reaches_it_is_outcome_unknown_and_spends_no_try() {
    let rig = Rig::new(Config::default());
    let mut t = rig.open();
    rig.field.leave_at(Trigger::Ins { ins: VERIFY, with_data: true, nth: 0 }, Departure::BeforeCommand);
    match sign(&mut t, fixture::SIGN_PIN) {
        Err(CardError::VerifyOutcomeUnknown(TransportError::CardLost)) => {}
        other => panic!("expected VerifyOutcomeUnknown(CardLost), got {other:?}"),
    }
    assert_eq!(rig.pin_presentations(), 0, "the PIN never reached the card, and was not sent again");
    assert_eq!(rig.sign_tries_left(), 5);
    // The session is over: nothing more goes out until the card is back.
    assert!(matches!(sign(&mut t, fixture::SIGN_PIN), Err(CardError::Transport(TransportError::CardLost))));
    assert_eq!(rig.pin_presentations(), 0);

    rig.field.insert_card();
    t.reconnect(Duration::from_secs(2)).unwrap();
    // The next attempt reads the counter first: nothing was spent.
    assert_eq!(JpkiSession::open(&mut t).unwrap().remaining_tries(PinKind::Sign).unwrap(), 5);
    assert_good(&sign(&mut t, fixture::SIGN_PIN).unwrap());
    assert_eq!(rig.pin_presentations(), 1);
}

#[test]
fn a_card_leaving_after_checking_a_wrong_pin_costs_exactly_that_one_try() {
    let rig = Rig::new(Config::default());
    let mut t = rig.open();
    rig.field.leave_at(Trigger::Ins { ins: VERIFY, with_data: true, nth: 0 }, Departure::AfterCommand);
    match sign(&mut t, "WRONG1") {
        Err(CardError::VerifyOutcomeUnknown(TransportError::CardLost)) => {}
        other => panic!("expected VerifyOutcomeUnknown(CardLost), got {other:?}"),
    }
    assert_eq!(rig.pin_presentations(), 1, "presented once, never retried");
    assert_eq!(rig.sign_tries_left(), 4);

    rig.field.insert_card();
    t.reconnect(Duration::from_secs(2)).unwrap();
    assert_eq!(JpkiSession::open(&mut t).unwrap().remaining_tries(PinKind::Sign).unwrap(), 4);
    assert_good(&sign(&mut t, fixture::SIGN_PIN).unwrap());
    assert_eq!(rig.pin_presentations(), 2);
}

#[test]
fn a_card_leaving_during_the_certificate_read_is_card_lost_and_a_later_attempt_succeeds() {
    let rig = Rig::new(Config::default());
    let mut t = rig.open();
    rig.field.leave_at(Trigger::Ins { ins: READ_BINARY, with_data: false, nth: 2 }, Departure::BeforeCommand);
    match sign(&mut t, fixture::SIGN_PIN) {
        Err(CardError::Transport(TransportError::CardLost)) => {}
        other => panic!("expected Transport(CardLost), got {other:?}"),
    }
    assert_eq!(rig.pin_presentations(), 1);
    assert_eq!(rig.sign_tries_left(), 5, "the PIN was right");
    rig.field.insert_card();
    t.reconnect(Duration::from_secs(2)).unwrap();
    assert_good(&sign(&mut t, fixture::SIGN_PIN).unwrap());
    assert_eq!(rig.pin_presentations(), 2, "one presentation per attempt the person made");
    assert_eq!(rig.field.departures(), 1);
}

#[test]
fn a_card_leaving_while_signing_is_card_lost_and_the_card_forgets_the_pin() {
    let rig = Rig::new(Config::default());
    let mut t = rig.open();
    rig.field
        .leave_at(Trigger::Ins { ins: COMPUTE_DIGITAL_SIGNATURE, with_data: true, nth: 0 }, Departure::AfterCommand);
    match sign(&mut t, fixture::SIGN_PIN) {
        Err(CardError::Transport(TransportError::CardLost)) => {}
        other => panic!("expected Transport(CardLost), got {other:?}"),
    }
    rig.field.insert_card();
    t.reconnect(Duration::from_secs(2)).unwrap();
    // Powered off in between: signing without a new VERIFY is refused by the card.
    {
        let mut session = JpkiSession::open(&mut t).unwrap();
        assert!(matches!(session.sign(HashAlgorithm::Sha256, FORM), Err(CardError::SecurityStatusNotSatisfied { .. })));
    }
    assert_good(&sign(&mut t, fixture::SIGN_PIN).unwrap());
}
