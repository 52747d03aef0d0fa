//! The emulated PN532 behind a pseudo-terminal: libnfc opens the slave side (`pn532_uart:/dev/pts/N`) as
//! if it were a USB–serial adapter, this module serves the master side from a thread.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::pty::openpty;
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};

use crate::card::{Card, Field};
use crate::chip::{Outcome, Pn532, Power, Stats};
use crate::frame::{encode_answer, Decoder, HostFrame, ACK, ERROR_FRAME};

/// Emulator options.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest data part of one InDataExchange answer; smaller values make the emulator chain answers
    /// with the MI bit (libnfc then fetches the rest).
    pub max_chunk: usize,
    /// Require the HSU wake-up byte (0x55) before the first frame after power-on or PowerDown, as the
    /// real chip does.
    pub strict_wakeup: bool,
    /// Model a serial line at this many baud (10 bit times per byte, both directions) by delaying
    /// answers; `None` answers at pty speed.
    pub line_baud: Option<u32>,
    /// Type A or Type B card (default B, like the マイナンバーカード).
    pub card_type: crate::chip::CardType,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_chunk: crate::chip::MAX_EXCHANGE_DATA,
            strict_wakeup: true,
            line_baud: None,
            card_type: crate::chip::CardType::B,
        }
    }
}

/// Time a serial line at `baud` needs for `bytes` bytes (8N1: 10 bit times each).
fn line_time(baud: Option<u32>, bytes: usize) -> Duration {
    match baud {
        Some(b) if b > 0 => Duration::from_micros(bytes as u64 * 10 * 1_000_000 / u64::from(b)),
        _ => Duration::ZERO,
    }
}

