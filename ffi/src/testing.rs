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

/// The software card's signature CA certificate (DER), to check chains in tests.
#[uniffi::export]
pub fn software_card_sign_ca_certificate() -> Vec<u8> {
    fixture::SIGN_CA_CERT.to_vec()
}

/// Whether `signature` is a valid PKCS#1 v1.5 signature over `hash(data)` made with the key of `certificate`
/// (DER), checked by the core's OpenSSL verification. Lets Swift/Kotlin tests prove that a flow returned real
/// signature bytes where the platform has no RSA verifier of its own (Swift on Linux).
/// A square luma image of a QR code for `text` (`scale` pixels per module, white quiet zone), made by the
/// project's own generator, so shell tests can feed a camera-like frame to `decode_luma`.
#[derive(uniffi::Record)]
pub struct TestQrImage {
    pub luma: Vec<u8>,
    pub side: u32,
}

#[uniffi::export]
pub fn qr_image_for_tests(text: String, scale: u32) -> Result<TestQrImage, crate::error::KazasuError> {
    let (luma, side) = kazasu_qr::to_luma(&text, scale as usize)
        .map_err(|e| crate::error::KazasuError::Internal { detail: e.to_string() })?;
    Ok(TestQrImage { luma, side: side as u32 })
}

#[uniffi::export]
pub fn verify_signature_for_tests(
    certificate: Vec<u8>,
    algorithm: crate::session::HashAlgorithm,
    data: Vec<u8>,
    signature: Vec<u8>,
) -> bool {
    kazasu_core::verify::verify_signature(&certificate, algorithm.into(), &data, &signature).is_ok()
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
enum Fault {
    /// The next such command never reaches the card.
    LoseBefore(Target),
    /// The card processes the next such command, then leaves the field: its answer is lost.
    LoseAnswerOf(Target),
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
        if let Some(Fault::LoseBefore(t)) = s.fault {
            if t.hits(&command) {
                s.fault = None;
                s.card.power_cycle();
                return Err(TransportError::CardLost);
            }
        }
        let answer = s.card.process(&command);
        if let Some(Fault::LoseAnswerOf(t)) = s.fault {
            if t.hits(&command) {
                s.fault = None;
                s.card.power_cycle();
                return Err(TransportError::CardLost);
            }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::session::{CardSession, HashAlgorithm};
    use crate::transport::CardTransport;
    use crate::SignPin;

    struct Link(SoftwareCard);

    impl CardTransport for Link {
        fn transceive(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportError> {
            self.0.transceive(command)
        }
        fn supports_extended_length(&self) -> Result<bool, TransportError> {
            Ok(self.0.supports_extended_length())
        }
        fn max_transceive_length(&self) -> Result<u32, TransportError> {
            Ok(0)
        }
    }

    #[test]
    fn the_test_verifier_accepts_the_signed_bytes_only() {
        let session = CardSession::new(Arc::new(Link(SoftwareCard::new())));
        let pin = Arc::new(SignPin::new(software_card_sign_pin().into_bytes()).unwrap());
        let doc = "住民票の写しの交付請求".as_bytes().to_vec();
        let signed = session.sign(pin, false, HashAlgorithm::Sha256, doc.clone(), None).unwrap();
        let cert = signed.certificate.clone();
        assert!(verify_signature_for_tests(cert.clone(), HashAlgorithm::Sha256, doc.clone(), signed.signature.clone()));
        let mut other = doc.clone();
        other.push(b'.');
        assert!(!verify_signature_for_tests(cert.clone(), HashAlgorithm::Sha256, other, signed.signature.clone()));
        assert!(!verify_signature_for_tests(cert.clone(), HashAlgorithm::Sha384, doc.clone(), signed.signature.clone()));
        let mut flipped = signed.signature;
        flipped[10] ^= 1;
        assert!(!verify_signature_for_tests(cert, HashAlgorithm::Sha256, doc.clone(), flipped));
        // Not a certificate: false, not a panic.
        assert!(!verify_signature_for_tests(vec![0x30, 0x03, 0x02], HashAlgorithm::Sha256, doc, vec![1, 2, 3]));
    }
}
