//! The commands that talk to a card: choosing the card (PC/SC reader, libnfc device, or the built-in software
//! card), status, certificates, signing, and serving the software card to vpcd.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use kazasu_core::cms::detached_signed_data;
use kazasu_core::flow::Flow;
use kazasu_core::jpki::{CertificateKind, RetryState};
use kazasu_core::{CardError, Certificate, HashAlgorithm, JpkiSession, PinKind, Transport};

use crate::messages::{self, exit, text, Lang};
use crate::{bundle, drive, virtual_card, CertFormat, Failure, PinArgs};
use kazasu_pcsc as pcsc_reader;

/// Which card to use: a PC/SC reader (by name), the built-in software card, or a libnfc device. Given to the
/// commands that talk to a card (status, cert, sign, sign-request); their help texts are the catalog's
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

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Which {
    Sign,
    SignCa,
    Auth,
    AuthCa,
}

pub(crate) fn card_failure(lang: Lang, e: &CardError) -> Failure {
    let (message, code) = messages::card_error(lang, e);
    Failure::new(message, code)
}

/// A progress line on stderr.
pub(crate) fn progress(message: String) {
    eprintln!("{message}");
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
        Ok(list) if list.is_empty() => println!("{}", text::no_pcsc_readers(lang)),
        Ok(list) => {
            for r in list {
                let state = if r.card_present { text::reader_card_present(lang) } else { text::reader_empty(lang) };
                println!("pcsc\t{}\t{state}", r.name);
            }
        }
        Err(_) => {}
    }
    match kazasu_nfc::list_devices() {
        Ok(devices) => {
            for d in devices {
                println!("libnfc\t{d}");
            }
        }
        Err(kazasu_nfc::NfcError::NotBuilt) => {}
        Err(e) => messages::detail("libnfc", e),
    }
    pcsc.map(|_| ()).map_err(|e| reader_failure(lang, &e))
}

pub fn status(source: &SourceArgs, lang: Lang) -> Result<(), Failure> {
    let mut transport = open(source, lang)?;
    let mut s = JpkiSession::open(&mut transport).map_err(|e| card_failure(lang, &e))?;
    let token = s.token_kind().map_err(|e| card_failure(lang, &e))?;
    let sign = s.retry_state(PinKind::Sign).map_err(|e| card_failure(lang, &e))?;
    let auth = s.retry_state(PinKind::Auth).map_err(|e| card_failure(lang, &e))?;
    let show = |r: RetryState| match r {
        RetryState::Remaining(0) | RetryState::Blocked => text::status_locked(lang),
        RetryState::Remaining(n) => text::status_tries_left(lang, n.into()),
    };
    println!("{}: {token:?}", text::status_token(lang));
    println!("{}: {}", text::status_sign_password(lang), show(sign));
    println!("{}: {}", text::status_auth_password(lang), show(auth));
    Ok(())
}

pub fn cert(
    source: &SourceArgs,
    lang: Lang,
    which: Which,
    format: CertFormat,
    out: Option<&Path>,
    pin: &PinArgs,
) -> Result<(), Failure> {
    let mut transport = open(source, lang)?;
    let der = match which {
        // The signature certificate is read only after the password: the one flow, as for signing.
        Which::Sign => {
            let mut flow = Flow::for_sign_certificate();
            let failed = || Failure::new(text::card_operation_failed(lang), exit::FAILURE);
            drive::sign_on_card(&mut flow, &mut *transport, pin, lang, &|_| failed())?;
            flow.signature().map(|s| s.certificate.clone()).ok_or_else(failed)?
        }
        other => {
            let kind = match other {
                Which::SignCa => CertificateKind::SignCa,
                Which::Auth => CertificateKind::Auth,
                _ => CertificateKind::AuthCa,
            };
            let mut s = JpkiSession::open(&mut transport).map_err(|e| card_failure(lang, &e))?;
            progress(text::reading_certificate(lang));
            s.read_certificate(kind).map_err(|e| card_failure(lang, &e))?
        }
    };
    drop(transport); // the card is released before the output is written
    let cert = certificate(lang, &der)?;
    let bytes = match format {
        CertFormat::Der => der.clone(),
        CertFormat::Pem => cert.to_pem().into_bytes(),
        CertFormat::Json => {
            let mut s = serde_json::to_string_pretty(&bundle::CertInfo::of(&cert)).unwrap_or_default();
            s.push('\n');
            s.into_bytes()
        }
        CertFormat::Text => bundle::describe(&cert, lang).into_bytes(),
    };
    write_out(lang, out, &bytes)
}

