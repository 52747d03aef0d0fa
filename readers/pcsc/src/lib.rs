//! PC/SC readers (pcsc-lite's pcscd on Linux): list, pick by name or the first with a card, wait for a card,
//! and a [`Transport`] that reports a removed or reset card as [`TransportError::CardLost`].

use std::ffi::{CStr, CString};
use std::time::{Duration, Instant};

use kazasu_card::{LinkCapabilities, Transport, TransportError};
use pcsc::{Card, Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

/// The log target of phase durations (`phase=NAME us=N`, at debug level), read by `scripts/bench.sh`. The CLI
/// turns it on with `KAZASU_TIMINGS=1`; otherwise a disabled log check is all it costs.
pub const TIMING_TARGET: &str = "kazasu::timing";

/// Runs `f` and, when [`TIMING_TARGET`] is enabled, logs how long it took as `phase`.
pub fn timed<T>(phase: &str, f: impl FnOnce() -> T) -> T {
    if !log::log_enabled!(target: TIMING_TARGET, log::Level::Debug) {
        return f();
    }
    let started = Instant::now();
    let result = f();
    log_phase(phase, started);
    result
}

/// Logs the time since `started` as `phase` (see [`timed`]).
pub fn log_phase(phase: &str, started: Instant) {
    log::debug!(target: TIMING_TARGET, "phase={phase} us={}", started.elapsed().as_micros());
}

/// Logs the wall clock at `at` as `mark=NAME epoch_us=N`: set against the benchmark's own clock before and after
/// the process, it splits the time outside main into process start and exit.
pub fn log_clock(mark: &str, at: std::time::SystemTime) {
    let epoch_us = at.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or_default();
    log::debug!(target: TIMING_TARGET, "mark={mark} epoch_us={epoch_us}");
}

fn reader_error(e: pcsc::Error) -> TransportError {
    match e {
        pcsc::Error::RemovedCard
        | pcsc::Error::ResetCard
        | pcsc::Error::UnpoweredCard
        | pcsc::Error::UnresponsiveCard => TransportError::CardLost,
        pcsc::Error::NoSmartcard => TransportError::NoCard,
        pcsc::Error::Timeout => TransportError::Timeout,
        other => TransportError::Reader(other.to_string()),
    }
}

/// Why no card could be reached through PC/SC (before any APDU).
#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    #[error("the PC/SC service (pcscd) is not running")]
    ServiceNotRunning,
    #[error("no PC/SC reader is connected")]
    NoReader,
    #[error("no reader matches {0:?}")]
    NoMatch(String),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

pub struct Reader {
    pub name: String,
    pub card_present: bool,
}

pub fn context() -> Result<Context, ReaderError> {
    timed("pcsc: establish context", || Context::establish(Scope::User)).map_err(|e| match e {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => ReaderError::ServiceNotRunning,
        e => reader_error(e).into(),
    })
}

pub fn list() -> Result<Vec<Reader>, ReaderError> {
    Ok(list_in(&context()?)?)
}

fn list_in(ctx: &Context) -> Result<Vec<Reader>, TransportError> {
    timed("pcsc: list readers", || list_now(ctx))
}

fn list_now(ctx: &Context) -> Result<Vec<Reader>, TransportError> {
    let names = reader_names(ctx)?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut states: Vec<ReaderState> = names.into_iter().map(|n| ReaderState::new(n, State::UNAWARE)).collect();
    ctx.get_status_change(Duration::from_millis(0), &mut states).map_err(reader_error)?;
    Ok(states
        .iter()
        .map(|s| Reader {
            name: s.name().to_string_lossy().into_owned(),
            card_present: s.event_state().contains(State::PRESENT),
        })
        .collect())
}

/// The readers' names, in one call to pcscd when they fit in a page (the crate's owned list asks twice: for
/// the size, then for the names).
fn reader_names(ctx: &Context) -> Result<Vec<CString>, TransportError> {
    let mut buf = [0u8; 4096];
    let listed = match ctx.list_readers(&mut buf) {
        Ok(names) => Ok(names.map(CStr::to_owned).collect()),
        Err(pcsc::Error::InsufficientBuffer) => ctx.list_readers_owned(),
        Err(e) => Err(e),
    };
    match listed {
        Ok(names) => Ok(names),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(reader_error(e)),
    }
}

/// The readers `want` names: the one with exactly that name, else those whose name contains it (ignoring case);
/// all of them when no reader was named.
fn matching<'a>(names: &'a [String], want: Option<&str>) -> Vec<&'a str> {
    let Some(want) = want else {
        return names.iter().map(String::as_str).collect();
    };
    if let Some(exact) = names.iter().find(|n| *n == want) {
        return vec![exact.as_str()];
    }
    let w = want.to_lowercase();
    names.iter().filter(|n| n.to_lowercase().contains(&w)).map(String::as_str).collect()
}

