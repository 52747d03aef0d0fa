//! The software card behind vsmartcard's vpcd, so pcscd (and any PC/SC program: OpenSC, the CLI itself)
//! sees it in a reader. vpcd protocol (jpki-facts): every message is a 2-byte big-endian length and a payload;
//! a 1-byte payload is control (00 power off, 01 power on, 02 reset, 04 get ATR), anything longer a C-APDU
//! answered with the R-APDU. The card side connects to vpcd's port (default mode; "card listens" crashes
//! Debian 12's pcscd).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use kazasu_softcard::SoftCard;

/// Connects to vpcd at `addr` and serves `card` until vpcd closes the connection. Returns APDUs served.
pub fn serve(card: &mut SoftCard, addr: &str, atr: &[u8]) -> io::Result<u64> {
    let mut stream = TcpStream::connect(addr)?;
    // vpcd writes length and payload in two sends: without NODELAY every APDU waits for a delayed ACK.
    stream.set_nodelay(true)?;
    log::info!("software card connected to vpcd at {addr}");
    let mut apdus = 0u64;
    loop {
        // vpcd's second write waits (Nagle) for the ACK of its first: ACK at once.
        quick_ack(&stream);
        let mut len = [0u8; 2];
        match stream.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(apdus),
            Err(e) => return Err(e),
        }
        let len = u16::from_be_bytes(len) as usize;
        let mut msg = vec![0u8; len];
        quick_ack(&stream);
        stream.read_exact(&mut msg)?;
        let reply: Option<Vec<u8>> = match msg.as_slice() {
            [0x00] | [0x01] | [0x02] => {
                card.power_cycle();
                None
            }
            [0x04] => Some(atr.to_vec()),
            [_] => None,
            apdu => {
                apdus += 1;
                Some(card.process(apdu))
            }
        };
        if let Some(reply) = reply {
            let mut out = Vec::with_capacity(reply.len() + 2);
            out.extend_from_slice(&(reply.len() as u16).to_be_bytes());
            out.extend_from_slice(&reply);
            stream.write_all(&out)?;
        }
    }
}

/// Linux turns quick ACKs off again after use, so this is asked before every read.
fn quick_ack(stream: &TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = socket2::SockRef::from(stream).set_quickack(true);
}

/// Serves forever, reconnecting while vpcd is not (yet) listening.
pub fn serve_forever(card: &mut SoftCard, addr: &str, atr: &[u8]) -> ! {
    loop {
        match serve(card, addr, atr) {
            Ok(n) => log::info!("vpcd closed the connection after {n} APDUs; reconnecting"),
            Err(e) => log::debug!("vpcd at {addr}: {e}; retrying"),
        }
        card.power_cycle();
        std::thread::sleep(Duration::from_millis(200));
    }
}
