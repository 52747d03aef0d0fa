//! PN532 host-interface frames (NXP PN532 User Manual UM0701-02, §6.2 "Host controller communication
//! protocol"), as spoken over the HSU (UART) link.
//!
//! Layout of an information frame, host → PN532:
//! `00 00 FF LEN LCS D4 <cmd> <params…> DCS 00`, with `LEN + LCS ≡ 0 (mod 256)`, `LEN` counting `D4` and
//! everything up to (not including) `DCS`, and `D4 + cmd + params + DCS ≡ 0`. Answers use `D5` and
//! `cmd + 1`. Extended information frames (for more than 254 data bytes) are
//! `00 00 FF FF FF LENM LENL LCS D4 …`, with `LENM + LENL + LCS ≡ 0`. The ACK frame is `00 00 FF 00 FF 00`,
//! the NACK frame `00 00 FF FF 00 00`, and the application-level error frame the PN532 sends for a
//! syntax error is `00 00 FF 01 FF 7F 81 00`.

/// Host-to-controller frame identifier.
pub const TFI_HOST: u8 = 0xD4;
/// Controller-to-host frame identifier.
pub const TFI_PN532: u8 = 0xD5;
/// The ACK frame (both directions).
pub const ACK: [u8; 6] = [0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
/// Application-level error frame (the PN532's answer to a command it cannot parse).
pub const ERROR_FRAME: [u8; 8] = [0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00];
/// Largest `D4/D5 + data` a normal frame can carry (LEN is one byte, and libnfc's pn53x layer sends at
/// most 254 data bytes in a normal frame).
pub const NORMAL_MAX_DATA: usize = 254;
/// Largest data length of an extended frame as the PN532 handles it (libnfc's
/// `PN53x_EXTENDED_FRAME__DATA_MAX_LEN`).
pub const EXTENDED_MAX_DATA: usize = 264;
/// HSU wake-up byte (UM0701-02 §7.2.11 / application note AN10682: a 0x55 and a delay wake the PN532
/// from power-down).
pub const WAKEUP: u8 = 0x55;

/// One unit read from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostFrame {
    /// An information frame: command code followed by its parameters (TFI stripped, checksums checked).
    Command(Vec<u8>),
    /// ACK from the host: aborts the command in progress.
    Ack,
    /// NACK from the host: asks for the last answer again.
    Nack,
    /// A frame whose length or data checksum was wrong, or whose TFI was not D4; dropped.
    Corrupt(&'static str),
}

/// Streaming decoder: push raw bytes in, take frames out. Bytes before a start code are skipped
/// (that is where HSU wake-up bytes and the frame preamble go).
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Whether a wake-up byte was seen since the last call to [`Decoder::take_wakeup`].
    wakeup_seen: bool,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// True (once) if a 0x55 wake-up byte has been skipped over since the last call.
    pub fn take_wakeup(&mut self) -> bool {
        std::mem::take(&mut self.wakeup_seen)
    }

    /// Number of bytes held that do not yet form a whole frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Next complete frame, if the buffer holds one.
    pub fn next_frame(&mut self) -> Option<HostFrame> {
        // Find the start code 00 FF.
        let start = match self.buf.windows(2).position(|w| w == [0x00, 0xFF]) {
            Some(p) => p,
            None => {
                // Keep a trailing 00 that may be the first half of a start code.
                let keep = usize::from(self.buf.last() == Some(&0x00));
                let skipped = self.buf.len() - keep;
                self.note_skipped(skipped);
                self.buf.drain(..skipped);
                return None;
            }
        };
        self.note_skipped(start);
        let rest = &self.buf[start + 2..];
        if rest.len() < 2 {
            self.buf.drain(..start);
            return None;
        }
        let (b0, b1) = (rest[0], rest[1]);
        // ACK / NACK
        if b0 == 0x00 && b1 == 0xFF {
            self.consume(start + 4, true);
            return Some(HostFrame::Ack);
        }
        if b0 == 0xFF && b1 == 0x00 {
            self.consume(start + 4, true);
            return Some(HostFrame::Nack);
        }
        // Header: (length of TFI+data, header size after the start code)
        let (len, header) = if b0 == 0xFF && b1 == 0xFF {
            if rest.len() < 5 {
                self.buf.drain(..start);
                return None;
            }
            let (m, l, lcs) = (rest[2], rest[3], rest[4]);
            if m.wrapping_add(l).wrapping_add(lcs) != 0 {
                self.consume(start + 2, false);
                return Some(HostFrame::Corrupt("extended frame length checksum"));
            }
            (usize::from(m) << 8 | usize::from(l), 5)
        } else {
            if b0.wrapping_add(b1) != 0 {
                // Not a frame header after all (e.g. a 00 FF inside junk): skip the start code.
                self.consume(start + 2, false);
                return Some(HostFrame::Corrupt("length checksum"));
            }
            (usize::from(b0), 2)
        };
        if len == 0 {
            self.consume(start + 2 + header, false);
            return Some(HostFrame::Corrupt("empty frame"));
        }
        // TFI + data (len bytes) + DCS; the postamble is optional for us.
        let body_at = start + 2 + header;
        if self.buf.len() < body_at + len + 1 {
            self.buf.drain(..start);
            return None;
        }
        let body = &self.buf[body_at..body_at + len];
        let dcs = self.buf[body_at + len];
        let sum = body.iter().fold(dcs, |a, b| a.wrapping_add(*b));
        let frame = if sum != 0 {
            HostFrame::Corrupt("data checksum")
        } else if body[0] != TFI_HOST {
            HostFrame::Corrupt("frame identifier is not D4")
        } else if body.len() < 2 {
            HostFrame::Corrupt("no command code")
        } else {
            HostFrame::Command(body[1..].to_vec())
        };
        let mut end = body_at + len + 1;
        if self.buf.get(end) == Some(&0x00) {
            end += 1; // postamble
        }
        self.consume(end, false);
        Some(frame)
    }

    fn note_skipped(&mut self, n: usize) {
        if self.buf[..n].contains(&WAKEUP) {
            self.wakeup_seen = true;
        }
    }

    fn consume(&mut self, n: usize, eat_postamble: bool) {
        let mut n = n.min(self.buf.len());
        if eat_postamble && self.buf.get(n) == Some(&0x00) {
            n += 1;
        }
        self.buf.drain(..n);
    }
}