/// A connected card in a PC/SC reader.
pub struct PcscTransport {
    card: Option<Card>,
    /// Released after the card is disconnected (the card holds a clone until then).
    context: Option<Context>,
    capabilities: LinkCapabilities,
}

impl PcscTransport {
    /// Connects to the card in `reader` (a name or a case-insensitive part of one), or in the first reader
    /// holding a card; waits up to `wait` for a card to be placed.
    pub fn connect(reader: Option<&str>, wait: Duration, on_wait: impl Fn(&str)) -> Result<PcscTransport, ReaderError> {
        let ctx = context()?;
        let deadline = Instant::now() + wait;
        let mut told = false;
        loop {
            let names: Vec<String> = timed("pcsc: list readers", || reader_names(&ctx))?
                .into_iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect();
            if names.is_empty() && reader.is_none() {
                return Err(ReaderError::NoReader);
            }
            let wanted = matching(&names, reader);
            if wanted.is_empty() {
                return Err(ReaderError::NoMatch(reader.unwrap_or_default().to_string()));
            }
            // Connecting is how the card is looked for: pcscd answers "no card" for an empty reader, so a reader
            // that holds one costs a single call instead of a query of every reader's state and then the connect.
            for name in &wanted {
                if let Some(transport) = Self::connect_named(&ctx, name)? {
                    return Ok(transport);
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(TransportError::NoCard.into());
            }
            if !told {
                on_wait(wanted[0]);
                told = true;
            }
            // Sleep until a reader changes state (or a second passes, to notice new readers).
            let mut states: Vec<ReaderState> = wanted
                .iter()
                .filter_map(|name| CString::new(*name).ok())
                .map(|n| ReaderState::new(n, State::EMPTY))
                .collect();
            let left = (deadline - now).min(Duration::from_secs(1));
            match ctx.get_status_change(left, &mut states) {
                Ok(()) | Err(pcsc::Error::Timeout) => {}
                Err(e) => return Err(reader_error(e).into()),
            }
        }
    }

    /// The card in reader `name`; `None` when the reader holds none.
    fn connect_named(ctx: &Context, name: &str) -> Result<Option<PcscTransport>, TransportError> {
        let cname = CString::new(name).map_err(|_| TransportError::Reader("reader name has a NUL byte".into()))?;
        let card = match timed("pcsc: connect", || ctx.connect(&cname, ShareMode::Shared, Protocols::ANY)) {
            Ok(card) => card,
            Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard) => return Ok(None),
            Err(e) => return Err(reader_error(e)),
        };
        let mut atr_buf = [0u8; pcsc::MAX_ATR_SIZE];
        let mut names = [0u8; 2048];
        let atr = timed("pcsc: status (ATR)", || card.status2(&mut names, &mut atr_buf).map(|s| s.atr().to_vec()))
            .unwrap_or_default();
        // Extended length only when the card's ATR advertises it (ISO 7816-4 card capabilities); readers
        // pass extended APDUs for such cards. Otherwise short APDUs, which every JPKI card takes.
        let capabilities = if kazasu_card::atr::supports_extended_length(&atr) {
            LinkCapabilities::extended(pcsc::MAX_BUFFER_SIZE_EXTENDED - 2)
        } else {
            LinkCapabilities::SHORT
        };
        log::info!("connected to {name:?}, ATR {} bytes, extended length: {}", atr.len(), capabilities.extended_length);
        Ok(Some(PcscTransport { card: Some(card), context: Some(ctx.clone()), capabilities }))
    }
}

/// Ending the connection resets the card, so no verified PIN state lingers for other programs.
impl Drop for PcscTransport {
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            let _ = timed("pcsc: disconnect (reset card)", || card.disconnect(Disposition::ResetCard));
        }
        if let Some(context) = self.context.take() {
            let _ = timed("pcsc: release context", || context.release());
        }
    }
}

fn transmit_on(card: &Card, command: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
    reply(timed("pcsc: transmit (APDU)", || card.transmit(command, &mut buf)).map_err(reader_error)?)
}

