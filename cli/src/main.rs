//! `kazasu`: sign with the マイナンバーカード's signature certificate from the desktop.
//! See `kazasu --help` and cli/README.md. Exit codes: [`messages::exit`].

// From the top down: the commands (card, sign, pdf, bundle's verify, handoff, login), what they share (drive, source,
// revocation, trust, show, prompt, virtual_card), and at the bottom io, failure and messages. Each module
// imports only from modules below or beside it (scripts/check-imports.py).
#[macro_use]
mod out;

mod bundle;
mod card;
mod drive;
mod failure;
mod handoff;
mod io;
mod login;
mod messages;
mod pdf;
mod pdf_long_term;
mod prompt;
mod revocation;
mod show;
mod sign;
mod source;
mod trust;
mod tsa;
mod usage;
#[cfg(feature = "virtual-card")]
mod virtual_card;
#[cfg(not(feature = "virtual-card"))]
#[path = "no_virtual_card.rs"]
mod virtual_card;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use card::CertFormat;
use failure::Failure;
use messages::{exit, text, Lang, LANG_VALUES};
use prompt::PinArgs;
use source::SourceArgs;

/// The command line. Its words for people (about, every argument's help, the exit codes) are the catalog's,
/// applied by [`usage::command`] in the person's language; the doc comments here are for the code's readers.
#[derive(Parser)]
#[command(name = "kazasu", version)]
struct Cli {
    // The card options, also accepted before the command (hidden there; see `source::SourceArgs`).
    #[command(flatten)]
    source: SourceArgs,
    #[arg(long, global = true, value_name = "LANG", value_parser = LANG_VALUES, ignore_case = true)]
    lang: Option<String>,
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

// `sign` carries every option of PDF signing (stamp, field, long-term sources) inline, as clap's derive reads them;
// the enum is built once per run, so the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    Readers,
    Status {
        #[command(flatten)]
        source: SourceArgs,
    },
    Cert {
        #[arg(long, value_enum, default_value = "sign")]
        which: card::Which,
        #[arg(long, value_enum, default_value = "text")]
        format: CertFormat,
        #[arg(long, conflicts_with_all = ["der", "json"])]
        pem: bool,
        #[arg(long, conflicts_with = "json")]
        der: bool,
        #[arg(long)]
        json: bool,
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        pin: PinArgs,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// A file signed beside it (FILE.kazasu.json + FILE.p7s), or with --pdf a PDF signed inside a new file.
    Sign {
        #[arg(required_unless_present = "pdf", conflicts_with = "pdf")]
        file: Option<PathBuf>,
        #[arg(long, value_name = "IN.pdf")]
        pdf: Option<PathBuf>,
        #[arg(short = 'o', long = "output", requires = "pdf", value_name = "OUT.pdf")]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "pades", requires = "pdf")]
        pdf_format: pdf::PdfFormat,
        #[arg(long, requires = "pdf", value_name = "FILE")]
        cert: Option<PathBuf>,
        #[arg(long, requires = "pdf", value_name = "URL", required_if_eq("pades_level", "lta"))]
        tsa: Option<String>,
        #[arg(long, requires = "pdf", value_name = "NAME")]
        pdf_field: Option<String>,
        #[arg(long, requires = "pdf")]
        visible: bool,
        // 1 is the first page, -1 the last.
        #[arg(long, requires = "visible", value_name = "N", default_value = "1", allow_negative_numbers = true)]
        stamp_page: i32,
        #[arg(long, value_enum, requires = "visible", value_name = "CORNER", default_value = "lower-left")]
        stamp_corner: pdf::StampCorner,
        #[arg(long, requires = "visible", value_name = "POINTS", default_value = "36")]
        stamp_margin: f64,
        // PAdES B-LT/B-LTA: the chain (--ca) and the revocation data (--crl or --ocsp) go into the DSS.
        #[arg(long, value_enum, default_value = "b", requires = "pdf")]
        pades_level: pdf_long_term::PadesLevel,
        #[arg(
            long,
            value_name = "jpki|FILE",
            requires = "pdf",
            required_if_eq_any = [("pades_level", "lt"), ("pades_level", "lta")]
        )]
        ca: Option<PathBuf>,
        #[arg(long, value_name = "FILE", requires = "pdf")]
        crl: Vec<PathBuf>,
        #[arg(long, value_name = "URL", num_args = 0..=1, require_equals = true, conflicts_with = "crl", requires = "pdf")]
        ocsp: Option<Option<String>>,
        #[arg(long, default_value = "sha256")]
        hash: String,
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        #[command(flatten)]
        pin: PinArgs,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Uses no card: a bundle beside the file, or a PDF's own signatures (else the bundle beside it).
    Verify {
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        bundle: Option<PathBuf>,
        #[arg(long, value_name = "jpki|FILE")]
        ca: PathBuf,
        // Several CRLs: the one whose issuing distribution point names the certificate's is checked.
        #[arg(long, value_name = "FILE")]
        crl: Vec<PathBuf>,
        // `--ocsp` asks the responder the certificate names, `--ocsp=URL` that one.
        #[arg(long, value_name = "URL", num_args = 0..=1, require_equals = true, conflicts_with = "crl")]
        ocsp: Option<Option<String>>,
        #[arg(long, value_name = "UNIX_TIME")]
        at: Option<i64>,
        #[arg(long)]
        accept_test_cards: bool,
    },
    Scan {
        image: PathBuf,
    },
    SignRequest {
        url: String,
        #[arg(long)]
        show_document: bool,
        #[command(flatten)]
        pin: PinArgs,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Logs in with the card's authentication certificate (4-digit password): the CLI as the phone.
    Login {
        url: String,
        #[command(flatten)]
        pin: PinArgs,
        #[command(flatten)]
        source: SourceArgs,
    },
    Card {
        #[command(subcommand)]
        command: CardCommand,
    },
}

#[derive(Subcommand)]
enum CardCommand {
    Serve {
        #[arg(long, default_value = "127.0.0.1:35963")]
        vpcd: String,
        #[arg(long)]
        extended: bool,
    },
    ResetVirtual,
}

fn main() -> ExitCode {
    let (started, started_at) = (std::time::Instant::now(), std::time::SystemTime::now());
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = usage::language(&args);
    out::set_language(lang);
    let mut command = usage::command(Cli::command(), lang);
    let cli = match command.try_get_matches_from_mut(&args).and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { exit::OK };
            match usage::describe(lang, &e, &usage::command_words(&command, &args)) {
                Some(message) => eprintln!("kazasu: {message}"),
                None => {
                    let _ = e.print();
                }
            }
            return ExitCode::from(code);
        }
    };
    let level = match cli.verbose {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Info,
        _ => log::LevelFilter::Debug,
    };
    let mut logger = env_logger::Builder::new();
    logger.filter_level(level).format_timestamp_millis();
    // lopdf logs what it tolerates while reading a PDF ([WARN]/[ERROR], in English): details for -v, not words
    // for the person, who gets Kazasu's own refusal when a file cannot be signed.
    if cli.verbose == 0 {
        logger.filter_module("lopdf", log::LevelFilter::Off);
    }
    // Phase durations for scripts/bench.sh (kazasu_pcsc::timed).
    if std::env::var_os("KAZASU_TIMINGS").is_some() {
        logger.filter_module(kazasu_pcsc::TIMING_TARGET, log::LevelFilter::Debug);
    }
    logger.init();
    let lang = Lang::detect(cli.lang.as_deref());
    kazasu_pcsc::log_clock("main", started_at);
    kazasu_pcsc::log_phase("cli: arguments, logger, language", started);
    let result = run(cli.command, &cli.source, lang);
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

