//! Standard output that cannot panic. `println!` panics when stdout fails — the reader of a pipe has gone
//! (`kazasu verify … | head`) or the disk is full — and no input may make the CLI panic. Here a reader that has gone
//! ends the program quietly, as Unix tools end on SIGPIPE; any other failure is said on stderr. Both exit with
//! [`exit::FAILURE`]: what was to be printed did not all arrive.

use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;

use crate::messages::{exit, text, Lang};

static LANG: OnceLock<Lang> = OnceLock::new();

/// The language of the words said when stdout fails (the run's `--lang`, set once at start).
pub(crate) fn set_language(lang: Lang) {
    let _ = LANG.set(lang);
}

/// Writes `args` to stdout, or ends the program if stdout cannot take them.
pub(crate) fn write(args: fmt::Arguments) {
    let mut stdout = io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("kazasu: {}", text::stdout_failed(*LANG.get().unwrap_or(&Lang::Ja)));
            log::info!("stdout: {e}");
        }
        std::process::exit(exit::FAILURE.into());
    }
}

/// `print!` to stdout through [`write`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*)) };
}

/// `println!` to stdout through [`write`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::out::write(format_args!("{}\n", format_args!($($arg)*))) };
}
