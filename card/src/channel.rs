//! Sends [`Command`]s over a [`Transport`] and returns complete [`Response`]s: 61xx is followed by GET RESPONSE,
//! 6Cxx is answered by resending with the Le the card named. Every loop is bounded. Logs carry command names,
//! lengths and status words only — never APDU data.

use crate::apdu::{get_response, ApduError, Command, Response, SHORT_MAX_LE};
use crate::sw::StatusWord;
use crate::transport::{LinkCapabilities, Transport, TransportError};

/// Most GET RESPONSE rounds for one command (256 × 256 bytes covers any JPKI object many times over).
pub const MAX_GET_RESPONSE_ROUNDS: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Apdu(#[from] ApduError),
    #[error("{0}: the card kept asking for GET RESPONSE past the limit")]
    TooManyGetResponse(crate::apdu::CommandName),
}

/// Traffic counters of a channel (what the benchmarks and the round-trip tests read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    pub apdus: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
}

/// The length SW2 names in 61xx and 6Cxx (00 means 256).
fn le_of_sw2(n: u8) -> usize {
    if n == 0 {
        SHORT_MAX_LE
    } else {
        n as usize
    }
}

pub struct Channel<T: Transport> {
    transport: T,
    capabilities: LinkCapabilities,
    traffic: Traffic,
}

impl<T: Transport> Channel<T> {
    pub fn new(transport: T) -> Self {
        let capabilities = transport.capabilities();
        Channel { transport, capabilities, traffic: Traffic::default() }
    }

    pub fn capabilities(&self) -> LinkCapabilities {
        self.capabilities
    }

    pub fn traffic(&self) -> Traffic {
        self.traffic
    }

    pub fn into_inner(self) -> T {
        self.transport
    }

    fn exchange(&mut self, command: &Command) -> Result<Response, ChannelError> {
        let bytes = command.encode(self.capabilities.extended_length)?;
        log::debug!("> {} lc={} le={:?}", command.name, command.lc(), command.le);
        self.traffic.apdus += 1;
        self.traffic.bytes_sent += bytes.len();
        let raw = match self.transport.transmit(&bytes) {
            Ok(raw) => raw,
            Err(e) => {
                log::debug!("< {}: {e}", command.name);
                return Err(e.into());
            }
        };
        self.traffic.bytes_received += raw.len();
        let response = Response::parse(raw)?;
        log::debug!("< {} {} bytes sw={}", command.name, response.data.len(), response.sw);
        Ok(response)
    }

    /// Sends `command` and returns the complete response. A command is sent again only for 6Cxx, which the
    /// card answers before executing anything; commands without Le (VERIFY among them) are never resent.
    pub fn transmit(&mut self, command: &Command) -> Result<Response, ChannelError> {
        let mut response = self.exchange(command)?;
        if let (StatusWord::CorrectLength(n), Some(_)) = (response.sw, command.le) {
            response = self.exchange(&command.with_le(le_of_sw2(n)))?;
        }
        let mut rounds = 0;
        while let StatusWord::MoreData(n) = response.sw {
            rounds += 1;
            if rounds > MAX_GET_RESPONSE_ROUNDS {
                return Err(ChannelError::TooManyGetResponse(command.name));
            }
            let mut next = self.exchange(&get_response(le_of_sw2(n)))?;
            if let StatusWord::CorrectLength(m) = next.sw {
                next = self.exchange(&get_response(le_of_sw2(m)))?;
            }
            let mut data = std::mem::take(&mut response.data);
            data.extend_from_slice(&next.data);
            response = Response { data, sw: next.sw };
        }
        Ok(response)
    }
}
