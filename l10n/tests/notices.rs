//! Every notice the core can produce has words on both phones, and the words the catalog names for it are
//! the right ones (the iPhone once quoted an empty refusal as 「」: `notice_refused_without_message` was
//! Android's only).

#![allow(clippy::unwrap_used)]

use kazasu_core::flow::{Notice, PinRule};
use kazasu_core::handoff::Refusal;
use kazasu_words::phones::{Phone, PhoneEntry};

/// One of each notice, and of each value a catalog condition tells apart. The match is exhaustive: a notice
/// added to the core fails to compile here until it has a sample (and then fails below until it has words).
fn samples() -> Vec<Notice> {
    let all = vec![
        Notice::WrongPin { remaining: 2 },
        Notice::LastTry,
        Notice::CardLost,
        Notice::VerifyOutcomeUnknown,
        Notice::CardLostAfterPin,
        Notice::NotJpkiCard,
        Notice::TriesUnknown,
        Notice::InvalidPin { rule: PinRule::Length },
        Notice::InvalidPin { rule: PinRule::Alphabet },
        Notice::InvalidPin { rule: PinRule::FourDigits },
        Notice::CardUnsupported,
        Notice::CardFault,
        Notice::InvalidLink,
        Notice::InvalidRequest,
        Notice::OriginMismatch { expected: "https://a.example".into(), found: "https://b.example".into() },
        Notice::DisplayMismatch,
        Notice::Expired,
        Notice::NotYetValid,
        Notice::AlreadySigned,
        Notice::RequestNotFound,
        Notice::Network,
        Notice::HttpStatus { status: 503 },
        Notice::Refused { code: Refusal::BadSignature, message: "no".into() },
        Notice::Refused { code: Refusal::Internal, message: String::new() },
    ];
    for n in &all {
        match n {
            Notice::WrongPin { .. }
            | Notice::LastTry
            | Notice::CardLost
            | Notice::VerifyOutcomeUnknown
            | Notice::CardLostAfterPin
            | Notice::NotJpkiCard
            | Notice::TriesUnknown
            | Notice::CardUnsupported
            | Notice::CardFault
            | Notice::InvalidLink
            | Notice::InvalidRequest
            | Notice::OriginMismatch { .. }
            | Notice::DisplayMismatch
            | Notice::Expired
            | Notice::NotYetValid
            | Notice::AlreadySigned
            | Notice::RequestNotFound
            | Notice::Network
            | Notice::HttpStatus { .. }
            | Notice::Refused { .. } => {}
            Notice::InvalidPin { rule: PinRule::Length | PinRule::Alphabet | PinRule::FourDigits } => {}
        }
    }
    all
}

fn catalog() -> Vec<PhoneEntry> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    kazasu_words::load(&read("app.toml"), &read("messages.toml")).unwrap()
}

/// The key whose words a phone shows for `notice`: the first entry whose pattern matches, in the order the
/// generated code tries them (a group's conditional entries first).
fn words_of<'a>(entries: &'a [PhoneEntry], notice: &Notice, phone: Phone) -> Option<&'a str> {
    matching(entries, notice, phone, |e| e.notice.as_ref())
}

/// The key whose words a phone shows for `notice` on a log-in's screen: the log-in's own, else the signing words.
fn login_words_of<'a>(entries: &'a [PhoneEntry], notice: &Notice, phone: Phone) -> Option<&'a str> {
    matching(entries, notice, phone, |e| e.login_notice.as_ref()).or_else(|| words_of(entries, notice, phone))
}

fn matching<'a>(
    entries: &'a [PhoneEntry],
    notice: &Notice,
    phone: Phone,
    pattern: fn(&PhoneEntry) -> Option<&kazasu_words::pattern::Pattern>,
) -> Option<&'a str> {
    let debug = format!("{notice:?}");
    let on: Vec<&PhoneEntry> = entries.iter().filter(|e| e.on(phone)).collect();
    let find = |conditional: bool| {
        on.iter().find(|e| pattern(e).is_some_and(|p| p.matches_debug(&debug) && p.is_conditional() == conditional))
    };
    find(true).or_else(|| find(false)).map(|e| e.key.as_str())
}

#[test]
fn every_notice_the_core_can_produce_has_words_on_both_phones() {
    let entries = catalog();
    for notice in samples() {
        let android = words_of(&entries, &notice, Phone::Android);
        let ios = words_of(&entries, &notice, Phone::Ios);
        assert!(android.is_some(), "{notice:?} has no words on Android");
        assert_eq!(android, ios, "{notice:?}: the phones say it differently");
    }
}

#[test]
fn a_log_in_says_every_notice_alike_on_both_phones_and_in_its_own_words_where_it_has_them() {
    let entries = catalog();
    for notice in samples() {
        let android = login_words_of(&entries, &notice, Phone::Android);
        assert!(android.is_some(), "{notice:?} has no words on a log-in's Android screen");
        assert_eq!(android, login_words_of(&entries, &notice, Phone::Ios), "{notice:?}: the phones say it differently");
    }
    let wrong = Notice::WrongPin { remaining: 2 };
    assert_eq!(login_words_of(&entries, &wrong, Phone::Ios), Some("login_notice_wrong_pin"));
    // The iPhone's log-in once quoted an empty refusal as 「」: the words without a quote are on both phones.
    let empty = Notice::Refused { code: Refusal::Internal, message: String::new() };
    for phone in [Phone::Android, Phone::Ios] {
        assert_eq!(login_words_of(&entries, &empty, phone), Some("login_notice_refused_without_message"), "{phone:?}");
    }
}

#[test]
fn a_refusal_without_the_sites_words_is_said_without_an_empty_quote_on_both_phones() {
    let entries = catalog();
    let empty = Notice::Refused { code: Refusal::Internal, message: String::new() };
    let quoted = Notice::Refused { code: Refusal::Internal, message: "try later".into() };
    for phone in [Phone::Android, Phone::Ios] {
        assert_eq!(words_of(&entries, &empty, phone), Some("notice_refused_without_message"), "{phone:?}");
        assert_eq!(words_of(&entries, &quoted, phone), Some("notice_refused"), "{phone:?}");
    }
    assert_eq!(
        words_of(&entries, &Notice::InvalidPin { rule: PinRule::FourDigits }, Phone::Android),
        Some("notice_invalid_pin_four_digits")
    );
}
