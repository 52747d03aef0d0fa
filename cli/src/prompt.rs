//! Getting the password (the signature password, or the authentication password of a log-in) and the last-try
//! confirmation from the person: a hidden prompt on the terminal, or the first line of standard input with
//! --pin-stdin. The password is held in zeroizing buffers from the first byte.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use kazasu_core::{AuthPin, SignPin};
use zeroize::Zeroizing;

use crate::failure::Failure;
use crate::messages::{detail, exit, pin_error, text, Lang};

/// How the password and the last-try confirmation are given (`--pin-stdin`, `--confirm-last-try`).
#[derive(Args, Clone)]
pub struct PinArgs {
    #[arg(long)]
    pub(crate) pin_stdin: bool,
    #[arg(long)]
    pub(crate) confirm_last_try: bool,
}

pub fn read_sign_pin(args: &PinArgs, lang: Lang) -> Result<SignPin, Failure> {
    let typed = read_typed(
        args,
        lang,
        &text::sign_password_prompt(lang),
        text::no_terminal_for_password,
        text::password_input_failed,
    )?;
    let pin = SignPin::new(&typed).map_err(|e| Failure::new(pin_error(lang, &e), exit::INVALID_PIN))?;
    // The card compares upper case; say so rather than change what was typed silently.
    if typed.chars().any(char::is_lowercase) {
        eprintln!("{}", text::sign_password_upper_cased(lang));
    }
    Ok(pin)
}

/// The 4-digit authentication password of a log-in, read as the signature password is (hidden prompt or
/// `--pin-stdin`) and checked by the core before anything reaches the card.
pub fn read_auth_pin(args: &PinArgs, lang: Lang) -> Result<AuthPin, Failure> {
    let typed = read_typed(
        args,
        lang,
        &text::auth_password_prompt(lang),
        text::auth_no_terminal_for_password,
        text::auth_password_input_failed,
    )?;
    AuthPin::new(&typed).map_err(|e| Failure::new(pin_error(lang, &e), exit::INVALID_PIN))
}

/// The typed password, in a zeroizing buffer: the first line of standard input with `--pin-stdin`, else a
/// prompt without echo on the terminal (refused when there is none).
fn read_typed(
    args: &PinArgs,
    lang: Lang,
    prompt: &str,
    no_terminal: fn(Lang) -> String,
    input_failed: fn(Lang) -> String,
) -> Result<Zeroizing<String>, Failure> {
    let unreadable = |e: std::io::Error| {
        detail("password input", e);
        Failure::new(input_failed(lang), exit::FAILURE)
    };
    if args.pin_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line).map_err(unreadable)?;
        while line.ends_with('\n') || line.ends_with('\r') {
            line.pop();
        }
        Ok(line)
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::new(no_terminal(lang), exit::USAGE));
        }
        Ok(Zeroizing::new(rpassword::prompt_password(prompt).map_err(unreadable)?))
    }
}

/// Asks whether the last try may be used. With --confirm-last-try: yes. On a terminal: asks. Otherwise: no.
pub fn confirm_last_try(args: &PinArgs, lang: Lang) -> bool {
    if args.confirm_last_try {
        return true;
    }
    if args.pin_stdin || !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{}", text::sign_password_last_try_question(lang));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "はい")
}
