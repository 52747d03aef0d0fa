//! Logging in with the card's user-authentication certificate (issue 24): the software card answers the
//! portal's challenge through the core flow, and only the browser that asked becomes logged in.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use kazasu_core::flow::{Flow, State as FlowState};
use kazasu_core::handoff::client::fetch_challenge;
use kazasu_core::handoff::login::LoginChallenge;
use kazasu_core::handoff::rp::login::AccountKey;
use kazasu_core::handoff::{parse_any_link, HttpsUrl, LinkKind, LoginResponse};
use kazasu_core::softcard::{fixture, SoftCard};
use kazasu_core::{AuthPin, Certificate, LastTry};
use support::*;

const AUTH_CA_CRL: &[u8] = include_bytes!("../../fixtures/test-pki/auth-ca.crl.der");
const AUTH_REVOKING_CRL: &[u8] = include_bytes!("../../fixtures/test-pki/auth-ca.revoking-auth.crl.der");

fn crl(bytes: &[u8]) -> kazasu_portal::revocation::CrlSource {
    kazasu_portal::revocation::CrlSource { bytes: bytes.to_vec(), path: None, url: None }
}

/// A portal whose CRLs cover both the signature and the authentication certificates.
fn portal(dir: &TempDir) -> Server {
    Server::start(&dir.path().join("db"), |cfg| cfg.crls.push(crl(AUTH_CA_CRL)))
}

/// The phone: the core flow over the link, the 4-digit auth password, one tap of the software card, the answer.
fn phone_logs_in(link: &str) -> FlowState {
    let mut flow = Flow::for_link_of(LinkKind::Login, link);
    flow.fetch(&mut Http::new(), TEST_NOW);
    assert_eq!(flow.state(), &FlowState::Review, "fetched and shown");
    let c = flow.subject().and_then(|s| s.login()).expect("a log-in").challenge().clone();
    assert_eq!(c.created_from, "Windows · Chrome", "where the log-in was started is shown before the password");
    flow.accept(TEST_NOW);
    flow.enter_auth_pin(AuthPin::new(fixture::AUTH_PIN));
    let mut card = SoftCard::new();
    flow.tap(&mut card, TEST_NOW, &mut |_| {});
    flow.submit(&mut Http::new());
    flow.state().clone()
}

/// The app's answer to challenge `id`, made by hand from the card (to send it twice, late, or elsewhere).
fn answer_of(server: &Server, id: &str) -> (LoginChallenge, LoginResponse) {
    let url = HttpsUrl::parse(&server.url(&format!("/login/{id}"))).unwrap();
    let challenge = fetch_challenge(&mut Http::new(), &url, TEST_NOW).unwrap();
    let pin = AuthPin::new(fixture::AUTH_PIN).unwrap();
    let (a, _) =
        kazasu_core::flow::log_in(&mut SoftCard::new(), pin, LastTry::NotConfirmed, challenge.bytes_to_sign()).unwrap();
    let response = LoginResponse::new(&challenge, a.signature, a.certificate);
    (challenge, response)
}

fn post_answer(server: &Server, id: &str, response: &LoginResponse) -> (u16, String, String) {
    let (code, body) = post_raw(&server.url(&format!("/login/{id}/response")), &response.to_json());
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    (code, error_code(&body), v["message"].as_str().unwrap_or_default().to_owned())
}

fn expected_account(server: &Server) -> String {
    AccountKey::of(&Certificate::from_der(fixture::AUTH_CERT).unwrap(), &server.url("")).0
}

