//! The CLI end to end on the built-in software card (`--virtual`): formats, messages, exit codes.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod common;

use common::{kazasu, text};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");

#[test]
fn cert_prints_the_personal_data_as_json_pem_and_der() {
    let out = kazasu(&["--virtual", "cert", "--json", "--pin-stdin"], "abc123\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["name"], "かざす　花子");
    assert_eq!(json["address"], "三重県伊勢市岩渕一丁目７番２９号");
    assert_eq!(json["date_of_birth"], "1985-04-01");
    assert_eq!(json["gender"], "female");
    assert_eq!(json["gender_code"], "2");
    for when in ["not_before", "not_after"] {
        let t = json[when].as_str().unwrap_or_else(|| panic!("{when} is not a string: {json}"));
        assert!(t.len() == 20 && t.as_bytes()[10] == b'T' && t.ends_with('Z'), "{when}: {t}");
    }
    let der = kazasu(&["--virtual", "cert", "--der", "--pin-stdin"], "ABC123\n");
    assert_eq!(der.stdout, std::fs::read(format!("{FIXTURES}/sign.der")).unwrap());
    let pem = kazasu(&["--virtual", "cert", "--pem", "--pin-stdin"], "ABC123\n");
    assert_eq!(text(&pem.stdout), std::fs::read_to_string(format!("{FIXTURES}/sign.pem")).unwrap());
    // The CA certificate needs no password.
    let ca = kazasu(&["--virtual", "cert", "--which", "sign-ca", "--der"], "");
    assert_eq!(ca.stdout, std::fs::read(format!("{FIXTURES}/sign-ca.der")).unwrap());
}

#[test]
fn wrong_and_malformed_pins_have_their_own_messages_and_exit_codes() {
    let out = kazasu(&["--virtual", "--lang", "ja", "cert", "--pin-stdin"], "WRONG1\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("パスワードが違います。残り4回です。"), "{}", text(&out.stderr));
    let out = kazasu(&["--virtual", "--lang", "en", "cert", "--pin-stdin"], "abc\n");
    assert_eq!(out.status.code(), Some(9));
    assert!(text(&out.stderr).contains("No try was used"), "{}", text(&out.stderr));
    // No terminal and no --pin-stdin: refused before anything is sent.
    let out = kazasu(&["--virtual", "cert"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn status_reports_both_counters_and_the_token() {
    let out = kazasu(&["--virtual", "--lang", "en", "status"], "");
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert!(s.contains("MyNumberCard") && s.contains("5 tries left") && s.contains("3 tries left"), "{s}");
}

/// 2026-12-01T00:00:00Z, inside the fixture certificates' validity (2026-11-27 – 2031-11-26).
const AT: &str = "1796083200";

#[test]
fn sign_then_verify_and_a_tampered_file_fails() {
    let tmp = common::temp_dir("sign");
    let file = tmp.path().join("doc.txt");
    std::fs::write(&file, "申請します").unwrap();
    let f = file.to_str().unwrap();
    for hash in ["sha256", "sha512"] {
        let out = kazasu(&["--virtual", "sign", "--hash", hash, "--pin-stdin", f], "ABC123\n");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let ca = format!("{FIXTURES}/sign-ca.pem");
        let crl = format!("{FIXTURES}/sign-ca.crl.pem");
        // At a pinned time (2026-12-01) inside the fixtures' validity, so the test passes on any date.
        let ok = kazasu(&["--lang", "ja", "verify", "--at", AT, "--ca", &ca, "--crl", &crl, f], "");
        assert!(ok.status.success(), "{}", text(&ok.stderr));
        assert!(
            text(&ok.stdout).contains("署名検証済み（失効リストで失効していないことも確認しました）"),
            "{}",
            text(&ok.stdout)
        );
        let unchecked = kazasu(&["--lang", "en", "verify", "--at", AT, "--ca", &ca, f], "");
        assert!(unchecked.status.success(), "{}", text(&unchecked.stderr));
        assert!(text(&unchecked.stdout).contains("revocation was not checked"), "{}", text(&unchecked.stdout));
        // The wrong CA fails.
        let other = format!("{FIXTURES}/auth-ca.pem");
        assert_eq!(kazasu(&["verify", "--at", AT, "--ca", &other, f], "").status.code(), Some(10));
    }
    std::fs::write(&file, "申請しません").unwrap();
    let ca = format!("{FIXTURES}/sign-ca.pem");
    assert_eq!(kazasu(&["verify", "--at", AT, "--ca", &ca, f], "").status.code(), Some(10));
}
