//! The emulator on a real pty, driven by a minimal host written here from the PN532 frame format (no
//! libnfc): wake-up, ACK, normal and extended frames, MI chaining, and a card leaving the field.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use pn532_emu::frame::{encode_command, ACK, ERROR_FRAME};
use pn532_emu::{Card, Config, Departure, Emulator, Field};

/// Answers `len` bytes of a counting pattern + 9000 when asked `00 B0 .. .. Le` (Le = 0 → 256), 6D00
/// otherwise; counts power cycles.
struct PatternCard {
    power_cycles: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl Card for PatternCard {
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        match apdu {
            [0x00, 0xB0, _, _, le] => {
                let n = if *le == 0 { 256 } else { usize::from(*le) };
                let mut r: Vec<u8> = (0..n).map(|i| i as u8).collect();
                r.extend_from_slice(&[0x90, 0x00]);
                r
            }
            _ => vec![0x6D, 0x00],
        }
    }
    fn power_cycle(&mut self) {
        self.power_cycles.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

struct Host {
    port: File,
}

impl Host {
    fn open(emu: &Emulator) -> Host {
        let port = OpenOptions::new().read(true).write(true).open(emu.path()).unwrap();
        Host { port }
    }

    fn read_exact(&mut self, n: usize, timeout: Duration) -> Option<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        while out.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            let mut fds = [PollFd::new(self.port.as_fd(), PollFlags::POLLIN)];
            let ms = PollTimeout::try_from(left.as_millis().min(10_000) as i32).unwrap();
            if poll(&mut fds, ms).unwrap() == 0 {
                continue;
            }
            let mut buf = vec![0u8; n - out.len()];
            let k = self.port.read(&mut buf).unwrap();
            out.extend_from_slice(&buf[..k]);
        }
        Some(out)
    }

    /// Send a command; expect ACK, then read one answer frame and return `D5`-less data (code + payload).
    fn call(&mut self, data: &[u8]) -> Vec<u8> {
        self.port.write_all(&encode_command(data)).unwrap();
        assert_eq!(self.read_exact(6, Duration::from_secs(2)).expect("no ACK"), ACK.to_vec());
        self.read_answer()
    }

    fn read_answer(&mut self) -> Vec<u8> {
        let head = self.read_exact(5, Duration::from_secs(5)).expect("no answer");
        assert_eq!(&head[..3], &[0x00, 0x00, 0xFF]);
        let len = if head[3] == 0xFF && head[4] == 0xFF {
            let ext = self.read_exact(3, Duration::from_secs(1)).unwrap();
            assert_eq!(ext[0].wrapping_add(ext[1]).wrapping_add(ext[2]), 0, "extended LCS");
            usize::from(ext[0]) << 8 | usize::from(ext[1])
        } else {
            assert_eq!(head[3].wrapping_add(head[4]), 0, "LCS");
            usize::from(head[3])
        };
        let body = self.read_exact(len + 2, Duration::from_secs(1)).unwrap();
        let sum = body[..=len].iter().fold(0u8, |a, b| a.wrapping_add(*b));
        assert_eq!(sum, 0, "DCS");
        assert_eq!(body[len + 1], 0x00, "postamble");
        assert_eq!(body[0], 0xD5);
        body[1..len].to_vec()
    }

