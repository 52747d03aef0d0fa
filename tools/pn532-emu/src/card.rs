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
    /// Leave the field when this many more APDUs have been exchanged (0 = at the next one).
    pub leave_after: Option<(u32, Departure)>,
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
        s.leave_after = None;
    }

    /// The card is put back on the reader (it powers up fresh at the next activation).
    pub fn insert_card(&self) {
        let mut s = self.lock();
        s.present = true;
    }

    /// The card leaves the field during the exchange after `n` more APDUs (`n = 0`: the next APDU).
    pub fn leave_after(&self, n: u32, when: Departure) {
        self.lock().leave_after = Some((n, when));
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
