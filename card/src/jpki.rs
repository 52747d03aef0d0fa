//! A session with the JPKI AP: the retry counters, PIN verification under the citizens' rules, reading
//! certificates in the fewest round trips, and signing.
//!
//! The rules this module enforces (each has a behaviour-named test in `tests/`):
//! 1. The counter is read (VERIFY without data → 63Cx) immediately before every VERIFY; VERIFY is never sent
//!    when the counter is 0 or the card says blocked.
//! 2. With one try left the PIN is presented only when the caller passed [`LastTry::Confirmed`].
//! 3. The PIN is taken by value and presented at most once; nothing retries it. A link lost during VERIFY
//!    is [`CardError::VerifyOutcomeUnknown`] and closes the session: a new session reads the counter again.
//! 4. Logs see command names, lengths and status words only (see [`crate::channel`]).

use crate::apdu::{self, Command, CommandName, Response};
use crate::channel::{Channel, Traffic};
use crate::digest::{digest_info, digest_info_of_hash, HashAlgorithm};
use crate::error::CardError;
use crate::ids::{self, FileId};
use crate::pin::{AuthPin, CardPin, PinBytes, PinKind, SignPin};
use crate::sw::StatusWord;
use crate::transport::{LinkCapabilities, Transport};

/// The caller's answer to "only one try is left — use it?". Asked of the person, never assumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LastTry {
    Confirmed,
    NotConfirmed,
}

/// The state of a PIN's retry counter, read without spending a try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryState {
    Remaining(u8),
    Blocked,
}

/// Which certificate to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateKind {
    /// Signature certificate (needs the sign PIN first).
    Sign,
    SignCa,
    Auth,
    AuthCa,
}

impl CertificateKind {
    pub fn file(self) -> FileId {
        match self {
            CertificateKind::Sign => ids::EF_SIGN_CERT,
            CertificateKind::SignCa => ids::EF_SIGN_CA_CERT,
            CertificateKind::Auth => ids::EF_AUTH_CERT,
            CertificateKind::AuthCa => ids::EF_AUTH_CA_CERT,
        }
    }
}

/// What EF 0006 says the token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `JPKIAPICCTOKEN2`: マイナンバーカード.
    MyNumberCard,
    /// `JPKIAPICCTOKEN`: the old 住基カード.
    JukiCard,
    /// `JPKIAPGPSETOKEN`: スマホ用電子証明書 on Android.
    AndroidPhone,
    /// `JPKIAPIOSTOKEN`: スマホ用電子証明書 on iPhone.
    IPhone,
    /// Anything else (printable ASCII kept).
    Other(String),
}

impl TokenKind {
    pub fn parse(raw: &[u8]) -> TokenKind {
        let text: String = raw
            .iter()
            .take(32)
            .take_while(|&&b| b != 0)
            .map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '?' })
            .collect();
        match text.trim_end() {
            // TOKEN2 before TOKEN: the old card's name is a prefix of the new one's.
            t if t == ids::TOKEN_MY_NUMBER_CARD => TokenKind::MyNumberCard,
            t if t == ids::TOKEN_JUKI_CARD => TokenKind::JukiCard,
            t if t == ids::TOKEN_ANDROID_PHONE => TokenKind::AndroidPhone,
            t if t == ids::TOKEN_IPHONE => TokenKind::IPhone,
            t => TokenKind::Other(t.to_string()),
        }
    }
}

/// Largest certificate file accepted (READ BINARY offsets stop at 0x7FFF).
pub const MAX_CERTIFICATE_LEN: usize = 0x7FFF;

/// Total length of a DER object from its header (tag, then a short or 1–2 byte long length).
pub fn der_total_length(head: &[u8]) -> Option<usize> {
    let (&tag, rest) = head.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    match first {
        0x00..=0x7F => Some(2 + first as usize),
        0x81 => Some(3 + *rest.first()? as usize),
        0x82 => Some(4 + u16::from_be_bytes([*rest.first()?, *rest.get(1)?]) as usize),
        _ => None,
    }
}

/// An open session with the JPKI AP of one card, over one link. Any link failure closes it.
pub struct JpkiSession<T: Transport> {
    channel: Channel<T>,
    closed: bool,
}

