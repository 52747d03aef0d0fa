//! What the CLI says to people, in Japanese and English, and the exit code of every outcome. The core's
//! errors are machine-readable; only this module turns them into words.

use kazasu_core::{CardError, PinError, TransportError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    /// `--lang`, else LC_ALL / LC_MESSAGES / LANG starting with "ja", else English.
    pub fn detect(flag: Option<&str>) -> Lang {
        let pick = |v: &str| if v.to_ascii_lowercase().starts_with("ja") { Lang::Ja } else { Lang::En };
        if let Some(f) = flag {
            return pick(f);
        }
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    return pick(&v);
                }
            }
        }
        Lang::En
    }

    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// Exit codes (documented in the README and `kazasu --help`).
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const WRONG_PIN: u8 = 3;
    pub const BLOCKED: u8 = 4;
    pub const NEEDS_CONFIRMATION: u8 = 5;
    pub const NO_READER_OR_CARD: u8 = 6;
    pub const CARD_LOST: u8 = 7;
    pub const NOT_JPKI: u8 = 8;
    pub const INVALID_PIN: u8 = 9;
    pub const VERIFY_FAILED: u8 = 10;
}

const RESET_JA: &str = "ロックの解除は、お住まいの市区町村の窓口か、「JPKI暗証番号リセット」アプリとコンビニのキオスク端末で行えます。";
const RESET_EN: &str = "It can be unlocked at your municipal office, or with the JPKI PIN reset app and a convenience-store kiosk.";

pub fn remaining(lang: Lang, n: u8) -> String {
    match lang {
        Lang::Ja => format!("署名用パスワードの残り回数: {n}回"),
        Lang::En => format!("Signature password: {n} tries left"),
    }
}

pub fn last_try_warning(lang: Lang) -> &'static str {
    lang.pick(
        "注意: 署名用パスワードの残りは1回です。間違えるとロックされ、市区町村の窓口などで解除が必要になります。",
        "Warning: only one try of the signature password is left. A wrong password locks it until it is reset.",
    )
}

pub fn card_error(lang: Lang, e: &CardError) -> (String, u8) {
    use exit::*;
    match e {
        CardError::WrongPin { remaining } => (
            match lang {
                Lang::Ja => format!("パスワードが違います。残り{remaining}回です。"),
                Lang::En => format!("Wrong password; {remaining} tries left."),
            },
            WRONG_PIN,
        ),
        CardError::Blocked => (
            match lang {
                Lang::Ja => format!("署名用パスワードはロックされています。{RESET_JA}"),
                Lang::En => format!("The signature password is locked. {RESET_EN}"),
            },
            BLOCKED,
        ),
        CardError::NeedsLastTryConfirmation => (
            lang.pick(
                "残り1回のため、確認なしではパスワードを送りません（--confirm-last-try で確認できます）。",
                "Only one try is left; the password is not sent without confirmation (--confirm-last-try).",
            )
            .into(),
            NEEDS_CONFIRMATION,
        ),
        CardError::VerifyOutcomeUnknown(_) => (
            lang.pick(
                "パスワードの確認中にカードとの通信が切れました。回数が減ったかは不明です。カードを置き直してやり直してください（次回は最初に残り回数を確認します）。",
                "The connection was lost while the card checked the password; whether a try was used is unknown. Place the card again and retry (the count is checked first).",
            )
            .into(),
            CARD_LOST,
        ),
        CardError::Transport(t) => transport_error(lang, t),
        CardError::SessionClosed => (
            lang.pick("カードとの通信が切れました。やり直してください。", "The connection to the card was lost; try again.").into(),
            CARD_LOST,
        ),
        CardError::NotJpkiCard => (
            lang.pick(
                "公的個人認証の機能がないカードです。マイナンバーカードを置いてください。",
                "This card has no JPKI application. Use a My Number Card.",
            )
            .into(),
            NOT_JPKI,
        ),
        other => (
            match lang {
                Lang::Ja => format!("カードの処理に失敗しました: {other}"),
                Lang::En => format!("The card operation failed: {other}"),
            },
            FAILURE,
        ),
    }
}

pub fn transport_error(lang: Lang, e: &TransportError) -> (String, u8) {
    use exit::*;
    match e {
        TransportError::CardLost => (
            lang.pick("カードが離れました。カードを置き直してやり直してください。", "The card was removed. Place it again and retry.")
                .into(),
            CARD_LOST,
        ),
        TransportError::Timeout => {
            (lang.pick("カードが応答しません。", "The card did not answer in time.").into(), CARD_LOST)
        }
        TransportError::NoCard => (
            lang.pick("カードが見つかりません。リーダーにカードを置いてください。", "No card found. Place the card on the reader.").into(),
            NO_READER_OR_CARD,
        ),
        TransportError::Reader(r) => (
            match lang {
                Lang::Ja => format!("カードリーダーのエラー: {r}"),
                Lang::En => format!("Card reader error: {r}"),
            },
            NO_READER_OR_CARD,
        ),
    }
}

pub fn pin_error(lang: Lang, e: &PinError) -> String {
    match (lang, e) {
        (Lang::Ja, PinError::SignLength { actual, .. }) => {
            format!("署名用パスワードは英大文字と数字の6〜16文字です（入力は{actual}文字）。回数は減っていません。")
        }
        (Lang::Ja, PinError::SignCharacter { position }) => {
            format!("署名用パスワードに使えるのは英字（A〜Z）と数字だけです（{position}文字目）。回数は減っていません。")
        }
        (Lang::Ja, PinError::AuthFormat) => "利用者証明用の暗証番号は数字4桁です。回数は減っていません。".into(),
        (Lang::En, e) => format!("{e}. No try was used."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_pin_message_names_the_tries_left() {
        let (ja, code) = card_error(Lang::Ja, &CardError::WrongPin { remaining: 4 });
        assert_eq!(ja, "パスワードが違います。残り4回です。");
        assert_eq!(code, exit::WRONG_PIN);
        assert_eq!(card_error(Lang::En, &CardError::WrongPin { remaining: 4 }).0, "Wrong password; 4 tries left.");
    }

    #[test]
    fn blocked_message_says_how_to_reset() {
        let (ja, code) = card_error(Lang::Ja, &CardError::Blocked);
        assert!(ja.contains("市区町村の窓口") && ja.contains("コンビニ"), "{ja}");
        assert_eq!(code, exit::BLOCKED);
        assert!(card_error(Lang::En, &CardError::Blocked).0.contains("municipal office"));
    }

    #[test]
    fn language_flag_wins() {
        assert_eq!(Lang::detect(Some("ja")), Lang::Ja);
        assert_eq!(Lang::detect(Some("en")), Lang::En);
    }
}
