//! The PN532 command set as far as libnfc's `pn532_uart` driver uses it in initiator (reader) mode, with
//! one ISO/IEC 14443-4 Type B card that can leave the field.
//!
//! Command codes and status bytes follow NXP's PN532 User Manual (UM0701-02) §7; libnfc's
//! `chips/pn53x-internal.h` uses the same numbers. Status byte (low 6 bits of the first answer byte of
//! InDataExchange and friends): 0x00 success, 0x01 "time out, the target has not answered", 0x27
//! "command not acceptable in the current context", 0x29 "target released by the initiator", 0x2B "the
//! card previously activated has disappeared". libnfc maps 0x01 to `NFC_ERFTRANS` and 0x29/0x2B to
//! `NFC_ETGRELEASED`. A real PN532 whose card leaves during an exchange keeps trying it, then answers
//! 0x01 — that is what this emulator answers too.

use std::collections::HashMap;
use std::thread::sleep;

use crate::card::{ApduRecord, Card, Departure, Field};

pub mod cmd {
    pub const DIAGNOSE: u8 = 0x00;
    pub const GET_FIRMWARE_VERSION: u8 = 0x02;
    pub const GET_GENERAL_STATUS: u8 = 0x04;
    pub const READ_REGISTER: u8 = 0x06;
    pub const WRITE_REGISTER: u8 = 0x08;
    pub const READ_GPIO: u8 = 0x0C;
    pub const WRITE_GPIO: u8 = 0x0E;
    pub const SET_SERIAL_BAUD_RATE: u8 = 0x10;
    pub const SET_PARAMETERS: u8 = 0x12;
    pub const SAM_CONFIGURATION: u8 = 0x14;
    pub const POWER_DOWN: u8 = 0x16;
    pub const RF_CONFIGURATION: u8 = 0x32;
    pub const IN_DATA_EXCHANGE: u8 = 0x40;
    pub const IN_COMMUNICATE_THRU: u8 = 0x42;
    pub const IN_DESELECT: u8 = 0x44;
    pub const IN_LIST_PASSIVE_TARGET: u8 = 0x4A;
    pub const IN_RELEASE: u8 = 0x52;
    pub const IN_SELECT: u8 = 0x54;
    pub const IN_AUTO_POLL: u8 = 0x60;
}

pub mod status {
    pub const OK: u8 = 0x00;
    /// The target has not answered (also what a vanished card produces).
    pub const TIMEOUT: u8 = 0x01;
    /// Command not acceptable in the current context (e.g. no such target).
    pub const NOT_ACCEPTABLE: u8 = 0x27;
    /// Bit 6 of the status byte: more information follows (the host sends InDataExchange with no data).
    pub const MORE_INFORMATION: u8 = 0x40;
}

/// GetFirmwareVersion answer: IC = 0x32 (PN532), firmware 1.6, supports ISO 14443 A, B and ISO 18092.
pub const FIRMWARE: [u8; 4] = [0x32, 0x01, 0x06, 0x07];
/// BrTy of InListPassiveTarget for ISO/IEC 14443 Type A at 106 kbps.
pub const BRTY_TYPE_A_106: u8 = 0x00;
/// BrTy of InListPassiveTarget for ISO/IEC 14443-3B at 106 kbps.
pub const BRTY_TYPE_B_106: u8 = 0x03;

/// Which ISO/IEC 14443-4 card technology the emulated card answers polling with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CardType {
    /// Type A: ATQA 0004, SAK 20 (ISO/IEC 14443-4), 4-byte UID, ATS.
    A,
    /// Type B, like the マイナンバーカード.
    #[default]
    B,
}

impl CardType {
    fn brty(self) -> u8 {
        match self {
            CardType::A => BRTY_TYPE_A_106,
            CardType::B => BRTY_TYPE_B_106,
        }
    }
}

