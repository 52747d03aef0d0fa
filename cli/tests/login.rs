//! `kazasu login` on the software card (`--virtual`, authentication password 1234) against a log-in site on
//! 127.0.0.1 that issues a `KAZASU-LOGIN-CHALLENGE/1` and checks the answer with the relying party's
//! `verify_login` (the test user-authentication CA): what the person is told before the password, one tap, the
//! verdict; the rules of the 3-try password, seen in the card's APDU log (`-vv`: "> VERIFY lc=4" is a presented
//! password, "VERIFY (retry counter)" a counter read); and the log-ins refused before the password.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

mod common;

use common::{kazasu_in, temp_dir, text};
use kazasu_core::anchors::TrustAnchors;
use kazasu_core::handoff::login::{challenge_json, session_binding, Challenge};
use kazasu_core::handoff::rp::login::verify_login;
use kazasu_core::handoff::rp::{RevocationSource, Trust};
use kazasu_core::handoff::{login_app_link, login_deep_link, HttpsUrl, LoginResponse, SeenNonces};
use kazasu_core::softcard::fixture;

/// The asking browser's session secret (the log-in is bound to its SHA-256).
const SESSION_SECRET: &[u8] = b"the asking browser's session secret";
const ID: &str = "login_0123456789";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A challenge of the site at `origin` (served from wherever the test puts it).
fn challenge(origin: &str, issued_at: i64, expires_at: i64) -> Challenge {
    Challenge {
        origin: origin.into(),
        relying_party: "伊勢市（見本）".into(),
        challenge_id: ID.into(),
        nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
        issued_at,
        created_from: "Windows · Chrome".into(),
        expires_at,
        session: session_binding(SESSION_SECRET),
        submit_url: format!("{origin}/login/{ID}/response"),
    }
}

/// A log-in site: `GET /login/{id}` serves its one challenge (again and again, as a careless site might), `POST
/// …/response` checks the answer with `verify_login` against `trust` and remembers the answered nonce, as a
/// relying party must. Records the verdict of every answer.
struct Site {
    base: String,
    verdicts: Arc<Mutex<Vec<Result<String, String>>>>,
}

impl Site {
    fn start(trust: Trust, make: impl FnOnce(&str) -> Challenge) -> Site {
        Site::start_with(trust, |base| (200, challenge_json(&make(base).render().unwrap()).unwrap()))
    }

    /// A site whose `GET` answers `fetch(base)` (status, body).
    fn start_with(trust: Trust, fetch: impl FnOnce(&str) -> (u16, Vec<u8>)) -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (status, body) = fetch(&base);
        let issued: Option<Vec<u8>> = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["challenge"].as_str().map(|c| c.as_bytes().to_vec()));
        let verdicts = Arc::new(Mutex::new(Vec::new()));
        let log = verdicts.clone();
        let used = Mutex::new(SeenNonces::new(8));
        common::serve_http(listener, move |line, posted| {
            if !line.starts_with("POST ") {
                return (status, body.clone());
            }
            let checked = LoginResponse::from_json(posted).map_err(|e| e.to_string()).and_then(|response| {
                let bytes = issued.as_deref().ok_or("no challenge issued")?;
                let mut used = used.lock().unwrap();
                verify_login(bytes, &response, SESSION_SECRET, &trust, RevocationSource::NotChecked, &mut *used, now())
                    .map(|logged_in| logged_in.account.0)
                    .map_err(|refusal| serde_json::to_value(refusal.refusal()).unwrap().as_str().unwrap().to_owned())
            });
            log.lock().unwrap().push(checked.clone());
            match checked {
                Ok(_) => (200, serde_json::json!({"status": "accepted", "request_id": ID}).to_string().into_bytes()),
                Err(code) => {
                    let status = match code.as_str() {
                        "replayed" => 409,
                        "bad-certificate" | "bad-signature" => 422,
                        _ => 400,
                    };
                    let reply = serde_json::json!({"status": "refused", "error": code, "message": "nicht"});
                    (status, reply.to_string().into_bytes())
                }
            }
        });
        Site { base, verdicts }
    }

    fn url(&self) -> String {
        format!("{}/login/{ID}", self.base)
    }

    /// The `kazasu://login?r=` link of its challenge, as the log-in page shows it.
    fn link(&self) -> String {
        login_deep_link(&HttpsUrl::parse(&self.url()).unwrap())
    }

    fn verdicts(&self) -> Vec<Result<String, String>> {
        self.verdicts.lock().unwrap().clone()
    }
}

/// The test PKI's user-authentication CA: the software card's auth certificate chains to it.
fn test_auth_ca() -> Trust {
    Trust::only(TrustAnchors::from_der(fixture::AUTH_CA_CERT).unwrap())
}

