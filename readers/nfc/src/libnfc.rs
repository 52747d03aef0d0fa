//! The transport itself, over the `nfc1` bindings to libnfc.

use std::fmt;
use std::time::{Duration, Instant};

use kazasu_card::{LinkCapabilities, Transport, TransportError};
use nfc1::target_info::TargetInfo;
use nfc1::{BaudRate, Context, Device, Modulation, ModulationType, Property, Timeout};

use crate::{CardKind, NfcError, MAX_COMMAND_APDU, MAX_RESPONSE_APDU};

/// Pause between two polling rounds while waiting for a card.
const POLL_PAUSE: Duration = Duration::from_millis(100);

/// The most devices `list_devices` asks libnfc for.
const MAX_DEVICES: usize = 16;

const TYPE_B: Modulation = Modulation { modulation_type: ModulationType::Iso14443b, baud_rate: BaudRate::Baud106 };
const TYPE_A: Modulation = Modulation { modulation_type: ModulationType::Iso14443a, baud_rate: BaudRate::Baud106 };

/// Connection strings of the libnfc devices libnfc can see: devices named in libnfc's configuration
/// or `LIBNFC_DEVICE`, USB readers, and serial ports if intrusive scanning is enabled.
pub fn list_devices() -> Result<Vec<String>, NfcError> {
    let mut context = Context::new().map_err(|_| NfcError::Init)?;
    context.list_devices(MAX_DEVICES).map_err(|e| NfcError::Libnfc(e.to_string()))
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Link {
    /// No card activated yet.
    NoCard,
    Active(CardKind),
    /// The card left the field (or stopped answering) during an exchange.
    Lost,
}

/// A libnfc reader with (usually) an activated ISO/IEC 14443-4 card.
pub struct NfcTransport {
    // Field order matters: the device is closed (InRelease, field off, power-down) before the context
    // is freed.
    device: Device,
    _context: Context,
    name: String,
    connstring: String,
    timeout: Duration,
    link: Link,
}

impl fmt::Debug for NfcTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NfcTransport")
            .field("name", &self.name)
            .field("connstring", &self.connstring)
            .field("timeout", &self.timeout)
            .field("link", &self.link)
            .finish()
    }
}

impl NfcTransport {
    /// Open a reader (`connstring`, or the first device libnfc finds) and activate the card if one is
    /// in its field already (see [`NfcTransport::card`]); if none is, [`NfcTransport::wait_for_card`]
    /// waits for it. `timeout` bounds each APDU exchange (see [`crate::DEFAULT_APDU_TIMEOUT`]).
    pub fn open(connstring: Option<&str>, timeout: Duration) -> Result<Self, NfcError> {
        let mut t = Self::open_reader(connstring, timeout)?;
        match t.wait_for_card(Duration::ZERO) {
            Ok(_) | Err(NfcError::NoCard) => Ok(t),
            Err(e) => Err(e),
        }
    }

    /// What the CLI calls: open the reader (`connstring` or the first libnfc finds), and wait up to `wait`
    /// for a card, calling `on_wait` with the reader's name once if none is there yet.
    pub fn connect(
        connstring: Option<&str>,
        timeout: Duration,
        wait: Duration,
        on_wait: impl Fn(&str),
    ) -> Result<Self, TransportError> {
        let mut t = Self::open(connstring, timeout)?;
        if t.card().is_some() {
            return Ok(t);
        }
        on_wait(&t.name);
        t.wait_for_card(wait)?;
        Ok(t)
    }

    /// Open a reader and put it in reader (initiator) mode without waiting for a card.
    pub fn open_reader(connstring: Option<&str>, timeout: Duration) -> Result<Self, NfcError> {
        let mut context = Context::new().map_err(|_| NfcError::Init)?;
        let opened = match connstring {
            Some(c) => context.open_with_connstring(c),
            None => context.open(),
        };
        let mut device = opened.map_err(|_| {
            NfcError::NoReader(match connstring {
                Some(c) => format!("{c} could not be opened"),
                None => "found".to_owned(),
            })
        })?;
        device.initiator_init().map_err(|e| NfcError::Libnfc(format!("initiator mode: {e}")))?;
        // Poll a bounded number of times per select (the chip's default after init is forever).
        device
            .set_property_bool(Property::InfiniteSelect, false)
            .map_err(|e| NfcError::Libnfc(format!("finite polling: {e}")))?;
        let name = device.name().to_owned();
        let connstring = device.connstring().to_owned();
        log::debug!("libnfc: opened {name} ({connstring})");
        Ok(Self { device, _context: context, name, connstring, timeout, link: Link::NoCard })
    }

    /// The activated card, or poll until an ISO/IEC 14443-4 card is activated or `wait` has passed (at
    /// least one round). After a lost card this is how the transport comes back: the card starts afresh.
    pub fn wait_for_card(&mut self, wait: Duration) -> Result<CardKind, NfcError> {
        if let Link::Active(kind) = &self.link {
            return Ok(kind.clone());
        }
        let deadline = Instant::now() + wait;
        loop {
            if let Some(kind) = self.poll_once()? {
                log::debug!("libnfc: card activated ({})", kind_name(&kind));
                self.link = Link::Active(kind.clone());
                return Ok(kind);
            }
            if Instant::now() + POLL_PAUSE > deadline {
                self.link = Link::NoCard;
                return Err(NfcError::NoCard);
            }
            std::thread::sleep(POLL_PAUSE);
        }
    }

