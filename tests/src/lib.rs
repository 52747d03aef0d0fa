//! Test doubles shared by the workspace-level tests: transports that spy on, or break, the link to a card,
//! and a logger that keeps every record so tests can check what reached the logs.

use std::sync::{Mutex, OnceLock};

use kazasu_core::{LinkCapabilities, Transport, TransportError};

/// Records every command APDU on its way to the inner transport.
pub struct Spy<T> {
    pub inner: T,
    pub sent: Vec<Vec<u8>>,
}

impl<T: Transport> Spy<T> {
    pub fn new(inner: T) -> Self {
        Spy { inner, sent: Vec::new() }
    }

    /// VERIFY commands that carried data (PIN presentations).
    pub fn pin_presentations(&self) -> usize {
        self.sent.iter().filter(|c| is_verify(c) && c.len() > 4).count()
    }
}

pub fn is_verify(c: &[u8]) -> bool {
    c.len() >= 4 && c[0] == 0x00 && c[1] == 0x20
}

impl<T: Transport> Transport for Spy<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        self.inner.transmit(command)
    }
    fn capabilities(&self) -> LinkCapabilities {
        self.inner.capabilities()
    }
}

/// Where a broken link loses an APDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// The command never reaches the card.
    BeforeCard,
    /// The card executes the command; its answer is lost.
    AfterCard,
}

/// Loses the link at the `at`-th APDU (0-based) and every APDU after it, as a card leaving the field does.
pub struct Breaking<T> {
    pub inner: T,
    pub at: usize,
    pub loss: Loss,
    pub error: TransportError,
    count: usize,
}

impl<T: Transport> Breaking<T> {
    pub fn new(inner: T, at: usize, loss: Loss) -> Self {
        Breaking { inner, at, loss, error: TransportError::CardLost, count: 0 }
    }
}

impl<T: Transport> Transport for Breaking<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let n = self.count;
        self.count += 1;
        if n < self.at {
            return self.inner.transmit(command);
        }
        if n == self.at && self.loss == Loss::AfterCard {
            let _ = self.inner.transmit(command);
        }
        Err(self.error.clone())
    }
    fn capabilities(&self) -> LinkCapabilities {
        self.inner.capabilities()
    }
}

/// A logger that keeps every formatted record (all levels, all targets).
pub struct Capture {
    records: Mutex<Vec<String>>,
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        if let Ok(mut r) = self.records.lock() {
            r.push(format!("{} {} {}", record.level(), record.target(), record.args()));
        }
    }
    fn flush(&self) {}
}

/// Installs the capturing logger (once per test binary) and returns it.
pub fn capture_logs() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let c: &'static Capture = Box::leak(Box::new(Capture { records: Mutex::new(Vec::new()) }));
        let _ = log::set_logger(c);
        log::set_max_level(log::LevelFilter::Trace);
        c
    })
}

impl Capture {
    pub fn take(&self) -> Vec<String> {
        self.records.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default()
    }
}
