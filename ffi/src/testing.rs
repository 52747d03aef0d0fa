//! Feature `testing` only: the core's in-process software card, exported so Kotlin and Swift tests can run
//! the real flow without hardware. It holds test keys and a known PIN: never enable this feature in an app.
//!
//! Knobs: short-only or extended link, a lost link injected before a command reaches the card or after the
//! card processed it (its answer lost), reading the signature PIN counter, counting PIN presentations.

use std::sync::Mutex;

use kazasu_core::jpki::{JpkiSession, PinKind};
use kazasu_core::softcard::{Quirks, SoftCard};

use crate::error::TransportError;

/// The signature PIN of the software card (test fixture).
#[uniffi::export]
pub fn software_card_sign_pin() -> String {
    kazasu_core::softcard::SIGN_PIN.to_string()
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    /// The next command with this INS never reaches the card.
    LoseBefore(u8),
    /// The card processes the next command with this INS, its answer is lost.
    LoseAnswerOf(u8),
}

struct State {
    card: SoftCard,
    fault: Option<Fault>,
    verify_presentations: u32,
    commands: u32,
}

/// An in-process JPKI card speaking APDUs.
#[derive(uniffi::Object)]
pub struct SoftwareCard {
    state: Mutex<State>,
    extended: bool,
}

const INS_VERIFY: u8 = 0x20;

#[uniffi::export]
impl SoftwareCard {
    /// A card on a link that carries extended-length APDUs.
    #[uniffi::constructor]
    pub fn new() -> Self {
        Self::build(SoftCard::new(), true)
    }

    /// A card on a link (and of a generation) that only takes short APDUs.
    #[uniffi::constructor]
    pub fn short_only() -> Self {
        let quirks = Quirks { short_only: true, ..Quirks::default() };
        Self::build(SoftCard::with_quirks(quirks), false)
    }

    /// One exchange, as a reader would do it.
    pub fn transceive(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let mut s = self.state.lock().map_err(|_| TransportError::Io { reason: "poisoned".into() })?;
        s.commands += 1;
        let ins = command.get(1).copied();
        match (s.fault, ins) {
            (Some(Fault::LoseBefore(f)), Some(i)) if f == i => {
                s.fault = None;
                s.card.power_cycle();
                return Err(TransportError::CardLost);
            }
            _ => {}
        }
        if ins == Some(INS_VERIFY) && command.len() > 5 {
            s.verify_presentations += 1;
        }
        let answer = s.card.process(&command);
        match (s.fault, ins) {
            (Some(Fault::LoseAnswerOf(f)), Some(i)) if f == i => {
                s.fault = None;
                s.card.power_cycle();
                Err(TransportError::CardLost)
            }
            _ => Ok(answer),
        }
    }

    pub fn supports_extended_length(&self) -> bool {
        self.extended
    }

    /// The next command with instruction byte `ins` is lost before it reaches the card (card leaves the field).
    pub fn lose_link_before(&self, ins: u8) {
        if let Ok(mut s) = self.state.lock() {
            s.fault = Some(Fault::LoseBefore(ins));
        }
    }

    /// The card processes the next command with instruction `ins`, then leaves the field: its answer is lost.
    pub fn lose_answer_of(&self, ins: u8) {
        if let Ok(mut s) = self.state.lock() {
            s.fault = Some(Fault::LoseAnswerOf(ins));
        }
    }

    /// The card leaves the field and comes back (the verified state is cleared).
    pub fn power_cycle(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.card.power_cycle();
        }
    }

    /// Tries left on the signature PIN, read with APDUs the way a reader would (spends none; 0 = blocked).
    pub fn sign_pin_tries(&self) -> u32 {
        let Ok(mut s) = self.state.lock() else { return 0 };
        let tries = JpkiSession::open(&mut s.card).and_then(|mut j| j.remaining_tries(PinKind::Sign));
        s.card.power_cycle();
        match tries {
            Ok(n) => n.into(),
            Err(_) => 0,
        }
    }

    /// How many VERIFY commands carrying a PIN reached the card.
    pub fn pin_presentations(&self) -> u32 {
        self.state.lock().map(|s| s.verify_presentations).unwrap_or(0)
    }

    /// How many commands were sent to this card (including lost ones).
    pub fn commands_sent(&self) -> u32 {
        self.state.lock().map(|s| s.commands).unwrap_or(0)
    }
}

impl SoftwareCard {
    fn build(card: SoftCard, extended: bool) -> Self {
        SoftwareCard {
            state: Mutex::new(State { card, fault: None, verify_presentations: 0, commands: 0 }),
            extended,
        }
    }
}

impl Default for SoftwareCard {
    fn default() -> Self {
        Self::new()
    }
}
