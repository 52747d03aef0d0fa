//! Every error a person can meet, driven through the CLI in Japanese and in English: the product's words
//! (never a library's), what to do next, and the exit code — the same in both languages.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod common;

use std::path::Path;

use common::{kazasu, kazasu_in, qr_png, temp_dir, text};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// Library words that must never reach a person's message (they show under -v only).
const RAW: [&str; 6] = ["os error", "No such file", "extension", "error:", "got scheme", "OpenSSL"];

/// Runs `args` in both languages; checks the exit code, that stdout is empty, that each language's message
/// holds its expected words and no raw library text, and that the Japanese one is not English.
fn refused(args: &[&str], code: i32, ja: &[&str], en: &[&str]) -> (String, String) {
    let mut said = Vec::new();
    for (lang, words) in [("ja", ja), ("en", en)] {
        let mut full = vec!["--lang", lang];
        full.extend_from_slice(args);
        let out = kazasu(&full, "ABC123\n");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{lang} {args:?}: {err}");
        assert!(out.stdout.is_empty(), "{lang} {args:?}: stdout {}", text(&out.stdout));
        for w in words {
            assert!(err.contains(w), "{lang} {args:?}: expected {w:?} in: {err}");
        }
        for raw in RAW {
            assert!(!err.contains(raw), "{lang} {args:?}: raw library text {raw:?} in: {err}");
        }
        said.push(err);
    }
    let en_words = ["the ", "The ", "not ", "file"];
    assert!(!en_words.iter().any(|w| said[0].contains(w)), "English in the Japanese message: {}", said[0]);
    (said.remove(0), said.remove(0))
}

#[test]
fn scan_names_a_missing_file_a_folder_a_non_image_and_a_broken_png() {
    let tmp = temp_dir("scan-errors");
    let dir = tmp.path();
    let missing = dir.join("missing.png");
    refused(
        &["scan", missing.to_str().unwrap()],
        1,
        &["が見つかりません", "確かめてください"],
        &["was not found", "Check the file name"],
    );
    refused(&["scan", dir.to_str().unwrap()], 1, &["フォルダーです"], &["is a folder"]);
    let txt = dir.join("note.txt");
    std::fs::write(&txt, "not a picture").unwrap();
    refused(
        &["scan", txt.to_str().unwrap()],
        1,
        &["読み取れる画像ではありません", "PNG か JPEG"],
        &["is not a readable image", "PNG or JPEG"],
    );
    let broken = dir.join("broken.png");
    std::fs::write(&broken, b"\x89PNG\r\n\x1a\nthen nothing useful").unwrap();
    refused(&["scan", broken.to_str().unwrap()], 1, &["読み取れる画像ではありません"], &["is not a readable image"]);
}

#[test]
fn scan_says_when_there_is_no_code_or_the_code_is_not_a_kazasu_request_and_never_speaks_of_signing() {
    let tmp = temp_dir("scan-codes");
    let dir = tmp.path();
    let blank = dir.join("blank.png");
    image::GrayImage::from_pixel(64, 64, image::Luma([255])).save(&blank).unwrap();
    refused(&["scan", blank.to_str().unwrap()], 1, &["QR コードが見つかりません"], &["No QR code was found"]);
    for (i, payload) in ["WIFI:S:x;T:WPA;P:y;;", "javascript:alert(1)", "ftp://files.example/"].iter().enumerate() {
        let png = qr_png(payload, dir, &format!("foreign{i}.png"));
        let (ja, en) = refused(
            &["scan", png.to_str().unwrap()],
            1,
            &["Kazasu の署名の要求ではありません", "読み取ってください"],
            &["not a Kazasu signing request", "Scan the Kazasu QR code"],
        );
        assert!(!ja.contains("署名していません") && !en.contains("Nothing was signed"), "{payload}: {ja} / {en}");
    }
    let http = qr_png("http://city.example.jp/r/1", dir, "http.png");
    let (ja, en) = refused(
        &["scan", http.to_str().unwrap()],
        1,
        &["暗号化されていない http", "https"],
        &["plain http", "only over https"],
    );
    assert!(!ja.contains("署名していません") && !en.contains("Nothing was signed"), "{ja} / {en}");
}

