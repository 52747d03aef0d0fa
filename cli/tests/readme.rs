//! The README's "Using a USB reader" example, run as written: the `sh` block's lines are read out of
//! README.md and each `kazasu …` line is run, in order, in a folder of its own, against the built-in software
//! card and the TEST-ONLY PKI. A line that fails fails the test; so does a line the test does not know and a
//! command it knows that the README no longer shows (the example must keep showing both ways of signing a
//! PDF and verifying each).
//!
//! How a line is run:
//! - `cargo build --release -p kazasu` is not run: this test runs the binary cargo built for it.
//! - Commands that use a card (`status`, `cert`, `sign`, `sign-request`, `login`) get `--virtual` (the software
//!   card), and those that ask a password `--pin-stdin` with its password on standard input; nothing else is
//!   added.
//! - `readers` needs hardware: it runs as written, with the PC/SC service pointed at a socket that does not
//!   exist, and must end as documented for a machine without pcscd: exit 6 and how to start it.
//! - `--ca jpki` (the J-LIS CAs built in) becomes `--ca` the test sign CA: the software card's certificate is
//!   the test PKI's, which no J-LIS CA issued (`--ca jpki` itself is tested in messages.rs). `CRL` is the test
//!   CA's CRL. `--ocsp` (the responder the certificate names) becomes `--ocsp=` a responder on 127.0.0.1 that
//!   says "good" (OpenSSL's, as in revocation.rs): the test certificate names a host that does not exist.
//!   The relying party's URL is a small relying party on 127.0.0.1 (plain http is allowed to this
//!   computer) and `qr.png` its QR code; the log-in's URL a log-in site on 127.0.0.1 that checks the answer
//!   with `verify_login` against the test user-authentication CA; `申請書.pdf` is a one-page PDF in the folder. `[--crl CRL]` runs
//!   both without and with it.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod common;

#[path = "../../pki/tests/support/ocsp_responder.rs"]
mod ocsp_responder;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use common::{qr_png, temp_dir, text, write_pdf};
use kazasu_core::anchors::TrustAnchors;
use kazasu_core::handoff::client::{Reply, Transcribed};
use kazasu_core::handoff::login::{challenge_json, session_binding, Challenge};
use kazasu_core::handoff::request::request_json;
use kazasu_core::handoff::rp::login::verify_login;
use kazasu_core::handoff::{rp, Document, Field, LoginResponse, SeenNonces, Submission};

const README: &str = include_str!("../../README.md");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");
/// The relying party's URL as the README writes it.
const README_URL: &str = "https://city.example.jp/r/…";
/// The log-in challenge's URL as the README writes it.
const README_LOGIN_URL: &str = "https://city.example.jp/login/…";

/// The lines of the first `sh` block under the heading `section`.
fn example(section: &str) -> Vec<String> {
    let start = README.find(&format!("\n## {section}\n")).unwrap_or_else(|| panic!("README has no ## {section}"));
    let rest = &README[start..];
    let end = rest[4..].find("\n## ").map_or(rest.len(), |e| e + 4);
    let body = &rest[..end];
    let block = body.split("```sh\n").nth(1).unwrap_or_else(|| panic!("no sh block under ## {section}"));
    let block = &block[..block.find("```").expect("the sh block ends")];
    block.lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect()
}

/// A line without its comment, as words.
fn words(line: &str) -> Vec<String> {
    let code = line.split(" #").next().unwrap_or_default();
    code.split_whitespace().map(str::to_string).collect()
}

/// The runs a line stands for: an optional group `[…]` is left out once and put in once.
fn variants(words: &[String]) -> Vec<Vec<String>> {
    let Some(open) = words.iter().position(|w| w.starts_with('[')) else {
        return vec![words.to_vec()];
    };
    let close = open + words[open..].iter().position(|w| w.ends_with(']')).expect("a closed [group]");
    let mut without = words[..open].to_vec();
    without.extend_from_slice(&words[close + 1..]);
    let mut with = words[..open].to_vec();
    with.extend(words[open..=close].iter().map(|w| w.trim_start_matches('[').trim_end_matches(']').to_string()));
    with.extend_from_slice(&words[close + 1..]);
    let mut out = variants(&without);
    out.extend(variants(&with));
    out
}