/// A running emulated PN532. Stops (and closes the pty) when dropped.
pub struct Emulator {
    path: PathBuf,
    field: Field,
    stats: Arc<Mutex<Stats>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Emulator {
    /// Open a pty and start serving it with `card` in `field`.
    pub fn start<C: Card + 'static>(card: C, field: Field, config: Config) -> io::Result<Self> {
        let pty = openpty(None, None).map_err(io::Error::from)?;
        let master: OwnedFd = pty.master;
        let slave: OwnedFd = pty.slave;
        // Raw mode before anyone opens the slave, so nothing is echoed back to us.
        let mut t = tcgetattr(slave.as_fd()).map_err(io::Error::from)?;
        cfmakeraw(&mut t);
        tcsetattr(slave.as_fd(), SetArg::TCSANOW, &t).map_err(io::Error::from)?;
        let path = nix::unistd::ttyname(slave.as_fd()).map_err(io::Error::from)?;

        let stats = Arc::new(Mutex::new(Stats::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut chip = Pn532::new(card, field.clone());
        chip.set_max_chunk(config.max_chunk);
        chip.set_card_type(config.card_type);
        let worker = Worker {
            master: File::from(master),
            _slave: slave,
            chip,
            decoder: Decoder::new(),
            last_answer: None,
            stats: stats.clone(),
            stop: stop.clone(),
            strict_wakeup: config.strict_wakeup,
            line_baud: config.line_baud,
        };
        let thread = std::thread::Builder::new().name("pn532-emu".into()).spawn(move || worker.run())?;
        Ok(Self { path, field, stats, stop, thread: Some(thread) })
    }

    /// The slave side of the pty, e.g. `/dev/pts/3`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// libnfc connection string for this emulator.
    pub fn connstring(&self) -> String {
        format!("pn532_uart:{}", self.path.display())
    }

    /// The card's field: move the card, read what it was asked.
    pub fn field(&self) -> &Field {
        &self.field
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Stop serving and report an I/O error the worker met, if any.
    pub fn stop(mut self) -> io::Result<()> {
        self.shutdown()
    }

    /// Serve until the worker ends (it ends only on an I/O error or [`Emulator::stop`]).
    pub fn wait(mut self) -> io::Result<()> {
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| Err(io::Error::other("emulator thread panicked"))),
            None => Ok(()),
        }
    }

    fn shutdown(&mut self) -> io::Result<()> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| Err(io::Error::other("emulator thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

struct Worker<C: Card> {
    master: File,
    /// Held so the master never sees a hang-up while libnfc closes and reopens the port.
    _slave: OwnedFd,
    chip: Pn532<C>,
    decoder: Decoder,
    last_answer: Option<Vec<u8>>,
    stats: Arc<Mutex<Stats>>,
    stop: Arc<AtomicBool>,
    strict_wakeup: bool,
    line_baud: Option<u32>,
}

impl<C: Card> Worker<C> {
    fn run(mut self) -> io::Result<()> {
        let mut buf = [0u8; 4096];
        while !self.stop.load(Ordering::SeqCst) {
            let readable = {
                let mut fds = [PollFd::new(self.master.as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, PollTimeout::from(20u16)) {
                    Ok(n) => n > 0 && fds[0].revents().is_some_and(|r| r.contains(PollFlags::POLLIN)),
                    Err(nix::errno::Errno::EINTR) => false,
                    Err(e) => return Err(e.into()),
                }
            };
            if readable {
                let n = match self.master.read(&mut buf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
                    // EIO: no process has the slave open (cannot happen while we hold it).
                    Err(e) => return Err(e),
                };
                self.decoder.push(&buf[..n]);
                self.serve_frames()?;
            }
            if let Some(outcome) = self.chip.poll_pending() {
                self.answer(crate::chip::cmd::IN_LIST_PASSIVE_TARGET, outcome)?;
            }
            self.publish();
        }
        Ok(())
    }

    fn serve_frames(&mut self) -> io::Result<()> {
        while let Some(frame) = self.decoder.next_frame() {
            if self.decoder.take_wakeup() && self.chip.power != Power::Normal {
                self.chip.stats.wakeups += 1;
                self.chip.power = Power::Normal;
            }
            self.chip.stats.frames_in += 1;
            match frame {
                HostFrame::Ack => self.chip.abort(),
                HostFrame::Nack => {
                    self.chip.stats.nacks += 1;
                    if let Some(a) = self.last_answer.clone() {
                        self.master.write_all(&a)?;
                    }
                }
                HostFrame::Corrupt(why) => {
                    log::debug!("pn532-emu: dropped a frame: {why}");
                    self.chip.stats.frames_corrupt += 1;
                }
                HostFrame::Command(command) => {
                    if self.strict_wakeup && self.chip.power != Power::Normal {
                        // Asleep: the HSU does not see the frame at all.
                        self.chip.stats.frames_ignored_asleep += 1;
                        continue;
                    }
                    // The command frame's own time on the line (TFI, checksums and preamble: ~8 bytes).
                    std::thread::sleep(line_time(self.line_baud, command.len() + 8));
                    self.master.write_all(&ACK)?;
                    let code = command[0];
                    let outcome = self.chip.handle(&command);
                    self.answer(code, outcome)?;
                }
            }
            self.publish();
        }
        Ok(())
    }

    fn answer(&mut self, code: u8, outcome: Outcome) -> io::Result<()> {
        let bytes = match outcome {
            Outcome::Pending => return Ok(()),
            Outcome::SyntaxError => ERROR_FRAME.to_vec(),
            Outcome::Answer(payload) => match encode_answer(code, &payload) {
                Some(b) => b,
                None => ERROR_FRAME.to_vec(),
            },
        };
        if bytes.len() > 3 && bytes[3] == 0xFF && bytes[4] == 0xFF {
            self.chip.stats.extended_frames += 1;
        }
        // Counters first, so a host that has the answer also sees them.
        self.publish();
        std::thread::sleep(line_time(self.line_baud, ACK.len() + bytes.len()));
        self.master.write_all(&bytes)?;
        self.master.flush()?;
        self.last_answer = Some(bytes);
        Ok(())
    }

    fn publish(&self) {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner()) = self.chip.stats().clone();
    }
}
