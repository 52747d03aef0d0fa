//! Device discovery as `kazasu readers` and `--nfc` use it. Own test binary: it sets LIBNFC_DEVICE, which
//! libnfc reads when a context starts, for the whole process.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::time::Duration;

use kazasu_core::Transport;
use kazasu_nfc::{list_devices, CardKind, NfcTransport, DEFAULT_APDU_TIMEOUT};
use pn532_emu::{Config, Emulator, Field};

#[test]
fn a_configured_device_is_listed_opened_as_the_first_found_and_waited_on() {
    let field = Field::new();
    field.remove_card();
    let emu = Emulator::start(kazasu_core::softcard::SoftCard::new(), field.clone(), Config::default()).unwrap();
    // How a user names a serial PN532 to libnfc without a configuration file.
    std::env::set_var("LIBNFC_DEVICE", emu.connstring());
    std::env::remove_var("LIBNFC_DEFAULT_DEVICE");

    let devices = list_devices().unwrap();
    assert!(devices.iter().any(|d| d.starts_with(&emu.connstring())), "{devices:?}");

    // No connstring: the first device libnfc finds. No card yet: on_wait is told once, and the card is
    // placed while it waits (from the callback itself, so no timing decides whether the wait happened).
    let told = std::cell::Cell::new(0);
    let mut t = NfcTransport::connect(None, DEFAULT_APDU_TIMEOUT, Duration::from_secs(5), |name| {
        // libnfc names a device given by LIBNFC_DEVICE "user defined device".
        assert_eq!(name, "user defined device");
        told.set(told.get() + 1);
        field.insert_card();
    })
    .unwrap();
    assert_eq!(told.get(), 1);
    assert!(matches!(t.card(), Some(CardKind::TypeB { .. })));
    assert_eq!(t.connstring(), emu.connstring());
    // SELECT the JPKI AP.
    let aid = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
    let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
    select.extend_from_slice(&aid);
    assert_eq!(t.transmit(&select).unwrap(), vec![0x90, 0x00]);

    // Waiting has a limit.
    drop(t);
    field.remove_card();
    let e = NfcTransport::connect(None, DEFAULT_APDU_TIMEOUT, Duration::from_millis(300), |_| {}).unwrap_err();
    assert_eq!(e, kazasu_core::TransportError::NoCard);
}
