//! Running the kazasu binary in tests: a clean locale, `stdin` fed, everything captured.

use std::io::{ErrorKind, Write};
use std::process::{Command, Output, Stdio};

/// Runs `kazasu` with `stdin` fed from a thread while the output is collected. A CLI that refuses its input
/// before reading standard input (a bad link, a missing file) may exit before the write: the broken pipe
/// that follows is an expected outcome, not a failure of the test.
pub fn kazasu(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kazasu"))
        .args(args)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kazasu");
    let mut pipe = child.stdin.take().expect("piped stdin");
    let input = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || match pipe.write_all(&input) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    });
    let out = child.wait_with_output().expect("wait for kazasu");
    writer.join().expect("stdin writer thread").expect("write kazasu's stdin");
    out
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