    fn wake(&mut self) {
        self.port.write_all(&[0x55, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    }
}

fn start(field: Field, config: Config) -> (Emulator, std::sync::Arc<std::sync::atomic::AtomicU32>) {
    let cycles = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let card = PatternCard { power_cycles: cycles.clone() };
    (Emulator::start(card, field, config).unwrap(), cycles)
}

fn activate(host: &mut Host) {
    host.wake();
    assert_eq!(host.call(&[0x14, 0x01]), vec![0x15]);
    assert_eq!(host.call(&[0x32, 0x01, 0x01]), vec![0x33]);
    let list = host.call(&[0x4A, 0x01, 0x03, 0x00]);
    assert_eq!(&list[..3], &[0x4B, 0x01, 0x01], "one target, Tg 1");
    assert_eq!(list[3], 0x50, "ATQB");
}

#[test]
fn a_sleeping_chip_ignores_frames_until_woken_by_0x55() {
    let (emu, _) = start(Field::new(), Config::default());
    let mut host = Host::open(&emu);
    host.port.write_all(&encode_command(&[0x02])).unwrap();
    assert_eq!(host.read_exact(1, Duration::from_millis(200)), None, "a sleeping PN532 does not ACK");
    host.wake();
    assert_eq!(host.call(&[0x14, 0x01]), vec![0x15]);
    assert_eq!(host.call(&[0x02]), vec![0x03, 0x32, 0x01, 0x06, 0x07]);
    let stats = emu.stats();
    assert_eq!((stats.frames_ignored_asleep, stats.wakeups), (1, 1));
}

#[test]
fn registers_written_are_read_back_and_bad_commands_get_the_error_frame() {
    let (emu, _) = start(Field::new(), Config::default());
    let mut host = Host::open(&emu);
    host.wake();
    host.call(&[0x14, 0x01]);
    assert_eq!(host.call(&[0x08, 0x63, 0x02, 0x80, 0x63, 0x03, 0x83]), vec![0x09]);
    assert_eq!(host.call(&[0x06, 0x63, 0x03, 0x63, 0x02, 0x63, 0x3D]), vec![0x07, 0x83, 0x80, 0x00]);
    // WriteRegister with a dangling byte: syntax error frame after the ACK.
    host.port.write_all(&encode_command(&[0x08, 0x63, 0x02])).unwrap();
    assert_eq!(host.read_exact(6, Duration::from_secs(1)).unwrap(), ACK.to_vec());
    assert_eq!(host.read_exact(8, Duration::from_secs(1)).unwrap(), ERROR_FRAME.to_vec());
    assert_eq!(emu.stats().syntax_error_codes, vec![0x08]);
}

#[test]
fn a_256_byte_answer_comes_in_one_extended_frame() {
    let (emu, _) = start(Field::new(), Config::default());
    let mut host = Host::open(&emu);
    activate(&mut host);
    let a = host.call(&[0x40, 0x01, 0x00, 0xB0, 0x00, 0x00, 0x00]);
    assert_eq!(a[0], 0x41);
    assert_eq!(a[1], 0x00, "status OK, no MI");
    assert_eq!(a.len(), 2 + 258);
    assert_eq!(&a[a.len() - 2..], &[0x90, 0x00]);
    assert_eq!(a[2 + 255], 255);
    assert_eq!(emu.stats().extended_frames, 1);
}

#[test]
fn a_smaller_chunk_size_chains_the_answer_with_the_mi_bit() {
    let (emu, _) = start(Field::new(), Config { max_chunk: 100, ..Config::default() });
    let mut host = Host::open(&emu);
    activate(&mut host);
    let mut got = Vec::new();
    let mut a = host.call(&[0x40, 0x01, 0x00, 0xB0, 0x00, 0x00, 0x00]);
    let mut rounds = 1;
    while a[1] & 0x40 != 0 {
        got.extend_from_slice(&a[2..]);
        a = host.call(&[0x40, 0x01]);
        rounds += 1;
    }
    got.extend_from_slice(&a[2..]);
    assert_eq!(rounds, 3);
    assert_eq!(got.len(), 258);
    assert!(got[..256].iter().enumerate().all(|(i, b)| *b == i as u8));
    assert_eq!(emu.stats().mi_chunks, 2);
}

#[test]
fn a_card_that_leaves_gets_status_01_and_comes_back_power_cycled() {
    let field = Field::new();
    field.leave_after(1, Departure::BeforeCommand);
    let (emu, cycles) = start(field.clone(), Config::default());
    let mut host = Host::open(&emu);
    activate(&mut host);
    let ok = host.call(&[0x40, 0x01, 0x00, 0xB0, 0x00, 0x00, 0x04]);
    assert_eq!(&ok[..2], &[0x41, 0x00]);
    let lost = host.call(&[0x40, 0x01, 0x00, 0xB0, 0x00, 0x00, 0x04]);
    assert_eq!(lost, vec![0x41, 0x01], "time-out status");
    assert!(!field.is_present());
    // Still gone: the next exchange times out as well.
    assert_eq!(host.call(&[0x40, 0x01, 0x00, 0xB0, 0x00, 0x00, 0x04]), vec![0x41, 0x01]);
    // With finite retries a listing finds nothing.
    host.call(&[0x32, 0x05, 0x00, 0x01, 0x02]);
    assert_eq!(host.call(&[0x4A, 0x01, 0x03, 0x00]), vec![0x4B, 0x00]);
    field.insert_card();
    let list = host.call(&[0x4A, 0x01, 0x03, 0x00]);
    assert_eq!(&list[..2], &[0x4B, 0x01]);
    assert_eq!(cycles.load(std::sync::atomic::Ordering::SeqCst), 1, "fresh power-up after leaving");
    let log = field.apdu_log();
    assert_eq!(log.len(), 2, "the card only ever saw two APDUs: {log:?}");
    assert_eq!((log[0].sw, log[1].sw), (Some(0x9000), None));
}

#[test]
fn an_endless_listing_waits_for_the_card_and_an_ack_aborts_it() {
    let field = Field::new();
    field.remove_card();
    let (emu, _) = start(field.clone(), Config::default());
    let mut host = Host::open(&emu);
    host.wake();
    host.call(&[0x14, 0x01]);
    host.call(&[0x32, 0x01, 0x01]);
    host.port.write_all(&encode_command(&[0x4A, 0x01, 0x03, 0x00])).unwrap();
    assert_eq!(host.read_exact(6, Duration::from_secs(1)).unwrap(), ACK.to_vec());
    assert_eq!(host.read_exact(1, Duration::from_millis(150)), None, "no card, no answer yet");
    field.insert_card();
    let list = host.read_answer();
    assert_eq!(&list[..2], &[0x4B, 0x01]);

    field.remove_card();
    host.port.write_all(&encode_command(&[0x4A, 0x01, 0x03, 0x00])).unwrap();
    assert_eq!(host.read_exact(6, Duration::from_secs(1)).unwrap(), ACK.to_vec());
    host.port.write_all(&ACK).unwrap();
    // After the abort the chip takes new commands.
    assert_eq!(host.call(&[0x02]), vec![0x03, 0x32, 0x01, 0x06, 0x07]);
    field.insert_card();
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(host.read_exact(1, Duration::from_millis(100)), None, "the aborted listing stays quiet");
    assert_eq!(emu.stats().aborts, 1);
}

#[test]
fn the_binary_serves_the_software_jpki_card_until_stdin_closes() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pn532-emu"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut path = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut path).unwrap();
    let path = path.trim();
    assert!(path.starts_with("/dev/pts/"), "{path:?}");
    let port = OpenOptions::new().read(true).write(true).open(path).unwrap();
    let mut host = Host { port };
    activate(&mut host);
    // SELECT the JPKI AP (D3 92 F0 00 26 01 00 00 00 01) on the software card.
    let mut cmd = vec![0x40, 0x01, 0x00, 0xA4, 0x04, 0x0C, 0x0A];
    cmd.extend_from_slice(&[0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01]);
    assert_eq!(host.call(&cmd), vec![0x41, 0x00, 0x90, 0x00]);
    // A foreign AID is not there.
    assert_eq!(host.call(&[0x40, 0x01, 0x00, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x00]), vec![0x41, 0x00, 0x6A, 0x82]);
    drop(child.stdin.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
