//! The contactless card in front of the emulated reader, and the test's hand that moves it.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// An ISO 14443-4 card as the PN532 sees it after activation: C-APDU in, R-APDU (data ‖ SW) out.
pub trait Card: Send {
    /// Process one command APDU.
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;
    /// The card lost power (left the field, or the field was switched off): volatile state is gone.
    fn power_cycle(&mut self);
}

impl<C: Card + ?Sized> Card for Box<C> {
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        (**self).process(apdu)
    }
    fn power_cycle(&mut self) {
        (**self).power_cycle()
    }
}

/// A card shared with the test, which can look at it (counters, logs) while the emulator runs.
impl<C: Card + ?Sized> Card for Arc<Mutex<C>> {
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.lock().unwrap_or_else(|e| e.into_inner()).process(apdu)
    }
    fn power_cycle(&mut self) {
        self.lock().unwrap_or_else(|e| e.into_inner()).power_cycle()
    }
}

#[cfg(feature = "softcard")]
impl Card for kazasu_core::softcard::SoftCard {
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        kazasu_core::softcard::SoftCard::process(self, apdu)
    }
    fn power_cycle(&mut self) {
        kazasu_core::softcard::SoftCard::power_cycle(self)
    }
}

/// When the card leaves the field relative to the exchange that triggers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// The card is gone before the command reaches it: the card never sees it.
    BeforeCommand,
    /// The card processes the command, then leaves before its answer gets back: the host cannot
    /// know whether the command took effect.
    AfterCommand,
}

/// Which APDU makes the card leave the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The APDU after `n` more APDUs (`n = 0`: the next one).
    After(u32),
    /// The `nth` (0-based) APDU from now with instruction byte `ins` that carries command data
    /// (`with_data`) or carries none (`!with_data`).
    Ins { ins: u8, with_data: bool, nth: u32 },
}

impl Trigger {
    /// Whether `apdu` fires the trigger; advances its count otherwise. Returns the trigger left.
    pub(crate) fn step(self, apdu: &[u8]) -> (bool, Option<Trigger>) {
        match self {
            Trigger::After(0) => (true, None),
            Trigger::After(n) => (false, Some(Trigger::After(n - 1))),
            Trigger::Ins { ins, with_data, nth } => {
                // Case 1 and 2 APDUs are at most 5 bytes; with data they are longer.
                let matches = apdu.get(1) == Some(&ins) && (apdu.len() > 5) == with_data;
                match (matches, nth) {
                    (true, 0) => (true, None),
                    (true, n) => (false, Some(Trigger::Ins { ins, with_data, nth: n - 1 })),
                    (false, _) => (false, Some(self)),
                }
            }
        }
    }
}

/// Per-APDU record kept by the emulator: command header and lengths only (never APDU data, which
/// may hold a PIN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApduRecord {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// Length of the whole command APDU.
    pub command_len: usize,
    /// Status word answered by the card, or `None` if the card left before answering.
    pub sw: Option<u16>,
}

#[derive(Debug, Default)]
pub(crate) struct FieldState {
    pub present: bool,
    /// When the card leaves the field, and how.
    pub leave: Option<(Trigger, Departure)>,
    /// Set when the card left or the RF field was switched off; cleared at the next activation,
    /// which power-cycles the card first.
    pub needs_power_cycle: bool,
    /// Simulated processing time of COMPUTE DIGITAL SIGNATURE (INS 2A) on the card.
    pub sign_delay: Duration,
    /// How long the PN532 keeps trying a card that has gone before it answers "timeout".
    pub lost_delay: Duration,
    pub log: Vec<ApduRecord>,
    pub departures: u32,
}

/// Shared handle through which a test (or the binary's options) moves the card in and out of the field
/// and reads what the card was asked. Cloning gives another handle to the same field.
#[derive(Debug, Clone)]
pub struct Field {
    inner: Arc<Mutex<FieldState>>,
}

impl Default for Field {
    fn default() -> Self {
        Self::new()
    }
}

impl Field {
    /// A field with the card present.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Mutex::new(FieldState {
                present: true,
                lost_delay: Duration::from_millis(30),
                ..FieldState::default()
            })),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, FieldState> {
        // A panic in a test thread must not hide the field from the others.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The card leaves the field now.
    pub fn remove_card(&self) {
        let mut s = self.lock();
        if s.present {
            s.departures += 1;
        }
        s.present = false;
        s.needs_power_cycle = true;
        s.leave = None;
    }

    /// The card is put back on the reader (it powers up fresh at the next activation).
    pub fn insert_card(&self) {
        let mut s = self.lock();
        s.present = true;
    }

    /// The card leaves the field during the exchange after `n` more APDUs (`n = 0`: the next APDU).
    pub fn leave_after(&self, n: u32, when: Departure) {
        self.leave_at(Trigger::After(n), when);
    }

    /// The card leaves the field at the APDU that fires `trigger`.
    pub fn leave_at(&self, trigger: Trigger, when: Departure) {
        self.lock().leave = Some((trigger, when));
    }

    pub fn is_present(&self) -> bool {
        self.lock().present
    }

    /// Simulated card processing time for COMPUTE DIGITAL SIGNATURE.
    pub fn set_sign_delay(&self, d: Duration) {
        self.lock().sign_delay = d;
    }

    /// How long the emulated PN532 waits for a vanished card before it reports a timeout.
    pub fn set_lost_delay(&self, d: Duration) {
        self.lock().lost_delay = d;
    }

    /// Every APDU that reached the card (or was lost with it), in order.
    pub fn apdu_log(&self) -> Vec<ApduRecord> {
        self.lock().log.clone()
    }

    /// How many times the card has left the field.
    pub fn departures(&self) -> u32 {
        self.lock().departures
    }
}
