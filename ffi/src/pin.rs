//! `SignPin`: the signature PIN as it crosses the FFI.
//!
//! The shell builds it from the typed characters (as UTF-8 bytes) and clears its own CharArray/ByteArray right
//! after. Here the bytes are zeroized whatever the outcome, checked (6–16 of A–Z 0–9, lower-case and full-width
//! accepted and upper-cased) and kept in the core's zeroizing `SignPin`. The PIN can be taken out exactly once:
//! a second attempt to use the same object gives `PinAlreadyUsed`, so a typed PIN reaches the card at most once.

use std::fmt;
use std::sync::Mutex;

use kazasu_core::pin::SignPin as CorePin;
use zeroize::Zeroizing;

use crate::error::KazasuError;

#[derive(uniffi::Object)]
pub struct SignPin {
    pin: Mutex<Option<CorePin>>,
}

#[uniffi::export]
impl SignPin {
    /// Checks and keeps the PIN. `utf8` is zeroized before this returns, valid or not.
    #[uniffi::constructor]
    pub fn new(utf8: Vec<u8>) -> Result<Self, KazasuError> {
        let pin = CorePin::from_utf8(Zeroizing::new(utf8))?;
        Ok(SignPin { pin: Mutex::new(Some(pin)) })
    }

    /// True once the PIN was handed to a session (or discarded): the person must type it again.
    pub fn is_used(&self) -> bool {
        self.pin.lock().map(|p| p.is_none()).unwrap_or(true)
    }

    /// Forgets the PIN now (e.g. the person cancelled); it is zeroized.
    pub fn discard(&self) {
        if let Ok(mut p) = self.pin.lock() {
            p.take();
        }
    }
}

impl SignPin {
    /// Takes the PIN out, once. The core consumes it by value when it presents it.
    pub(crate) fn take(&self) -> Result<CorePin, KazasuError> {
        // A poisoned lock means a panic elsewhere while holding it: treat the PIN as gone.
        let mut guard = self.pin.lock().map_err(|_| KazasuError::PinAlreadyUsed)?;
        guard.take().ok_or(KazasuError::PinAlreadyUsed)
    }
}

impl fmt::Debug for SignPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignPin(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_can_be_taken_exactly_once() {
        let pin = SignPin::new(b"abc123".to_vec()).unwrap();
        assert!(!pin.is_used());
        assert_eq!(pin.take().unwrap().bytes().as_slice(), b"ABC123");
        assert!(pin.is_used());
        assert!(matches!(pin.take(), Err(KazasuError::PinAlreadyUsed)));
    }

    #[test]
    fn a_malformed_pin_is_refused_without_echoing_it() {
        for bad in [&b"ABC12"[..], b"ABCDEFGHIJ12345678", b"ABC 12345", b"\xff\xfe\x41\x41\x41\x41"] {
            match SignPin::new(bad.to_vec()) {
                Err(KazasuError::InvalidPin { reason }) => assert!(!reason.contains("ABC"), "{reason}"),
                other => panic!("expected InvalidPin, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_discarded_pin_cannot_be_used_and_debug_is_redacted() {
        let pin = SignPin::new(b"SECRET99".to_vec()).unwrap();
        assert_eq!(format!("{pin:?}"), "SignPin(<redacted>)");
        pin.discard();
        assert!(matches!(pin.take(), Err(KazasuError::PinAlreadyUsed)));
    }
}
