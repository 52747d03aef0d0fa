//! Stand-in API for builds without the `libnfc` feature: every call reports [`NfcError::NotBuilt`].

use std::time::Duration;

use kazasu_card::{Transport, TransportError};

use crate::{CardKind, NfcError};

/// Without libnfc there are no libnfc devices to list.
pub fn list_devices() -> Result<Vec<String>, NfcError> {
    Err(NfcError::NotBuilt)
}

/// Cannot be constructed without the `libnfc` feature.
#[derive(Debug)]
pub struct NfcTransport {
    never: std::convert::Infallible,
}

impl NfcTransport {
    pub fn open(_connstring: Option<&str>, _timeout: Duration) -> Result<Self, NfcError> {
        Err(NfcError::NotBuilt)
    }
    pub fn connect(
        _connstring: Option<&str>,
        _timeout: Duration,
        _wait: Duration,
        _on_wait: impl Fn(&str),
    ) -> Result<Self, TransportError> {
        Err(NfcError::NotBuilt.into())
    }
    pub fn open_reader(_connstring: Option<&str>, _timeout: Duration) -> Result<Self, NfcError> {
        Err(NfcError::NotBuilt)
    }
    pub fn wait_for_card(&mut self, _wait: Duration) -> Result<CardKind, NfcError> {
        match self.never {}
    }
    pub fn reconnect(&mut self, _wait: Duration) -> Result<CardKind, NfcError> {
        match self.never {}
    }
    pub fn name(&self) -> &str {
        match self.never {}
    }
    pub fn connstring(&self) -> &str {
        match self.never {}
    }
    pub fn card(&self) -> Option<&CardKind> {
        match self.never {}
    }
}

impl Transport for NfcTransport {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self.never {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_libnfc_every_entry_point_says_not_built() {
        assert!(matches!(list_devices(), Err(NfcError::NotBuilt)));
        assert!(matches!(NfcTransport::open(None, Duration::from_secs(1)), Err(NfcError::NotBuilt)));
        assert!(matches!(
            NfcTransport::open_reader(Some("pn532_uart:/dev/null"), Duration::from_secs(1)),
            Err(NfcError::NotBuilt)
        ));
        match NfcTransport::connect(None, Duration::from_secs(1), Duration::ZERO, |_| {}) {
            Err(TransportError::Reader(m)) => assert!(m.contains("libnfc"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