#[test]
fn sign_request_refuses_plain_http_and_other_schemes_in_plain_words() {
    let (ja, en) = refused(
        &["--virtual", "sign-request", "http://city.example.jp/r/1", "--pin-stdin"],
        1,
        &["暗号化されていない http", "何も署名していません"],
        &["plain http", "only over https", "Nothing was signed."],
    );
    assert!(!en.contains("scheme") && !ja.contains("scheme"), "{ja} / {en}");
    refused(
        &["--virtual", "sign-request", "ftp://x.example/", "--pin-stdin"],
        1,
        &["https のリンクではありません", "何も署名していません"],
        &["Not an https link (ftp)", "Nothing was signed."],
    );
    refused(
        &["--virtual", "sign-request", "not a link", "--pin-stdin"],
        1,
        &["リンクとして読み取れません"],
        &["not a signing-request link"],
    );
}

/// A file signed on the virtual card, in a folder of its own.
fn signed_file(dir: &Path) -> String {
    let file = dir.join("申請書.txt");
    std::fs::write(&file, "伊勢市 住民票の写し 交付申請\n").unwrap();
    let f = file.to_str().unwrap().to_string();
    let out = kazasu(&["--virtual", "sign", "--pin-stdin", &f], "ABC123\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    f
}

#[test]
fn verify_names_the_wrong_ca_a_key_given_as_ca_a_missing_signature_file_and_a_changed_file() {
    let tmp = temp_dir("verify-errors");
    let f = signed_file(tmp.path());
    refused(
        &["verify", "--ca", &fixture("auth-ca.pem"), &f],
        10,
        &["指定の CA から発行されたもの", "--ca で指定してください"],
        &["was not issued by the given CA", "Give the right signature CA with --ca"],
    );
    for key in ["sign-ca.TEST-ONLY.key.pem", "sign.TEST-ONLY.key.der"] {
        refused(
            &["verify", "--ca", &fixture(key), &f],
            2,
            &["は証明書ではありません"],
            &["is not a certificate", "(PEM or DER)"],
        );
    }
    refused(
        &["verify", "--ca", &fixture("sign-ca.pem"), "--crl", &fixture("sign-ca.pem"), &f],
        2,
        &["失効リスト"],
        &["not a readable revocation list"],
    );
    let other = tmp.path().join("unsigned.txt");
    std::fs::write(&other, "x").unwrap();
    refused(
        &["verify", "--ca", &fixture("sign-ca.pem"), other.to_str().unwrap()],
        1,
        &["署名ファイル", "がありません", "kazasu sign"],
        &["There is no signature file", "Sign first with `kazasu sign`"],
    );
    refused(&["verify", "--ca", &fixture("nothing-here.pem"), &f], 1, &["が見つかりません"], &["was not found"]);
    // Checked at a time after the certificate's validity (year 2100), and before it (1 January 2000).
    refused(
        &["verify", "--ca", &fixture("sign-ca.pem"), "--at", "4102444800", &f],
        10,
        &["有効期限が切れています", "--at"],
        &["had expired at the time checked", "--at"],
    );
    refused(
        &["verify", "--ca", &fixture("sign-ca.pem"), "--at", "946684800", &f],
        10,
        &["まだ有効になっていません"],
        &["was not yet valid"],
    );
    std::fs::write(&f, "changed").unwrap();
    refused(
        &["verify", "--ca", &fixture("sign-ca.pem"), &f],
        10,
        &["署名がファイルと一致しません"],
        &["does not match the file"],
    );
}

#[test]
fn library_details_are_shown_under_verbose_only() {
    let tmp = temp_dir("verbose");
    let f = signed_file(tmp.path());
    let ca = fixture("sign-ca.TEST-ONLY.key.pem");
    let quiet = kazasu(&["--lang", "en", "verify", "--ca", &ca, &f], "");
    assert!(!text(&quiet.stderr).contains("without a certificate"), "{}", text(&quiet.stderr));
    let loud = kazasu(&["--lang", "en", "-v", "verify", "--ca", &ca, &f], "");
    assert_eq!(loud.status.code(), Some(2));
    assert!(text(&loud.stderr).contains("no certificate in it"), "{}", text(&loud.stderr));
    let loud = kazasu(&["--lang", "en", "-v", "verify", "--ca", &fixture("auth-ca.pem"), &f], "");
    assert_eq!(loud.status.code(), Some(10));
    assert!(text(&loud.stderr).contains("not issued by the trusted CA"), "{}", text(&loud.stderr));
}

#[test]
fn ca_jpki_judges_by_the_built_in_jlis_anchors_so_a_test_pki_signature_does_not_chain() {
    let tmp = temp_dir("ca-jpki");
    let f = signed_file(tmp.path());
    // The same signature verifies with the test CA named …
    assert_eq!(kazasu(&["--lang", "en", "verify", "--ca", &fixture("sign-ca.pem"), &f], "").status.code(), Some(0));
    // … and not with the J-LIS signature CAs, which did not issue the software card's certificate.
    let out = kazasu(&["--lang", "en", "-v", "verify", "--ca", "jpki", &f], "");
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not issued by the trusted CA"), "{}", text(&out.stderr));
}

/// PC/SC clients find pcscd through this socket; pointing it at nothing is a machine without the service.
fn without_pcscd(lang: &str, command: &str) -> std::process::Output {
    let tmp = temp_dir("no-pcscd");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kazasu"));
    cmd.args(["--lang", lang, command]);
    // Only a command that waits for a card takes --wait.
    if command != "readers" {
        cmd.args(["--wait", "0"]);
    }
    cmd.env("PCSCLITE_CSOCK_NAME", tmp.path().join("no-pcscd.comm")).env_remove("LANG").env_remove("LC_ALL");
    common::run(&mut cmd, "")
}

#[test]
fn readers_and_status_without_the_pcsc_service_fail_and_say_how_to_start_it() {
    for command in ["readers", "status"] {
        for (lang, words) in [("ja", "動いていません"), ("en", "is not running")] {
            let out = without_pcscd(lang, command);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(6), "{command} {lang}: {err}");
            assert!(
                err.contains(words) && err.contains("systemctl start pcscd") && err.contains("apt install pcscd"),
                "{command} {lang}: {err}"
            );
        }
    }
}