/// Type A identity: ATQA, SAK with the ISO/IEC 14443-4 bit, UID, and the ATS (TL T0 TA TB TC: FSCI 8 =
/// 256-byte frames, FWI 7).
const ATQA: [u8; 2] = [0x00, 0x04];
const SAK: u8 = 0x20;
const UID: [u8; 4] = [0x08, 0x4B, 0x5A, 0x53];
const ATS: [u8; 5] = [0x05, 0x78, 0x80, 0x70, 0x02];
/// Largest data part of one InDataExchange answer (UM0701-02: DataIn up to 262 bytes).
pub const MAX_EXCHANGE_DATA: usize = 262;

/// ATQB of the emulated card: 0x50, PUPI, application data, protocol info (max frame 256 bytes,
/// ISO 14443-4 compliant, FWI 8).
const ATQB: [u8; 12] = [0x50, 0x4B, 0x5A, 0x53, 0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x81, 0x81];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    /// As after power-on: the host must wake the HSU (0x55) and send SAMConfiguration.
    LowVbat,
    PowerDown,
    Normal,
}

/// What the chip does with a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// ACK, then an answer frame `D5 (cmd+1) payload`.
    Answer(Vec<u8>),
    /// ACK, then the application-level error frame (syntax error).
    SyntaxError,
    /// ACK, then nothing yet (InListPassiveTarget polling forever for a card that is not there).
    Pending,
}

/// Counters a test can read back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub commands: HashMap<u8, u32>,
    pub apdus: u32,
    /// InDataExchange answers split with the MI bit.
    pub mi_chunks: u32,
    /// Answer frames sent in extended format.
    pub extended_frames: u32,
    pub frames_in: u32,
    pub frames_corrupt: u32,
    pub frames_ignored_asleep: u32,
    pub wakeups: u32,
    pub aborts: u32,
    pub nacks: u32,
    pub syntax_errors: u32,
    /// Command codes answered with the syntax-error frame, in order.
    pub syntax_error_codes: Vec<u8>,
}

impl Stats {
    pub fn count(&self, code: u8) -> u32 {
        self.commands.get(&code).copied().unwrap_or(0)
    }
}

#[derive(Debug)]
struct Target {
    /// Answer data still to be fetched with MI chaining.
    out: Vec<u8>,
    /// Command data received so far with the MI bit set by the host.
    incoming: Vec<u8>,
}

pub struct Pn532<C: Card> {
    card: C,
    field: Field,
    registers: HashMap<u16, u8>,
    pub(crate) power: Power,
    parameters: u8,
    sam_mode: u8,
    rf_on: bool,
    retries_passive_activation: u8,
    target: Option<Target>,
    pending_list: bool,
    max_chunk: usize,
    card_type: CardType,
    /// Code of the command being handled.
    current: u8,
    pub(crate) stats: Stats,
}

impl<C: Card> Pn532<C> {
    pub fn new(card: C, field: Field) -> Self {
        Self {
            card,
            field,
            registers: HashMap::new(),
            power: Power::LowVbat,
            parameters: 0,
            sam_mode: 0x01,
            rf_on: false,
            retries_passive_activation: 0xFF,
            target: None,
            pending_list: false,
            max_chunk: MAX_EXCHANGE_DATA,
            card_type: CardType::B,
            current: 0,
            stats: Stats::default(),
        }
    }

    /// Cap the data part of one InDataExchange answer (forces MI chaining for smaller answers).
    pub fn set_max_chunk(&mut self, n: usize) {
        self.max_chunk = n.clamp(1, MAX_EXCHANGE_DATA);
    }

