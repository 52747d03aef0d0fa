//! The relying party's access rules: personal data only to the city's staff, the desktop page only to the
//! browser that created it, no cross-site creation, per-client rate limits, no acceptance on a stale CRL.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use kazasu_core::handoff::{self, Submission};
use kazasu_core::HashAlgorithm;
use kazasu_portal::limits::{Rate, RateLimits};
use support::*;

/// The app's clock agrees with the portal's pinned one.
fn now() -> i64 {
    TEST_NOW
}

/// Signs the request behind `c` with the software card, as the victim's phone would.
fn victim_signs(c: &kazasu_portal::Created) {
    let url = handoff::parse_link(&c.deep_link).unwrap();
    let req = handoff::fetch_request(&mut Http::new(), &url, now()).unwrap();
    let (sig, cert) = card_sign(req.bytes_to_sign());
    handoff::submit(&mut Http::new(), &req, &Submission::new(&req, HashAlgorithm::Sha256, sig, cert)).unwrap();
}

const PERSONAL: [&str; 6] = ["かざす　花子", "花子", "三重県", "岩渕", "1985", "gender"];

fn personal_in(body: &[u8]) -> Vec<&'static str> {
    let text = String::from_utf8_lossy(body);
    PERSONAL.iter().copied().filter(|p| text.contains(p)).collect()
}

#[test]
fn a_relayer_holding_the_desktop_page_never_sees_the_signers_personal_data() {
    let dir = TempDir::new("relay");
    let server = Server::start(&dir.path().join("db"), |_| {});
    // The attacker creates the request in their own browser (they hold its owner cookie) and relays the QR code.
    let (c, attacker_cookie) = create_owned(&server.url(""));
    victim_signs(&c);
    let view = &c.view_id;
    let mut seen = 0;
    for path in [format!("/a/{view}"), format!("/a/{view}/status"), format!("/a/{view}/application.txt")] {
        let (code, body) = get_with(&server.url(&path), &[("Cookie", &attacker_cookie)]);
        assert_eq!(code, 200, "{path}");
        assert_eq!(personal_in(&body), Vec::<&str>::new(), "{path} leaks: {}", String::from_utf8_lossy(&body));
        seen += 1;
    }
    assert_eq!(seen, 3);
    // It does say that the application was signed and verified, with a masked name.
    let (_, status) = get_with(&server.url(&format!("/a/{view}/status")), &[("Cookie", &attacker_cookie)]);
    let status: kazasu_portal::Status = serde_json::from_slice(&status).unwrap();
    assert_eq!(status.state, kazasu_portal::ApplicationState::Signed);
    assert_eq!(status.signature.unwrap().name_masked.as_deref(), Some("か＊＊"));
    let (_, text) = get_with(&server.url(&format!("/a/{view}/application.txt")), &[("Cookie", &attacker_cookie)]);
    assert!(String::from_utf8_lossy(&text).contains("署名検証済み"));
    // The city's staff see everything.
    let o = office(&server.url(""), &c.request_id);
    assert_eq!(o["signature"]["name"], "かざす　花子");
    assert_eq!(o["signature"]["address"], "三重県伊勢市岩渕一丁目７番２９号");
    assert_eq!(o["signature"]["gender"], "2");
}

#[test]
fn the_view_url_alone_shows_nothing() {
    let dir = TempDir::new("leak");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let (c, owner) = create_owned(&server.url(""));
    victim_signs(&c);
    let view = &c.view_id;
    for path in ["", "/status", "/application.txt", "/qr.svg", "/qr.png"] {
        let url = server.url(&format!("/a/{view}{path}"));
        for cookie in [None, Some("kazasu-owner=wrong-value"), Some(&owner.replace("kazasu-owner", "other"))] {
            let headers: Vec<(&str, &str)> = cookie.map(|c| vec![("Cookie", c)]).unwrap_or_default();
            let (code, body) = get_with(&url, &headers);
            assert_eq!(code, 403, "{url} with {cookie:?}");
            assert_eq!(personal_in(&body), Vec::<&str>::new());
            assert!(!String::from_utf8_lossy(&body).contains(&c.request_id), "{url} shows the request id");
            assert!(!String::from_utf8_lossy(&body).contains("年金"), "{url} shows the fields");
        }
        assert_eq!(get_with(&url, &[("Cookie", &owner)]).0, 200, "{url} with the owner cookie");
    }
    let (_, body) = get_raw(&server.url(&format!("/a/{view}/status")));
    assert_eq!(error_code(&body), "not-owner");
}