#[test]
fn wrong_password_messages_use_one_word_for_the_signature_password() {
    for (lang, words) in [
        ("ja", ["署名用パスワードが違います。残り4回です。", "署名用パスワードの残り回数: 5回"]),
        ("en", ["Wrong signature password; 4 tries left.", "Signature password: 5 tries left"]),
    ] {
        let out = kazasu(&["--virtual", "--lang", lang, "cert", "--pin-stdin"], "WRONG1\n");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{err}");
        for w in words {
            assert!(err.contains(w), "{lang}: {w:?} in {err}");
        }
        assert!(!err.contains("PIN") && !err.contains("暗証番号"), "{lang}: {err}");
    }
    let out = kazasu(&["--virtual", "--lang", "ja", "status"], "");
    let s = text(&out.stdout);
    assert!(s.contains("署名用パスワード: 残り5回") && s.contains("利用者証明用パスワード: 残り3回"), "{s}");
}

#[test]
fn a_lower_case_password_is_accepted_and_the_person_is_told_it_was_upper_cased() {
    for (lang, words) in [("ja", "大文字として送ります"), ("en", "sent as upper case")] {
        let out = kazasu(&["--virtual", "--lang", lang, "cert", "--pin-stdin"], "abc123\n");
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(words), "{lang}: {}", text(&out.stderr));
    }
    let out = kazasu(&["--virtual", "--lang", "en", "cert", "--pin-stdin"], "ABC123\n");
    assert!(!text(&out.stderr).contains("upper case"), "{}", text(&out.stderr));
}