impl<T: Transport> JpkiSession<T> {
    /// Selects the JPKI AP (which also clears the card's security status).
    pub fn open(transport: T) -> Result<Self, CardError> {
        let mut session = JpkiSession { channel: Channel::new(transport), closed: false };
        session.expect_ok(&apdu::select_ap())?;
        Ok(session)
    }

    pub fn traffic(&self) -> Traffic {
        self.channel.traffic()
    }

    pub fn capabilities(&self) -> LinkCapabilities {
        self.channel.capabilities()
    }

    fn send(&mut self, command: &Command) -> Result<Response, CardError> {
        if self.closed {
            return Err(CardError::SessionClosed);
        }
        self.channel.transmit(command).map_err(|e| {
            let e = CardError::from(e);
            if e.is_link_failure() {
                self.closed = true;
            }
            e
        })
    }

    fn expect_ok(&mut self, command: &Command) -> Result<Vec<u8>, CardError> {
        let response = self.send(command)?;
        if response.sw.is_success() {
            Ok(response.data)
        } else {
            Err(CardError::from_status(command.name, response.sw))
        }
    }

    fn select(&mut self, ef: FileId) -> Result<(), CardError> {
        self.expect_ok(&apdu::select_ef(ef)).map(drop)
    }

    /// The counter of a PIN, spending no try. Selects the PIN's EF.
    pub fn retry_state(&mut self, kind: PinKind) -> Result<RetryState, CardError> {
        self.select(kind.file())?;
        self.read_counter_of_selected()
    }

    /// Tries left of a PIN (0 when blocked), spending none.
    pub fn remaining_tries(&mut self, kind: PinKind) -> Result<u8, CardError> {
        Ok(match self.retry_state(kind)? {
            RetryState::Remaining(n) => n,
            RetryState::Blocked => 0,
        })
    }

    fn read_counter_of_selected(&mut self) -> Result<RetryState, CardError> {
        let command = apdu::retry_counter();
        let response = self.send(&command)?;
        match response.sw {
            StatusWord::RemainingTries(n) => Ok(RetryState::Remaining(n)),
            sw if sw.is_blocked() => Ok(RetryState::Blocked),
            // 9000 ("already verified" on some cards) or 6300 ("no counter"): the count is unknown, and a PIN
            // is never presented against an unknown count.
            sw => Err(CardError::from_status(CommandName::RetryCounter, sw)),
        }
    }

    /// Verifies the sign PIN. Consumes the PIN: it is presented at most once, and only after the counter
    /// was read in this same call.
    pub fn verify_sign_pin(&mut self, pin: SignPin, last_try: LastTry) -> Result<(), CardError> {
        self.verify(PinKind::Sign, last_try, || Some(pin.into_bytes()))
    }

    /// Like [`Self::verify_sign_pin`], but the PIN is taken from `provide` only at the moment it is presented,
    /// after the counter allowed it. A link that fails earlier (the usual place: the first exchanges after a
    /// tap) leaves the caller's PIN untouched for the next tap, at no extra APDU. `provide` returning `None`
    /// (the PIN was already used) is [`CardError::PinUnavailable`], with nothing presented.
    pub fn verify_sign_pin_with(
        &mut self,
        last_try: LastTry,
        provide: impl FnOnce() -> Option<SignPin>,
    ) -> Result<(), CardError> {
        self.verify(PinKind::Sign, last_try, || provide().map(SignPin::into_bytes))
    }

    /// Verifies the auth PIN, under the same rules.
    pub fn verify_auth_pin(&mut self, pin: AuthPin, last_try: LastTry) -> Result<(), CardError> {
        self.verify(PinKind::Auth, last_try, || Some(pin.into_bytes()))
    }

    /// Like [`Self::verify_sign_pin_with`], for the auth PIN (4 digits, 3 tries): the PIN is taken from
    /// `provide` only after the auth PIN's counter (EF 0018), read in this call, allowed presenting it.
    pub fn verify_auth_pin_with(
        &mut self,
        last_try: LastTry,
        provide: impl FnOnce() -> Option<AuthPin>,
    ) -> Result<(), CardError> {
        self.verify(PinKind::Auth, last_try, || provide().map(AuthPin::into_bytes))
    }

