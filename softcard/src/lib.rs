//! A software JPKI card: the card side of every command Kazasu sends, with retry counters that persist
//! while it runs and block at 0, 6982 for the sign certificate and keys before their PIN, 6A82 for unknown
//! AIDs and EFs, 6D00 for unknown instructions, security status cleared by SELECT AP, short and extended
//! READ BINARY, and switchable quirks for tests. It signs with the test PKI's keys (OpenSSL, PKCS#1 v1.5).
//!
//! Use it in-process as a [`Transport`], or put it behind vpcd (`kazasu card serve --vpcd`) so pcscd and any
//! PC/SC program see it in a reader. It is a test double: its keys are the public TEST-ONLY fixtures.

mod command;

use std::collections::HashMap;

use openssl::pkey::{PKey, Private};
use openssl::rsa::Padding;
use zeroize::Zeroizing;

use command::CardCommand;
use kazasu_card::ids::{self, FileId, AID_JPKI_AP};
use kazasu_card::sw::StatusWord;
use kazasu_card::{LinkCapabilities, Transport, TransportError};

pub use command::ParseError;

/// The test PKI baked into the software card (see `fixtures/generate.sh`): `fixtures/test-pki`, or the PKI in
/// `KAZASU_TEST_PKI` at build time (`softcard/build.rs`; the demo's fresh PKI when the committed one nears expiry).
pub mod fixture {
    pub const SIGN_CERT: &[u8] = include_bytes!(concat!(env!("KAZASU_TEST_PKI_DIR"), "/sign.der"));
    pub const SIGN_CA_CERT: &[u8] = include_bytes!(concat!(env!("KAZASU_TEST_PKI_DIR"), "/sign-ca.der"));
    pub const AUTH_CERT: &[u8] = include_bytes!(concat!(env!("KAZASU_TEST_PKI_DIR"), "/auth.der"));
    pub const AUTH_CA_CERT: &[u8] = include_bytes!(concat!(env!("KAZASU_TEST_PKI_DIR"), "/auth-ca.der"));
    pub const SIGN_CA_CRL: &[u8] = include_bytes!(concat!(env!("KAZASU_TEST_PKI_DIR"), "/sign-ca.crl.der"));
    pub(super) const SIGN_KEY_PKCS8: &[u8] =
        include_bytes!(concat!(env!("KAZASU_TEST_PKI_DIR"), "/sign.TEST-ONLY.key.der"));
    pub(super) const AUTH_KEY_PKCS8: &[u8] =
        include_bytes!(concat!(env!("KAZASU_TEST_PKI_DIR"), "/auth.TEST-ONLY.key.der"));
    /// The software card's sign PIN unless configured otherwise. Test-only.
    pub const SIGN_PIN: &str = "ABC123";
    /// The software card's auth PIN unless configured otherwise. Test-only.
    pub const AUTH_PIN: &str = "1234";
}

/// ATR the software card presents: a contactless マイナンバーカード's, as seen in pcsc-tools' list.
pub const SOFTCARD_ATR: &[u8] = &[0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x05, 0xE0, 0xB3, 0x81, 0xA1, 0x00, 0x7F];

/// Behaviours of real cards and links that tests switch on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Answer with at most 128 data bytes and 61xx, the rest fetched with GET RESPONSE (T=0 style).
    pub chaining_61xx: bool,
    /// Refuse a short Le that differs from what is available with 6Cxx (xx = the right Le).
    pub exact_le_6cxx: bool,
    /// Refuse extended-length APDUs (6700) and report a short-only link.
    pub short_only: bool,
    /// Answer VERIFY on a locked PIN with 6983 instead of 6984.
    pub locked_sw_6983: bool,
}

struct PinState {
    value: Zeroizing<Vec<u8>>,
    remaining: u8,
    verified: bool,
}

impl PinState {
    fn new(value: &str, max: u8) -> Self {
        PinState { value: Zeroizing::new(value.as_bytes().to_vec()), remaining: max, verified: false }
    }
}