#[test]
fn the_back_office_needs_the_staff_token() {
    let dir = TempDir::new("office");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let c = create(&server.url(""));
    let url = server.url(&format!("/office/applications/{}", c.request_id));
    for auth in [None, Some("Bearer wrong-token-wrong-token-wrong-token"), Some("Basic dGVzdA==")] {
        let headers: Vec<(&str, &str)> = auth.map(|a| vec![("Authorization", a)]).unwrap_or_default();
        let (code, body) = get_with(&url, &headers);
        assert_eq!((code, error_code(&body).as_str()), (401, "unauthorized"), "{auth:?}");
    }
    let (code, text) =
        get_with(&format!("{url}/application.txt"), &[("Authorization", &format!("Bearer {OFFICE_TOKEN}"))]);
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&text).contains("署名待ち"));
    // Without a configured token there is no back office at all.
    let dir2 = TempDir::new("office-off");
    let off = Server::start(&dir2.path().join("db"), |cfg| cfg.office_token = None);
    let c = create(&off.url(""));
    let (code, _) = get_with(
        &off.url(&format!("/office/applications/{}", c.request_id)),
        &[("Authorization", &format!("Bearer {OFFICE_TOKEN}"))],
    );
    assert_eq!(code, 404);
    // A short token is refused at start.
    let mut cfg = config(&dir2.path().join("db2"), "http://127.0.0.1:1");
    cfg.office_token = Some("short".into());
    assert!(kazasu_portal::AppState::new(cfg).is_err());
}

/// Posts the application form with the given headers and token; returns (status, error code, Location).
fn post_form(server: &Server, headers: &[(&str, &str)], token: &str) -> (u16, String, Option<String>) {
    let mut req = agent().post(&server.url("/applications"));
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let resp = req.send_form(&[
        ("form_token", token),
        ("scope", "self"),
        ("copies", "1"),
        ("honseki", "omit"),
        ("purpose", "x"),
        ("phone", "1"),
    ]);
    let resp = match resp {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = resp.status();
    let location = resp.header("location").map(str::to_owned);
    let mut b = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut b).unwrap();
    (status, error_code(&b), location)
}

#[test]
fn a_cross_site_post_of_the_application_form_is_refused() {
    let dir = TempDir::new("csrf");
    let server = Server::start(&dir.path().join("db"), |_| {});
    // The form sets its token as a cookie and in a hidden field.
    let resp = agent().get(&server.url("/")).call().unwrap();
    let set = resp.header("set-cookie").unwrap().to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let cookie = set.split(';').next().unwrap().to_string();
    let token = cookie.split_once('=').unwrap().1.to_string();
    assert!(resp.into_string().unwrap().contains(&format!("value=\"{token}\"")));
    let origin = server.url("");
    let ok_headers = [("Cookie", cookie.as_str()), ("Origin", origin.as_str()), ("Sec-Fetch-Site", "same-origin")];

    let other = "y".repeat(43);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        ("another site", vec![("Cookie", &cookie), ("Sec-Fetch-Site", "cross-site")], &token, "cross-site"),
        ("a sibling origin", vec![("Cookie", &cookie), ("Sec-Fetch-Site", "same-site")], &token, "cross-site"),
        ("a foreign Origin", vec![("Cookie", &cookie), ("Origin", "http://evil.example")], &token, "cross-site"),
        ("no form token", ok_headers.to_vec(), "", "form-token"),
        ("a token not matching the cookie", ok_headers.to_vec(), &other, "form-token"),
        ("no cookie", vec![("Origin", &origin), ("Sec-Fetch-Site", "same-origin")], &token, "form-token"),
    ];
    for (what, headers, tok, code) in cases {
        let (status, err, location) = post_form(&server, &headers, tok);
        assert_eq!((status, err.as_str(), location), (403, code, None), "{what}");
    }
    assert_eq!(server.state.store().counts().unwrap().0, 0, "a refused post created a request");
    let (status, _, location) = post_form(&server, &ok_headers, &token);
    assert_eq!(status, 303);
    assert!(location.unwrap().starts_with("/a/"));
    // The JSON API is checked the same way for browsers.
    let r = agent()
        .post(&server.url("/api/applications"))
        .set("Origin", "http://evil.example")
        .set("Content-Type", "application/json")
        .send_bytes(br#"{"scope":"self","copies":"1","honseki":"omit","purpose":"x","phone":"1"}"#);
    match r {
        Err(ureq::Error::Status(403, _)) => {}
        other => panic!("cross-origin JSON create: {other:?}"),
    }
    assert_eq!(server.state.store().counts().unwrap().0, 1);
}