#[test]
fn a_log_in_with_the_card_gives_the_asking_browser_a_session_for_its_account_and_nothing_personal() {
    let dir = TempDir::new("login");
    let server = portal(&dir);
    let mut desktop = Browser::default();
    let id = desktop.start_login(&server);
    let page = desktop.get(&server.url(&format!("/login/{id}/wait")));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"), "the QR code");
    assert!(page.body.contains(&server.url("")) && page.body.contains("Windows · Chrome"), "the context");
    for personal in ["かざす", "花子", "三重県", "1985"] {
        assert!(!page.body.contains(personal), "the log-in page shows {personal}");
    }
    let link = link_on_page(&page.body);
    assert_eq!(parse_any_link(&link).unwrap().kind, LinkKind::Login, "{link}");
    assert_eq!(desktop.status(&server, &id).1.unwrap().state, "pending");

    assert!(matches!(phone_logs_in(&link), FlowState::Done { .. }));
    assert_eq!(desktop.status(&server, &id).1.unwrap().state, "verified");
    assert_eq!(desktop.get(&server.url("/account")).status, 401, "not logged in before taking it");
    let login_cookie = desktop.cookie("kazasu-login").unwrap().to_owned();
    let taken = desktop.redeem(&server, &id);
    assert_eq!(taken.status, 200, "{}", taken.body);
    assert!(desktop.cookie("kazasu-session").is_some() && desktop.cookie("kazasu-login").is_none());

    let account = desktop.get(&server.url("/account"));
    assert_eq!(account.status, 200);
    let key = expected_account(&server);
    assert!(account.body.contains(&format!("アカウント: {}", &key[..10])), "{}", account.body);
    assert!(!account.body.contains(&key), "only a short form of the key is shown");
    let row = server.state.store().account(&key).unwrap().expect("the account made by the first log-in");
    assert_eq!((row.created_at, row.last_login_at), (TEST_NOW, TEST_NOW));
    // The application form still pre-fills nothing: the name comes from the signature certificate later.
    assert!(!desktop.get(&server.url("/")).body.contains("かざす"));

    // Taken once: the login cookie is gone, and a copy of it kept elsewhere takes nothing more.
    assert_eq!(desktop.redeem(&server, &id).status, 403);
    let mut copy = Browser { jar: vec![("kazasu-login".into(), login_cookie)] };
    assert_eq!(copy.redeem(&server, &id).status, 409);
    assert!(copy.cookie("kazasu-session").is_none());
    assert_eq!(copy.status(&server, &id).1.unwrap().state, "redeemed");

    // A second log-in with the same card finds the same account.
    let mut laptop = Browser::default();
    let again = laptop.start_login(&server);
    let page = laptop.get(&server.url(&format!("/login/{again}/wait")));
    server.state.advance_clock(60);
    assert!(matches!(phone_logs_in_at(&link_on_page(&page.body), TEST_NOW + 60), FlowState::Done { .. }));
    assert_eq!(laptop.redeem(&server, &again).status, 200);
    assert!(laptop.get(&server.url("/account")).body.contains(&key[..10]));
    let row = server.state.store().account(&key).unwrap().unwrap();
    assert_eq!((row.created_at, row.last_login_at), (TEST_NOW, TEST_NOW + 60));

    // Log-out ends the session.
    let token = desktop.cookie("kazasu-form").unwrap().to_owned();
    let out = desktop.post_form(&server.url("/logout"), &[("form_token", &token)]);
    assert_eq!(out.status, 303);
    assert!(desktop.cookie("kazasu-session").is_none());
    assert_eq!(desktop.get(&server.url("/account")).status, 401);
}

fn phone_logs_in_at(link: &str, now: i64) -> FlowState {
    let mut flow = Flow::for_link_of(LinkKind::Login, link);
    flow.fetch(&mut Http::new(), now);
    flow.accept(now);
    flow.enter_auth_pin(AuthPin::new(fixture::AUTH_PIN));
    flow.tap(&mut SoftCard::new(), now, &mut |_| {});
    flow.submit(&mut Http::new());
    flow.state().clone()
}

#[test]
fn a_relayed_log_in_gives_no_other_browser_anything() {
    let dir = TempDir::new("login-relay");
    let server = portal(&dir);
    let mut asking = Browser::default();
    let id = asking.start_login(&server);
    let link = link_on_page(&asking.get(&server.url(&format!("/login/{id}/wait"))).body);
    // Another browser — with no cookie, or with a login cookie of its own log-in — learns the challenge id (it
    // is in the QR code) and tries the page, the status and the redemption.
    let mut stranger = Browser::default();
    let mut other = Browser::default();
    let own = other.start_login(&server);
    assert!(matches!(phone_logs_in(&link), FlowState::Done { .. }));
    for b in [&mut stranger, &mut other] {
        let page = b.get(&server.url(&format!("/login/{id}/wait")));
        assert_eq!(page.status, 403);
        assert!(!page.body.contains("<svg") && !page.body.contains("kazasu://"), "{}", page.body);
        assert_eq!(b.status(&server, &id).0, 403);
        assert_eq!(b.redeem(&server, &id).status, 403);
        assert!(b.cookie("kazasu-session").is_none());
        assert_eq!(b.get(&server.url("/account")).status, 401);
    }
    // The other browser's own challenge was not answered by the relayed answer.
    assert_eq!(other.status(&server, &own).1.unwrap().state, "pending");
    // A forged cookie (the session line is public in the challenge; its secret is not) gives nothing either.
    let challenge = String::from_utf8(get_raw(&server.url(&format!("/login/{own}"))).1).unwrap();
    let line = challenge.split("session\\t").nth(1).unwrap().split("\\n").next().unwrap().to_owned();
    let mut forger = Browser { jar: vec![("kazasu-login".into(), line)] };
    assert_eq!(forger.redeem(&server, &id).status, 403);
    assert_eq!(forger.redeem(&server, &own).status, 403);
    // The browser that asked — and only it — takes the log-in.
    assert_eq!(asking.redeem(&server, &id).status, 200);
    assert_eq!(asking.get(&server.url("/account")).status, 200);
}