    /// Either PIN, by what `provide` holds ([`CardPin`]): `kind` names the counter that is read first, and a PIN
    /// of the other kind is never presented ([`CardError::PinUnavailable`], nothing sent).
    pub fn verify_pin_with(
        &mut self,
        kind: PinKind,
        last_try: LastTry,
        provide: impl FnOnce() -> Option<CardPin>,
    ) -> Result<(), CardError> {
        self.verify(kind, last_try, || provide().filter(|p| p.kind() == kind).map(CardPin::into_bytes))
    }

    fn verify(
        &mut self,
        kind: PinKind,
        last_try: LastTry,
        pin: impl FnOnce() -> Option<PinBytes>,
    ) -> Result<(), CardError> {
        let remaining = match self.retry_state(kind)? {
            RetryState::Blocked | RetryState::Remaining(0) => return Err(CardError::Blocked),
            RetryState::Remaining(1) if last_try != LastTry::Confirmed => {
                return Err(CardError::NeedsLastTryConfirmation)
            }
            RetryState::Remaining(n) => n,
        };
        let pin = pin().ok_or(CardError::PinUnavailable)?;
        log::info!("presenting the {kind:?} PIN once ({remaining} tries left before)");
        let command = apdu::verify(&pin);
        drop(pin);
        let response = match self.send(&command) {
            Ok(r) => r,
            Err(CardError::Transport(t)) => return Err(CardError::VerifyOutcomeUnknown(t)),
            Err(e) => return Err(e),
        };
        match response.sw {
            StatusWord::Success => Ok(()),
            sw => Err(CardError::from_status(CommandName::Verify, sw)),
        }
    }

    /// Reads a whole certificate EF. The length comes from the DER header of the first answer: on an
    /// extended-length link the first READ BINARY asks for everything the link can carry (one APDU for a
    /// JPKI certificate); on a short link 256-byte chunks, the first already carrying the header.
    pub fn read_certificate(&mut self, kind: CertificateKind) -> Result<Vec<u8>, CardError> {
        self.select(kind.file())?;
        self.read_der_file()
    }

    pub fn read_sign_certificate(&mut self) -> Result<Vec<u8>, CardError> {
        self.read_certificate(CertificateKind::Sign)
    }

    /// The user-authentication certificate (EF 000A). A マイナンバーカード gives it without any PIN, so a log-in
    /// reads it in the same tap as the signature; a phone token (`JPKIAPGPSETOKEN`) wants the auth PIN first.
    pub fn read_auth_certificate(&mut self) -> Result<Vec<u8>, CardError> {
        self.read_certificate(CertificateKind::Auth)
    }

    fn read_der_file(&mut self) -> Result<Vec<u8>, CardError> {
        let caps = self.capabilities();
        let mut chunk = if caps.extended_length { caps.max_response.min(MAX_CERTIFICATE_LEN) } else { 256 };
        let malformed = |reason| CardError::Malformed { command: CommandName::ReadBinary, reason };
        let mut data = match self.read_chunk(0, chunk) {
            // A link that claims extended length in front of a card that refuses it (6700): read short.
            Err(CardError::UnexpectedStatus { sw: StatusWord::WrongLength, .. }) if chunk > 256 => {
                log::info!("extended READ BINARY refused with 6700; reading in short chunks");
                chunk = 256;
                self.read_chunk(0, chunk)?
            }
            other => other?,
        };
        let total = der_total_length(&data).ok_or(malformed("the file does not begin with a DER certificate"))?;
        if total > MAX_CERTIFICATE_LEN {
            return Err(malformed("certificate longer than a JPKI file can be"));
        }
        // Each round either grows `data` or fails, so this ends within total/1 rounds; bound it anyway.
        for _ in 0..=MAX_CERTIFICATE_LEN / 256 + 1 {
            if data.len() >= total {
                data.truncate(total);
                return Ok(data);
            }
            let want = (total - data.len()).min(chunk);
            let more = self.read_chunk(data.len() as u16, want)?;
            if more.is_empty() {
                return Err(malformed("the file ended before the certificate did"));
            }
            data.extend_from_slice(&more);
        }
        Err(malformed("the file did not end"))
    }