/// Counters of what the card saw, for tests that assert what was (not) sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CardLog {
    pub apdus: usize,
    /// VERIFY commands that carried a PIN (each one a presentation).
    pub pin_presentations: usize,
    /// VERIFY commands without data (counter queries).
    pub counter_queries: usize,
    pub signatures: usize,
}

pub struct SoftCard {
    files: HashMap<FileId, Vec<u8>>,
    sign_key: PKey<Private>,
    auth_key: PKey<Private>,
    sign_pin: PinState,
    auth_pin: PinState,
    ap_selected: bool,
    current: Option<FileId>,
    pending: Vec<u8>,
    quirks: Quirks,
    log: CardLog,
}

impl std::fmt::Debug for SoftCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftCard").field("quirks", &self.quirks).field("log", &self.log).finish_non_exhaustive()
    }
}

impl Default for SoftCard {
    fn default() -> Self {
        SoftCard::new()
    }
}

impl SoftCard {
    /// A fresh マイナンバーカード with the test PKI, sign PIN [`fixture::SIGN_PIN`], auth PIN [`fixture::AUTH_PIN`].
    pub fn new() -> SoftCard {
        SoftCard::with_pins(fixture::SIGN_PIN, fixture::AUTH_PIN)
    }

    pub fn with_pins(sign_pin: &str, auth_pin: &str) -> SoftCard {
        let key = |der| PKey::private_key_from_pkcs8(der).expect("the fixture keys are valid PKCS#8");
        let mut token = ids::TOKEN_MY_NUMBER_CARD.as_bytes().to_vec();
        token.resize(32, b' ');
        let files = HashMap::from([
            (ids::EF_SIGN_CERT, fixture::SIGN_CERT.to_vec()),
            (ids::EF_SIGN_CA_CERT, fixture::SIGN_CA_CERT.to_vec()),
            (ids::EF_AUTH_CERT, fixture::AUTH_CERT.to_vec()),
            (ids::EF_AUTH_CA_CERT, fixture::AUTH_CA_CERT.to_vec()),
            (ids::EF_TOKEN_INFO, token),
        ]);
        SoftCard {
            files,
            sign_key: key(fixture::SIGN_KEY_PKCS8),
            auth_key: key(fixture::AUTH_KEY_PKCS8),
            sign_pin: PinState::new(&sign_pin.to_ascii_uppercase(), ids::SIGN_PIN_MAX_TRIES),
            auth_pin: PinState::new(auth_pin, ids::AUTH_PIN_MAX_TRIES),
            ap_selected: false,
            current: None,
            pending: Vec::new(),
            quirks: Quirks::default(),
            log: CardLog::default(),
        }
    }

    pub fn with_quirks(mut self, quirks: Quirks) -> SoftCard {
        self.quirks = quirks;
        self
    }

    pub fn set_quirks(&mut self, quirks: Quirks) {
        self.quirks = quirks;
    }

