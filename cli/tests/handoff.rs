//! `kazasu scan` and `kazasu sign-request` against hostile links and a hostile relying party (a canned HTTP
//! server on 127.0.0.1): every refusal is a clear error, the card is never opened (so no PIN is asked) and
//! nothing is submitted.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::net::TcpListener;
use std::process::Output;
use std::sync::{Arc, Mutex};

mod common;

use common::{qr_png, text};
use kazasu_core::handoff::request::request_json;
use kazasu_core::handoff::{Document, Field};

fn kazasu(args: &[&str]) -> Output {
    common::kazasu(args, "ABC123\n")
}

/// A one-answer-fits-all HTTP server; records "METHOD path" of every request.
struct Canned {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Canned {
    fn start(make: impl FnOnce(&str) -> (u16, Vec<u8>)) -> Canned {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (status, body) = make(&base);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        common::serve_http(listener, move |line, _body| {
            log.lock().unwrap().push(line.split_whitespace().take(2).collect::<Vec<_>>().join(" "));
            (status, body.clone())
        });
        Canned { base, seen }
    }

    fn posts(&self) -> usize {
        self.seen.lock().unwrap().iter().filter(|l| l.starts_with("POST")).count()
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn document(origin: &str, issued_at: i64, expires_at: i64) -> Document {
    Document {
        origin: origin.into(),
        relying_party: "伊勢市（見本）".into(),
        title: "住民票の写しの交付申請".into(),
        request_id: "req0123456789".into(),
        nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
        issued_at,
        created_from: "Windows · Chrome".into(),
        expires_at,
        submit_url: format!("{origin}/r/req0123456789/submit"),
        fields: vec![Field { label: "通数".into(), value: "1".into() }],
    }
}

/// Runs sign-request against the server; asserts the refusal and that no card was opened and nothing posted.
fn refused(server: &Canned, expect: &str) {
    let out = kazasu(&["--virtual", "sign-request", &format!("{}/r/req0123456789", server.base), "--pin-stdin"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(expect), "expected {expect:?} in: {err}");
    assert!(!err.contains("software card"), "the card was opened: {err}");
    assert_eq!(server.posts(), 0);
}

#[test]
fn an_expired_request_is_refused_before_the_card_and_the_pin() {
    let server = Canned::start(|base| (200, request_json(&document(base, now() - 700, now() - 100)).unwrap()));
    refused(&server, "expired");
}

#[test]
fn a_request_naming_another_origin_is_refused() {
    let server =
        Canned::start(|_| (200, request_json(&document("https://city.example.jp", now(), now() + 600)).unwrap()));
    refused(&server, "names another site (https://city.example.jp)");
}

#[test]
fn a_request_whose_display_differs_from_its_document_is_refused() {
    let server = Canned::start(|base| {
        let mut v: serde_json::Value =
            serde_json::from_slice(&request_json(&document(base, now(), now() + 600)).unwrap()).unwrap();
        v["display"]["fields"][0]["value"] = "100".into();
        (200, serde_json::to_vec(&v).unwrap())
    });
    refused(&server, "do not match");
}

#[test]
fn oversized_and_non_utf8_requests_are_refused() {
    let server = Canned::start(|_| (200, vec![b' '; 100 * 1024]));
    refused(&server, "too long");
    let server = Canned::start(|_| (200, b"{\"format\":\"kazasu-request/1\xff\"}".to_vec()));
    refused(&server, "UTF-8");
}

#[test]
fn a_used_request_is_reported_as_a_replay() {
    let server = Canned::start(|_| (409, br#"{"status":"refused","error":"replayed","message":"used"}"#.to_vec()));
    refused(&server, "already signed");
}

#[test]
fn links_with_the_wrong_scheme_are_refused_without_any_network() {
    for link in [
        "http://city.example.jp/r/1",
        "ftp://x/",
        "kazasu://sign?r=http%3A%2F%2Fevil.example%2F",
        "https://a@b.example/",
    ] {
        let out = kazasu(&["--virtual", "sign-request", link, "--pin-stdin"]);
        assert_eq!(out.status.code(), Some(1), "{link}");
        let err = text(&out.stderr);
        assert!(!err.contains("Fetching"), "{link}: {err}");
    }
}

#[test]
fn scan_prints_the_request_url_and_refuses_foreign_payloads() {
    let tmp = common::temp_dir("scan");
    let dir = tmp.path();
    let ok = qr_png("https://city.example.jp/r/q3XvN0m1k2x9", dir, "ok.png");
    let out = kazasu(&["scan", ok.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "https://city.example.jp/r/q3XvN0m1k2x9\n");
    let deep = qr_png("kazasu://sign?r=https%3A%2F%2Fcity.example.jp%2Fr%2Fabc", dir, "deep.png");
    assert_eq!(text(&kazasu(&["scan", deep.to_str().unwrap()]).stdout), "https://city.example.jp/r/abc\n");
    for (i, bad) in ["http://evil.example/r/1", "WIFI:S:x;T:WPA;P:y;;", "javascript:alert(1)"].iter().enumerate() {
        let p = qr_png(bad, dir, &format!("bad{i}.png"));
        let out = kazasu(&["scan", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(out.stdout.is_empty(), "{bad}");
    }
    let blank = dir.join("blank.png");
    image::GrayImage::from_pixel(64, 64, image::Luma([255])).save(&blank).unwrap();
    let out = kazasu(&["scan", blank.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("No QR code"), "{}", text(&out.stderr));
}

#[test]
fn a_relying_partys_refusal_is_told_in_our_words_first_and_its_own_text_marked_as_the_sites() {
    let server = Canned::start(|_| {
        (400, r#"{"status":"refused","error":"mismatch","message":"受付時間外です"}"#.as_bytes().to_vec())
    });
    let url = format!("{}/r/req0123456789", server.base);
    for (lang, ours, theirs) in [
        (
            "ja",
            "kazasu: 申請先が受け付けませんでした（理由コード: mismatch）。",
            "サイトからの説明: 「受付時間外です」",
        ),
        ("en", "kazasu: The site refused (reason code: mismatch).", "The site's own explanation: “受付時間外です”"),
    ] {
        let out = kazasu(&["--lang", lang, "--virtual", "sign-request", &url, "--pin-stdin"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        let (a, b) = (err.find(ours), err.find(theirs));
        assert!(a.is_some() && b.is_some() && a < b, "{lang}: ours first, then the site's: {err}");
    }
}

#[test]
fn an_expired_request_names_its_expiry_in_japan_time() {
    // Expired at 2025-01-01T18:30:00Z: 03:30 on the 2nd in Japan.
    let expires = kazasu_core::handoff::time::parse_utc("2025-01-01T18:30:00Z").unwrap();
    let server = Canned::start(|base| (200, request_json(&document(base, expires - 600, expires)).unwrap()));
    let url = format!("{}/r/req0123456789", server.base);
    for (lang, words) in [
        ("ja", "有効期限（2025-01-02 03:30:00 JST（日本時間））が切れています"),
        ("en", "expired at 2025-01-02 03:30:00 JST (Japan, UTC+9)."),
    ] {
        let out = kazasu(&["--lang", lang, "--virtual", "sign-request", &url, "--pin-stdin"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(words), "{lang}: {err}");
        assert!(!err.contains("T18:30:00Z"), "{lang}: {err}");
    }
}
