//! Rule 4: logs carry command names, lengths and status words — never raw APDU data, never the PIN.

use hex::encode as hex;
use kazasu_core::flow;
use kazasu_core::softcard::{fixture, SoftCard};
use kazasu_core::{HashAlgorithm, LastTry, SignPin};
use kazasu_tests::capture_logs;

#[test]
fn raw_apdu_data_and_the_pin_never_reach_a_log() {
    let logs = capture_logs();
    let mut card = SoftCard::new();
    let _ = flow::sign(&mut card, SignPin::new("LEAKME1").unwrap(), LastTry::NotConfirmed, HashAlgorithm::Sha256, b"x");
    let signed = flow::sign(
        &mut card,
        SignPin::new(fixture::SIGN_PIN).unwrap(),
        LastTry::NotConfirmed,
        HashAlgorithm::Sha256,
        b"x",
    )
    .unwrap();
    let text = logs.take().join("\n");
    // The logger saw the flow: command names and status words are there.
    assert!(text.contains("VERIFY") && text.contains("READ BINARY") && text.contains("63C4"), "{text}");
    for secret in ["LEAKME1", fixture::SIGN_PIN] {
        assert!(!text.contains(secret), "a PIN reached the log");
        assert!(!text.to_lowercase().contains(&hex(secret.as_bytes())), "a PIN reached the log as hex");
        let decimal = format!("{:?}", secret.as_bytes());
        assert!(!text.contains(&decimal[1..decimal.len() - 1]), "a PIN reached the log as bytes");
    }
    for data in [&signed.certificate[100..116], &signed.signature[..16]] {
        assert!(!text.to_lowercase().contains(&hex(data)), "APDU data reached the log");
    }
}
