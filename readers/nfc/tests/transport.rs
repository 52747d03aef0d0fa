//! NfcTransport through real libnfc (pn532_uart driver) against the emulated PN532 on a pty, with a
//! small scripted card. The JPKI flow against the software card is in `sign_flow.rs`.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kazasu_core::{Transport, TransportError};
use kazasu_nfc::{CardKind, NfcError, NfcTransport, DEFAULT_APDU_TIMEOUT};
use pn532_emu::{Card, Config, Departure, Emulator, Field};

/// READ BINARY answers `Le` bytes of a counting pattern; anything else echoes its length in one byte.
struct ScriptedCard {
    power_cycles: Arc<AtomicU32>,
}

impl Card for ScriptedCard {
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        match apdu {
            [0x00, 0xB0, _, _, le] => {
                let n = if *le == 0 { 256 } else { usize::from(*le) };
                let mut r: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
                r.extend_from_slice(&[0x90, 0x00]);
                r
            }
            _ => vec![apdu.len() as u8, 0x90, 0x00],
        }
    }
    fn power_cycle(&mut self) {
        self.power_cycles.fetch_add(1, Ordering::SeqCst);
    }
}

fn emulator(field: Field, config: Config) -> (Emulator, Arc<AtomicU32>) {
    let cycles = Arc::new(AtomicU32::new(0));
    let emu = Emulator::start(ScriptedCard { power_cycles: cycles.clone() }, field, config).unwrap();
    (emu, cycles)
}

#[test]
fn opening_by_connstring_activates_the_type_b_card() {
    let (emu, _) = emulator(Field::new(), Config::default());
    let t = NfcTransport::open(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
    assert_eq!(t.card(), Some(&CardKind::TypeB { pupi: [0x4B, 0x5A, 0x53, 0x55] }));
    assert!(t.name().starts_with("pn532_uart:"), "{}", t.name());
    assert_eq!(emu.stats().syntax_errors, 0, "{:?}", emu.stats());
}

#[test]
fn apdus_round_trip_including_a_256_byte_answer() {
    let (emu, _) = emulator(Field::new(), Config::default());
    let mut t = NfcTransport::open(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
    assert_eq!(t.transmit(&[0x00, 0xA4, 0x04, 0x0C, 0x02, 0x3F, 0x00]).unwrap(), vec![7, 0x90, 0x00]);
    let r = t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]).unwrap();
    assert_eq!(r.len(), 258);
    assert!(r[..256].iter().enumerate().all(|(i, b)| *b == (i * 7) as u8));
    assert_eq!(&r[256..], &[0x90, 0x00]);
    // The 259-byte InDataExchange answer needed an extended frame.
    assert!(emu.stats().extended_frames >= 1);
    // A 255-byte command goes out in an extended frame too (2 + 255 > 254 frame data bytes).
    let mut long = vec![0x00, 0xD6, 0x00, 0x00, 250];
    long.extend([0xAB; 250]);
    assert_eq!(t.transmit(&long).unwrap(), vec![255, 0x90, 0x00]);
}

#[test]
fn answers_chained_by_the_chip_with_the_mi_bit_are_joined_by_libnfc() {
    let (emu, _) = emulator(Field::new(), Config { max_chunk: 64, ..Config::default() });
    let mut t = NfcTransport::open(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
    let r = t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]).unwrap();
    assert_eq!(r.len(), 258);
    assert!(r[..256].iter().enumerate().all(|(i, b)| *b == (i * 7) as u8));
    assert_eq!(emu.stats().mi_chunks, 4);
}