    pub fn atr(&self) -> &'static [u8] {
        SOFTCARD_ATR
    }

    pub fn log(&self) -> CardLog {
        self.log
    }

    /// Tries left on a PIN, read from the card's memory (for tests; spends nothing).
    pub fn tries_left(&self, sign: bool) -> u8 {
        if sign {
            self.sign_pin.remaining
        } else {
            self.auth_pin.remaining
        }
    }

    /// Sets the tries left of the sign PIN (tests that start near the limit).
    pub fn set_sign_tries_left(&mut self, n: u8) {
        self.sign_pin.remaining = n.min(ids::SIGN_PIN_MAX_TRIES);
    }

    /// Sets the tries left of the auth PIN (tests that start near its limit of 3).
    pub fn set_auth_tries_left(&mut self, n: u8) {
        self.auth_pin.remaining = n.min(ids::AUTH_PIN_MAX_TRIES);
    }

    /// The card left the field / was reset: the security status and selections are gone, counters stay.
    pub fn power_cycle(&mut self) {
        self.ap_selected = false;
        self.current = None;
        self.pending.clear();
        self.sign_pin.verified = false;
        self.auth_pin.verified = false;
    }

    /// Processes one command APDU and returns the response APDU (data ‖ SW). Never panics.
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.log.apdus += 1;
        let (data, sw) = match CardCommand::parse(apdu) {
            Err(_) => (Vec::new(), StatusWord::WrongLength),
            Ok(c) if c.extended && self.quirks.short_only => (Vec::new(), StatusWord::WrongLength),
            Ok(c) => self.execute(&c),
        };
        let mut out = data;
        out.extend_from_slice(&u16::from(sw).to_be_bytes());
        out
    }

    fn execute(&mut self, c: &CardCommand) -> (Vec<u8>, StatusWord) {
        if c.ins != ids::ins::GET_RESPONSE {
            self.pending.clear();
        }
        let result = match (c.cla, c.ins) {
            (0x00, ids::ins::SELECT) => self.select(c),
            (0x00, ids::ins::VERIFY) => self.verify(c),
            (0x00, ids::ins::READ_BINARY) => self.read_binary(c),
            (0x00, ids::ins::GET_RESPONSE) => return self.get_response(c),
            (0x80, ids::ins::COMPUTE_DIGITAL_SIGNATURE) => self.compute_signature(c),
            (0x00 | 0x80, _) => Err(StatusWord::InsNotSupported),
            _ => Err(StatusWord::ClaNotSupported),
        };
        match result {
            Ok(data) => self.respond(c, data),
            Err(sw) => (Vec::new(), sw),
        }
    }

    /// Applies the response-shaping quirks (6Cxx, 61xx) to a successful answer.
    fn respond(&mut self, c: &CardCommand, data: Vec<u8>) -> (Vec<u8>, StatusWord) {
        if self.quirks.exact_le_6cxx && !c.extended {
            if let Some(le) = c.le {
                if !data.is_empty() && data.len() < 256 && le != data.len() {
                    return (Vec::new(), StatusWord::CorrectLength(data.len() as u8));
                }
            }
        }
        if self.quirks.chaining_61xx && data.len() > 128 {
            let mut data = data;
            self.pending = data.split_off(128);
            let next = self.pending.len().min(256) as u8; // 256 → 00
            return (data, StatusWord::MoreData(next));
        }
        (data, StatusWord::Success)
    }

    fn get_response(&mut self, c: &CardCommand) -> (Vec<u8>, StatusWord) {
        if self.pending.is_empty() {
            return (Vec::new(), StatusWord::ConditionsNotSatisfied);
        }
        let take = c.le.unwrap_or(256).min(self.pending.len());
        let rest = self.pending.split_off(take);
        let out = std::mem::replace(&mut self.pending, rest);
        if self.pending.is_empty() {
            (out, StatusWord::Success)
        } else {
            let next = self.pending.len().min(256) as u8;
            (out, StatusWord::MoreData(next))
        }
    }

    fn select(&mut self, c: &CardCommand) -> Result<Vec<u8>, StatusWord> {
        match c.p1 {
            0x04 => {
                if c.data == AID_JPKI_AP {
                    // Selecting the AP (again) clears the security status (jpki-facts, OpenSC assumes it).
                    self.power_cycle();
                    self.ap_selected = true;
                    Ok(Vec::new())
                } else {
                    Err(StatusWord::NotFound)
                }
            }
            0x02 if c.data.len() == 2 && self.ap_selected => {
                let id = FileId(u16::from_be_bytes([c.data[0], c.data[1]]));
                let known = self.files.contains_key(&id)
                    || [ids::EF_SIGN_PIN, ids::EF_AUTH_PIN, ids::EF_SIGN_KEY, ids::EF_AUTH_KEY].contains(&id);
                if known {
                    self.current = Some(id);
                    Ok(Vec::new())
                } else {
                    Err(StatusWord::NotFound)
                }
            }
            0x00..=0x04 => Err(StatusWord::NotFound),
            _ => Err(StatusWord::WrongP1P2),
        }
    }

    fn verify(&mut self, c: &CardCommand) -> Result<Vec<u8>, StatusWord> {
        if c.p1 != 0x00 || c.p2 != 0x80 {
            return Err(StatusWord::WrongP1P2);
        }
        let locked_sw = if self.quirks.locked_sw_6983 {
            StatusWord::AuthMethodBlocked
        } else {
            StatusWord::ReferenceDataInvalidated
        };
        let pin = match self.current {
            Some(ids::EF_SIGN_PIN) => &mut self.sign_pin,
            Some(ids::EF_AUTH_PIN) => &mut self.auth_pin,
            _ => return Err(StatusWord::NoCurrentEf),
        };
        if c.le.is_some() {
            return Err(StatusWord::WrongLength); // a real card answers 6700 to `00 20 00 80 00`
        }
        if c.data.is_empty() {
            self.log.counter_queries += 1;
            // Always 63Cx, also when locked (63C0) — OpenSC rejects the card otherwise (jpki-facts).
            return Err(if pin.remaining == 0 {
                StatusWord::NoTriesLeft
            } else {
                StatusWord::RemainingTries(pin.remaining)
            });
        }
        self.log.pin_presentations += 1;
        if pin.remaining == 0 {
            return Err(locked_sw);
        }
        if pin.value.len() == c.data.len() && openssl::memcmp::eq(&pin.value, &c.data) {
            pin.remaining =
                if self.current == Some(ids::EF_SIGN_PIN) { ids::SIGN_PIN_MAX_TRIES } else { ids::AUTH_PIN_MAX_TRIES };
            pin.verified = true;
            Ok(Vec::new())
        } else {
            pin.remaining -= 1;
            pin.verified = false;
            Err(if pin.remaining == 0 { StatusWord::NoTriesLeft } else { StatusWord::RemainingTries(pin.remaining) })
        }
    }

    fn read_binary(&mut self, c: &CardCommand) -> Result<Vec<u8>, StatusWord> {
        if c.p1 & 0x80 != 0 {
            return Err(StatusWord::WrongP1P2); // SFI addressing is not offered
        }
        let id = self.current.ok_or(StatusWord::NoCurrentEf)?;
        if id == ids::EF_SIGN_CERT && !self.sign_pin.verified {
            return Err(StatusWord::SecurityStatusNotSatisfied);
        }
        let file = self.files.get(&id).ok_or(StatusWord::SecurityStatusNotSatisfied)?; // keys and PINs
        let offset = u16::from_be_bytes([c.p1, c.p2]) as usize;
        if offset >= file.len() {
            return Err(StatusWord::OffsetOutOfRange);
        }
        let le = c.le.unwrap_or(256);
        Ok(file[offset..file.len().min(offset + le)].to_vec())
    }

    fn compute_signature(&mut self, c: &CardCommand) -> Result<Vec<u8>, StatusWord> {
        if c.p1 != 0x00 || c.p2 != 0x80 {
            return Err(StatusWord::WrongP1P2);
        }
        let key = match self.current {
            Some(ids::EF_SIGN_KEY) if self.sign_pin.verified => &self.sign_key,
            Some(ids::EF_AUTH_KEY) if self.auth_pin.verified => &self.auth_key,
            Some(ids::EF_SIGN_KEY | ids::EF_AUTH_KEY) => return Err(StatusWord::SecurityStatusNotSatisfied),
            _ => return Err(StatusWord::ConditionsNotSatisfied),
        };
        let rsa = key.rsa().map_err(|_| StatusWord::NoPreciseDiagnosis)?;
        if c.data.is_empty() || c.data.len() > rsa.size() as usize - 11 {
            return Err(StatusWord::WrongLength);
        }
        let mut out = vec![0; rsa.size() as usize];
        // PKCS#1 v1.5 type-1 padding of the host's DigestInfo, then the private-key operation: a real card's sign.
        let n = rsa.private_encrypt(&c.data, &mut out, Padding::PKCS1).map_err(|_| StatusWord::NoPreciseDiagnosis)?;
        out.truncate(n);
        self.log.signatures += 1;
        Ok(out)
    }
}

impl Transport for SoftCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.process(command))
    }

    fn capabilities(&self) -> LinkCapabilities {
        if self.quirks.short_only {
            LinkCapabilities::SHORT
        } else {
            LinkCapabilities::extended(65536)
        }
    }
}
