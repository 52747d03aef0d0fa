//! Command and response APDUs (ISO/IEC 7816-4 §5.1), short and extended length, and the spec-named
//! constructors of every command Kazasu sends to a JPKI card.
//!
//! A [`Command`] never prints its data: `Debug` shows the command's name and lengths only, and the data
//! buffer is zeroized when the command is dropped (a VERIFY carries the PIN).

use std::fmt;

use zeroize::Zeroizing;

use crate::ids::{ins, FileId, AID_JPKI_AP};
use crate::pin::PinBytes;

/// Longest Le a short APDU can ask for.
pub const SHORT_MAX_LE: usize = 256;
/// Longest Lc a short APDU can carry.
pub const SHORT_MAX_LC: usize = 255;
/// Longest Le (and Lc) an extended APDU can carry.
pub const EXTENDED_MAX_LE: usize = 65536;
pub const EXTENDED_MAX_LC: usize = 65535;

/// What a command is, for logs and errors. Logs name commands; they never carry their bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandName {
    SelectAp,
    SelectEf,
    RetryCounter,
    Verify,
    ReadBinary,
    GetResponse,
    ComputeDigitalSignature,
}

impl fmt::Display for CommandName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CommandName::SelectAp => "SELECT AP",
            CommandName::SelectEf => "SELECT EF",
            CommandName::RetryCounter => "VERIFY (retry counter)",
            CommandName::Verify => "VERIFY",
            CommandName::ReadBinary => "READ BINARY",
            CommandName::GetResponse => "GET RESPONSE",
            CommandName::ComputeDigitalSignature => "COMPUTE DIGITAL SIGNATURE",
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApduError {
    #[error("{command}: {len} data bytes need an extended-length APDU, which this link does not support")]
    DataTooLongForShort { command: CommandName, len: usize },
    #[error("{command}: {len} data bytes exceed the extended-length limit")]
    DataTooLong { command: CommandName, len: usize },
    #[error("{command}: Le {le} is out of range")]
    LeOutOfRange { command: CommandName, le: usize },
    #[error("response of {len} bytes is too short to hold a status word")]
    ResponseTooShort { len: usize },
}

/// A command APDU. Build it with the constructors below; encode it with [`Command::encode`].
pub struct Command {
    pub name: CommandName,
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    data: Zeroizing<Vec<u8>>,
    /// Expected response length (1..=65536); `None` for case 1 and case 3 commands.
    pub le: Option<usize>,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command").field("name", &self.name).field("lc", &self.data.len()).field("le", &self.le).finish()
    }
}

impl Command {
    pub fn new(name: CommandName, cla: u8, ins: u8, p1: u8, p2: u8, data: Vec<u8>, le: Option<usize>) -> Self {
        Command { name, cla, ins, p1, p2, data: Zeroizing::new(data), le }
    }

    pub fn lc(&self) -> usize {
        self.data.len()
    }

    /// Whether this command fits a short APDU.
    pub fn fits_short(&self) -> bool {
        self.data.len() <= SHORT_MAX_LC && self.le.is_none_or(|le| le <= SHORT_MAX_LE)
    }

    /// The same command with another Le (used after 6Cxx).
    pub fn with_le(&self, le: usize) -> Command {
        Command::new(self.name, self.cla, self.ins, self.p1, self.p2, self.data.to_vec(), Some(le))
    }

    /// Encodes as a short APDU when it fits, else as an extended one if `extended_allowed`.
    pub fn encode(&self, extended_allowed: bool) -> Result<Zeroizing<Vec<u8>>, ApduError> {
        if let Some(le) = self.le {
            if le == 0 || le > EXTENDED_MAX_LE {
                return Err(ApduError::LeOutOfRange { command: self.name, le });
            }
        }
        if self.data.len() > EXTENDED_MAX_LC {
            return Err(ApduError::DataTooLong { command: self.name, len: self.data.len() });
        }
        let mut out = Zeroizing::new(Vec::with_capacity(self.data.len() + 9));
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if self.fits_short() {
            if !self.data.is_empty() {
                out.push(self.data.len() as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.push(if le == SHORT_MAX_LE { 0 } else { le as u8 });
            }
            return Ok(out);
        }
        if !extended_allowed {
            if self.data.len() > SHORT_MAX_LC {
                return Err(ApduError::DataTooLongForShort { command: self.name, len: self.data.len() });
            }
            return Err(ApduError::LeOutOfRange { command: self.name, le: self.le.unwrap_or(0) });
        }
        // Extended: one 00 byte, then two-byte Lc and/or two-byte Le (ISO/IEC 7816-4 §5.1).
        out.push(0);
        if !self.data.is_empty() {
            out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            let le = if le == EXTENDED_MAX_LE { 0 } else { le as u16 };
            out.extend_from_slice(&le.to_be_bytes());
        }
        Ok(out)
    }
}

/// SELECT the JPKI AP by its AID, no FCI wanted (P2 = 0C). Clears the card's security status.
pub fn select_ap() -> Command {
    select_aid(&AID_JPKI_AP)
}

pub fn select_aid(aid: &[u8]) -> Command {
    Command::new(CommandName::SelectAp, 0x00, ins::SELECT, 0x04, 0x0C, aid.to_vec(), None)
}

/// SELECT an elementary file of the current application by its file identifier (P1 = 02, P2 = 0C).
pub fn select_ef(ef: FileId) -> Command {
    Command::new(CommandName::SelectEf, 0x00, ins::SELECT, 0x02, 0x0C, ef.bytes().to_vec(), None)
}

/// VERIFY with no data (case 1): the card answers 63Cx with the tries left and spends none.
/// No trailing Le — a real card answered 6700 to `00 20 00 80 00` (jpki-signer-android, in jpki-facts).
pub fn retry_counter() -> Command {
    Command::new(CommandName::RetryCounter, 0x00, ins::VERIFY, 0x00, 0x80, Vec::new(), None)
}

/// VERIFY the PIN of the currently selected PIN EF. The PIN goes as ASCII without padding.
pub fn verify(pin: &PinBytes) -> Command {
    Command::new(CommandName::Verify, 0x00, ins::VERIFY, 0x00, 0x80, pin.to_vec(), None)
}

/// READ BINARY of the currently selected EF from `offset` (at most 0x7FFF: bit 8 of P1 would mean SFI).
pub fn read_binary(offset: u16, le: usize) -> Command {
    let [p1, p2] = (offset & 0x7FFF).to_be_bytes();
    Command::new(CommandName::ReadBinary, 0x00, ins::READ_BINARY, p1, p2, Vec::new(), Some(le))
}

/// GET RESPONSE after 61xx.
pub fn get_response(le: usize) -> Command {
    Command::new(CommandName::GetResponse, 0x00, ins::GET_RESPONSE, 0x00, 0x00, Vec::new(), Some(le))
}

/// COMPUTE DIGITAL SIGNATURE with the currently selected key EF: `80 2A 00 80 Lc DigestInfo 00`.
/// The card applies PKCS#1 v1.5 type-1 padding itself (OpenSC `jpki_compute_signature`).
pub fn compute_digital_signature(digest_info: &[u8]) -> Command {
    Command::new(
        CommandName::ComputeDigitalSignature,
        0x80,
        ins::COMPUTE_DIGITAL_SIGNATURE,
        0x00,
        0x80,
        digest_info.to_vec(),
        Some(SHORT_MAX_LE),
    )
}

/// A response APDU: data and the status word. `Debug` shows the length, never the data.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: crate::sw::StatusWord,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({} bytes, {})", self.data.len(), self.sw)
    }
}