#[test]
fn a_card_leaving_the_field_is_card_lost_until_reconnected() {
    let field = Field::new();
    let (emu, cycles) = emulator(field.clone(), Config::default());
    let mut t = NfcTransport::open(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
    field.leave_after(1, Departure::BeforeCommand);
    assert!(t.transmit(&[0x00, 0x01]).is_ok());
    assert_eq!(t.transmit(&[0x00, 0x02]), Err(TransportError::CardLost));
    assert_eq!(t.card(), None);
    // Lost stays lost: nothing more is sent to the reader.
    let apdus = emu.stats().apdus;
    assert_eq!(t.transmit(&[0x00, 0x03]), Err(TransportError::CardLost));
    assert_eq!(emu.stats().apdus, apdus);
    // Not back yet: reconnecting finds nothing.
    assert!(matches!(t.reconnect(Duration::from_millis(250)), Err(NfcError::NoCard)));
    assert_eq!(t.transmit(&[0x00, 0x03]), Err(TransportError::NoCard));
    field.insert_card();
    assert!(matches!(t.reconnect(Duration::from_secs(2)), Ok(CardKind::TypeB { .. })));
    assert_eq!(cycles.load(Ordering::SeqCst), 1, "the card came back powered up afresh");
    assert_eq!(t.transmit(&[0x00, 0x04, 0x00]).unwrap(), vec![3, 0x90, 0x00]);
    let log = field.apdu_log();
    assert_eq!(log.iter().map(|r| r.ins).collect::<Vec<_>>(), vec![0x01, 0x02, 0x04]);
    assert_eq!(log[1].sw, None, "INS 02 was lost with the card");
}

#[test]
fn no_card_on_the_reader_is_no_card() {
    let field = Field::new();
    field.remove_card();
    let (emu, _) = emulator(field, Config::default());
    let mut t = NfcTransport::open(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
    assert_eq!(t.card(), None);
    assert_eq!(t.transmit(&[0x00, 0xA4, 0x00, 0x00]), Err(TransportError::NoCard));
    assert!(matches!(t.wait_for_card(Duration::from_millis(250)), Err(NfcError::NoCard)));
    let mut t = NfcTransport::open_reader(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
    assert_eq!(t.transmit(&[0x00, 0xA4, 0x00, 0x00]), Err(TransportError::NoCard));
}

#[test]
fn a_missing_reader_is_no_reader() {
    let e = NfcTransport::open(Some("pn532_uart:/dev/kazasu-no-such-port"), DEFAULT_APDU_TIMEOUT).unwrap_err();
    assert!(matches!(e, NfcError::NoReader(_)), "{e:?}");
}

#[test]
fn a_slow_card_operation_within_the_timeout_succeeds_and_beyond_it_is_timeout() {
    let field = Field::new();
    field.set_sign_delay(Duration::from_millis(1500));
    let (emu, _) = emulator(field, Config::default());
    let mut t = NfcTransport::open(Some(&emu.connstring()), Duration::from_secs(3)).unwrap();
    // INS 2A is what the emulated card takes its time over.
    assert_eq!(t.transmit(&[0x80, 0x2A, 0x00, 0x80, 0x01, 0x00]).unwrap(), vec![6, 0x90, 0x00]);
    t.set_timeout(Duration::from_millis(500));
    assert_eq!(t.transmit(&[0x80, 0x2A, 0x00, 0x80, 0x01, 0x00]), Err(TransportError::Timeout));
}

#[test]
fn open_then_wait_for_card_is_how_the_cli_waits_for_a_tap() {
    let field = Field::new();
    field.remove_card();
    let (emu, _) = emulator(field.clone(), Config::default());
    let mut t = NfcTransport::open(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
    assert_eq!(t.card(), None);
    let tap = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        field.insert_card();
    });
    assert!(matches!(t.wait_for_card(Duration::from_secs(5)), Ok(CardKind::TypeB { .. })));
    tap.join().unwrap();
    // With a card active, waiting again returns at once, without polling (no re-activation).
    let listings = emu.stats().count(0x4A);
    assert!(matches!(t.wait_for_card(Duration::from_secs(5)), Ok(CardKind::TypeB { .. })));
    assert_eq!(emu.stats().count(0x4A), listings);
    assert_eq!(t.transmit(&[0x00, 0x05]).unwrap(), vec![2, 0x90, 0x00]);
}

#[test]
fn a_type_a_iso14443_4_card_is_activated_after_type_b_polling_finds_nothing() {
    let (emu, _) = emulator(Field::new(), Config { card_type: pn532_emu::CardType::A, ..Config::default() });
    let mut t = NfcTransport::open(Some(&emu.connstring()), DEFAULT_APDU_TIMEOUT).unwrap();
    assert_eq!(
        t.card(),
        Some(&CardKind::TypeA { uid: vec![0x08, 0x4B, 0x5A, 0x53], ats: vec![0x78, 0x80, 0x70, 0x02] })
    );
    let r = t.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00]).unwrap();
    assert_eq!(r.len(), 258);
    assert_eq!(&r[256..], &[0x90, 0x00]);
}