#[test]
fn the_virtual_card_keeps_its_counter_between_runs_through_the_last_try_to_the_lock_and_reset() {
    let state = temp_dir("virtual-state");
    let run = |lang: &str, args: &[&str], stdin: &str| {
        let mut full = vec!["--virtual", "--lang", lang];
        full.extend_from_slice(args);
        kazasu_in(state.path(), &full, stdin)
    };
    for left in (2..=4).rev() {
        let out = run("en", &["cert", "--pin-stdin"], "WRONG1\n");
        assert_eq!(out.status.code(), Some(3));
        assert!(text(&out.stderr).contains(&format!("{left} tries left")), "{}", text(&out.stderr));
    }
    assert!(text(&run("ja", &["status"], "").stdout).contains("署名用パスワード: 残り2回"));
    // One more wrong try leaves the last one, which is not used without confirmation. One try, singular.
    let out = run("en", &["cert", "--pin-stdin"], "WRONG1\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("Wrong signature password; 1 try left."), "{}", text(&out.stderr));
    assert!(text(&run("en", &["status"], "").stdout).contains("Signature password: 1 try left"));
    for (lang, words) in [("ja", "確認なしでは署名用パスワードを送りません"), ("en", "not sent without confirmation")]
    {
        let out = run(lang, &["cert", "--pin-stdin"], "ABC123\n");
        assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(words), "{}", text(&out.stderr));
    }
    // Confirmed and wrong: locked, and every later run says so without sending anything.
    let out = run("en", &["cert", "--pin-stdin", "--confirm-last-try"], "WRONG1\n");
    assert_ne!(out.status.code(), Some(0));
    for (lang, words) in [("ja", "ロックされています"), ("en", "is locked")] {
        let out = run(lang, &["cert", "--pin-stdin"], "ABC123\n");
        assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(words), "{}", text(&out.stderr));
        // The software card, unlike a real one, is unlocked here: say how.
        assert!(text(&out.stderr).contains("`kazasu card reset-virtual`"), "{}", text(&out.stderr));
    }
    assert!(text(&run("en", &["status"], "").stdout).contains("Signature password: locked"));
    let reset = kazasu_in(state.path(), &["--lang", "en", "card", "reset-virtual"], "");
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    assert!(text(&reset.stdout).contains("reset (5 tries"), "{}", text(&reset.stdout));
    assert!(text(&run("en", &["status"], "").stdout).contains("Signature password: 5 tries left"));
    assert!(run("en", &["cert", "--pin-stdin"], "ABC123\n").status.success());
}

#[test]
fn a_damaged_virtual_card_state_is_named_with_how_to_reset_it() {
    let state = temp_dir("damaged");
    std::fs::create_dir_all(state.path().join("kazasu")).unwrap();
    std::fs::write(state.path().join("kazasu/virtual-card"), "garbage").unwrap();
    for (lang, words) in [("ja", "初期化してください"), ("en", "Reset it with")] {
        let out = kazasu_in(state.path(), &["--virtual", "--lang", lang, "status"], "");
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains(words) && text(&out.stderr).contains("kazasu card reset-virtual"),
            "{}",
            text(&out.stderr)
        );
    }
}

/// Runs kazasu with the given locale variables (and no others) and a fresh software card.
fn with_locale(vars: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let state = temp_dir("locale");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kazasu"));
    cmd.args(args)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("XDG_STATE_HOME", state.path());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    common::run(&mut cmd, "")
}

/// clap's own English words, which must not show in Japanese help or errors.
const CLAP_ENGLISH: [&str; 8] =
    ["Usage:", "Options:", "Arguments:", "Commands:", "Print help", "error:", "[default:", "[possible values"];