fn current(origin: &str) -> Challenge {
    challenge(origin, now() - 10, now() + 290)
}

/// `kazasu -vv --virtual --lang LANG login LINK --pin-stdin [extra…]` with the card's state under `state`.
fn login(state: &Path, lang: &str, link: &str, extra: &[&str], typed: &str) -> Output {
    let mut args = vec!["-vv", "--virtual", "--lang", lang, "login", link, "--pin-stdin"];
    args.extend_from_slice(extra);
    kazasu_in(state, &args, typed)
}

/// How often the password was presented to the card in this run (VERIFY with the 4 digits as data).
fn presented(out: &Output) -> usize {
    text(&out.stderr).matches("> VERIFY lc=4").count()
}

/// The person's words only (the `-vv` log lines left out).
fn words(out: &Output) -> String {
    text(&out.stderr).lines().filter(|l| !l.starts_with('[')).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_log_in_tells_the_site_that_nothing_personal_is_sent_and_the_relay_warning_then_logs_in_in_one_tap() {
    for (lang, told) in [
        (
            "en",
            [
                "Site asking you to log in: http://127.0.0.1:",
                "Site's name: 伊勢市（見本）",
                "No name, address, birth date or gender is sent: only the authentication certificate",
                "This log-in was started on Windows · Chrome, just now.",
                "never from a QR code or link someone sent you",
            ],
        ),
        (
            "ja",
            [
                "ログインを求めているサイト: http://127.0.0.1:",
                "サイトの名前: 伊勢市（見本）",
                "送るのは利用者証明用電子証明書だけ",
                "このログインは Windows · Chrome で1分以内に始められました。",
                "人から送られたQRコードやリンクでログインしないでください",
            ],
        ),
    ] {
        let site = Site::start(test_auth_ca(), current);
        let state = temp_dir("login-ok");
        let out = login(state.path(), lang, &site.link(), &[], &format!("{}\n", fixture::AUTH_PIN));
        let said = words(&out);
        assert_eq!(out.status.code(), Some(0), "{said}");
        // Everything the person is told comes before the password is presented.
        let first_verify = text(&out.stderr).find("> VERIFY lc=4").unwrap();
        for w in told {
            let at = text(&out.stderr).find(w).unwrap_or_else(|| panic!("{lang}: {w:?} in {said}"));
            assert!(at < first_verify, "{lang}: {w:?} is told only after the password was presented");
        }
        assert_eq!(presented(&out), 1, "one tap, the password presented once");
        let logged_in = text(&out.stdout);
        let expected = if lang == "en" { "Logged in to http://127.0.0.1:" } else { "にログインしました" };
        assert!(logged_in.contains(expected), "{lang}: {logged_in}");
        // The site verified the auth certificate's signature over its challenge; nothing personal was shown.
        assert!(matches!(&site.verdicts()[..], [Ok(_)]), "{:?}", site.verdicts());
        for personal in ["かざす", "花子", "三重県", "1985"] {
            assert!(!said.contains(personal) && !logged_in.contains(personal), "{lang}: {personal} shown");
        }
        assert!(!said.contains("PIN") && !said.contains("暗証番号"), "{lang}: {said}");
    }
}

#[test]
fn the_challenge_url_itself_and_the_app_link_log_in_too_but_a_signing_link_and_plain_http_do_not() {
    let state = temp_dir("login-url");
    let by_app_link = Site::start(test_auth_ca(), current);
    let app_link = login_app_link(&HttpsUrl::parse(&by_app_link.url()).unwrap());
    let out = login(state.path(), "en", &app_link, &[], "1234\n");
    assert_eq!(out.status.code(), Some(0), "{app_link}: {}", words(&out));
    let site = Site::start(test_auth_ca(), current);
    let out = login(state.path(), "en", &site.url(), &[], "1234\n");
    assert_eq!(out.status.code(), Some(0), "{}", words(&out));
    let signing = format!("kazasu://sign?r={}", site.url().replace(':', "%3A").replace('/', "%2F"));
    let out = login(state.path(), "en", &signing, &[], "1234\n");
    assert_eq!(out.status.code(), Some(1), "{}", words(&out));
    assert!(
        words(&out).contains("This is a signing-request link. To sign, use kazasu sign-request."),
        "{}",
        words(&out)
    );
    assert!(words(&out).contains("You are not logged in."), "{}", words(&out));
    assert_eq!(presented(&out), 0);
    let plain = login(state.path(), "en", "http://city.example.jp/login/abcdefgh", &[], "1234\n");
    assert_eq!(plain.status.code(), Some(1), "{}", words(&plain));
    assert!(words(&plain).contains("Log-ins are accepted only over https"), "{}", words(&plain));
    assert_eq!(site.verdicts().len(), 1, "nothing more was sent");
}

#[test]
fn a_wrong_password_is_presented_once_and_not_again_in_the_same_run() {
    let site = Site::start(test_auth_ca(), current);
    let state = temp_dir("login-wrong");
    for (lang, said) in [
        ("en", "Wrong authentication password; 2 tries left."),
        ("ja", "利用者証明用パスワードが違います。残り1回です。"),
    ] {
        // More lines on standard input than one: the run still presents one password and ends.
        let out = login(state.path(), lang, &site.link(), &[], "9999\n1234\n1234\n");
        assert_eq!(out.status.code(), Some(3), "{}", words(&out));
        assert!(words(&out).contains(said), "{lang}: {}", words(&out));
        assert_eq!(presented(&out), 1, "{lang}: the password was presented once");
    }
    assert!(site.verdicts().is_empty(), "nothing was sent to the site");
    let status = kazasu_in(state.path(), &["--virtual", "--lang", "en", "status"], "");
    assert!(text(&status.stdout).contains("Authentication password: 1 try left"), "{}", text(&status.stdout));
}

#[test]
fn a_malformed_password_is_refused_before_the_card_and_uses_no_try() {
    let site = Site::start(test_auth_ca(), current);
    let state = temp_dir("login-format");
    for typed in ["12a4\n", "12345\n", "ABC123\n"] {
        let out = login(state.path(), "en", &site.link(), &[], typed);
        assert_eq!(out.status.code(), Some(9), "{typed}: {}", words(&out));
        assert!(words(&out).contains("The authentication password is 4 digits. No try was used."), "{}", words(&out));
        assert_eq!(presented(&out), 0, "{typed}");
    }
    let status = kazasu_in(state.path(), &["--virtual", "--lang", "en", "status"], "");
    assert!(text(&status.stdout).contains("Authentication password: 3 tries left"), "{}", text(&status.stdout));
}

/// Two wrong tries: the authentication password has one left.
fn down_to_the_last_try(state: &Path, site: &Site) {
    for _ in 0..2 {
        assert_eq!(login(state, "en", &site.link(), &[], "9999\n").status.code(), Some(3));
    }
}

#[test]
fn the_last_try_needs_confirmation_and_the_password_is_not_presented_without_it() {
    let site = Site::start(test_auth_ca(), current);
    let state = temp_dir("login-last");
    down_to_the_last_try(state.path(), &site);
    for (lang, said) in [
        ("en", "Only one try is left, so the authentication password is not sent without confirmation."),
        ("ja", "確認なしでは利用者証明用パスワードを送りません"),
    ] {
        let out = login(state.path(), lang, &site.link(), &[], "1234\n");
        assert_eq!(out.status.code(), Some(5), "{}", words(&out));
        assert!(words(&out).contains(said), "{lang}: {}", words(&out));
        assert!(text(&out.stderr).contains("> VERIFY (retry counter)"), "the counter was read");
        assert_eq!(presented(&out), 0, "{lang}: presented without confirmation");
    }
    assert!(site.verdicts().is_empty());
    // Confirmed: the last try is used, the log-in goes through, and the card has all its tries again.
    let out = login(state.path(), "en", &site.link(), &["--confirm-last-try"], "1234\n");
    assert_eq!(out.status.code(), Some(0), "{}", words(&out));
    assert!(words(&out).contains("only one try of the authentication password is left"), "{}", words(&out));
    assert_eq!(presented(&out), 1);
    let status = kazasu_in(state.path(), &["--virtual", "--lang", "en", "status"], "");
    assert!(text(&status.stdout).contains("Authentication password: 3 tries left"), "{}", text(&status.stdout));
}

#[test]
fn a_locked_authentication_password_is_never_presented() {
    let site = Site::start(test_auth_ca(), current);
    let state = temp_dir("login-locked");
    down_to_the_last_try(state.path(), &site);
    let out = login(state.path(), "en", &site.link(), &["--confirm-last-try"], "9999\n");
    assert_eq!(out.status.code(), Some(4), "the last try, confirmed and wrong, locks it: {}", words(&out));
    for (lang, said) in
        [("en", "The authentication password is locked."), ("ja", "利用者証明用パスワードはロックされています")]
    {
        let out = login(state.path(), lang, &site.link(), &["--confirm-last-try"], "1234\n");
        assert_eq!(out.status.code(), Some(4), "{}", words(&out));
        assert!(words(&out).contains(said), "{lang}: {}", words(&out));
        assert!(words(&out).contains("`kazasu card reset-virtual`"), "{lang}: {}", words(&out));
        assert_eq!(presented(&out), 0, "{lang}: a password presented to a locked counter");
    }
    assert!(site.verdicts().is_empty());
    let status = kazasu_in(state.path(), &["--virtual", "--lang", "en", "status"], "");
    assert!(text(&status.stdout).contains("Authentication password: locked"), "{}", text(&status.stdout));
    // The signature password was never touched; reset brings both back.
    assert!(text(&status.stdout).contains("Signature password: 5 tries left"), "{}", text(&status.stdout));
    let reset = kazasu_in(state.path(), &["--lang", "en", "card", "reset-virtual"], "");
    assert!(text(&reset.stdout).contains("3 of the authentication password"), "{}", text(&reset.stdout));
    assert_eq!(login(state.path(), "en", &site.link(), &[], "1234\n").status.code(), Some(0));
}

/// Runs a log-in that must be refused before the password: exit 1, `said` (and "not logged in"), no card opened,
/// nothing sent.
fn refused_before_the_card(site: &Site, said: &str) {
    let state = temp_dir("login-refused");
    let out = login(state.path(), "en", &site.link(), &[], "1234\n");
    let w = words(&out);
    assert_eq!(out.status.code(), Some(1), "{w}");
    assert!(w.contains(said), "{said:?} in {w}");
    assert!(w.contains("You are not logged in."), "{w}");
    assert!(!w.contains("software card"), "the card was opened: {w}");
    assert_eq!(presented(&out), 0);
    assert!(site.verdicts().is_empty());
}

#[test]
fn a_relayed_challenge_naming_another_site_is_refused_before_the_password() {
    // A site passing on the real city's challenge (to log its visitor in as someone, or them as the attacker).
    let site = Site::start(test_auth_ca(), |_| current("https://city.example.jp"));
    refused_before_the_card(&site, "The log-in names another site (https://city.example.jp) than the one it came from");
}

#[test]
fn an_expired_challenge_is_refused_before_the_password_with_its_expiry_in_japan_time() {
    let expires = kazasu_core::handoff::time::parse_utc("2025-01-01T18:30:00Z").unwrap();
    let site = Site::start(test_auth_ca(), |base| challenge(base, expires - 300, expires));
    refused_before_the_card(&site, "The log-in expired at 2025-01-02 03:30:00 JST (Japan, UTC+9).");
}

#[test]
fn a_replayed_challenge_is_refused() {
    // The site answers the same challenge again after it was used: its check refuses the second answer.
    let site = Site::start(test_auth_ca(), current);
    let state = temp_dir("login-replay");
    assert_eq!(login(state.path(), "en", &site.link(), &[], "1234\n").status.code(), Some(0));
    let again = login(state.path(), "en", &site.link(), &[], "1234\n");
    assert_eq!(again.status.code(), Some(1), "{}", words(&again));
    assert!(
        words(&again).contains("This log-in was already used. Start again from the log-in page."),
        "{}",
        words(&again)
    );
    assert!(!text(&again.stdout).contains("Logged in"), "{}", text(&again.stdout));
    assert!(matches!(&site.verdicts()[..], [Ok(_), Err(code)] if code == "replayed"), "{:?}", site.verdicts());
    // A site that says so when the challenge is fetched: refused before the card.
    let used = Site::start_with(test_auth_ca(), |_| {
        (409, br#"{"status":"refused","error":"replayed","message":"used"}"#.to_vec())
    });
    refused_before_the_card(&used, "This log-in was already used.");
}

#[test]
fn a_site_that_does_not_accept_the_certificate_ends_with_exit_code_10() {
    // A site trusting another CA (here: the signature CA) refuses the authentication certificate.
    let site = Site::start(Trust::only(TrustAnchors::from_der(fixture::SIGN_CA_CERT).unwrap()), current);
    let state = temp_dir("login-untrusted");
    let out = login(state.path(), "en", &site.link(), &[], "1234\n");
    assert_eq!(out.status.code(), Some(10), "{}", words(&out));
    assert!(words(&out).contains("The site refused the log-in (reason code: bad-certificate)."), "{}", words(&out));
    assert!(words(&out).contains("You are not logged in."), "{}", words(&out));
    assert!(!text(&out.stdout).contains("Logged in"));
}

#[test]
fn a_log_in_qr_code_scans_to_its_login_link_which_kazasu_login_takes() {
    let site = Site::start(test_auth_ca(), current);
    let tmp = temp_dir("login-scan");
    let png = common::qr_png(&site.link(), tmp.path(), "login.png");
    let scanned = kazasu_in(tmp.path(), &["scan", png.to_str().unwrap()], "");
    assert!(scanned.status.success(), "{}", text(&scanned.stderr));
    let link = text(&scanned.stdout).trim().to_owned();
    assert_eq!(link, site.link(), "a plain URL would be read as a signing request's");
    let out = login(tmp.path(), "en", &link, &[], "1234\n");
    assert_eq!(out.status.code(), Some(0), "{}", words(&out));
}
