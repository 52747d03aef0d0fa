//! Getting the PIN and the last-try confirmation from the person: a hidden prompt on the terminal, or the
//! first line of standard input with --pin-stdin. The PIN is held in zeroizing buffers from the first byte.

use std::io::{BufRead, IsTerminal, Write};

use kazasu_core::SignPin;
use zeroize::Zeroizing;

use crate::messages::{exit, pin_error, Lang};
use crate::{Failure, PinArgs};

pub fn read_sign_pin(args: &PinArgs, lang: Lang) -> Result<SignPin, Failure> {
    let typed: Zeroizing<String> = if args.pin_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::new(format!("stdin: {e}"), exit::FAILURE))?;
        while line.ends_with('\n') || line.ends_with('\r') {
            line.pop();
        }
        line
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::new(
                lang.pick("端末がありません。--pin-stdin でパスワードを標準入力から渡してください。", "No terminal: pass the PIN on standard input with --pin-stdin."),
                exit::USAGE,
            ));
        }
        let prompt = lang.pick("署名用パスワード（6〜16文字の英数字）: ", "Signature password (6–16 letters and digits): ");
        Zeroizing::new(rpassword::prompt_password(prompt).map_err(|e| Failure::new(format!("terminal: {e}"), exit::FAILURE))?)
    };
    SignPin::new(&typed).map_err(|e| Failure::new(pin_error(lang, &e), exit::INVALID_PIN))
}

/// Asks whether the last try may be used. With --confirm-last-try: yes. On a terminal: asks. Otherwise: no.
pub fn confirm_last_try(args: &PinArgs, lang: Lang) -> bool {
    if args.confirm_last_try {
        return true;
    }
    if args.pin_stdin || !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{}", lang.pick("最後の1回を使って続けますか？ [y/N]: ", "Use the last try? [y/N]: "));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "はい")
}