/// Encode the PN532's answer to command `cmd`: `D5 (cmd+1) payload`, as a normal frame when it fits and
/// as an extended frame otherwise. Returns `None` if the payload is longer than the PN532 can send.
pub fn encode_answer(cmd: u8, payload: &[u8]) -> Option<Vec<u8>> {
    let len = payload.len() + 2; // TFI + answer code + payload
    if len > EXTENDED_MAX_DATA + 1 {
        return None;
    }
    let mut out = Vec::with_capacity(len + 11);
    out.extend_from_slice(&[0x00, 0x00, 0xFF]);
    if len <= 0xFF && payload.len() < NORMAL_MAX_DATA {
        let l = len as u8;
        out.extend_from_slice(&[l, l.wrapping_neg()]);
    } else {
        let (m, l) = ((len >> 8) as u8, (len & 0xFF) as u8);
        out.extend_from_slice(&[0xFF, 0xFF, m, l, m.wrapping_add(l).wrapping_neg()]);
    }
    let code = cmd.wrapping_add(1);
    out.push(TFI_PN532);
    out.push(code);
    out.extend_from_slice(payload);
    let sum = payload.iter().fold(TFI_PN532.wrapping_add(code), |a, b| a.wrapping_add(*b));
    out.push(sum.wrapping_neg());
    out.push(0x00);
    Some(out)
}

