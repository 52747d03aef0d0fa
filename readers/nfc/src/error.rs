//! What went wrong while opening a libnfc reader or activating a card, and how the card flow sees it.

use kazasu_card::TransportError;

/// What went wrong while opening a libnfc reader or activating a card.
#[derive(Debug, thiserror::Error)]
pub enum NfcError {
    /// This build of kazasu-nfc has no libnfc support (built without the `libnfc` feature).
    #[error("this build has no libnfc support")]
    NotBuilt,
    /// libnfc could not start (memory or configuration).
    #[error("libnfc could not be initialised")]
    Init,
    /// No libnfc device is connected, or the named one could not be opened.
    #[error("no libnfc reader {0}")]
    NoReader(String),
    /// The reader is open but no ISO/IEC 14443-4 card is in its field.
    #[error("no contactless smart card on the reader")]
    NoCard,
    /// libnfc reported an error; the text comes from libnfc and never carries APDU data.
    #[error("libnfc: {0}")]
    Libnfc(String),
}

impl From<NfcError> for TransportError {
    fn from(e: NfcError) -> Self {
        match e {
            NfcError::NoCard => TransportError::NoCard,
            other => TransportError::Reader(other.to_string()),
        }
    }
}
