//! PINs: the rules checked before any APDU, and types that keep a PIN out of logs, errors and memory.
//!
//! - Sign PIN (署名用電子証明書のパスワード): 6–16 characters of A–Z and 0–9. Lower-case and full-width
//!   letters and digits (what a Japanese IME may type) are normalised to upper-case ASCII, as myna and
//!   jpki-local-signer upper-case it; anything else is refused before a try can be spent.
//! - Auth PIN (利用者証明用電子証明書の暗証番号): exactly 4 digits (full-width digits accepted).
//!
//! A PIN value is moved, never copied: the types are not `Clone`, a session's verify takes the PIN by value,
//! so the same typed PIN cannot be presented twice. Memory is zeroized on drop and `Debug` is redacted;
//! there is no `Display`.

use std::fmt;

use zeroize::Zeroizing;

use crate::ids::{self, FileId};

/// Which of the card's two PINs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// 署名用電子証明書のパスワード (6–16 characters, 5 tries), EF 001B.
    Sign,
    /// 利用者証明用電子証明書の暗証番号 (4 digits, 3 tries), EF 0018.
    Auth,
}

impl PinKind {
    pub fn file(self) -> FileId {
        match self {
            PinKind::Sign => ids::EF_SIGN_PIN,
            PinKind::Auth => ids::EF_AUTH_PIN,
        }
    }
    pub fn max_tries(self) -> u8 {
        match self {
            PinKind::Sign => ids::SIGN_PIN_MAX_TRIES,
            PinKind::Auth => ids::AUTH_PIN_MAX_TRIES,
        }
    }
}

/// The normalised ASCII bytes of a PIN, zeroized on drop.
pub type PinBytes = Zeroizing<Vec<u8>>;

pub const SIGN_PIN_MIN_LEN: usize = 6;
pub const SIGN_PIN_MAX_LEN: usize = 16;
pub const AUTH_PIN_LEN: usize = 4;

/// Why a typed PIN was refused. Carries positions and lengths, never the characters.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("the signature password must be {min}–{max} characters of A–Z and 0–9 (got {actual})")]
    SignLength { min: usize, max: usize, actual: usize },
    #[error("the signature password may hold only A–Z and 0–9 (character {position} is not one)")]
    SignCharacter { position: usize },
    #[error("the user-authentication PIN must be exactly 4 digits")]
    AuthFormat,
}

fn normalise_alnum(c: char) -> Option<u8> {
    let c = match c {
        '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFF10 + '0' as u32)?,
        '\u{FF21}'..='\u{FF3A}' => char::from_u32(c as u32 - 0xFF21 + 'A' as u32)?,
        '\u{FF41}'..='\u{FF5A}' => char::from_u32(c as u32 - 0xFF41 + 'A' as u32)?,
        other => other,
    };
    match c {
        '0'..='9' | 'A'..='Z' => Some(c as u8),
        'a'..='z' => Some(c.to_ascii_uppercase() as u8),
        _ => None,
    }
}

/// A checked signature PIN.
pub struct SignPin(PinBytes);

impl SignPin {
    pub fn new(typed: &str) -> Result<SignPin, PinError> {
        let too_long =
            || PinError::SignLength { min: SIGN_PIN_MIN_LEN, max: SIGN_PIN_MAX_LEN, actual: typed.chars().count() };
        let mut out = Zeroizing::new(Vec::with_capacity(SIGN_PIN_MAX_LEN));
        for (i, c) in typed.chars().enumerate() {
            let b = normalise_alnum(c).ok_or(PinError::SignCharacter { position: i + 1 })?;
            // Refused at the limit, before the buffer would grow: growing moves the typed characters into a
            // new allocation and frees the old one without zeroizing it.
            if out.len() == SIGN_PIN_MAX_LEN {
                return Err(too_long());
            }
            out.push(b);
        }
        if out.len() < SIGN_PIN_MIN_LEN {
            return Err(PinError::SignLength { min: SIGN_PIN_MIN_LEN, max: SIGN_PIN_MAX_LEN, actual: out.len() });
        }
        Ok(SignPin(out))
    }

    /// From UTF-8 bytes (what crosses the FFI). The input buffer is zeroized whatever the outcome.
    pub fn from_utf8(bytes: Zeroizing<Vec<u8>>) -> Result<SignPin, PinError> {
        match std::str::from_utf8(&bytes) {
            Ok(s) => SignPin::new(s),
            Err(e) => Err(PinError::SignCharacter { position: e.valid_up_to() + 1 }),
        }
    }

    pub fn bytes(&self) -> &PinBytes {
        &self.0
    }

    pub(crate) fn into_bytes(self) -> PinBytes {
        self.0
    }
}

/// A checked auth PIN.
pub struct AuthPin(PinBytes);

