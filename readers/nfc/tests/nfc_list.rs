//! libnfc's own `nfc-list` (Debian libnfc-bin), not a mock, opens the emulator and finds the Type B card.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::process::Command;

use pn532_emu::{Card, Config, Emulator, Field};

/// A card that answers every APDU with 9000; enough for listing.
struct Answers9000;

impl Card for Answers9000 {
    fn process(&mut self, _apdu: &[u8]) -> Vec<u8> {
        vec![0x90, 0x00]
    }
    fn power_cycle(&mut self) {}
}

fn nfc_list(connstring: &str) -> String {
    let out = Command::new("nfc-list")
        .env("LIBNFC_DEVICE", connstring)
        .env_remove("LIBNFC_DEFAULT_DEVICE")
        .output()
        .expect("nfc-list (Debian package libnfc-bin) must be installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "nfc-list failed: {text}");
    text
}

#[test]
fn nfc_list_opens_the_emulated_pn532_and_lists_the_type_b_card() {
    let emu = Emulator::start(Answers9000, Field::new(), Config::default()).unwrap();
    let text = nfc_list(&emu.connstring());
    assert!(text.contains("opened"), "{text}");
    assert!(text.contains("ISO/IEC 14443-4B"), "{text}");
    assert!(text.contains("4b  5a  53  55"), "PUPI missing: {text}");
    let stats = emu.stats();
    assert_eq!(stats.frames_corrupt, 0);
    assert_eq!(stats.syntax_errors, 0, "{stats:?}");
    // libnfc woke the chip from its power-on low-battery mode with 0x55 and SAMConfiguration.
    assert!(stats.wakeups >= 1 && stats.count(0x14) >= 1, "{stats:?}");
    assert!(stats.count(0x4A) >= 1, "InListPassiveTarget never sent: {stats:?}");
}

#[test]
fn nfc_list_finds_no_target_when_the_card_is_away() {
    let field = Field::new();
    field.remove_card();
    let emu = Emulator::start(Answers9000, field, Config::default()).unwrap();
    let text = nfc_list(&emu.connstring());
    assert!(text.contains("opened"), "{text}");
    assert!(!text.contains("ISO/IEC 14443-4B"), "{text}");
}

#[test]
fn nfc_list_sees_a_type_a_card_with_its_ats() {
    let config = Config { card_type: pn532_emu::CardType::A, ..Config::default() };
    let emu = Emulator::start(Answers9000, Field::new(), config).unwrap();
    let text = nfc_list(&emu.connstring());
    assert!(text.contains("1 ISO14443A passive target(s) found"), "{text}");
    assert!(text.contains("SAK (SEL_RES): 20"), "{text}");
    assert!(text.contains("ATS: 78  80  70  02"), "{text}");
    assert!(!text.contains("ISO/IEC 14443-4B"), "{text}");
}
