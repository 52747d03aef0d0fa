//! An emulated NXP PN532 on a pseudo-terminal, for testing libnfc-based code without hardware.
//!
//! libnfc's `pn532_uart` driver opens the pty's slave side as a serial port and speaks the PN532 HSU
//! frame protocol to it: wake-up preamble, ACK frames, normal and extended information frames, and the
//! commands it sends while opening the device, polling and exchanging APDUs. The emulator answers them
//! as a PN532 v1.6 with one ISO/IEC 14443-4 Type B card in its field, and hands every APDU of
//! InDataExchange to a [`Card`] (with the `softcard` feature, kazasu-core's software JPKI card).
//!
//! A test can make the card leave the field ([`Field::leave_after`], [`Field::remove_card`]); the chip
//! then answers as a real PN532 does when the target no longer answers (status 0x01, time-out).

pub mod card;
pub mod chip;
pub mod frame;
pub mod pty;

pub use card::{ApduRecord, Card, Departure, Field, Trigger};
pub use chip::{CardType, Stats};
pub use pty::{Config, Emulator};
