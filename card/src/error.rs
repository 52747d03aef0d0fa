//! Errors, one `thiserror` enum per layer, joined by `#[from]`. Status words become domain errors in exactly
//! one place: [`CardError::from_status`].

use crate::apdu::{ApduError, CommandName};
use crate::channel::ChannelError;
use crate::sw::StatusWord;
use crate::transport::TransportError;

/// What went wrong talking to a JPKI card.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// The link failed (card lost, timeout, reader error) outside VERIFY.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The link failed while the card was checking the PIN: whether a try was spent is unknown.
    /// The next attempt must open a new session, which reads the counter again before anything else.
    #[error("the connection was lost while the card was checking the password; whether the try counted is unknown")]
    VerifyOutcomeUnknown(TransportError),
    /// The card rejected the PIN; `remaining` tries are left (≥ 1).
    #[error("wrong password; {remaining} tries left")]
    WrongPin { remaining: u8 },
    /// The PIN is locked (63C0, 6983 or 6984). Only a municipal office or the reset service can unlock it.
    #[error("the password is locked")]
    Blocked,
    /// One try is left and the caller did not confirm that this PIN may use it. No APDU carried the PIN.
    #[error("only one try is left; the password is presented only after explicit confirmation")]
    NeedsLastTryConfirmation,
    /// The counter allowed the PIN, but the caller had none to give (already used). Nothing was presented.
    #[error("the password was already used; type it again")]
    PinUnavailable,
    /// The card has no JPKI application.
    #[error("this card has no JPKI application (is it a マイナンバーカード?)")]
    NotJpkiCard,
    /// 6982: the card wants a PIN first.
    #[error("{command}: the card requires the password first")]
    SecurityStatusNotSatisfied { command: CommandName },
    /// 6A82 on a file of the JPKI AP.
    #[error("{command}: file not found on the card")]
    NotFound { command: CommandName },
    /// Any other status word where success was expected.
    #[error("{command}: unexpected status {sw}")]
    UnexpectedStatus { command: CommandName, sw: StatusWord },
    /// The card's answer broke the protocol (wrong length, not a certificate, …).
    #[error("{command}: malformed answer from the card: {reason}")]
    Malformed { command: CommandName, reason: &'static str },
    /// A command could not be encoded for this link.
    #[error(transparent)]
    Apdu(#[from] ApduError),
    /// A previous failure of the link left this session unusable; open a new one.
    #[error("the session ended after a lost connection; start again")]
    SessionClosed,
}

impl CardError {
    /// The one mapping from a non-success status word of `command` to a domain error.
    pub fn from_status(command: CommandName, sw: StatusWord) -> CardError {
        match (command, sw) {
            (CommandName::SelectAp, StatusWord::NotFound) => CardError::NotJpkiCard,
            (_, StatusWord::NotFound) => CardError::NotFound { command },
            (CommandName::Verify, StatusWord::RemainingTries(n)) if n > 0 => CardError::WrongPin { remaining: n },
            (CommandName::Verify | CommandName::RetryCounter, sw) if sw.is_blocked() => CardError::Blocked,
            (_, StatusWord::SecurityStatusNotSatisfied) => CardError::SecurityStatusNotSatisfied { command },
            (_, sw) => CardError::UnexpectedStatus { command, sw },
        }
    }

    /// Whether this error came from the link (the session is gone; a new attempt needs a new session).
    pub fn is_link_failure(&self) -> bool {
        matches!(self, CardError::Transport(_) | CardError::VerifyOutcomeUnknown(_) | CardError::SessionClosed)
    }
}

impl From<ChannelError> for CardError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::Transport(t) => CardError::Transport(t),
            // An answer without a status word: the link failed mid-command (the phone, libnfc and PC/SC links
            // report it so too). A link failure closes the session; during VERIFY it is "outcome unknown".
            ChannelError::Apdu(ApduError::ResponseTooShort { len }) => {
                CardError::Transport(TransportError::Reader(format!("an answer of {len} bytes has no status word")))
            }
            ChannelError::Apdu(a) => CardError::Apdu(a),
            ChannelError::TooManyGetResponse(command) => {
                CardError::Malformed { command, reason: "endless GET RESPONSE chain" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_map_to_domain_errors() {
        use CommandName::*;
        let m = |c, sw: u16| CardError::from_status(c, StatusWord::from(sw));
        assert!(matches!(m(Verify, 0x63C4), CardError::WrongPin { remaining: 4 }));
        for sw in [0x63C0, 0x6983, 0x6984] {
            assert!(matches!(m(Verify, sw), CardError::Blocked), "{sw:04X}");
            assert!(matches!(m(RetryCounter, sw), CardError::Blocked), "{sw:04X}");
        }
        assert!(matches!(m(SelectAp, 0x6A82), CardError::NotJpkiCard));
        assert!(matches!(m(SelectEf, 0x6A82), CardError::NotFound { command: SelectEf }));
        assert!(matches!(m(ReadBinary, 0x6982), CardError::SecurityStatusNotSatisfied { command: ReadBinary }));
        assert!(matches!(
            m(ComputeDigitalSignature, 0x6F00),
            CardError::UnexpectedStatus { command: ComputeDigitalSignature, .. }
        ));
        // A counter answer is not a wrong PIN: only VERIFY with data can be wrong.
        assert!(matches!(m(RetryCounter, 0x63C3), CardError::UnexpectedStatus { .. }));
    }

    #[test]
    fn an_answer_without_a_status_word_is_a_link_failure() {
        // Found by the `session` fuzz target (fuzz/regressions/session/): it was an APDU error, so the
        // session went on sending, and a VERIFY answered so was not "outcome unknown" on every link.
        let e = CardError::from(ChannelError::Apdu(ApduError::ResponseTooShort { len: 1 }));
        assert!(matches!(e, CardError::Transport(TransportError::Reader(_))), "{e:?}");
        assert!(e.is_link_failure());
    }
}