impl Response {
    pub fn parse(mut raw: Vec<u8>) -> Result<Response, ApduError> {
        if raw.len() < 2 {
            return Err(ApduError::ResponseTooShort { len: raw.len() });
        }
        let sw2 = raw.pop().unwrap_or_default();
        let sw1 = raw.pop().unwrap_or_default();
        Ok(Response { data: raw, sw: crate::sw::StatusWord::from_bytes(sw1, sw2) })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&u16::from(self.sw).to_be_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{EF_SIGN_CERT, EF_SIGN_PIN};
    use crate::pin::SignPin;

    fn short(c: &Command) -> Vec<u8> {
        c.encode(false).unwrap().to_vec()
    }

    #[test]
    fn known_encodings_of_the_jpki_commands() {
        assert_eq!(short(&select_ap()), hex("00A4040C0AD392F000260100000001"));
        assert_eq!(short(&select_ef(EF_SIGN_PIN)), hex("00A4020C02001B"));
        assert_eq!(short(&select_ef(EF_SIGN_CERT)), hex("00A4020C020001"));
        assert_eq!(short(&retry_counter()), hex("00200080"));
        let pin = SignPin::new("abc123").unwrap();
        assert_eq!(short(&verify(pin.bytes())), hex("0020008006414243313233"));
        assert_eq!(short(&read_binary(0, 256)), hex("00B0000000"));
        assert_eq!(short(&read_binary(0x0100, 0x20)), hex("00B0010020"));
        assert_eq!(short(&get_response(0x10)), hex("00C0000010"));
        let di = [0xAB; 51];
        let mut expected = hex("802A008033");
        expected.extend_from_slice(&di);
        expected.push(0);
        assert_eq!(short(&compute_digital_signature(&di)), expected);
    }

    #[test]
    fn extended_length_encodings() {
        assert_eq!(
            read_binary(0, 2000).encode(true).unwrap().to_vec(),
            hex("00B00000" /* */
                .to_owned()
                + "0007D0")
        );
        assert_eq!(read_binary(4, 65536).encode(true).unwrap().to_vec(), hex("00B00004000000"));
        let long = Command::new(CommandName::Verify, 0, 0x20, 0, 0x80, vec![1; 300], Some(2));
        assert_eq!(
            long.encode(true).unwrap()[..7].to_vec(),
            hex("00200080" /* */
                .to_owned()
                + "00012C")
        );
        assert_eq!(long.encode(true).unwrap()[307..].to_vec(), hex("0002"));
        assert_eq!(
            long.encode(false).unwrap_err(),
            ApduError::DataTooLongForShort { command: CommandName::Verify, len: 300 }
        );
        assert!(read_binary(0, 2000).encode(false).is_err());
        assert!(read_binary(0, 0).encode(true).is_err());
    }

    #[test]
    fn read_binary_never_sets_the_sfi_bit() {
        let c = read_binary(0xFFFF, 1);
        assert_eq!(c.p1 & 0x80, 0);
    }

    #[test]
    fn responses_split_data_and_status_word() {
        let r = Response::parse(hex("01029000")).unwrap();
        assert_eq!(r.data, vec![1, 2]);
        assert!(r.sw.is_success());
        assert_eq!(r.to_bytes(), hex("01029000"));
        assert_eq!(Response::parse(vec![0x90]).unwrap_err(), ApduError::ResponseTooShort { len: 1 });
    }

    #[test]
    fn debug_of_a_verify_command_hides_the_pin() {
        let pin = SignPin::new("SECRET99").unwrap();
        let shown = format!("{:?}", verify(pin.bytes()));
        assert!(!shown.contains("SECRET99") && !shown.contains("83, 69"), "{shown}");
        assert!(shown.contains("lc: 8"));
    }

    pub(crate) fn hex(s: impl AsRef<str>) -> Vec<u8> {
        hex::decode(s.as_ref()).unwrap()
    }
}
