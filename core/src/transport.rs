//! The one interface to a card: bytes in, bytes out (status word included), plus what the link supports.
//! Readers (PC/SC, libnfc, a phone's NFC stack over the FFI) and the software card implement it; all
//! GET RESPONSE / 6Cxx / chunking logic lives in [`crate::channel`], not in transports.

/// What a link can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkCapabilities {
    /// Extended-length APDUs (Lc/Le up to 65535/65536) pass through the link and the card.
    pub extended_length: bool,
    /// The most response-data bytes one APDU may ask for (Le), between 1 and 65536.
    pub max_response: usize,
}

impl LinkCapabilities {
    /// Short APDUs only: Le up to 256.
    pub const SHORT: LinkCapabilities = LinkCapabilities { extended_length: false, max_response: 256 };

    /// Extended APDUs with at most `max_response` response bytes (clamped to 256..=65536).
    pub fn extended(max_response: usize) -> LinkCapabilities {
        LinkCapabilities { extended_length: true, max_response: max_response.clamp(256, 65536) }
    }
}

/// Why a transport could not deliver an APDU and its answer. Card lost is a type, not a string.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The card left the reader or the field, or was reset, while the link was in use.
    #[error("the card was removed or the connection to it was lost")]
    CardLost,
    /// The card did not answer in time.
    #[error("the card did not answer in time")]
    Timeout,
    /// No card is present in the reader.
    #[error("no card in the reader")]
    NoCard,
    /// The reader or its service failed. The text comes from the reader stack and never carries APDU data.
    #[error("reader error: {0}")]
    Reader(String),
}

/// A link to one card.
pub trait Transport {
    /// Sends one command APDU and returns the whole response APDU: data ‖ SW1 SW2.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// What this link supports. The default is the safe one: short APDUs only.
    fn capabilities(&self) -> LinkCapabilities {
        LinkCapabilities::SHORT
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn capabilities(&self) -> LinkCapabilities {
        (**self).capabilities()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn capabilities(&self) -> LinkCapabilities {
        (**self).capabilities()
    }
}
