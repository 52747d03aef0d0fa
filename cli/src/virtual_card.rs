//! `--virtual`: the built-in software card, whose password counters (the signature password's and the
//! authentication password's) are kept between runs in a small JSON file under the user's state directory ($XDG_STATE_HOME/kazasu/virtual-card, else
//! ~/.local/state/kazasu/virtual-card), so a person can try the wrong-password, last-try and lock-out paths.
//! `kazasu card reset-virtual` starts it afresh. The file holds counters only, never a password.

use std::io;
use std::path::{Path, PathBuf};

use kazasu_core::softcard::SoftCard;
use kazasu_core::{LinkCapabilities, Transport, TransportError};
use serde::{Deserialize, Serialize};

use crate::failure::Failure;
use crate::io::progress;
use crate::messages::{self, exit, text, Lang};

/// An ATR advertising extended Lc/Le (a contact マイナンバーカード's, jpki-facts), for `card serve --extended`.
const EXTENDED_ATR: &[u8] =
    &[0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12, 0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B];

/// `--virtual`: the software card with its counter from the state file.
pub fn open(lang: Lang) -> Result<Box<dyn Transport>, Failure> {
    progress(text::using_virtual_card(lang));
    let card = VirtualCard::open(state_path()).map_err(|e| {
        messages::detail("virtual card state", &e);
        Failure::new(text::virtual_card_state_unusable(lang, e.path().display()), exit::FAILURE)
    })?;
    if let Some(p) = card.path() {
        progress(text::virtual_card_state(lang, p.display()));
    }
    Ok(Box::new(card))
}

/// `kazasu card reset-virtual`: the software card starts again with all its tries.
pub fn reset_command(lang: Lang) -> Result<(), Failure> {
    let path = state_path()
        .ok_or_else(|| Failure::new(text::virtual_card_state_unusable(lang, "$XDG_STATE_HOME"), exit::FAILURE))?;
    reset(&path).map_err(|e| {
        messages::detail("virtual card state", &e);
        Failure::new(text::virtual_card_state_unusable(lang, path.display()), exit::FAILURE)
    })?;
    outln!("{}", text::virtual_card_reset(lang, AUTH_TRIES, path.display(), SIGN_TRIES.into()));
    Ok(())
}

/// `kazasu card serve`: a fresh software card (its counters live as long as this process) behind vpcd.
pub fn serve(lang: Lang, addr: &str, extended: bool) -> Result<(), Failure> {
    let mut card = SoftCard::new();
    let atr = if extended { EXTENDED_ATR } else { kazasu_core::softcard::SOFTCARD_ATR };
    let fixture = (kazasu_core::softcard::fixture::AUTH_PIN, kazasu_core::softcard::fixture::SIGN_PIN);
    eprintln!("kazasu: {}", text::virtual_card_serving(lang, addr, fixture.0, fixture.1));
    kazasu_vpcd::serve_forever(&mut card, addr, atr)
}

const FORMAT: &str = "kazasu-virtual-card/1";
/// A fresh card's tries of the signature password.
pub const SIGN_TRIES: u8 = 5;
/// A fresh card's tries of the authentication password.
pub const AUTH_TRIES: u8 = 3;

/// The counters. A file written before the authentication password's was kept has none: all its tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    sign_tries_left: u8,
    #[serde(default = "all_auth_tries")]
    auth_tries_left: u8,
}

fn all_auth_tries() -> u8 {
    AUTH_TRIES
}

const FRESH: State = State { sign_tries_left: SIGN_TRIES, auth_tries_left: AUTH_TRIES };

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    #[serde(flatten)]
    state: State,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: not a kazasu virtual-card state file")]
    Invalid { path: PathBuf },
}

impl StateError {
    pub fn path(&self) -> &Path {
        match self {
            StateError::Io { path, .. } | StateError::Invalid { path } => path,
        }
    }
}

/// Where the state lives: $XDG_STATE_HOME/kazasu/virtual-card, else $HOME/.local/state/kazasu/virtual-card;
/// `None` when neither is set (then the card starts fresh every run).
pub fn state_path() -> Option<PathBuf> {
    let non_empty = |v: &str| std::env::var_os(v).filter(|s| !s.is_empty()).map(PathBuf::from);
    let base = non_empty("XDG_STATE_HOME").or_else(|| non_empty("HOME").map(|h| h.join(".local/state")))?;
    Some(base.join("kazasu").join("virtual-card"))
}