#[test]
fn an_answer_moved_to_another_challenge_is_refused_and_uses_neither_up() {
    let dir = TempDir::new("login-moved");
    let server = portal(&dir);
    let (mut a, mut b) = (Browser::default(), Browser::default());
    let (first, second) = (a.start_login(&server), b.start_login(&server));
    let (_, response) = answer_of(&server, &first);
    // Posted to the second challenge's submit URL: it names the first.
    assert_eq!(post_answer(&server, &second, &response).1, "mismatch");
    // Renamed to the second: the signature is over the first's bytes (its nonce, its session line).
    let mut renamed = response.clone();
    let (second_challenge, _) = answer_of(&server, &second);
    renamed.0.request_id = second.clone();
    renamed.0.nonce = second_challenge.nonce().to_owned();
    assert_eq!(post_answer(&server, &second, &renamed).1, "bad-signature");
    assert_eq!(b.status(&server, &second).1.unwrap().state, "pending");
    assert_eq!(b.redeem(&server, &second).status, 409, "nothing to take");
    assert_eq!(post_answer(&server, &first, &response).0, 200);
}

#[test]
fn a_replayed_answer_is_refused() {
    let dir = TempDir::new("login-replay");
    let server = portal(&dir);
    let mut desktop = Browser::default();
    let id = desktop.start_login(&server);
    let (_, response) = answer_of(&server, &id);
    assert_eq!(post_answer(&server, &id, &response).0, 200);
    let (code, error, message) = post_answer(&server, &id, &response);
    assert_eq!((code, error.as_str()), (409, "replayed"));
    assert!(message.contains("すでに使われています"), "{message}");
    // The challenge is no longer served to an app either.
    let (code, body) = get_raw(&server.url(&format!("/login/{id}")));
    assert_eq!((code, error_code(&body).as_str()), (409, "replayed"));
}

#[test]
fn an_expired_challenge_is_refused_and_its_page_says_so() {
    let dir = TempDir::new("login-expired");
    let server = portal(&dir);
    let mut desktop = Browser::default();
    let id = desktop.start_login(&server);
    let (_, response) = answer_of(&server, &id);
    server.state.advance_clock(601);
    assert_eq!(post_answer(&server, &id, &response).1, "expired");
    let (code, _) = get_raw(&server.url(&format!("/login/{id}")));
    assert_eq!(code, 410);
    assert_eq!(desktop.status(&server, &id).1.unwrap().state, "expired");
    assert_eq!(desktop.redeem(&server, &id).status, 409);
}

#[test]
fn an_auth_certificate_from_another_ca_is_refused() {
    let dir = TempDir::new("login-other-ca");
    let server = Server::start(&dir.path().join("db"), |cfg| {
        cfg.auth_trust = Some(Trust::only(TrustAnchors::from_der(SIGN_CA).unwrap()));
    });
    let mut desktop = Browser::default();
    let id = desktop.start_login(&server);
    let (_, response) = answer_of(&server, &id);
    let (code, error, message) = post_answer(&server, &id, &response);
    assert_eq!((code, error.as_str()), (422, "bad-certificate"));
    assert!(message.contains("信頼する認証局"), "{message}");
    assert_eq!(desktop.status(&server, &id).1.unwrap().state, "pending", "a refusal does not use it up");
}