#[test]
fn help_is_japanese_under_lang_ja_or_a_japanese_locale_and_comes_from_the_catalog() {
    let by_flag = kazasu(&["--lang", "ja", "verify", "--help"], "");
    let by_locale = with_locale(&[("LANG", "ja_JP.UTF-8")], &["verify", "--help"]);
    let by_messages = with_locale(&[("LANG", "C"), ("LC_MESSAGES", "ja_JP.UTF-8")], &["verify", "--help"]);
    for out in [by_flag, by_locale, by_messages] {
        let help = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        for w in ["使い方: kazasu verify", "引数:", "オプション:", "信頼する署名用 CA: jpki", "このヘルプを表示します"]
        {
            assert!(help.contains(w), "{w:?} in {help}");
        }
        for w in CLAP_ENGLISH.iter().chain(&["trusted signature CA", "The signed file"]) {
            assert!(!help.contains(w), "{w:?} in the Japanese help: {help}");
        }
    }
    // LC_ALL wins over LANG (POSIX order).
    let english = with_locale(&[("LANG", "ja_JP.UTF-8"), ("LC_ALL", "C")], &["verify", "--help"]);
    assert!(text(&english.stdout).contains("The trusted signature CA: jpki"), "{}", text(&english.stdout));
    // The top level: commands, the exit codes, defaults in Japanese.
    let top = text(&kazasu(&["--lang", "ja", "--help"], "").stdout);
    assert!(top.contains("コマンド:") && top.contains("終了コード: 0 成功"), "{top}");
    let cert = text(&kazasu(&["--lang", "ja", "cert", "--help"], "").stdout);
    assert!(cert.contains("（既定値: sign）") && !cert.contains("[default"), "{cert}");
}

#[test]
fn every_argument_is_described_in_both_languages() {
    for (lang, file) in [("ja", "署名するファイル"), ("en", "The file to sign")] {
        let help = text(&kazasu(&["--lang", lang, "sign", "--help"], "").stdout);
        // The argument line (indented), not the usage line.
        let after_file = help.split("\n  [FILE]").nth(1).unwrap_or_default();
        assert!(after_file.trim_start().starts_with(file), "{lang}: {help}");
    }
}

#[test]
fn a_usage_error_under_lang_ja_is_japanese_with_the_usage_line_and_exit_2() {
    for (args, words) in [
        (
            &["--lang", "ja", "verify", "--bogus", "x"][..],
            &["「--bogus」は使えません", "使い方: kazasu verify", "`kazasu verify --help`"][..],
        ),
        (&["--lang", "ja", "verify"], &["必要な指定がありません: --ca <jpki|FILE>、<FILE>"]),
        (
            &["--lang", "ja", "cert", "--which", "nope"],
            &["--which <WHICH> に「nope」は指定できません", "指定できる値: sign、sign-ca、auth、auth-ca"],
        ),
        (
            &["--lang", "ja", "verify", "--ca", "a", "--at", "soon", "f"],
            &["--at <UNIX_TIME> の値「soon」が正しくありません"],
        ),
        (&["--lang", "ja", "sihn"], &["「sihn」というコマンドはありません", "「sign」のことですか？"]),
        (&["--lang", "ja", "sign", "--pdf", "a.pdf", "b"], &["一緒に使えません"]),
    ] {
        let out = kazasu(args, "");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        for w in words {
            assert!(err.contains(w), "{args:?}: {w:?} in {err}");
        }
        for w in CLAP_ENGLISH.iter().chain(&["unexpected", "required", "invalid", "tip:"]) {
            assert!(!err.contains(w), "{args:?}: {w:?} in the Japanese error: {err}");
        }
    }
    // The same error in English, in the same form.
    let err = text(&kazasu(&["--lang", "en", "verify", "--bogus", "x"], "").stderr);
    assert!(err.starts_with("kazasu: --bogus is not understood here") && err.contains("Usage: kazasu verify"), "{err}");
}