/// The commands the example must show, as their first words after `kazasu`.
const KNOWN: [&[&str]; 10] = [
    &["readers"],
    &["status"],
    &["cert", "--json"],
    &["sign", "申請書.pdf"],
    &["verify", "申請書.pdf"],
    &["sign", "--pdf", "申請書.pdf"],
    &["verify", "申請書-signed.pdf"],
    &["scan", "qr.png"],
    &["sign-request", README_URL],
    &["login", README_LOGIN_URL],
];

/// Whether `args` begin with the words `known`.
fn starts_with(args: &[String], known: &[&str]) -> bool {
    args.len() >= known.len() && args.iter().zip(known).all(|(a, k)| a == k)
}

/// Options the example must keep showing (the two ways to check revocation).
const SHOWN_OPTIONS: [&str; 2] = ["--crl", "--ocsp"];

/// Commands that talk to a card, and of those the ones that ask the signature password, and the authentication
/// password.
const CARD_COMMANDS: [&str; 5] = ["status", "cert", "sign", "sign-request", "login"];
const PASSWORD_COMMANDS: [&str; 3] = ["cert", "sign", "sign-request"];
const AUTH_PASSWORD_COMMANDS: [&str; 1] = ["login"];

/// A relying party on 127.0.0.1 for `sign-request`: the request on GET, and on POST the submission checked
/// as the portal checks it (kazasu-handoff's `rp::verify_submission` against the test sign CA), answered with
/// what it transcribed. Returns its request URL.
fn relying_party() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let document = Document {
        origin: origin.clone(),
        relying_party: "伊勢市（見本）".into(),
        title: "住民票の写しの交付申請".into(),
        request_id: "readme000001".into(),
        nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
        issued_at: now,
        created_from: "Linux · kazasu tests".into(),
        expires_at: now + 600,
        submit_url: format!("{origin}/r/readme000001/submit"),
        fields: vec![Field { label: "通数".into(), value: "1".into() }],
    };
    let request = request_json(&document).unwrap();
    let rendered = document.render().unwrap();
    let trust =
        rp::Trust::only(TrustAnchors::from_der(&std::fs::read(format!("{FIXTURES}/sign-ca.der")).unwrap()).unwrap());
    common::serve_http(listener, move |line, body| {
        if line.starts_with("GET ") {
            (200, request.clone())
        } else {
            let verified = Submission::from_json(body)
                .and_then(|s| rp::verify_submission(&rendered, &s, &trust, rp::RevocationSource::NotChecked, now + 1));
            match verified {
                Ok(v) => {
                    let t = Transcribed {
                        name: v.personal.name.clone(),
                        address: v.personal.address.clone(),
                        date_of_birth: v.personal.date_of_birth_iso(),
                    };
                    (200, serde_json::to_vec(&Reply::accepted("readme000001", t)).unwrap())
                }
                Err(e) => (400, serde_json::to_vec(&Reply::refused(e.refusal(), e.to_string())).unwrap()),
            }
        }
    });
    format!("{origin}/r/readme000001")
}

/// A log-in site on 127.0.0.1 for `login`: the challenge on GET, and on POST the answer checked as the portal
/// checks it (`rp::login::verify_login` against the test user-authentication CA). Returns the challenge's URL.
fn login_site() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    const SECRET: &[u8] = b"the asking browser's session secret";
    let challenge = Challenge {
        origin: origin.clone(),
        relying_party: "伊勢市（見本）".into(),
        challenge_id: "readmelogin1".into(),
        nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
        issued_at: now,
        created_from: "Linux · kazasu tests".into(),
        expires_at: now + 600,
        session: session_binding(SECRET),
        submit_url: format!("{origin}/login/readmelogin1/response"),
    };
    let rendered = challenge.render().unwrap();
    let served = challenge_json(&rendered).unwrap();
    let ca = std::fs::read(format!("{FIXTURES}/auth-ca.der")).unwrap();
    let trust = rp::Trust::only(TrustAnchors::from_der(&ca).unwrap());
    let used = std::sync::Mutex::new(SeenNonces::new(4));
    common::serve_http(listener, move |line, body| {
        if line.starts_with("GET ") {
            return (200, served.clone());
        }
        let mut used = used.lock().unwrap();
        let none = rp::RevocationSource::NotChecked;
        let verified = LoginResponse::from_json(body).map_err(|e| e.to_string()).and_then(|r| {
            verify_login(&rendered, &r, SECRET, &trust, none, &mut *used, now + 1).map_err(|e| e.to_string())
        });
        match verified {
            Ok(_) => (200, serde_json::to_vec(&Reply::accepted("readmelogin1", Transcribed::default())).unwrap()),
            Err(e) => (400, serde_json::to_vec(&Reply::refused(kazasu_core::handoff::Refusal::Mismatch, e)).unwrap()),
        }
    });
    format!("{origin}/login/readmelogin1")
}

