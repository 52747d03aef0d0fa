//! Kazasu's card transport over libnfc: PN532 boards, PN533 USB readers and the other devices libnfc
//! drives, for desktops where the reader is not a PC/SC reader.
//!
//! [`NfcTransport`] opens a libnfc device (by connection string, e.g. `pn532_uart:/dev/ttyUSB0`, or the
//! first one libnfc finds), activates an ISO/IEC 14443-4 card (Type B first — the マイナンバーカード is
//! Type B — then Type A), and implements [`kazasu_card::Transport`]: one APDU out, the whole response
//! back. A card that leaves the field is reported as [`TransportError::CardLost`]; the transport then
//! stays lost until [`NfcTransport::reconnect`] activates the card afresh (its volatile state, such as a
//! verified PIN, is gone by then).
//!
//! libnfc is linked only with the `libnfc` feature (it needs the system libnfc, pkg-config and libclang
//! at build time). Without it the same API exists and every call answers [`NfcError::NotBuilt`], so the
//! CLI needs no `cfg` of its own.

use std::time::Duration;

pub use kazasu_card::TransportError;

#[cfg(feature = "libnfc")]
mod libnfc;
#[cfg(feature = "libnfc")]
pub use libnfc::{list_devices, NfcTransport};

#[cfg(not(feature = "libnfc"))]
mod unavailable;
#[cfg(not(feature = "libnfc"))]
pub use unavailable::{list_devices, NfcTransport};

/// Time allowed for one APDU exchange by default. The card needs seconds for COMPUTE DIGITAL SIGNATURE
/// (clients raise their NFC time-out to 5 s or more for it; see /work/shared/jpki-facts.md), and a
/// PN53x reports a vanished card by itself long before this.
pub const DEFAULT_APDU_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest command APDU libnfc's PN53x layer can carry in one InDataExchange: a frame holds 264 data
/// bytes (`PN53x_EXTENDED_FRAME__DATA_MAX_LEN`), two of which are the command code and target number.
pub const MAX_COMMAND_APDU: usize = 262;

/// Largest response libnfc's PN53x layer returns from one exchange (264 bytes less the status byte).
pub const MAX_RESPONSE_APDU: usize = 263;

/// Which kind of ISO/IEC 14443-4 card was activated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardKind {
    /// Type B, with its PUPI.
    TypeB { pupi: [u8; 4] },
    /// Type A, with its UID and ATS.
    TypeA { uid: Vec<u8>, ats: Vec<u8> },
}

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