    /// Answer polling as a Type A or Type B card.
    pub fn set_card_type(&mut self, t: CardType) {
        self.card_type = t;
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The host sent an ACK frame: abort what is in progress.
    pub fn abort(&mut self) {
        self.stats.aborts += 1;
        self.pending_list = false;
    }

    /// A pending InListPassiveTarget completes once the card is back.
    pub fn poll_pending(&mut self) -> Option<Outcome> {
        if self.pending_list && self.rf_on && self.field.is_present() {
            self.pending_list = false;
            return Some(Outcome::Answer(self.activate()));
        }
        None
    }

    pub fn handle(&mut self, command: &[u8]) -> Outcome {
        let Some((&code, params)) = command.split_first() else {
            return self.syntax_error();
        };
        *self.stats.commands.entry(code).or_default() += 1;
        self.current = code;
        self.pending_list = false;
        log::debug!("pn532-emu: command {code:02X}, {} parameter bytes", params.len());
        match code {
            cmd::DIAGNOSE => self.diagnose(params),
            cmd::GET_FIRMWARE_VERSION => Outcome::Answer(FIRMWARE.to_vec()),
            cmd::GET_GENERAL_STATUS => Outcome::Answer(self.general_status()),
            cmd::READ_REGISTER => self.read_register(params),
            cmd::WRITE_REGISTER => self.write_register(params),
            cmd::READ_GPIO => Outcome::Answer(vec![0xFF, 0xFF, 0x00]),
            cmd::WRITE_GPIO | cmd::SET_SERIAL_BAUD_RATE => Outcome::Answer(vec![]),
            cmd::SET_PARAMETERS => match params {
                [flags] => {
                    self.parameters = *flags;
                    Outcome::Answer(vec![])
                }
                _ => self.syntax_error(),
            },
            cmd::SAM_CONFIGURATION => match params.first() {
                Some(mode @ 0x01..=0x04) => {
                    self.sam_mode = *mode;
                    self.power = Power::Normal;
                    Outcome::Answer(vec![])
                }
                _ => self.syntax_error(),
            },
            cmd::POWER_DOWN => {
                if params.is_empty() {
                    return self.syntax_error();
                }
                self.power = Power::PowerDown;
                Outcome::Answer(vec![status::OK])
            }
            cmd::RF_CONFIGURATION => self.rf_configuration(params),
            cmd::IN_LIST_PASSIVE_TARGET => self.in_list_passive_target(params),
            cmd::IN_AUTO_POLL => self.in_auto_poll(params),
            cmd::IN_DATA_EXCHANGE => self.in_data_exchange(params),
            cmd::IN_COMMUNICATE_THRU => self.in_communicate_thru(params),
            cmd::IN_DESELECT | cmd::IN_RELEASE => match params {
                [tg] if *tg == 0 || (*tg == 1 && self.target.is_some()) => {
                    self.target = None;
                    Outcome::Answer(vec![status::OK])
                }
                [_] => Outcome::Answer(vec![status::NOT_ACCEPTABLE]),
                _ => self.syntax_error(),
            },
            cmd::IN_SELECT => match params {
                [1] if self.target.is_some() => Outcome::Answer(vec![status::OK]),
                [_] => Outcome::Answer(vec![status::NOT_ACCEPTABLE]),
                _ => self.syntax_error(),
            },
            // Target-mode, SAM/TDA and test commands are not emulated.
            _ => self.syntax_error(),
        }
    }

    fn syntax_error(&mut self) -> Outcome {
        self.stats.syntax_errors += 1;
        self.stats.syntax_error_codes.push(self.current);
        Outcome::SyntaxError
    }

    fn card_reachable(&self) -> bool {
        self.rf_on && self.field.is_present()
    }

    fn diagnose(&mut self, params: &[u8]) -> Outcome {
        match params.first() {
            // Communication line test: the PN532 echoes NumTst and InParam.
            Some(0x00) => Outcome::Answer(params.to_vec()),
            // Card presence.
            Some(0x06) => {
                let present = self.target.is_some() && self.card_reachable();
                Outcome::Answer(vec![if present { status::OK } else { status::TIMEOUT }])
            }
            Some(_) => Outcome::Answer(vec![status::OK]),
            None => self.syntax_error(),
        }
    }

    fn general_status(&self) -> Vec<u8> {
        let mut out = vec![0x00, u8::from(self.rf_on)];
        if self.target.is_some() {
            out.extend_from_slice(&[1, 0x01, 0x00, 0x00, self.card_type.brty()]);
        } else {
            out.push(0);
        }
        out.push(0x00); // SAM status
        out
    }

    fn read_register(&mut self, params: &[u8]) -> Outcome {
        if params.is_empty() || !params.chunks_exact(2).remainder().is_empty() {
            return self.syntax_error();
        }
        let values = params
            .chunks_exact(2)
            .map(|a| *self.registers.get(&u16::from_be_bytes([a[0], a[1]])).unwrap_or(&0))
            .collect();
        Outcome::Answer(values)
    }

    fn write_register(&mut self, params: &[u8]) -> Outcome {
        if params.is_empty() || !params.chunks_exact(3).remainder().is_empty() {
            return self.syntax_error();
        }
        for w in params.chunks_exact(3) {
            self.registers.insert(u16::from_be_bytes([w[0], w[1]]), w[2]);
        }
        Outcome::Answer(vec![])
    }

    fn rf_configuration(&mut self, params: &[u8]) -> Outcome {
        match params {
            // RF field: bit 0 field on, bit 1 auto RFCA.
            [0x01, v] => {
                let on = v & 0x01 != 0;
                if self.rf_on && !on {
                    // Field off: the card loses power and any activated target is gone.
                    self.target = None;
                    self.field.lock().needs_power_cycle = true;
                }
                self.rf_on = on;
                Outcome::Answer(vec![])
            }
            [0x05, _atr, _psl, passive] => {
                self.retries_passive_activation = *passive;
                Outcome::Answer(vec![])
            }
            [0x02, ..] | [0x04, ..] | [0x0A..=0x0D, ..] => Outcome::Answer(vec![]),
            _ => self.syntax_error(),
        }
    }

    /// Bring the card up: power it (fresh if it lost power), REQB/ATTRIB, and return the target data
    /// `Tg ATQB(12) ATTRIB_RES-length ATTRIB_RES`.
    fn activate_card(&mut self) -> Vec<u8> {
        let fresh = std::mem::take(&mut self.field.lock().needs_power_cycle);
        if fresh {
            self.card.power_cycle();
        }
        self.target = Some(Target { out: Vec::new(), incoming: Vec::new() });
        let mut data = vec![0x01];
        match self.card_type {
            CardType::B => {
                data.extend_from_slice(&ATQB);
                data.extend_from_slice(&[0x01, 0x00]);
            }
            CardType::A => {
                data.extend_from_slice(&ATQA);
                data.push(SAK);
                data.push(UID.len() as u8);
                data.extend_from_slice(&UID);
                data.extend_from_slice(&ATS);
            }
        }
        data
    }

    /// InListPassiveTarget answer with the card activated.
    fn activate(&mut self) -> Vec<u8> {
        let mut out = vec![1];
        out.extend(self.activate_card());
        out
    }

    fn in_list_passive_target(&mut self, params: &[u8]) -> Outcome {
        let [max_tg, brty, _init @ ..] = params else {
            return self.syntax_error();
        };
        if *max_tg == 0 || *max_tg > 2 || *brty > 0x04 {
            return self.syntax_error();
        }
        // Listing releases whatever was activated before.
        self.target = None;
        if *brty != self.card_type.brty() || !self.rf_on {
            // The one card in front of this reader is of the other type.
            return Outcome::Answer(vec![0]);
        }
        if self.field.is_present() {
            return Outcome::Answer(self.activate());
        }
        if self.retries_passive_activation == 0xFF {
            // Polls until a card arrives or the host aborts with an ACK.
            self.pending_list = true;
            return Outcome::Pending;
        }
        Outcome::Answer(vec![0])
    }

    fn in_auto_poll(&mut self, params: &[u8]) -> Outcome {
        let [_poll_nr, _period, types @ ..] = params else {
            return self.syntax_error();
        };
        if types.is_empty() {
            return self.syntax_error();
        }
        self.target = None;
        // Type A: 0x00 generic 106 kbps, 0x10 MIFARE, 0x20 ISO/IEC 14443-4A; Type B: 0x03 14443-3B,
        // 0x23 14443-4B (UM0701-02 InAutoPoll).
        let (accepted, answered): (&[u8], u8) = match self.card_type {
            CardType::A => (&[0x00, 0x10, 0x20], 0x20),
            CardType::B => (&[0x03, 0x23], 0x23),
        };
        let wanted = types.iter().find(|t| accepted.contains(t));
        match wanted {
            Some(_) if self.card_reachable() => {
                let data = self.activate_card();
                let mut out = vec![1, answered, data.len() as u8];
                out.extend(data);
                Outcome::Answer(out)
            }
            _ => Outcome::Answer(vec![0]),
        }
    }

    fn in_data_exchange(&mut self, params: &[u8]) -> Outcome {
        let Some((&tg_byte, data)) = params.split_first() else {
            return self.syntax_error();
        };
        let host_more = tg_byte & status::MORE_INFORMATION != 0;
        if tg_byte & 0x3F != 1 {
            return Outcome::Answer(vec![status::NOT_ACCEPTABLE]);
        }
        let max_chunk = self.max_chunk;
        let Some(target) = self.target.as_mut() else {
            return Outcome::Answer(vec![status::NOT_ACCEPTABLE]);
        };
        if !self.rf_on {
            return Outcome::Answer(vec![status::NOT_ACCEPTABLE]);
        }
        if !self.field.is_present() {
            let delay = self.field.lock().lost_delay;
            sleep(delay);
            return Outcome::Answer(vec![status::TIMEOUT]);
        }
        // Rest of a chained answer.
        if data.is_empty() && !target.out.is_empty() {
            return Outcome::Answer(Self::next_chunk(&mut target.out, max_chunk, &mut self.stats));
        }
        if host_more {
            target.incoming.extend_from_slice(data);
            return Outcome::Answer(vec![status::OK]);
        }
        let mut apdu = std::mem::take(&mut target.incoming);
        apdu.extend_from_slice(data);
        target.out.clear();
        self.stats.apdus += 1;

        let record = |sw: Option<u16>| ApduRecord {
            cla: apdu.first().copied().unwrap_or(0),
            ins: apdu.get(1).copied().unwrap_or(0),
            p1: apdu.get(2).copied().unwrap_or(0),
            p2: apdu.get(3).copied().unwrap_or(0),
            command_len: apdu.len(),
            sw,
        };
        let (departure, sign_delay, lost_delay) = {
            let mut f = self.field.lock();
            let departure = match f.leave.take() {
                Some((trigger, when)) => {
                    let (fired, left) = trigger.step(&apdu);
                    f.leave = left.map(|t| (t, when));
                    fired.then_some(when)
                }
                None => None,
            };
            (departure, f.sign_delay, f.lost_delay)
        };
        if departure == Some(Departure::AfterCommand) {
            let _ = self.card.process(&apdu);
        }
        if let Some(when) = departure {
            log::debug!("pn532-emu: card leaves the field ({when:?})");
            self.field.lock().log.push(record(None));
            self.field.remove_card();
            sleep(lost_delay);
            return Outcome::Answer(vec![status::TIMEOUT]);
        }
        if apdu.get(1) == Some(&0x2A) && !sign_delay.is_zero() {
            sleep(sign_delay);
        }
        let response = self.card.process(&apdu);
        let sw = (response.len() >= 2)
            .then(|| u16::from_be_bytes([response[response.len() - 2], response[response.len() - 1]]));
        self.field.lock().log.push(record(sw));
        let Some(target) = self.target.as_mut() else {
            return Outcome::Answer(vec![status::NOT_ACCEPTABLE]);
        };
        target.out = response;
        Outcome::Answer(Self::next_chunk(&mut target.out, max_chunk, &mut self.stats))
    }

    fn next_chunk(out: &mut Vec<u8>, max_chunk: usize, stats: &mut Stats) -> Vec<u8> {
        let n = out.len().min(max_chunk);
        let rest = out.split_off(n);
        let chunk = std::mem::replace(out, rest);
        let mut answer = Vec::with_capacity(chunk.len() + 1);
        if out.is_empty() {
            answer.push(status::OK);
        } else {
            stats.mi_chunks += 1;
            answer.push(status::OK | status::MORE_INFORMATION);
        }
        answer.extend(chunk);
        answer
    }

    fn in_communicate_thru(&mut self, params: &[u8]) -> Outcome {
        // Nothing sent (libnfc's NFC Barcode probe listens this way), no active target, or no card:
        // nobody answers.
        if params.is_empty() || self.target.is_none() || !self.card_reachable() {
            let delay = self.field.lock().lost_delay;
            sleep(delay);
            return Outcome::Answer(vec![status::TIMEOUT]);
        }
        // Only the ISO 14443-4 R(NAK) presence check is understood: the card answers R(ACK) with the
        // same block number and CID.
        if params[0] & 0xE6 == 0xA2 && params[0] & 0x10 != 0 {
            let mut answer = vec![status::OK, (params[0] & !0x10) | 0x02];
            answer.extend_from_slice(&params[1..]);
            return Outcome::Answer(answer);
        }
        Outcome::Answer(vec![status::TIMEOUT])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Decoder, HostFrame};
    use std::time::Duration;

    struct Echo;
    impl Card for Echo {
        fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
            let mut r = apdu.to_vec();
            r.extend_from_slice(&[0x90, 0x00]);
            r
        }
        fn power_cycle(&mut self) {}
    }

