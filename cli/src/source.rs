//! Choosing the card: a PC/SC reader (by name), a libnfc device, or the built-in software card; the options
//! that say which, opening the link, and listing the readers.

use std::time::Duration;

use clap::Args;
use kazasu_core::Transport;
use kazasu_pcsc as pcsc_reader;

use crate::failure::Failure;
use crate::io::progress;
use crate::messages::{self, text, Lang};
use crate::virtual_card;

/// Which card to use: a PC/SC reader (by name), the built-in software card, or a libnfc device. Given to the
/// commands that talk to a card (status, cert, sign, sign-request, login); their help texts are the catalog's
/// `arg_reader`, `arg_virtual_card`, `arg_nfc`, `arg_wait`. Also accepted before the command (`kazasu --virtual
/// sign …`, the spelling scripts use), hidden there, and refused before a command that uses no card.
#[derive(Args, Clone, Default)]
pub struct SourceArgs {
    #[arg(long, conflicts_with_all = ["virtual_card", "nfc"])]
    reader: Option<String>,
    #[arg(long = "virtual", conflicts_with = "nfc")]
    virtual_card: bool,
    #[arg(long, value_name = "CONNSTRING")]
    nfc: Option<String>,
    /// Seconds; [`DEFAULT_WAIT`] when not given (no clap default, so a value given before the command can be
    /// told from none).
    #[arg(long, value_name = "SECONDS")]
    wait: Option<u64>,
}

/// The argument ids of [`SourceArgs`].
pub const SOURCE_IDS: [&str; 4] = ["reader", "virtual_card", "nfc", "wait"];

/// Seconds to wait for a card when `--wait` is not given.
pub const DEFAULT_WAIT: u64 = 30;

impl SourceArgs {
    /// The first option given, as typed (for the message that refuses it where it does nothing).
    pub fn given(&self) -> Option<&'static str> {
        if self.reader.is_some() {
            Some("--reader")
        } else if self.virtual_card {
            Some("--virtual")
        } else if self.nfc.is_some() {
            Some("--nfc")
        } else if self.wait.is_some() {
            Some("--wait")
        } else {
            None
        }
    }

    /// The options given before the command joined with those given after it (the later ones win); two
    /// different cards named at once are refused with the two options.
    pub fn merged(before: &SourceArgs, after: SourceArgs) -> Result<SourceArgs, (&'static str, &'static str)> {
        let m = SourceArgs {
            reader: after.reader.or_else(|| before.reader.clone()),
            virtual_card: after.virtual_card || before.virtual_card,
            nfc: after.nfc.or_else(|| before.nfc.clone()),
            wait: after.wait.or(before.wait),
        };
        let named: Vec<&'static str> =
            [(m.reader.is_some(), "--reader"), (m.virtual_card, "--virtual"), (m.nfc.is_some(), "--nfc")]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect();
        match named[..] {
            [a, b, ..] => Err((a, b)),
            _ => Ok(m),
        }
    }

    pub fn is_virtual(&self) -> bool {
        self.virtual_card
    }
}

fn reader_failure(lang: Lang, e: &pcsc_reader::ReaderError) -> Failure {
    let (message, code) = messages::reader_error(lang, e);
    Failure::new(message, code)
}

fn nfc_failure(lang: Lang, e: &kazasu_nfc::NfcError) -> Failure {
    let (message, code) = messages::nfc_error(lang, e);
    Failure::new(message, code)
}

/// Opens the chosen card link.
pub fn open(source: &SourceArgs, lang: Lang) -> Result<Box<dyn Transport>, Failure> {
    if source.virtual_card {
        return virtual_card::open(lang);
    }
    if let Some(conn) = &source.nfc {
        let conn = (conn != "auto").then_some(conn.as_str());
        let mut t = kazasu_nfc::NfcTransport::open(conn, kazasu_nfc::DEFAULT_APDU_TIMEOUT)
            .map_err(|e| nfc_failure(lang, &e))?;
        progress(text::hold_card_to_reader(lang));
        t.wait_for_card(Duration::from_secs(source.wait.unwrap_or(DEFAULT_WAIT))).map_err(|e| nfc_failure(lang, &e))?;
        return Ok(Box::new(t));
    }
    let wait = Duration::from_secs(source.wait.unwrap_or(DEFAULT_WAIT));
    let t = pcsc_reader::PcscTransport::connect(source.reader.as_deref(), wait, |name| {
        progress(text::place_card_on_reader(lang, name))
    })
    .map_err(|e| reader_failure(lang, &e))?;
    Ok(Box::new(t))
}

/// Lists PC/SC readers and libnfc devices. Without the PC/SC service it says how to start it and fails: an
/// empty list would wrongly suggest that no reader is connected.
pub fn readers(lang: Lang) -> Result<(), Failure> {
    let pcsc = pcsc_reader::list();
    match &pcsc {
        Ok(list) if list.is_empty() => outln!("{}", text::no_pcsc_readers(lang)),
        Ok(list) => {
            for r in list {
                let state = if r.card_present { text::reader_card_present(lang) } else { text::reader_empty(lang) };
                outln!("pcsc\t{}\t{state}", r.name);
            }
        }
        Err(_) => {}
    }
    match kazasu_nfc::list_devices() {
        Ok(devices) => {
            for d in devices {
                outln!("libnfc\t{d}");
            }
        }
        Err(kazasu_nfc::NfcError::NotBuilt) => {}
        Err(e) => messages::detail("libnfc", e),
    }
    pcsc.map(|_| ()).map_err(|e| reader_failure(lang, &e))
}