fn write_state(path: &Path, state: State) -> Result<(), StateError> {
    let io_err = |source| StateError::Io { path: path.to_path_buf(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    let mut json = serde_json::to_vec_pretty(&File { format: FORMAT.into(), state }).unwrap_or_default();
    json.push(b'\n');
    // Written beside and renamed, so an interrupted run never leaves half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, json).map_err(io_err)?;
    std::fs::rename(&tmp, path).map_err(io_err)
}

fn read_state(path: &Path) -> Result<Option<State>, StateError> {
    match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice::<File>(&bytes) {
            Ok(f)
                if f.format == FORMAT
                    && f.state.sign_tries_left <= SIGN_TRIES
                    && f.state.auth_tries_left <= AUTH_TRIES =>
            {
                Ok(Some(f.state))
            }
            _ => Err(StateError::Invalid { path: path.to_path_buf() }),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StateError::Io { path: path.to_path_buf(), source }),
    }
}

/// Starts the software card afresh: all tries of both passwords.
pub fn reset(path: &Path) -> Result<(), StateError> {
    write_state(path, FRESH)
}

/// The software card with its counters loaded from, and saved to, the state file after every command that
/// changed one.
pub struct VirtualCard {
    card: SoftCard,
    path: Option<PathBuf>,
    saved: State,
}

fn counters(card: &SoftCard) -> State {
    State { sign_tries_left: card.tries_left(true), auth_tries_left: card.tries_left(false) }
}

impl VirtualCard {
    pub fn open(path: Option<PathBuf>) -> Result<VirtualCard, StateError> {
        let mut card = SoftCard::new();
        if let Some(p) = &path {
            match read_state(p)? {
                Some(s) => {
                    card.set_sign_tries_left(s.sign_tries_left);
                    card.set_auth_tries_left(s.auth_tries_left);
                }
                // Created now, so a directory that cannot be written is reported before the card is used.
                None => write_state(p, FRESH)?,
            }
        }
        let saved = counters(&card);
        Ok(VirtualCard { card, path, saved })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

impl Transport for VirtualCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let response = self.card.transmit(command)?;
        let now = counters(&self.card);
        if now != self.saved {
            if let Some(p) = &self.path {
                // A counter that cannot be kept is a broken card: nothing more is sent to it.
                write_state(p, now).map_err(|e| TransportError::Reader(e.to_string()))?;
            }
            self.saved = now;
        }
        Ok(response)
    }

    fn capabilities(&self) -> LinkCapabilities {
        self.card.capabilities()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kazasu_core::{JpkiSession, LastTry, PinKind, SignPin};

    fn wrong_try(path: &Path) -> u8 {
        let mut card = VirtualCard::open(Some(path.to_path_buf())).unwrap();
        let mut s = JpkiSession::open(&mut card).unwrap();
        let _ = s.verify_sign_pin(SignPin::new("WRONG1").unwrap(), LastTry::NotConfirmed);
        read_state(path).unwrap().unwrap().sign_tries_left
    }

    #[test]
    fn a_wrong_try_is_remembered_by_the_next_run_and_reset_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kazasu/virtual-card");
        assert_eq!(wrong_try(&path), 4);
        assert_eq!(wrong_try(&path), 3);
        let mut card = VirtualCard::open(Some(path.clone())).unwrap();
        let mut s = JpkiSession::open(&mut card).unwrap();
        assert_eq!(s.retry_state(PinKind::Sign).unwrap(), kazasu_core::RetryState::Remaining(3));
        reset(&path).unwrap();
        assert_eq!(read_state(&path).unwrap(), Some(FRESH));
    }

    #[test]
    fn the_authentication_password_counter_is_kept_too_and_an_older_file_has_all_its_tries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("virtual-card");
        std::fs::write(&path, "{\"format\":\"kazasu-virtual-card/1\",\"sign_tries_left\":4}").unwrap();
        let mut card = VirtualCard::open(Some(path.clone())).unwrap();
        let mut s = JpkiSession::open(&mut card).unwrap();
        assert_eq!(s.retry_state(PinKind::Auth).unwrap(), kazasu_core::RetryState::Remaining(AUTH_TRIES));
        let _ = s.verify_auth_pin(kazasu_core::AuthPin::new("9999").unwrap(), LastTry::NotConfirmed);
        assert_eq!(read_state(&path).unwrap(), Some(State { sign_tries_left: 4, auth_tries_left: 2 }));
        let mut card = VirtualCard::open(Some(path.clone())).unwrap();
        let mut s = JpkiSession::open(&mut card).unwrap();
        assert_eq!(s.retry_state(PinKind::Auth).unwrap(), kazasu_core::RetryState::Remaining(2));
    }

    #[test]
    fn a_damaged_state_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("virtual-card");
        std::fs::write(&path, "{\"format\":\"kazasu-virtual-card/1\",\"sign_tries_left\":9}").unwrap();
        assert!(matches!(VirtualCard::open(Some(path.clone())), Err(StateError::Invalid { .. })));
        std::fs::write(&path, "garbage").unwrap();
        assert!(matches!(VirtualCard::open(Some(path.clone())), Err(StateError::Invalid { .. })));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "garbage");
    }
}