    /// xorshift64*: deterministic noise without a dependency.
    struct Noise(u64);
    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    #[test]
    #[allow(clippy::manual_is_multiple_of)] // workspace rust-version 1.80 predates is_multiple_of
    fn random_bytes_and_random_commands_never_panic_the_decoder_or_the_chip() {
        let field = Field::new();
        field.set_lost_delay(Duration::ZERO);
        let mut chip = Pn532::new(Echo, field.clone());
        let mut decoder = Decoder::new();
        let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
        let mut commands = 0;
        for round in 0..20_000 {
            // Raw line noise, sometimes with a start code in it.
            let n = (noise.next() % 40) as usize;
            let mut chunk = noise.bytes(n);
            if round % 3 == 0 && chunk.len() > 4 {
                chunk[1] = 0x00;
                chunk[2] = 0xFF;
            }
            decoder.push(&chunk);
            while let Some(f) = decoder.next_frame() {
                if let HostFrame::Command(c) = f {
                    let _ = chip.handle(&c);
                }
            }
            // Well-framed commands with random codes and parameters, biased to the ones emulated.
            let codes =
                [0x00, 0x02, 0x04, 0x06, 0x08, 0x12, 0x14, 0x16, 0x32, 0x40, 0x42, 0x44, 0x4A, 0x52, 0x54, 0x60];
            let mut cmd = vec![codes[(noise.next() % codes.len() as u64) as usize]];
            if noise.next() % 8 == 0 {
                cmd[0] = noise.next() as u8;
            }
            let params = (noise.next() % 12) as usize;
            cmd.extend(noise.bytes(params));
            let _ = chip.handle(&cmd);
            commands += 1;
            if round % 500 == 0 {
                if field.is_present() {
                    field.remove_card()
                } else {
                    field.insert_card()
                }
            }
        }
        assert_eq!(commands, 20_000);
        assert!(chip.stats().syntax_errors > 0, "malformed commands were answered with the error frame");
        assert!(decoder.pending() < 70_000);
    }
}