#[test]
fn an_unknown_language_is_refused_with_exit_2_naming_the_accepted_values() {
    for (vars, words) in [
        (&[][..], "--lang <LANG> cannot be xx. Accepted values: ja, en"),
        (&[("LANG", "ja_JP.UTF-8")][..], "--lang <LANG> に「xx」は指定できません。指定できる値: ja、en"),
    ] {
        let out = with_locale(vars, &["--lang", "xx", "status"]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(words), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
    }
    // Any case of an accepted value is that value.
    assert!(text(&kazasu(&["--lang", "JA", "verify", "--help"], "").stdout).contains("使い方"));
}

#[test]
fn card_options_are_offered_and_accepted_only_where_a_card_is_used() {
    let verify = text(&kazasu(&["--lang", "en", "verify", "--help"], "").stdout);
    for option in ["--reader", "--virtual", "--nfc", "--wait"] {
        assert!(!verify.contains(option), "{option} in verify --help: {verify}");
    }
    let status = text(&kazasu(&["--lang", "en", "status", "--help"], "").stdout);
    for option in ["--reader", "--virtual", "--nfc", "--wait"] {
        assert!(status.contains(option), "{option} not in status --help: {status}");
    }
    // Before the command they are still taken (scripts write `kazasu --virtual sign …`), except where they
    // would do nothing.
    assert!(kazasu(&["--virtual", "status"], "").status.success());
    assert!(kazasu(&["status", "--virtual"], "").status.success());
    let out = kazasu(&["--lang", "ja", "--virtual", "verify", "--ca", "x", "y"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--virtual は「verify」では使いません"), "{}", text(&out.stderr));
    let out = kazasu(&["--lang", "en", "--virtual", "status", "--nfc", "auto"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--virtual cannot be used together with --nfc"), "{}", text(&out.stderr));
}

#[test]
fn times_are_shown_in_japan_time_with_the_zone_named() {
    let tmp = temp_dir("jst");
    let f = signed_file(tmp.path());
    // The test certificate is valid from 2026-11-27 11:46 UTC to 2031-11-26 11:46 UTC: the same dates in Japan.
    for (lang, words) in [
        ("ja", "有効期間: 2026-11-27 〜 2031-11-26（日本時間）"),
        ("en", "Valid: 2026-11-27 – 2031-11-26 (JST, Japan)"),
    ] {
        let out = kazasu(&["--lang", lang, "verify", "--ca", &fixture("sign-ca.pem"), &f], "");
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(words), "{lang}: {}", text(&out.stdout));
    }
}

#[test]
fn a_test_cards_signature_is_refused_by_verify_unless_accept_test_cards_is_given() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let tmp = temp_dir("test-card");
    let f = signed_file(tmp.path());
    // The same bundle, signed instead by the test-card certificate's key (issued by the same test CA).
    let data = std::fs::read(&f).unwrap();
    let key = std::fs::read(fixture("sign-testcard.TEST-ONLY.key.pem")).unwrap();
    let key = openssl::pkey::PKey::private_key_from_pem(&key).unwrap();
    let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
    signer.update(&data).unwrap();
    let bundle_path = format!("{f}.kazasu.json");
    let mut bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&bundle_path).unwrap()).unwrap();
    bundle["signature"] = b64.encode(signer.sign_to_vec().unwrap()).into();
    bundle["certificate"] = b64.encode(std::fs::read(fixture("sign-testcard.der")).unwrap()).into();
    std::fs::write(&bundle_path, serde_json::to_vec(&bundle).unwrap()).unwrap();
    let ca = fixture("sign-ca.pem");
    for (lang, words) in [("ja", "テストカード"), ("en", "test card")] {
        let out = kazasu(&["--lang", lang, "verify", "--ca", &ca, &f], "");
        assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(words), "{}", text(&out.stderr));
    }
    let out = kazasu(&["--lang", "en", "verify", "--accept-test-cards", "--ca", &ca, &f], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("試験　カード"), "{}", text(&out.stdout));
}

/// `kazasu … | head`: when the reader of stdout has gone, kazasu ends quietly with exit 1 — no panic, no
/// "failed printing to stdout" — as Unix tools end on SIGPIPE.
#[test]
fn a_closed_stdout_pipe_ends_the_run_without_a_panic() {
    let state = temp_dir("closed-pipe");
    // The reading end is closed before kazasu starts, so its first line meets a pipe nobody reads (dropping
    // the reader after spawning raced with the write on a loaded machine).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kazasu"))
        .args(["--lang", "en", "card", "reset-virtual"])
        .env("XDG_STATE_HOME", state.path())
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(!err.contains("panicked") && !err.contains("failed printing"), "{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
}