/// OpenSSL's OCSP responder on 127.0.0.1 saying "good" about the software card's certificate.
fn good_responder(dir: &Path) -> ocsp_responder::Responder {
    let pem = std::fs::read(format!("{FIXTURES}/sign.pem")).unwrap();
    let serial =
        openssl::x509::X509::from_pem(&pem).unwrap().serial_number().to_bn().unwrap().to_hex_str().unwrap().to_string();
    let index = dir.join("ocsp-index.txt");
    std::fs::write(&index, ocsp_responder::index_line(&serial, 'V')).unwrap();
    let ca = Path::new(FIXTURES).join("sign-ca.pem");
    let key = Path::new(FIXTURES).join("sign-ca.TEST-ONLY.key.pem");
    ocsp_responder::Responder::start(ocsp_responder::openssl_answer(dir, &index, &ca, &ca, &key, Some(1)))
}

/// Runs one README command (words after `kazasu`) in `dir`.
fn run(dir: &Path, args: &[String]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kazasu"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("XDG_STATE_HOME", dir.join("state"))
        // No PC/SC service: `readers` must say so (the software card does not need one).
        .env("PCSCLITE_CSOCK_NAME", dir.join("no-pcscd.comm"));
    if CARD_COMMANDS.contains(&args[0].as_str()) {
        cmd.arg("--virtual");
    }
    let typed = if PASSWORD_COMMANDS.contains(&args[0].as_str()) {
        "ABC123\n"
    } else if AUTH_PASSWORD_COMMANDS.contains(&args[0].as_str()) {
        "1234\n"
    } else {
        ""
    };
    if !typed.is_empty() {
        cmd.arg("--pin-stdin");
    }
    common::run(&mut cmd, typed)
}