/// Encode a host → PN532 command frame (what libnfc sends). Used by tests and by the self-check in the
/// binary; the emulator itself only decodes these.
pub fn encode_command(data: &[u8]) -> Vec<u8> {
    let len = data.len() + 1;
    let mut out = vec![0x00, 0x00, 0xFF];
    if data.len() <= NORMAL_MAX_DATA {
        out.extend_from_slice(&[len as u8, (len as u8).wrapping_neg()]);
    } else {
        let (m, l) = ((len >> 8) as u8, (len & 0xFF) as u8);
        out.extend_from_slice(&[0xFF, 0xFF, m, l, m.wrapping_add(l).wrapping_neg()]);
    }
    out.push(TFI_HOST);
    out.extend_from_slice(data);
    let sum = data.iter().fold(TFI_HOST, |a, b| a.wrapping_add(*b));
    out.push(sum.wrapping_neg());
    out.push(0x00);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_after_the_wakeup_preamble_is_decoded_and_the_wakeup_noted() {
        let mut d = Decoder::new();
        let mut bytes = vec![0x55, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        bytes.extend(encode_command(&[0x14, 0x01]));
        d.push(&bytes);
        assert_eq!(d.next_frame(), Some(HostFrame::Command(vec![0x14, 0x01])));
        assert!(d.take_wakeup());
        assert!(!d.take_wakeup());
        assert_eq!(d.next_frame(), None);
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn a_frame_split_across_reads_is_reassembled() {
        let frame = encode_command(&[0x00, 0x00, b'l', b'i', b'b']);
        let mut d = Decoder::new();
        for chunk in frame.chunks(3) {
            d.push(chunk);
        }
        assert_eq!(d.next_frame(), Some(HostFrame::Command(vec![0x00, 0x00, b'l', b'i', b'b'])));
        // Byte by byte, with the decoder asked after each byte.
        let mut d = Decoder::new();
        let mut got = None;
        for b in &frame {
            d.push(&[*b]);
            if let Some(f) = d.next_frame() {
                got = Some(f);
            }
        }
        assert_eq!(got, Some(HostFrame::Command(vec![0x00, 0x00, b'l', b'i', b'b'])));
    }

    #[test]
    fn extended_frames_round_trip_both_ways() {
        let data: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        let mut d = Decoder::new();
        d.push(&encode_command(&data));
        assert_eq!(d.next_frame(), Some(HostFrame::Command(data.clone())));

        let answer = encode_answer(0x40, &data[..263]).unwrap();
        assert_eq!(&answer[..5], &[0x00, 0x00, 0xFF, 0xFF, 0xFF]);
        let len = usize::from(answer[5]) << 8 | usize::from(answer[6]);
        assert_eq!(len, 263 + 2);
        assert_eq!(answer[5].wrapping_add(answer[6]).wrapping_add(answer[7]), 0);
        assert_eq!(answer.len(), 263 + 2 + 8 + 2);
        assert!(encode_answer(0x40, &data[..264]).is_none());
    }

    #[test]
    fn answers_up_to_253_payload_bytes_use_normal_frames() {
        let a = encode_answer(0x40, &[0u8; 253]).unwrap();
        assert_eq!(a[3], 255);
        let a = encode_answer(0x40, &[0u8; 254]).unwrap();
        assert_eq!(&a[3..5], &[0xFF, 0xFF]);
    }

    #[test]
    fn ack_nack_and_corrupt_frames_are_told_apart() {
        let mut d = Decoder::new();
        d.push(&ACK);
        d.push(&[0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00]);
        let mut bad = encode_command(&[0x02]);
        let n = bad.len();
        bad[n - 2] ^= 1; // break DCS
        d.push(&bad);
        d.push(&encode_command(&[0x02]));
        assert_eq!(d.next_frame(), Some(HostFrame::Ack));
        assert_eq!(d.next_frame(), Some(HostFrame::Nack));
        assert_eq!(d.next_frame(), Some(HostFrame::Corrupt("data checksum")));
        assert_eq!(d.next_frame(), Some(HostFrame::Command(vec![0x02])));
        assert_eq!(d.next_frame(), None);
    }

    #[test]
    fn answer_checksums_are_what_libnfc_checks() {
        // GetFirmwareVersion answer as a PN532 v1.6 sends it.
        let a = encode_answer(0x02, &[0x32, 0x01, 0x06, 0x07]).unwrap();
        assert_eq!(a, vec![0x00, 0x00, 0xFF, 0x06, 0xFA, 0xD5, 0x03, 0x32, 0x01, 0x06, 0x07, 0xE8, 0x00]);
    }
}