impl AuthPin {
    pub fn new(typed: &str) -> Result<AuthPin, PinError> {
        let mut out = Zeroizing::new(Vec::with_capacity(AUTH_PIN_LEN));
        for c in typed.chars() {
            match normalise_alnum(c) {
                // Refused at the limit, before the buffer would grow (see `SignPin::new`).
                Some(b) if b.is_ascii_digit() && out.len() < AUTH_PIN_LEN => out.push(b),
                _ => return Err(PinError::AuthFormat),
            }
        }
        if out.len() != AUTH_PIN_LEN {
            return Err(PinError::AuthFormat);
        }
        Ok(AuthPin(out))
    }

    /// From UTF-8 bytes (what crosses the FFI). The input buffer is zeroized whatever the outcome.
    pub fn from_utf8(bytes: Zeroizing<Vec<u8>>) -> Result<AuthPin, PinError> {
        match std::str::from_utf8(&bytes) {
            Ok(s) => AuthPin::new(s),
            Err(_) => Err(PinError::AuthFormat),
        }
    }

    pub fn bytes(&self) -> &PinBytes {
        &self.0
    }

    pub(crate) fn into_bytes(self) -> PinBytes {
        self.0
    }
}

/// A checked PIN of either kind: what a flow holds between typing and the tap, so one flow can ask for the
/// signature password or the 4-digit authentication PIN under the same rules.
pub enum CardPin {
    Sign(SignPin),
    Auth(AuthPin),
}

impl CardPin {
    /// Which of the card's PINs this is.
    pub fn kind(&self) -> PinKind {
        match self {
            CardPin::Sign(_) => PinKind::Sign,
            CardPin::Auth(_) => PinKind::Auth,
        }
    }

    /// Checks `typed` (UTF-8, zeroized whatever the outcome) under the rules of `kind`.
    pub fn from_utf8(kind: PinKind, typed: Zeroizing<Vec<u8>>) -> Result<CardPin, PinError> {
        match kind {
            PinKind::Sign => SignPin::from_utf8(typed).map(CardPin::Sign),
            PinKind::Auth => AuthPin::from_utf8(typed).map(CardPin::Auth),
        }
    }

    pub(crate) fn into_bytes(self) -> PinBytes {
        match self {
            CardPin::Sign(p) => p.into_bytes(),
            CardPin::Auth(p) => p.into_bytes(),
        }
    }
}

impl fmt::Debug for CardPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardPin::Sign(p) => p.fmt(f),
            CardPin::Auth(p) => p.fmt(f),
        }
    }
}

impl fmt::Debug for SignPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignPin(<redacted>)")
    }
}

impl fmt::Debug for AuthPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthPin(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_pins_of_6_to_16_letters_and_digits_are_accepted_and_upper_cased() {
        assert_eq!(SignPin::new("abc123").unwrap().bytes().as_slice(), b"ABC123");
        assert_eq!(SignPin::new("A1B2C3D4E5F6G7H8").unwrap().bytes().len(), 16);
        assert_eq!(SignPin::new("ＡＢＣ１２３ｄ").unwrap().bytes().as_slice(), b"ABC123D");
    }

    #[test]
    fn sign_pins_outside_the_rules_are_refused_without_saying_the_characters() {
        assert_eq!(SignPin::new("ABC12").unwrap_err(), PinError::SignLength { min: 6, max: 16, actual: 5 });
        assert_eq!(
            SignPin::new("ABCDEFGHIJ1234567").unwrap_err(),
            PinError::SignLength { min: 6, max: 16, actual: 17 }
        );
        assert_eq!(SignPin::new("ABC 123").unwrap_err(), PinError::SignCharacter { position: 4 });
        assert_eq!(SignPin::new("ABC-123").unwrap_err(), PinError::SignCharacter { position: 4 });
        assert_eq!(SignPin::new("あいうえおか").unwrap_err(), PinError::SignCharacter { position: 1 });
        assert_eq!(SignPin::new("").unwrap_err(), PinError::SignLength { min: 6, max: 16, actual: 0 });
        let msg = SignPin::new("SECRET-9").unwrap_err().to_string();
        assert!(!msg.contains("SECRET"), "{msg}");
        assert!(SignPin::from_utf8(Zeroizing::new(vec![0x41, 0xFF, 0x41, 0x41, 0x41, 0x41])).is_err());
    }

    #[test]
    fn auth_pins_are_exactly_four_digits() {
        assert_eq!(AuthPin::new("1234").unwrap().bytes().as_slice(), b"1234");
        assert_eq!(AuthPin::new("１２３４").unwrap().bytes().as_slice(), b"1234");
        for bad in ["123", "12345", "12a4", "", "ABCD"] {
            assert_eq!(AuthPin::new(bad).unwrap_err(), PinError::AuthFormat, "{bad}");
        }
    }

    #[test]
    fn a_pin_prints_as_redacted() {
        let pin = SignPin::new("TOPSECRET1").unwrap();
        assert_eq!(format!("{pin:?}"), "SignPin(<redacted>)");
        assert_eq!(format!("{:?}", AuthPin::new("9876").unwrap()), "AuthPin(<redacted>)");
    }
}