/// A certificate read from the card, parsed.
fn certificate(lang: Lang, der: &[u8]) -> Result<Certificate, Failure> {
    Certificate::from_der(der).map_err(|e| {
        messages::detail("certificate", e);
        Failure::new(text::card_certificate_unreadable(lang), exit::FAILURE)
    })
}

fn write_out(lang: Lang, out: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    match out {
        Some(path) => std::fs::write(path, bytes).map_err(|e| {
            messages::detail(&path.display().to_string(), e);
            Failure::new(text::file_unwritable(lang, path.display()), exit::FAILURE)
        }),
        None => std::io::stdout().write_all(bytes).map_err(|e| {
            messages::detail("stdout", e);
            Failure::new(text::stdout_unwritable(lang), exit::FAILURE)
        }),
    }
}

pub fn sign(
    source: &SourceArgs,
    lang: Lang,
    file: &Path,
    hash: &str,
    out_dir: Option<&Path>,
    pin: &PinArgs,
) -> Result<(), Failure> {
    let started = Instant::now();
    let alg =
        HashAlgorithm::from_name(hash).ok_or_else(|| Failure::new(text::unknown_hash(lang, hash), exit::USAGE))?;
    // The exact bytes that will be signed, read once; the digest shown is the one signed.
    let data = read_file(lang, file)?;
    let shown = hex::encode(HashAlgorithm::Sha256.digest(&data));
    eprintln!("{}", text::file_to_sign(lang, data.len() as u64, file.display(), shown));
    let data: std::sync::Arc<[u8]> = data.into();
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
    let mut flow = Flow::for_bytes(name.clone(), data.clone(), alg);
    drive::show_consent(&flow, lang);
    pcsc_reader::log_phase("cli: read file, digest, consent", started);
    let mut transport = pcsc_reader::timed("cli: open the card link", || open(source, lang))?;
    drive::sign_on_card(&mut flow, &mut *transport, pin, lang, &|_| {
        Failure::new(text::card_operation_failed(lang), exit::FAILURE)
    })?;
    pcsc_reader::timed("cli: release the card link", || drop(transport));
    let started = Instant::now();
    let signed = flow.signature().ok_or_else(|| Failure::new(text::card_operation_failed(lang), exit::FAILURE))?;
    let (signature, certificate_der) = (&signed.signature, &signed.certificate);

    let cert = certificate(lang, certificate_der)?;
    let dir = out_dir.map(Path::to_path_buf).unwrap_or_else(|| file.parent().unwrap_or(Path::new(".")).to_path_buf());
    let json_path = dir.join(format!("{name}.kazasu.json"));
    let p7s_path = dir.join(format!("{name}.p7s"));
    let b = bundle::Bundle::new(&name, &data, alg, signature, &cert);
    let mut json = serde_json::to_string_pretty(&b).unwrap_or_default();
    json.push('\n');
    write_out(lang, Some(&json_path), json.as_bytes())?;
    let p7s = detached_signed_data(&cert, &[], alg, signature).map_err(|e| {
        messages::detail("cms", e);
        Failure::new(text::card_operation_failed(lang), exit::FAILURE)
    })?;
    write_out(lang, Some(&p7s_path), &p7s)?;
    print!("{}", bundle::describe(&cert, lang));
    println!("{}", text::signed_files(lang, json_path.display(), p7s_path.display()));
    pcsc_reader::log_phase("cli: output (certificate, JSON, CMS, files)", started);
    Ok(())
}

/// Reads a file the person named, with their words for what went wrong.
pub(crate) fn read_file(lang: Lang, path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        messages::detail(&path.display().to_string(), &e);
        let message = if path.is_dir() {
            text::file_is_a_directory(lang, path.display())
        } else if e.kind() == std::io::ErrorKind::NotFound {
            text::file_not_found(lang, path.display())
        } else {
            text::file_unreadable(lang, path.display())
        };
        Failure::new(message, exit::FAILURE)
    })
}
