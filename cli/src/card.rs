//! The commands that talk to a card: choosing the card (PC/SC reader, libnfc device, or the built-in software
//! card), status, certificates, signing, and serving the software card to vpcd.

use std::path::Path;
use std::time::Duration;

use clap::{Args, ValueEnum};
use kazasu_core::cms::detached_signed_data;
use kazasu_core::jpki::{CertificateKind, RetryState};
use kazasu_core::softcard::SoftCard;
use kazasu_core::{CardError, Certificate, HashAlgorithm, JpkiSession, LastTry, PinKind, Transport};

use crate::messages::{self, exit, Lang};
use crate::{bundle, pcsc_reader, prompt, vpcd, CertFormat, Failure, PinArgs};

/// An ATR advertising extended Lc/Le (a contact マイナンバーカード's, jpki-facts), for `card serve --extended`.
const EXTENDED_ATR: &[u8] =
    &[0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12, 0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B];

#[derive(Args)]
pub struct SourceArgs {
    /// PC/SC reader to use (its name or part of it); default: the first reader with a card.
    #[arg(long, global = true, conflicts_with_all = ["virtual_card", "nfc"])]
    reader: Option<String>,
    /// Use the built-in software card (test PKI, sign PIN ABC123). Nothing real is signed.
    #[arg(long = "virtual", global = true, conflicts_with = "nfc")]
    virtual_card: bool,
    /// Use a libnfc device (connection string like pn532_uart:/dev/ttyUSB0, or "auto" for the first).
    #[arg(long, global = true, value_name = "CONNSTRING")]
    nfc: Option<String>,
    /// Seconds to wait for a card to be placed.
    #[arg(long, global = true, default_value_t = 30)]
    wait: u64,
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

pub(crate) fn progress(lang: Lang, ja: &str, en: &str) {
    eprintln!("{}", lang.pick(ja, en));
}

/// Opens the chosen card link.
pub fn open(source: &SourceArgs, lang: Lang) -> Result<Box<dyn Transport>, Failure> {
    if source.virtual_card {
        progress(lang, "内蔵のソフトウェアカード（テスト用）を使います。", "Using the built-in software card (test only).");
        return Ok(Box::new(SoftCard::new()));
    }
    if let Some(conn) = &source.nfc {
        let conn = (conn != "auto").then_some(conn.as_str());
        let mut t = kazasu_nfc::NfcTransport::open(conn, kazasu_nfc::DEFAULT_APDU_TIMEOUT)
            .map_err(|e| Failure::new(format!("libnfc: {e}"), exit::NO_READER_OR_CARD))?;
        progress(lang, "カードをリーダーにかざしてください…", "Hold the card to the reader…");
        t.wait_for_card(Duration::from_secs(source.wait))
            .map_err(|e| Failure::new(format!("libnfc: {e}"), exit::NO_READER_OR_CARD))?;
        return Ok(Box::new(t));
    }
    let t = pcsc_reader::PcscTransport::connect(source.reader.as_deref(), Duration::from_secs(source.wait), |name| {
        match lang {
            Lang::Ja => eprintln!("カードを「{name}」に置いてください…"),
            Lang::En => eprintln!("Place the card on {name:?}…"),
        }
    })
    .map_err(|e| {
        let (m, c) = messages::transport_error(lang, &e);
        Failure::new(m, c)
    })?;
    Ok(Box::new(t))
}

pub fn readers(lang: Lang) -> Result<(), Failure> {
    match pcsc_reader::list() {
        Ok(list) if list.is_empty() => println!("{}", lang.pick("PC/SC リーダーはありません。", "No PC/SC readers.")),
        Ok(list) => {
            for r in list {
                let state = if r.card_present { lang.pick("カードあり", "card present") } else { lang.pick("カードなし", "empty") };
                println!("pcsc\t{}\t{state}", r.name);
            }
        }
        Err(e) => eprintln!("PC/SC: {}", messages::transport_error(lang, &e).0),
    }
    match kazasu_nfc::list_devices() {
        Ok(devices) => {
            for d in devices {
                println!("libnfc\t{d}");
            }
        }
        Err(kazasu_nfc::NfcError::NotBuilt) => {}
        Err(e) => eprintln!("libnfc: {e}"),
    }
    Ok(())
}

pub fn status(source: &SourceArgs, lang: Lang) -> Result<(), Failure> {
    let mut transport = open(source, lang)?;
    let mut s = JpkiSession::open(&mut transport).map_err(|e| card_failure(lang, &e))?;
    let token = s.token_kind().map_err(|e| card_failure(lang, &e))?;
    let sign = s.retry_state(PinKind::Sign).map_err(|e| card_failure(lang, &e))?;
    let auth = s.retry_state(PinKind::Auth).map_err(|e| card_failure(lang, &e))?;
    let show = |r: RetryState| match (r, lang) {
        (RetryState::Remaining(n), Lang::Ja) => format!("残り{n}回"),
        (RetryState::Remaining(n), Lang::En) => format!("{n} tries left"),
        (RetryState::Blocked, _) => lang.pick("ロック中", "locked").to_string(),
    };
    println!("{}: {token:?}", lang.pick("トークン", "Token"));
    println!("{}: {}", lang.pick("署名用パスワード", "Signature password"), show(sign));
    println!("{}: {}", lang.pick("利用者証明用暗証番号", "Authentication PIN"), show(auth));
    Ok(())
}

/// Counter first, the last-try question, then the PIN, then VERIFY (which reads the counter once more).
pub(crate) fn verify_sign_pin<T: Transport>(s: &mut JpkiSession<T>, pin: &PinArgs, lang: Lang) -> Result<(), Failure> {
    let last = match s.retry_state(PinKind::Sign).map_err(|e| card_failure(lang, &e))? {
        RetryState::Blocked | RetryState::Remaining(0) => return Err(card_failure(lang, &CardError::Blocked)),
        RetryState::Remaining(1) => {
            eprintln!("{}", messages::last_try_warning(lang));
            if prompt::confirm_last_try(pin, lang) {
                LastTry::Confirmed
            } else {
                return Err(card_failure(lang, &CardError::NeedsLastTryConfirmation));
            }
        }
        RetryState::Remaining(n) => {
            eprintln!("{}", messages::remaining(lang, n));
            LastTry::NotConfirmed
        }
    };
    let typed = prompt::read_sign_pin(pin, lang)?;
    progress(lang, "パスワードを確認しています…", "Checking the password…");
    s.verify_sign_pin(typed, last).map_err(|e| card_failure(lang, &e))
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
    let mut s = JpkiSession::open(&mut transport).map_err(|e| card_failure(lang, &e))?;
    let kind = match which {
        Which::Sign => {
            verify_sign_pin(&mut s, pin, lang)?;
            CertificateKind::Sign
        }
        Which::SignCa => CertificateKind::SignCa,
        Which::Auth => CertificateKind::Auth,
        Which::AuthCa => CertificateKind::AuthCa,
    };
    progress(lang, "証明書を読み取っています…", "Reading the certificate…");
    let der = s.read_certificate(kind).map_err(|e| card_failure(lang, &e))?;
    drop(s);
    let cert = Certificate::from_der(&der).map_err(|e| Failure::new(e.to_string(), exit::FAILURE))?;
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
    write_out(out, &bytes)
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    match out {
        Some(path) => std::fs::write(path, bytes).map_err(|e| Failure::new(format!("{}: {e}", path.display()), exit::FAILURE)),
        None => std::io::stdout().write_all(bytes).map_err(|e| Failure::new(format!("stdout: {e}"), exit::FAILURE)),
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
    let alg = HashAlgorithm::from_name(hash)
        .ok_or_else(|| Failure::new(format!("unknown hash {hash:?} (sha256, sha384, sha512)"), exit::USAGE))?;
    // The exact bytes that will be signed, read once; the digest shown is the one signed.
    let data = std::fs::read(file).map_err(|e| Failure::new(format!("{}: {e}", file.display()), exit::FAILURE))?;
    let shown = hex::encode(HashAlgorithm::Sha256.digest(&data));
    match lang {
        Lang::Ja => eprintln!("署名するファイル: {} ({} バイト, SHA-256 {shown})", file.display(), data.len()),
        Lang::En => eprintln!("File to sign: {} ({} bytes, SHA-256 {shown})", file.display(), data.len()),
    }
    let mut transport = open(source, lang)?;
    let mut s = JpkiSession::open(&mut transport).map_err(|e| card_failure(lang, &e))?;
    verify_sign_pin(&mut s, pin, lang)?;
    progress(lang, "署名用証明書を読み取っています…", "Reading the signature certificate…");
    let certificate = s.read_sign_certificate().map_err(|e| card_failure(lang, &e))?;
    progress(lang, "署名しています…", "Signing…");
    let signature = s.sign(alg, &data).map_err(|e| card_failure(lang, &e))?;
    let traffic = s.traffic();
    drop(s);
    drop(transport);
    log::info!("sign flow: {} APDUs, {} bytes out, {} bytes in", traffic.apdus, traffic.bytes_sent, traffic.bytes_received);

    let cert = Certificate::from_der(&certificate).map_err(|e| Failure::new(e.to_string(), exit::FAILURE))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
    let dir = out_dir.map(Path::to_path_buf).unwrap_or_else(|| file.parent().unwrap_or(Path::new(".")).to_path_buf());
    let json_path = dir.join(format!("{name}.kazasu.json"));
    let p7s_path = dir.join(format!("{name}.p7s"));
    let b = bundle::Bundle::new(&name, &data, alg, &signature, &cert);
    let mut json = serde_json::to_string_pretty(&b).unwrap_or_default();
    json.push('\n');
    write_out(Some(&json_path), json.as_bytes())?;
    write_out(Some(&p7s_path), &detached_signed_data(&cert, &[], alg, &signature))?;
    print!("{}", bundle::describe(&cert, lang));
    match lang {
        Lang::Ja => println!("署名しました: {}\nCMS (PKCS#7): {}", json_path.display(), p7s_path.display()),
        Lang::En => println!("Signed: {}\nCMS (PKCS#7): {}", json_path.display(), p7s_path.display()),
    }
    Ok(())
}

pub fn serve(addr: &str, extended: bool) -> Result<(), Failure> {
    let mut card = SoftCard::new();
    let atr = if extended { EXTENDED_ATR } else { kazasu_core::softcard::SOFTCARD_ATR };
    eprintln!("kazasu: software card (TEST-ONLY keys, sign PIN {}) → vpcd {addr}", kazasu_core::softcard::fixture::SIGN_PIN);
    vpcd::serve_forever(&mut card, addr, atr)
}