#[test]
fn a_signature_certificate_does_not_log_in() {
    let dir = TempDir::new("login-sign-cert");
    let server = portal(&dir);
    let mut desktop = Browser::default();
    let id = desktop.start_login(&server);
    let (challenge, _) = answer_of(&server, &id);
    // The signature key and certificate over exactly the challenge's bytes.
    let (signature, certificate) = card_sign(challenge.bytes_to_sign());
    let response = LoginResponse::new(&challenge, signature, certificate);
    let (code, error, message) = post_answer(&server, &id, &response);
    assert_eq!((code, error.as_str()), (422, "bad-certificate"));
    assert!(message.contains("利用者証明用電子証明書ではありません"), "{message}");
}

#[test]
fn a_revoked_auth_certificate_is_refused_and_one_no_crl_covers_is_not_accepted() {
    let dir = TempDir::new("login-revoked");
    let server = Server::start(&dir.path().join("db"), |cfg| cfg.crls.push(crl(AUTH_REVOKING_CRL)));
    let mut desktop = Browser::default();
    let id = desktop.start_login(&server);
    let (_, response) = answer_of(&server, &id);
    let (code, error, message) = post_answer(&server, &id, &response);
    assert_eq!((code, error.as_str()), (422, "bad-certificate"));
    assert!(message.contains("失効しています") && message.contains("利用者証明用"), "{message}");

    // Only the signature CA's CRL: the auth certificate's distribution point is covered by none.
    let dir = TempDir::new("login-no-crl");
    let server = Server::start(&dir.path().join("db"), |_| {});
    let id = desktop.start_login(&server);
    let (_, response) = answer_of(&server, &id);
    assert_eq!(post_answer(&server, &id, &response).0, 503);
}

#[test]
fn an_expired_auth_certificate_is_refused() {
    // The fixture certificates are valid until 2031-11-26; the challenge is current at the portal's time.
    let dir = TempDir::new("login-cert-expired");
    let at = kazasu_core::handoff::time::parse_utc("2031-11-27T00:00:00Z").unwrap();
    let server = Server::start_at(&dir.path().join("db"), at, |cfg| cfg.crls.clear());
    let mut desktop = Browser::default();
    let id = desktop.start_login(&server);
    let url = HttpsUrl::parse(&server.url(&format!("/login/{id}"))).unwrap();
    let challenge = fetch_challenge(&mut Http::new(), &url, at).unwrap();
    let pin = AuthPin::new(fixture::AUTH_PIN).unwrap();
    let (a, _) =
        kazasu_core::flow::log_in(&mut SoftCard::new(), pin, LastTry::NotConfirmed, challenge.bytes_to_sign()).unwrap();
    let (code, error, message) = post_answer(&server, &id, &LoginResponse::new(&challenge, a.signature, a.certificate));
    assert_eq!((code, error.as_str()), (422, "bad-certificate"));
    assert!(message.contains("有効期限が切れています"), "{message}");
}

#[test]
fn the_log_in_app_link_opened_without_the_app_names_the_site_and_offers_the_kazasu_link_only_for_a_log_in() {
    use kazasu_core::handoff::link::{APP_LINK_HOST, APP_LINK_PATH, LOGIN_APP_LINK_PATH};
    use kazasu_core::handoff::login_app_link;
    let dir = TempDir::new("login-app-link");
    let server = portal(&dir);
    let challenge = HttpsUrl::parse(&server.url("/login/login_0123456789abcdef")).unwrap();
    let app_link = login_app_link(&challenge);
    let query = app_link.split_once('?').unwrap().1;
    let (code, body) = get_raw(&server.url(&format!("{LOGIN_APP_LINK_PATH}?{query}")));
    let body = String::from_utf8(body).unwrap();
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(&format!(">{}<", challenge.origin())) && body.contains("ログイン"), "{body}");
    let open_app = body.split("id=\"open-app\" href=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
    let opened = parse_any_link(&open_app.replace("&amp;", "&")).unwrap();
    assert_eq!((opened.kind, opened.url), (LinkKind::Login, challenge.clone()), "the kazasu://login link");
    // The signing path with a log-in's query is a signing link; the log-in path with a nested link is refused.
    let (code, body) = get_raw(&server.url(&format!("{APP_LINK_PATH}?{query}")));
    assert!(code == 200 && String::from_utf8(body).unwrap().contains("kazasu://sign?r="));
    let nested = format!("{LOGIN_APP_LINK_PATH}?r=https%3A%2F%2F{APP_LINK_HOST}%2Flogin%3Fr%3Dx");
    assert_eq!(get_raw(&server.url(&nested)).0, 400, "a link inside the log-in's app link");
}
