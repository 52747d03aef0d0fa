//! The CLI's files and terminal: reading a file the person named, writing an output file or standard output,
//! and progress lines on stderr — each failure in the person's words.

use std::path::Path;

use crate::failure::Failure;
use crate::messages::{self, exit, text, Lang};

/// A progress line on stderr.
pub(crate) fn progress(message: String) {
    eprintln!("{message}");
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

/// Writes `bytes` to `out`, or to standard output without one.
pub(crate) fn write_out(lang: Lang, out: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write as _;
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