#[test]
fn every_command_of_the_usb_reader_example_runs_as_written() {
    let lines = example("Using a USB reader");
    let tmp = temp_dir("readme");
    let dir = tmp.path();
    write_pdf(&dir.join("申請書.pdf"), 1);
    let url = relying_party();
    let login_url = login_site();
    qr_png(&url, dir, "qr.png");
    let ca = format!("{FIXTURES}/sign-ca.pem");
    let crl = format!("{FIXTURES}/sign-ca.crl.pem");
    let ocsp = good_responder(dir);

    let mut shown: Vec<Vec<String>> = Vec::new();
    let mut scanned: Option<String> = None;
    for line in &lines {
        let w = words(line);
        if w.join(" ") == "cargo build --release -p kazasu" {
            continue; // the binary under test is cargo's own build of it
        }
        assert!(
            w.first().is_some_and(|p| p == "target/release/kazasu"),
            "README line the test does not know how to run: {line}"
        );
        let args = &w[1..];
        assert!(
            KNOWN.iter().any(|k| starts_with(args, k)),
            "README line with a command the test does not know: {line}"
        );
        shown.push(args.to_vec());
        for variant in variants(args) {
            let args: Vec<String> = variant
                .iter()
                .enumerate()
                .map(|(i, a)| match (i.checked_sub(1).map(|p| variant[p].as_str()), a.as_str()) {
                    (Some("--ca"), "jpki") => ca.clone(),
                    (Some("--crl"), "CRL") => crl.clone(),
                    (_, "--ocsp") => format!("--ocsp={}", ocsp.url),
                    // The URL the scan of the QR code printed, else the relying party's.
                    (_, README_URL) => scanned.clone().unwrap_or_else(|| url.clone()),
                    (_, README_LOGIN_URL) => login_url.clone(),
                    _ => a.clone(),
                })
                .collect();
            let out = run(dir, &args);
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            let said = format!("{line}\n  ran: kazasu {}\n  stdout: {stdout}\n  stderr: {stderr}", args.join(" "));
            match args[0].as_str() {
                // Documented for a machine without the PC/SC service: exit 6, and how to start it.
                "readers" => {
                    assert_eq!(out.status.code(), Some(6), "{said}");
                    assert!(stderr.contains("systemctl start pcscd"), "{said}");
                    continue;
                }
                _ => assert_eq!(out.status.code(), Some(0), "{said}"),
            }
            match &args[..] {
                [c, ..] if c == "scan" => scanned = Some(stdout.trim().to_string()),
                [c, f, ..] if c == "sign" && f == "申請書.pdf" => {
                    assert!(
                        dir.join("申請書.pdf.kazasu.json").is_file() && dir.join("申請書.pdf.p7s").is_file(),
                        "{said}"
                    );
                }
                [c, p, f, ..] if c == "sign" && p == "--pdf" && f == "申請書.pdf" => {
                    assert!(dir.join("申請書-signed.pdf").is_file(), "{said}");
                }
                [c, f, ..] if c == "verify" && f == "申請書.pdf" => {
                    assert!(stderr.contains("verifying the signature file beside it"), "{said}");
                    assert!(stdout.contains("Signature verified"), "{said}");
                }
                [c, f, ..] if c == "verify" && f == "申請書-signed.pdf" => {
                    assert!(stdout.contains("Valid signature by") && stdout.contains("Signature verified"), "{said}");
                    if args.iter().any(|a| a.starts_with("--ocsp")) {
                        assert!(stdout.contains("confirmed it is not revoked"), "{said}");
                    }
                }
                [c, ..] if c == "sign-request" => {
                    assert!(stdout.contains("Signed, submitted and verified"), "{said}");
                }
                [c, ..] if c == "login" => {
                    assert!(stdout.contains("Logged in to http://127.0.0.1:"), "{said}");
                }
                [c, ..] if c == "cert" => {
                    let json: serde_json::Value = serde_json::from_str(&stdout).expect("cert --json prints JSON");
                    assert!(json["name"].is_string(), "{said}");
                }
                _ => {}
            }
        }
    }
    for k in KNOWN {
        assert!(shown.iter().any(|s| starts_with(s, k)), "the README example no longer shows `kazasu {}`", k.join(" "));
    }
    for option in SHOWN_OPTIONS {
        let here = |s: &Vec<String>| s.iter().any(|w| w.trim_start_matches('[') == option);
        assert!(shown.iter().any(here), "the README example no longer shows {option}");
    }
    assert_eq!(scanned.as_deref(), Some(url.as_str()), "the scan line printed the relying party's URL");
}

#[test]
fn a_pdf_with_neither_signature_says_both_ways_to_sign_it_and_where_to_name_a_bundle() {
    let tmp = temp_dir("readme-unsigned");
    let pdf = tmp.path().join("申請書.pdf");
    write_pdf(&pdf, 1);
    let ca = format!("{FIXTURES}/sign-ca.pem");
    for (lang, words) in [
        ("ja", ["kazasu sign --pdf", "kazasu sign ", "--bundle", "申請書.pdf.kazasu.json"]),
        ("en", ["kazasu sign --pdf", "kazasu sign ", "--bundle", "申請書.pdf.kazasu.json"]),
    ] {
        let out = run(tmp.path(), &["--lang", lang, "verify", "申請書.pdf", "--ca", &ca].map(String::from));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(10), "{err}");
        for w in words {
            assert!(err.contains(w), "{lang}: {w:?} in {err}");
        }
    }
}

#[test]
fn the_example_parser_reads_optional_groups_and_comments() {
    let w = words("target/release/kazasu verify a.pdf --ca CA [--crl CRL] # checks # it");
    assert_eq!(w, ["target/release/kazasu", "verify", "a.pdf", "--ca", "CA", "[--crl", "CRL]"]);
    let v = variants(&w[1..]);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0], ["verify", "a.pdf", "--ca", "CA"]);
    assert_eq!(v[1], ["verify", "a.pdf", "--ca", "CA", "--crl", "CRL"]);
}