    fn read_chunk(&mut self, offset: u16, le: usize) -> Result<Vec<u8>, CardError> {
        let command = apdu::read_binary(offset, le);
        let response = self.send(&command)?;
        match response.sw {
            StatusWord::Success | StatusWord::EndOfFileWarning => Ok(response.data),
            // 6B00 at an offset past the end: nothing more to read.
            StatusWord::OffsetOutOfRange => Ok(Vec::new()),
            sw => Err(CardError::from_status(CommandName::ReadBinary, sw)),
        }
    }

    /// Reads a small EF of known maximum length (e.g. token info) in one READ BINARY.
    pub fn read_small_file(&mut self, ef: FileId, len: usize) -> Result<Vec<u8>, CardError> {
        self.select(ef)?;
        self.read_chunk(0, len.clamp(1, 256))
    }

    /// What kind of token this is (EF 0006).
    pub fn token_kind(&mut self) -> Result<TokenKind, CardError> {
        Ok(TokenKind::parse(&self.read_small_file(ids::EF_TOKEN_INFO, 32)?))
    }

    /// Signs `data` with the sign key: the core hashes and builds the DigestInfo, the card pads and signs.
    pub fn sign(&mut self, alg: HashAlgorithm, data: &[u8]) -> Result<Vec<u8>, CardError> {
        self.compute_signature(ids::EF_SIGN_KEY, &digest_info(alg, data))
    }

    /// Signs a hash computed elsewhere (e.g. CMS signed attributes) with the sign key.
    pub fn sign_hash(&mut self, alg: HashAlgorithm, hash: &[u8]) -> Result<Vec<u8>, CardError> {
        let di = digest_info_of_hash(alg, hash).ok_or(CardError::Malformed {
            command: CommandName::ComputeDigitalSignature,
            reason: "hash length does not match the algorithm",
        })?;
        self.compute_signature(ids::EF_SIGN_KEY, &di)
    }

    /// Signs `data` with the auth key (log-in use; needs the auth PIN first).
    pub fn authenticate(&mut self, alg: HashAlgorithm, data: &[u8]) -> Result<Vec<u8>, CardError> {
        self.compute_signature(ids::EF_AUTH_KEY, &digest_info(alg, data))
    }

    fn compute_signature(&mut self, key: FileId, digest_info: &[u8]) -> Result<Vec<u8>, CardError> {
        self.select(key)?;
        let signature = self.expect_ok(&apdu::compute_digital_signature(digest_info))?;
        if signature.is_empty() {
            return Err(CardError::Malformed {
                command: CommandName::ComputeDigitalSignature,
                reason: "empty signature",
            });
        }
        Ok(signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_from_headers() {
        assert_eq!(der_total_length(&[0x30, 0x82, 0x07, 0x83, 0x30]), Some(0x783 + 4));
        assert_eq!(der_total_length(&[0x30, 0x81, 0x90]), Some(0x93));
        assert_eq!(der_total_length(&[0x30, 0x10]), Some(0x12));
        assert_eq!(der_total_length(&[0x30, 0x83, 1, 2, 3]), None);
        assert_eq!(der_total_length(&[0x04, 0x02]), None);
        assert_eq!(der_total_length(&[0x30, 0x82, 0x07]), None);
        assert_eq!(der_total_length(&[]), None);
    }

    #[test]
    fn token_kinds() {
        let pad = |s: &str| format!("{s:<32}").into_bytes();
        assert_eq!(TokenKind::parse(&pad("JPKIAPICCTOKEN2")), TokenKind::MyNumberCard);
        assert_eq!(TokenKind::parse(&pad("JPKIAPICCTOKEN")), TokenKind::JukiCard);
        assert_eq!(TokenKind::parse(&pad("JPKIAPGPSETOKEN")), TokenKind::AndroidPhone);
        assert_eq!(TokenKind::parse(&pad("JPKIAPIOSTOKEN")), TokenKind::IPhone);
        assert_eq!(TokenKind::parse(&[0xFF, b'A']), TokenKind::Other("?A".into()));
    }
}