    /// Re-activate the card after [`TransportError::CardLost`]. The card has been powered off in
    /// between: nothing verified before is verified now.
    pub fn reconnect(&mut self, wait: Duration) -> Result<CardKind, NfcError> {
        if self.link != Link::NoCard {
            self.link = Link::Lost;
        }
        self.wait_for_card(wait)
    }

    /// One round: Type B, then Type A. Targets that are not ISO/IEC 14443-4 are ignored.
    fn poll_once(&mut self) -> Result<Option<CardKind>, NfcError> {
        if let Some(kind) = self.select(&TYPE_B)? {
            return Ok(Some(kind));
        }
        self.select(&TYPE_A)
    }

    fn select(&mut self, modulation: &Modulation) -> Result<Option<CardKind>, NfcError> {
        let target = match self.device.initiator_select_passive_target(modulation) {
            Ok(t) => t,
            // No answer within libnfc's selection time: nothing there.
            Err(nfc1::Error::Timeout) | Err(nfc1::Error::RfTransmissionError) => return Ok(None),
            Err(e) => return Err(NfcError::Libnfc(format!("polling: {e}"))),
        };
        // nfc1 returns its placeholder target (Type A, all zero) when libnfc found none.
        if target.modulation.modulation_type != modulation.modulation_type {
            return Ok(None);
        }
        Ok(match target.target_info {
            // Protocol Info, second byte, bit 1: the PICC is ISO/IEC 14443-4 compliant (ISO/IEC 14443-3 §7.9.4).
            TargetInfo::Iso14443b(b) if b.protocol_info[1] & 0x01 != 0 => Some(CardKind::TypeB { pupi: b.pupi }),
            // SAK bit 6: ISO/IEC 14443-4 compliant (ISO/IEC 14443-3 §6.5.3.4); libnfc did RATS already.
            TargetInfo::Iso14443a(a) if a.uid_len > 0 && a.sak & 0x20 != 0 => Some(CardKind::TypeA {
                uid: a.uid[..a.uid_len.min(a.uid.len())].to_vec(),
                ats: a.ats[..a.ats_len.min(a.ats.len())].to_vec(),
            }),
            _ => None,
        })
    }

    /// libnfc's name for the device.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// libnfc connection string of the device.
    pub fn connstring(&self) -> &str {
        &self.connstring
    }

    /// The activated card, if any.
    pub fn card(&self) -> Option<&CardKind> {
        match &self.link {
            Link::Active(k) => Some(k),
            _ => None,
        }
    }

    /// Time allowed for each APDU exchange.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }
}

fn kind_name(k: &CardKind) -> &'static str {
    match k {
        CardKind::TypeA { .. } => "ISO/IEC 14443-4 Type A",
        CardKind::TypeB { .. } => "ISO/IEC 14443-4 Type B",
    }
}

impl Transport for NfcTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self.link {
            Link::Active(_) => {}
            Link::NoCard => return Err(TransportError::NoCard),
            Link::Lost => return Err(TransportError::CardLost),
        }
        if command.len() > MAX_COMMAND_APDU {
            return Err(TransportError::Reader(format!(
                "a {}-byte command does not fit a PN53x frame (at most {MAX_COMMAND_APDU})",
                command.len()
            )));
        }
        let ins = command.get(1).copied().unwrap_or(0);
        let started = Instant::now();
        let result =
            self.device.initiator_transceive_bytes(command, MAX_RESPONSE_APDU + 1, Timeout::Duration(self.timeout));
        match result {
            Ok(response) if response.len() >= 2 => {
                let sw = u16::from_be_bytes([response[response.len() - 2], response[response.len() - 1]]);
                log::debug!(
                    "libnfc: INS {ins:02X}, {} bytes out, {} bytes back, SW {sw:04X}, {:?}",
                    command.len(),
                    response.len(),
                    started.elapsed()
                );
                Ok(response)
            }
            Ok(response) => {
                Err(TransportError::Reader(format!("the card answered {} bytes, no status word", response.len())))
            }
            Err(e) => {
                log::debug!("libnfc: INS {ins:02X} failed after {:?}: {e}", started.elapsed());
                Err(self.classify(e))
            }
        }
    }

    fn capabilities(&self) -> LinkCapabilities {
        // Short APDUs: a response of 256 data bytes + SW fits one exchange (MAX_RESPONSE_APDU).
        LinkCapabilities::SHORT
    }
}

impl NfcTransport {
    /// Map a libnfc error during an exchange. Anything that means the card is no longer reachable
    /// marks the link lost until [`NfcTransport::reconnect`].
    fn classify(&mut self, e: nfc1::Error) -> TransportError {
        match e {
            // The PN53x got no answer from the card (status 0x01) or another RF failure.
            nfc1::Error::RfTransmissionError
            // The chip reports the target released or gone (status 0x29 / 0x2B).
            | nfc1::Error::TargetReleased
            // The chip no longer knows the target (status 0x27, "not acceptable in this context").
            | nfc1::Error::InvalidArgument => {
                self.link = Link::Lost;
                TransportError::CardLost
            }
            // The reader itself did not answer within our time-out: what the card did is unknown.
            nfc1::Error::Timeout => {
                self.link = Link::Lost;
                TransportError::Timeout
            }
            other => {
                self.link = Link::Lost;
                TransportError::Reader(other.to_string())
            }
        }
    }
}
