//! The shell's card link (Android `IsoDep`, iOS `NFCISO7816Tag`) as the core's `Transport`.
//!
//! The shell only moves bytes: one command APDU out, the whole response (data ‖ SW1 SW2) back. GET RESPONSE,
//! 6Cxx, chunking and every status word are handled in the core.

use std::sync::Arc;

use kazasu_core::{LinkCapabilities, Transport, TransportError as CoreTransportError};

use crate::error::TransportError;

/// A link to one card, implemented by the shell (Kotlin/Swift).
///
/// `transceive` is called on the thread that called into the session (never the UI thread in a well-behaved
/// app). Throw `TransportError.CardLost` when the tag is gone; any other exception is treated as a lost link.
/// The command may carry the PIN (VERIFY): clear your copy of `command` after sending it, and never log it.
#[uniffi::export(with_foreign)]
pub trait CardTransport: Send + Sync {
    /// Sends one command APDU, returns the whole response APDU (data ‖ SW1 SW2).
    fn transceive(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportError>;
    /// Whether extended-length APDUs pass (Android: `IsoDep.isExtendedLengthApduSupported`).
    /// An error here is read as "short APDUs only".
    fn supports_extended_length(&self) -> Result<bool, TransportError>;
    /// The most bytes one exchange may carry (Android: `IsoDep.getMaxTransceiveLength`); 0 if unknown.
    fn max_transceive_length(&self) -> Result<u32, TransportError>;
}

/// Bridges a foreign [`CardTransport`] to the core's [`Transport`].
pub(crate) struct ForeignTransport {
    inner: Arc<dyn CardTransport>,
    caps: LinkCapabilities,
}

impl ForeignTransport {
    pub(crate) fn new(inner: Arc<dyn CardTransport>) -> Self {
        // Every foreign method returns a Result so that an exception thrown there arrives as a value, not as
        // a panic; if the link cannot say, it is used as the safe kind: short APDUs.
        let extended = inner.supports_extended_length().unwrap_or(false);
        let max = inner.max_transceive_length().unwrap_or(0);
        let caps = capabilities_of(extended, max);
        ForeignTransport { inner, caps }
    }
}

/// What the core may ask of a link that says `extended` and carries at most `max_transceive` bytes.
fn capabilities_of(extended: bool, max_transceive: u32) -> LinkCapabilities {
    if !extended {
        return LinkCapabilities::SHORT;
    }
    // A response needs room for SW1 SW2; unknown (0) means the platform does not say: trust "extended".
    let max = match max_transceive {
        0 => 65536,
        n => (n as usize).saturating_sub(2),
    };
    if max <= 256 {
        LinkCapabilities::SHORT
    } else {
        LinkCapabilities::extended(max)
    }
}

impl Transport for ForeignTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CoreTransportError> {
        // uniffi copies the bytes into a buffer the foreign side reads and frees; that copy (and the Vec moved
        // into the call) are not zeroized — see ffi/README.md "PIN memory". The shell clears its ByteArray.
        let response = self.inner.transceive(command.to_vec()).map_err(CoreTransportError::from)?;
        if response.len() < 2 {
            // A link that returns no status word has failed; never index into it.
            return Err(CoreTransportError::Reader(format!("response of {} bytes has no status word", response.len())));
        }
        Ok(response)
    }

    fn capabilities(&self) -> LinkCapabilities {
        self.caps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_only_link_is_short_whatever_its_size() {
        assert_eq!(capabilities_of(false, 65535), LinkCapabilities::SHORT);
    }

    #[test]
    fn an_extended_link_is_capped_by_its_transceive_length() {
        assert_eq!(capabilities_of(true, 0), LinkCapabilities::extended(65536));
        assert_eq!(capabilities_of(true, 4096), LinkCapabilities::extended(4094));
        // Claims extended but cannot carry more than a short answer: use short APDUs.
        assert_eq!(capabilities_of(true, 258), LinkCapabilities::SHORT);
    }
}
