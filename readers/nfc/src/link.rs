//! The link to a card through a PN53x: how long one exchange may take, how much one frame carries, and which
//! kind of card was activated.

use std::time::Duration;

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
