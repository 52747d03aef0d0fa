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

    /// This link held exclusively for one tap's card work: while the returned link lives, no other program
    /// can send the card a command (PC/SC: a transaction), so nothing can select another file between the
    /// counter read and VERIFY. Links that are exclusive by nature (a phone's NFC tag, the in-process
    /// software card) are already: the default returns the link itself.
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        Ok(Box::new(Borrowed(self)))
    }
}

/// A link borrowed for the duration of [`Transport::exclusive`].
struct Borrowed<'a, T: Transport + ?Sized>(&'a mut T);

impl<T: Transport + ?Sized> Transport for Borrowed<'_, T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.transmit(command)
    }
    fn capabilities(&self) -> LinkCapabilities {
        self.0.capabilities()
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        Ok(Box::new(Borrowed(&mut *self.0)))
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn capabilities(&self) -> LinkCapabilities {
        (**self).capabilities()
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        (**self).exclusive()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn capabilities(&self) -> LinkCapabilities {
        (**self).capabilities()
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        (**self).exclusive()
    }
}
