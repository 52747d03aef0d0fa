//! Status words (SW1 SW2) with typed meanings. The mapping from status words to domain errors lives in
//! exactly one place: [`crate::error::CardError::from_status`].

use std::fmt;

/// The trailer of every response APDU, decoded into what it means for a JPKI client.
/// `StatusWord::from(u16)` and `u16::from(StatusWord)` are exact inverses (tested below).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// 9000.
    Success,
    /// 61xx: more data waits; fetch it with GET RESPONSE (xx = 0 means 256).
    MoreData(u8),
    /// 6282: end of file reached before Le bytes.
    EndOfFileWarning,
    /// 6300: verification failed, no counter given (myna-card: "unlimited tries").
    VerificationFailed,
    /// 63Cx with x ≥ 1: x tries left (also the answer to the counter query).
    RemainingTries(u8),
    /// 63C0: the counter is exhausted. The card treats the PIN as blocked.
    NoTriesLeft,
    /// 6700: wrong length.
    WrongLength,
    /// 6982: security status not satisfied (e.g. the sign certificate before the sign PIN).
    SecurityStatusNotSatisfied,
    /// 6983: authentication method blocked.
    AuthMethodBlocked,
    /// 6984: referenced data invalidated (what a locked JPKI PIN answers to VERIFY).
    ReferenceDataInvalidated,
    /// 6985: conditions of use not satisfied (e.g. signing with no key EF selected).
    ConditionsNotSatisfied,
    /// 6986: command not allowed, no current EF (e.g. VERIFY or READ BINARY before a SELECT).
    NoCurrentEf,
    /// 6A82: file or application not found.
    NotFound,
    /// 6A86: incorrect P1-P2.
    WrongP1P2,
    /// 6B00: offset beyond the end of the file.
    OffsetOutOfRange,
    /// 6Cxx: wrong Le; resend with Le = xx (xx = 0 means 256).
    CorrectLength(u8),
    /// 6D00: instruction not supported.
    InsNotSupported,
    /// 6E00: class not supported.
    ClaNotSupported,
    /// 6F00: no precise diagnosis (an internal failure of the card).
    NoPreciseDiagnosis,
    /// Anything else, kept verbatim.
    Other(u16),
}

impl StatusWord {
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        Self::from(u16::from_be_bytes([sw1, sw2]))
    }

    pub fn is_success(self) -> bool {
        self == StatusWord::Success
    }

    /// 63C0, 6983 and 6984 all mean the PIN can no longer be verified (jpki-facts: treat all three as blocked).
    pub fn is_blocked(self) -> bool {
        matches!(self, StatusWord::NoTriesLeft | StatusWord::AuthMethodBlocked | StatusWord::ReferenceDataInvalidated)
    }
}

impl From<u16> for StatusWord {
    fn from(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => StatusWord::Success,
            (0x61, n) => StatusWord::MoreData(n),
            (0x62, 0x82) => StatusWord::EndOfFileWarning,
            (0x63, 0x00) => StatusWord::VerificationFailed,
            (0x63, 0xC0) => StatusWord::NoTriesLeft,
            (0x63, n) if n & 0xF0 == 0xC0 => StatusWord::RemainingTries(n & 0x0F),
            (0x67, 0x00) => StatusWord::WrongLength,
            (0x69, 0x82) => StatusWord::SecurityStatusNotSatisfied,
            (0x69, 0x83) => StatusWord::AuthMethodBlocked,
            (0x69, 0x84) => StatusWord::ReferenceDataInvalidated,
            (0x69, 0x85) => StatusWord::ConditionsNotSatisfied,
            (0x69, 0x86) => StatusWord::NoCurrentEf,
            (0x6A, 0x82) => StatusWord::NotFound,
            (0x6A, 0x86) => StatusWord::WrongP1P2,
            (0x6B, 0x00) => StatusWord::OffsetOutOfRange,
            (0x6C, n) => StatusWord::CorrectLength(n),
            (0x6D, 0x00) => StatusWord::InsNotSupported,
            (0x6E, 0x00) => StatusWord::ClaNotSupported,
            (0x6F, 0x00) => StatusWord::NoPreciseDiagnosis,
            _ => StatusWord::Other(sw),
        }
    }
}

impl From<StatusWord> for u16 {
    fn from(sw: StatusWord) -> u16 {
        match sw {
            StatusWord::Success => 0x9000,
            StatusWord::MoreData(n) => 0x6100 | n as u16,
            StatusWord::EndOfFileWarning => 0x6282,
            StatusWord::VerificationFailed => 0x6300,
            StatusWord::RemainingTries(n) => 0x63C0 | (n & 0x0F) as u16,
            StatusWord::NoTriesLeft => 0x63C0,
            StatusWord::WrongLength => 0x6700,
            StatusWord::SecurityStatusNotSatisfied => 0x6982,
            StatusWord::AuthMethodBlocked => 0x6983,
            StatusWord::ReferenceDataInvalidated => 0x6984,
            StatusWord::ConditionsNotSatisfied => 0x6985,
            StatusWord::NoCurrentEf => 0x6986,
            StatusWord::NotFound => 0x6A82,
            StatusWord::WrongP1P2 => 0x6A86,
            StatusWord::OffsetOutOfRange => 0x6B00,
            StatusWord::CorrectLength(n) => 0x6C00 | n as u16,
            StatusWord::InsNotSupported => 0x6D00,
            StatusWord::ClaNotSupported => 0x6E00,
            StatusWord::NoPreciseDiagnosis => 0x6F00,
            StatusWord::Other(sw) => sw,
        }
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", u16::from(*self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_word_round_trips_through_u16() {
        for sw in 0..=u16::MAX {
            assert_eq!(u16::from(StatusWord::from(sw)), sw, "{sw:04X}");
        }
    }

    #[test]
    fn typed_meanings_of_the_jpki_status_words() {
        assert_eq!(StatusWord::from(0x9000), StatusWord::Success);
        assert_eq!(StatusWord::from(0x63C4), StatusWord::RemainingTries(4));
        assert_eq!(StatusWord::from(0x63C1), StatusWord::RemainingTries(1));
        assert_eq!(StatusWord::from(0x63C0), StatusWord::NoTriesLeft);
        assert_eq!(StatusWord::from(0x6110), StatusWord::MoreData(0x10));
        assert_eq!(StatusWord::from(0x6C20), StatusWord::CorrectLength(0x20));
        assert_eq!(StatusWord::from(0x6A82), StatusWord::NotFound);
        assert_eq!(StatusWord::from(0x6B00), StatusWord::OffsetOutOfRange);
        assert_eq!(StatusWord::from(0x6282), StatusWord::EndOfFileWarning);
        for blocked in [0x63C0, 0x6983, 0x6984] {
            assert!(StatusWord::from(blocked).is_blocked(), "{blocked:04X}");
        }
        assert!(!StatusWord::from(0x63C1).is_blocked());
        assert_eq!(StatusWord::from(0x6985), StatusWord::ConditionsNotSatisfied);
        assert_eq!(StatusWord::from(0x6986), StatusWord::NoCurrentEf);
        assert_eq!(StatusWord::from(0x6F00), StatusWord::NoPreciseDiagnosis);
        assert_eq!(StatusWord::from(0x6F01), StatusWord::Other(0x6F01));
        assert_eq!(StatusWord::from(0x63C4).to_string(), "63C4");
    }
}
