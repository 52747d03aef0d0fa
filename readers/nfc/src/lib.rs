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

pub use kazasu_card::TransportError;

mod error;
mod link;

pub use error::NfcError;
pub use link::{CardKind, DEFAULT_APDU_TIMEOUT, MAX_COMMAND_APDU, MAX_RESPONSE_APDU};

#[cfg(feature = "libnfc")]
mod libnfc;
#[cfg(feature = "libnfc")]
pub use libnfc::{list_devices, NfcTransport};

#[cfg(not(feature = "libnfc"))]
mod unavailable;
#[cfg(not(feature = "libnfc"))]
pub use unavailable::{list_devices, NfcTransport};