/// The card options of a command that uses the card, joined with those given before it; then `work` with
/// them. A locked software card adds how to start it afresh.
fn with_card(
    before: &SourceArgs,
    after: SourceArgs,
    lang: Lang,
    work: impl FnOnce(&SourceArgs) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let source = SourceArgs::merged(before, after)
        .map_err(|(a, b)| Failure::new(text::usage_conflict(lang, a, b), exit::USAGE))?;
    work(&source).map_err(|mut f| {
        if f.code == exit::BLOCKED && source.is_virtual() {
            let hint = text::virtual_card_locked_hint(lang);
            f.message = if lang == Lang::Ja { format!("{}{hint}", f.message) } else { format!("{} {hint}", f.message) };
        }
        f
    })
}

/// A command that uses no card refuses card options given before it: they would do nothing.
fn without_card(before: &SourceArgs, lang: Lang, command: &str) -> Result<(), Failure> {
    match before.given() {
        Some(option) => Err(Failure::new(text::usage_card_option_not_used(lang, command, option), exit::USAGE)),
        None => Ok(()),
    }
}

fn run(command: Command, before: &SourceArgs, lang: Lang) -> Result<(), Failure> {
    match command {
        Command::Readers => {
            without_card(before, lang, "readers")?;
            source::readers(lang)
        }
        Command::Status { source } => with_card(before, source, lang, |s| card::status(s, lang)),
        Command::Cert { which, format, pem, der, json, out, pin, source } => {
            let format = if pem {
                CertFormat::Pem
            } else if der {
                CertFormat::Der
            } else if json {
                CertFormat::Json
            } else {
                format
            };
            with_card(before, source, lang, |s| card::cert(s, lang, which, format, out.as_deref(), &pin))
        }
        Command::Sign {
            pdf: Some(input),
            output,
            pdf_format,
            cert,
            tsa,
            pdf_field,
            visible,
            pades_level,
            ca,
            crl,
            ocsp,
            stamp_page,
            stamp_corner,
            stamp_margin,
            pin,
            source,
            ..
        } => {
            let stamp = visible.then(|| kazasu_pdf::Stamp {
                page: stamp_page,
                corner: stamp_corner.into(),
                margin: stamp_margin,
                ..kazasu_pdf::Stamp::new(Vec::new())
            });
            let long_term = pdf_long_term::Sources { level: pades_level, ca: ca.as_deref(), crl: &crl, ocsp };
            let how = pdf::How {
                format: pdf_format,
                cert: cert.as_deref(),
                tsa: tsa.as_deref(),
                field: pdf_field.as_deref(),
                stamp,
                long_term,
            };
            with_card(before, source, lang, |s| pdf::sign(s, lang, &input, output.as_deref(), &how, &pin))
        }
        Command::Sign { file, hash, out_dir, pin, source, .. } => with_card(before, source, lang, |s| {
            let file = file.as_deref().unwrap_or(std::path::Path::new(""));
            sign::sign(s, lang, file, &hash, out_dir.as_deref(), &pin)
        }),
        Command::Verify { file, bundle, ca, crl, ocsp, at, accept_test_cards } => {
            without_card(before, lang, "verify")?;
            let r = revocation::Revocation::load(lang, &crl, ocsp)?;
            match bundle {
                None if pdf::is_pdf(&file) => pdf::verify(lang, &file, &ca, &r, at, accept_test_cards),
                _ => bundle::verify(lang, &file, bundle.as_deref(), &ca, &r, at, accept_test_cards),
            }
        }
        Command::Card { command: CardCommand::Serve { vpcd, extended } } => {
            without_card(before, lang, "card serve")?;
            virtual_card::serve(lang, &vpcd, extended)
        }
        Command::Card { command: CardCommand::ResetVirtual } => {
            without_card(before, lang, "card reset-virtual")?;
            virtual_card::reset_command(lang)
        }
        Command::Scan { image } => {
            without_card(before, lang, "scan")?;
            handoff::scan(lang, &image)
        }
        Command::SignRequest { url, show_document, pin, source } => {
            with_card(before, source, lang, |s| handoff::sign_request(s, lang, &url, &pin, show_document))
        }
        Command::Login { url, pin, source } => with_card(before, source, lang, |s| login::login(s, lang, &url, &pin)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every visible command and argument of `cmd` (recursively), with its catalog path.
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
        out.push((path.clone(), None));
        for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            out.push((path.clone(), Some(a.get_id().to_string())));
        }
        for s in cmd.get_subcommands() {
            let mut p = path.clone();
            p.push(s.get_name().replace('-', "_"));
            walk(s, p, out);
        }
    }

    #[test]
    fn every_command_and_argument_is_described_in_the_catalog_in_both_languages() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut all = Vec::new();
        walk(&cmd, Vec::new(), &mut all);
        assert!(all.len() > 40, "{}", all.len());
        for (path, arg) in all {
            for lang in [Lang::Ja, Lang::En] {
                let found = match &arg {
                    None => text::by_key(lang, &usage::command_key(&path)),
                    Some(id) => usage::argument_keys(&path, id).iter().find_map(|k| text::by_key(lang, k)),
                };
                assert!(found.is_some(), "{path:?} {arg:?}: no catalog text in {lang:?}");
            }
        }
    }

    #[test]
    fn help_names_every_accepted_value_since_clap_lists_none() {
        for lang in [Lang::Ja, Lang::En] {
            let cmd = usage::command(Cli::command(), lang);
            let mut stack = vec![&cmd];
            while let Some(c) = stack.pop() {
                for a in c.get_arguments().filter(|a| a.get_action().takes_values()) {
                    let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                    for v in a.get_possible_values().iter().filter(|v| !v.is_hide_set()) {
                        // The help command's own argument lists the commands, shown above it.
                        if c.get_name() != "help" {
                            assert!(
                                help.contains(v.get_name()),
                                "{} {}: {:?} not in {help}",
                                c.get_name(),
                                a.get_id(),
                                v.get_name()
                            );
                        }
                    }
                }
                stack.extend(c.get_subcommands());
            }
        }
    }

    #[test]
    fn card_options_are_offered_only_by_commands_that_use_a_card() {
        let cmd = usage::command(Cli::command(), Lang::En);
        let shown = |name: &str| {
            let sub = cmd.find_subcommand(name).unwrap();
            sub.get_arguments().any(|a| a.get_id() == "virtual_card" && !a.is_hide_set())
        };
        for name in ["status", "cert", "sign", "sign-request", "login"] {
            assert!(shown(name), "{name}");
        }
        for name in ["readers", "verify", "scan", "card"] {
            assert!(!shown(name), "{name}");
        }
        assert!(cmd
            .get_arguments()
            .filter(|a| source::SOURCE_IDS.contains(&a.get_id().as_str()))
            .all(|a| a.is_hide_set()));
    }
}