/// A reply without a status word (fewer than two bytes) means the link failed mid-command: a transport
/// error, as on the phone and libnfc links, so that a VERIFY cut short is "outcome unknown".
fn reply(raw: &[u8]) -> Result<Vec<u8>, TransportError> {
    if raw.len() < 2 {
        return Err(TransportError::Reader(format!("reply of {} bytes has no status word", raw.len())));
    }
    Ok(raw.to_vec())
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit_on(self.card.as_ref().ok_or(TransportError::CardLost)?, command)
    }

    fn capabilities(&self) -> LinkCapabilities {
        self.capabilities
    }

    /// One tap's card work inside a PC/SC transaction (SCardBeginTransaction): other programs sharing the
    /// reader wait until it ends, so none can select another file between the counter read and VERIFY.
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        let capabilities = self.capabilities;
        let card = self.card.as_mut().ok_or(TransportError::CardLost)?;
        let transaction = timed("pcsc: begin transaction", || card.transaction()).map_err(reader_error)?;
        log::info!("PC/SC transaction begun");
        Ok(Box::new(InTransaction { transaction: Some(transaction), capabilities }))
    }
}

/// The card while this program holds a PC/SC transaction on it; the transaction ends (leaving the card as it
/// is) when this is dropped.
struct InTransaction<'a> {
    transaction: Option<pcsc::Transaction<'a>>,
    capabilities: LinkCapabilities,
}

impl Drop for InTransaction<'_> {
    fn drop(&mut self) {
        if let Some(transaction) = self.transaction.take() {
            let _ = timed("pcsc: end transaction", || transaction.end(Disposition::LeaveCard));
        }
    }
}

impl Transport for InTransaction<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit_on(self.transaction.as_ref().ok_or(TransportError::CardLost)?, command)
    }

    fn capabilities(&self) -> LinkCapabilities {
        self.capabilities
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kazasu_card::{CardError, JpkiSession, LastTry, PinKind, SignPin};

    /// Card replies as PC/SC hands them over, through the same [`reply`] as the real transport.
    struct Replies(Vec<Vec<u8>>);

    impl Transport for Replies {
        fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
            if self.0.is_empty() {
                return Err(TransportError::CardLost);
            }
            reply(&self.0.remove(0))
        }
    }

    #[test]
    fn a_one_byte_verify_reply_is_outcome_unknown_and_ends_the_session() {
        // SELECT AP, SELECT PIN EF, counter 63C5, then VERIFY answered with one byte.
        let replies = Replies(vec![vec![0x90, 0x00], vec![0x90, 0x00], vec![0x63, 0xC5], vec![0x90]]);
        let mut session = JpkiSession::open(replies).unwrap();
        let e = session.verify_sign_pin(SignPin::new("ABC123").unwrap(), LastTry::NotConfirmed).unwrap_err();
        assert!(matches!(e, CardError::VerifyOutcomeUnknown(TransportError::Reader(_))), "{e:?}");
        assert!(matches!(session.remaining_tries(PinKind::Sign), Err(CardError::SessionClosed)));
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_reader_named_exactly_is_the_only_one_tried_even_when_others_contain_its_name() {
        let readers = names(&["ACS ACR1252 1S CL Reader PICC 0", "ACS ACR1252 1S CL Reader PICC 0 (2)"]);
        assert_eq!(matching(&readers, Some("ACS ACR1252 1S CL Reader PICC 0")), vec![readers[0].as_str()]);
    }

    #[test]
    fn a_part_of_a_reader_name_matches_every_reader_containing_it_in_any_case() {
        let readers = names(&["Sony FeliCa Port/PaSoRi 4.0 00 00", "Virtual PCD 00 00", "Virtual PCD 00 01"]);
        assert_eq!(matching(&readers, Some("virtual pcd")), vec!["Virtual PCD 00 00", "Virtual PCD 00 01"]);
        assert!(matching(&readers, Some("Gemalto")).is_empty());
    }

    #[test]
    fn without_a_reader_name_every_reader_is_tried_in_the_order_pcscd_lists_them() {
        let readers = names(&["B reader", "A reader"]);
        assert_eq!(matching(&readers, None), vec!["B reader", "A reader"]);
    }

    #[test]
    fn replies_with_a_status_word_pass_unchanged() {
        assert_eq!(reply(&[0x90, 0x00]).unwrap(), vec![0x90, 0x00]);
        assert_eq!(reply(&[1, 2, 0x61, 0x10]).unwrap(), vec![1, 2, 0x61, 0x10]);
        assert!(reply(&[]).is_err());
    }
}