#[test]
fn creating_and_submitting_are_rate_limited_per_client() {
    let dir = TempDir::new("rate");
    let server = Server::start(&dir.path().join("db"), |cfg| {
        cfg.rate_limits =
            RateLimits { create: Rate { per_minute: 1, burst: 3 }, submit: Rate { per_minute: 1, burst: 2 } };
    });
    let body = br#"{"scope":"self","copies":"1","honseki":"omit","purpose":"x","phone":"1"}"#;
    let create_as = |client: &str| {
        let r = agent()
            .post(&server.url("/api/applications"))
            .set("X-Real-IP", client)
            .set("Content-Type", "application/json")
            .send_bytes(body);
        match r {
            Ok(r) => (r.status(), String::new(), None),
            Err(ureq::Error::Status(s, r)) => {
                (s, r.header("retry-after").map(str::to_owned).unwrap_or_default(), r.into_string().ok())
            }
            Err(e) => panic!("{e}"),
        }
    };
    // Three at once are fine; the fourth within the minute is refused; another client is not affected.
    let statuses: Vec<u16> = (0..4).map(|_| create_as("198.51.100.7").0).collect();
    assert_eq!(statuses, [200, 200, 200, 429]);
    let (_, retry_after, refusal) = create_as("198.51.100.7");
    let wait: u64 = retry_after.parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(error_code(refusal.unwrap().as_bytes()), "rate-limited");
    assert_eq!(create_as("203.0.113.9").0, 200);
    assert_eq!(server.state.store().counts().unwrap().0, 4);

    let submit_as = |client: &str| {
        let r = agent().post(&server.url("/r/nope/submit")).set("X-Real-IP", client).send_bytes(b"{}");
        match r {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(s, _)) => s,
            Err(e) => panic!("{e}"),
        }
    };
    let statuses: Vec<u16> = (0..3).map(|_| submit_as("198.51.100.7")).collect();
    assert_eq!(statuses, [400, 400, 429]);
    assert_eq!(submit_as("203.0.113.9"), 400);
}

#[test]
fn submissions_are_refused_once_the_crl_is_past_next_update() {
    let dir = TempDir::new("stale-crl");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let c = create(&server.url(""));
    let url = handoff::parse_link(&c.deep_link).unwrap();
    let req = handoff::fetch_request(&mut Http::new(), &url, now()).unwrap();
    let (sig, cert) = card_sign(req.bytes_to_sign());
    let sub = Submission::new(&req, HashAlgorithm::Sha256, sig, cert);
    // The fixture CRL's nextUpdate is in 2036: move the portal's clock past it.
    let next_update = openssl::x509::X509Crl::from_pem(kazasu_core::softcard::fixture::SIGN_CA_CRL)
        .or_else(|_| openssl::x509::X509Crl::from_der(kazasu_core::softcard::fixture::SIGN_CA_CRL))
        .unwrap();
    let epoch = openssl::asn1::Asn1Time::from_unix(0).unwrap();
    let d = epoch.diff(next_update.next_update().unwrap()).unwrap();
    server.state.advance_clock(i64::from(d.days) * 86_400 + i64::from(d.secs) - now() + 1);
    let (code, body) = post_raw(&server.url(&format!("/r/{}/submit", c.request_id)), &sub.to_json());
    assert_eq!((code, error_code(&body).as_str()), (503, "revocation-unavailable"));
    assert!(String::from_utf8_lossy(&body).contains("revocation list expired"));
    assert_eq!(server.state.store().counts().unwrap().2, 0);
}

#[test]
fn the_portal_will_not_start_without_a_crl_unless_told_so() {
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-ca.pem");
    let dir = TempDir::new("no-crl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kazasu-portal"))
        .args(["--listen", "127.0.0.1:0", "--ca", ca, "--db"])
        .arg(dir.path().join("db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--crl"), "{}", String::from_utf8_lossy(&out.stderr));
    // With the explicit opt-out it starts, and says so.
    let addr = dir.path().join("addr");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kazasu-portal"))
        .args(["--listen", "127.0.0.1:0", "--no-revocation-check", "--ca", ca, "--db"])
        .arg(dir.path().join("db"))
        .arg("--addr-file")
        .arg(&addr)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !addr.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let started = addr.exists();
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(started, "the portal did not start with --no-revocation-check");
    assert!(String::from_utf8_lossy(&out.stderr).contains("WARNING: --no-revocation-check"));
}

#[test]
fn requests_from_a_database_before_the_owner_cookie_have_no_viewable_page() {
    let dir = TempDir::new("migrate");
    let db = dir.path().join("db");
    {
        // The schema as it was, with one pending request.
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE requests (id TEXT PRIMARY KEY, view_id TEXT NOT NULL UNIQUE, nonce TEXT NOT NULL UNIQUE,
                document BLOB NOT NULL, fields TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'signed')));
             INSERT INTO requests VALUES ('old-id', 'old-view', 'old-nonce', x'00', '[]', 0, 4102444800, 'pending');",
        )
        .unwrap();
    }
    let server = Server::start(&db, |_| {});
    let (code, body) = get_with(&server.url("/a/old-view/status"), &[("Cookie", "kazasu-owner=anything")]);
    assert_eq!((code, error_code(&body).as_str()), (403, "not-owner"));
    // New requests in the migrated database work as usual.
    let (c, owner) = create_owned(&server.url(""));
    assert_eq!(get_with(&server.url(&format!("/a/{}/status", c.view_id)), &[("Cookie", &owner)]).0, 200);
}
