//! `kazasu`: sign with the マイナンバーカード's signature certificate from the desktop.
//! See `kazasu --help` and cli/README.md. Exit codes: [`messages::exit`].

mod bundle;
mod card;
mod drive;
mod handoff;
mod messages;
mod pdf;
mod prompt;
mod revocation;
#[cfg(feature = "virtual-card")]
mod virtual_card;
#[cfg(not(feature = "virtual-card"))]
#[path = "no_virtual_card.rs"]
mod virtual_card;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use messages::{exit, Lang};

#[derive(Parser)]
#[command(name = "kazasu", version, about = "マイナンバーカードで署名する / Sign with the My Number Card (JPKI)")]
#[command(after_help = "Exit codes: 0 ok, 1 failure, 2 usage, 3 wrong password, 4 password locked, 5 last try not \
confirmed, 6 no reader or card, 7 card lost / outcome unknown, 8 not a JPKI card, 9 password format, 10 verification \
failed.\n\
The signature password (署名用パスワード) is read from a hidden prompt or, with --pin-stdin, from the first line of \
standard input; never from arguments or the environment.")]
struct Cli {
    #[command(flatten)]
    source: card::SourceArgs,
    /// Language of messages: ja or en (default: from LANG).
    #[arg(long, global = true)]
    lang: Option<String>,
    /// Log command names, lengths and status words on stderr (-v info, -vv debug). Never APDU data.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
pub struct PinArgs {
    /// Read the signature password from the first line of standard input instead of a hidden prompt.
    #[arg(long)]
    pin_stdin: bool,
    /// Allow the signature password to use the last remaining try (otherwise asked on a terminal, or refused).
    #[arg(long)]
    confirm_last_try: bool,
}

#[derive(Subcommand)]
enum Command {
    /// List PC/SC readers (and libnfc devices).
    Readers,
    /// Card type and remaining tries of both passwords; spends none.
    Status,
    /// Show a certificate. The signature certificate needs the signature password.
    Cert {
        /// Which certificate: the signature certificate (needs the signature password), the authentication
        /// certificate, or the CA certificate of either (no password).
        #[arg(long, value_enum, default_value = "sign")]
        which: card::Which,
        /// Output: text for people, pem, der (binary), or json.
        #[arg(long, value_enum, default_value = "text")]
        format: CertFormat,
        /// Same as --format pem: the certificate in PEM.
        #[arg(long, conflicts_with_all = ["der", "json"])]
        pem: bool,
        /// Same as --format der: the certificate's DER bytes (binary; use --out FILE).
        #[arg(long, conflicts_with = "json")]
        der: bool,
        /// Same as --format json: subject, issuer, serial, validity (ISO 8601, UTC), name, address, date of
        /// birth, gender (word and code).
        #[arg(long)]
        json: bool,
        /// Write to FILE instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[command(flatten)]
        pin: PinArgs,
    },
    /// Sign FILE: writes FILE.kazasu.json (signature + certificate) and FILE.p7s (detached CMS). With --pdf IN.pdf:
    /// signs the PDF itself (incremental update) into a new file.
    Sign {
        #[arg(required_unless_present = "pdf", conflicts_with = "pdf")]
        file: Option<PathBuf>,
        /// Sign this PDF inside it (PAdES or adbe.pkcs7.detached); the input is never changed.
        #[arg(long, value_name = "IN.pdf")]
        pdf: Option<PathBuf>,
        /// The signed PDF (default IN-signed.pdf beside it); never an existing file.
        #[arg(short = 'o', long = "output", requires = "pdf", value_name = "OUT.pdf")]
        output: Option<PathBuf>,
        /// pades (ETSI.CAdES.detached) or pkcs7 (adbe.pkcs7.detached).
        #[arg(long, value_enum, default_value = "pades", requires = "pdf")]
        pdf_format: pdf::PdfFormat,
        /// Sign only with the card whose signature certificate is this one (PEM/DER, from `kazasu cert --pem`).
        /// Not needed otherwise: the signature names the certificate the card gives in the signing tap
        /// (signing-certificate-v2, which PAdES B-B asks for).
        #[arg(long, requires = "pdf", value_name = "FILE")]
        cert: Option<PathBuf>,
        /// Time-stamp the signature (RFC 3161, PAdES B-T) at this time-stamping authority (http or https URL).
        #[arg(long, requires = "pdf", value_name = "URL")]
        tsa: Option<String>,
        /// A visible stamp on the first page with the name from the card's certificate and the time.
        #[arg(long, requires = "pdf")]
        visible: bool,
        /// sha256 (default), sha384 or sha512.
        #[arg(long, default_value = "sha256")]
        hash: String,
        /// Directory for the outputs (default: beside FILE).
        #[arg(long)]
        out_dir: Option<PathBuf>,
        #[command(flatten)]
        pin: PinArgs,
    },
    /// Verify a signature made by `kazasu sign` against a trusted sign CA.
    Verify {
        file: PathBuf,
        /// The JSON bundle (default FILE.kazasu.json).
        #[arg(long)]
        bundle: Option<PathBuf>,
        /// The trusted signature CA: `jpki` for the J-LIS signature CAs built into kazasu (every generation), or a
        /// file of CA certificates (PEM or DER), e.g. a test CA.
        #[arg(long, value_name = "jpki|FILE")]
        ca: PathBuf,
        /// A CRL of that CA (PEM or DER), as you got it (J-LIS gives CRLs to licensed verifiers). Repeat for
        /// several: the one whose issuing distribution point names the certificate's CRL distribution point is
        /// checked, and none that does is a refusal. Without --crl or --ocsp, revocation is not checked (and the
        /// output says so).
        #[arg(long, value_name = "FILE")]
        crl: Vec<PathBuf>,
        /// Check revocation by OCSP instead: ask the responder the certificate names, or --ocsp=URL. Revoked,
        /// unknown, or a responder that cannot be reached or trusted: the signature is not accepted.
        #[arg(long, value_name = "URL", num_args = 0..=1, require_equals = true, conflicts_with = "crl")]
        ocsp: Option<Option<String>>,
        /// Check validity at this Unix time instead of now.
        #[arg(long)]
        at: Option<i64>,
    },
    /// Read a signing-request QR code from a photo or screenshot (PNG, JPEG) and print its URL.
    Scan { image: PathBuf },
    /// Sign a relying party's request (https URL or kazasu:// link): fetch, show, password, sign, submit.
    SignRequest {
        url: String,
        /// Also print the exact document text that is signed.
        #[arg(long)]
        show_document: bool,
        #[command(flatten)]
        pin: PinArgs,
    },
    /// The built-in software card (test-only keys).
    Card {
        #[command(subcommand)]
        command: CardCommand,
    },
}

#[derive(Subcommand)]
enum CardCommand {
    /// Put the software card into vpcd's virtual reader so PC/SC programs see it.
    Serve {
        /// vpcd's address (its default port is 35963).
        #[arg(long, default_value = "127.0.0.1:35963")]
        vpcd: String,
        /// Present an ATR that advertises extended-length APDUs.
        #[arg(long)]
        extended: bool,
    },
    /// Start the `--virtual` card afresh (all tries of the signature password; unlocks it).
    ResetVirtual,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum CertFormat {
    Text,
    Pem,
    Der,
    Json,
}

/// A failure with its message already in the user's language and its exit code.
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn new(message: impl Into<String>, code: u8) -> Failure {
        Failure { message: message.into(), code }
    }
}

fn main() -> ExitCode {
    let (started, started_at) = (std::time::Instant::now(), std::time::SystemTime::now());
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    let level = match cli.verbose {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Info,
        _ => log::LevelFilter::Debug,
    };
    let mut logger = env_logger::Builder::new();
    logger.filter_level(level).format_timestamp_millis();
    // Phase durations for scripts/bench.sh (kazasu_pcsc::timed).
    if std::env::var_os("KAZASU_TIMINGS").is_some() {
        logger.filter_module(kazasu_pcsc::TIMING_TARGET, log::LevelFilter::Debug);
    }
    logger.init();
    let lang = Lang::detect(cli.lang.as_deref());
    kazasu_pcsc::log_clock("main", started_at);
    kazasu_pcsc::log_phase("cli: arguments, logger, language", started);
    let result = match cli.command {
        Command::Readers => card::readers(lang),
        Command::Status => card::status(&cli.source, lang),
        Command::Cert { which, format, pem, der, json, out, pin } => {
            let format = if pem {
                CertFormat::Pem
            } else if der {
                CertFormat::Der
            } else if json {
                CertFormat::Json
            } else {
                format
            };
            card::cert(&cli.source, lang, which, format, out.as_deref(), &pin)
        }
        Command::Sign { pdf: Some(input), output, pdf_format, cert, tsa, visible, pin, .. } => {
            let how = pdf::How { format: pdf_format, cert: cert.as_deref(), tsa: tsa.as_deref(), visible };
            pdf::sign(&cli.source, lang, &input, output.as_deref(), &how, &pin)
        }
        Command::Sign { file, hash, out_dir, pin, .. } => card::sign(
            &cli.source,
            lang,
            file.as_deref().unwrap_or(std::path::Path::new("")),
            &hash,
            out_dir.as_deref(),
            &pin,
        ),
        Command::Verify { file, bundle, ca, crl, ocsp, at } => match revocation::Revocation::load(lang, &crl, ocsp) {
            Err(f) => Err(f),
            Ok(r) if bundle.is_none() && pdf::is_pdf(&file) => pdf::verify(lang, &file, &ca, &r, at),
            Ok(r) => bundle::verify(lang, &file, bundle.as_deref(), &ca, &r, at),
        },
        Command::Card { command: CardCommand::Serve { vpcd, extended } } => virtual_card::serve(lang, &vpcd, extended),
        Command::Card { command: CardCommand::ResetVirtual } => virtual_card::reset_command(lang),
        Command::Scan { image } => handoff::scan(lang, &image),
        Command::SignRequest { url, show_document, pin } => {
            handoff::sign_request(&cli.source, lang, &url, &pin, show_document)
        }
    };
    kazasu_pcsc::log_phase("main (all of the above)", started);
    kazasu_pcsc::log_clock("main end", std::time::SystemTime::now());
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(f) => {
            eprintln!("kazasu: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
