//! Re-linking a renewed card (issue 24): logged in with the new card, the person signs a statement with the
//! signature certificate, and the new card's log-ins then land in the earlier account whose applications the
//! same name and birth date signed — only then, only to that account, and only for the session that asked.
//!
//! The renewed card is `auth-renewed` + `sign-renewed` of the test PKI (same name and birth date, a new address);
//! its old card is the software card's `auth` + `sign`. J-LIS revokes the old card's certificates when it renews
//! the card: the tests load the auth CA's CRL that lists the old auth certificate at that point.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod support;

use kazasu_core::handoff::client::fetch_challenge;
use kazasu_core::handoff::rp::login::{AccountKey, SignerIdentity};
use kazasu_core::handoff::{fetch_request, parse_any_link, HttpsUrl, LoginResponse, SignRequest, Submission};
use kazasu_core::{Certificate, HashAlgorithm};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use support::*;

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/");
const AUTH_CA_CRL: &[u8] = include_bytes!("../../fixtures/test-pki/auth-ca.crl.der");
const AUTH_REVOKING_CRL: &[u8] = include_bytes!("../../fixtures/test-pki/auth-ca.revoking-auth.crl.der");

/// One of the test PKI's cards or signature certificates: the file stem of its key and certificate.
#[derive(Clone, Copy)]
struct Key(&'static str);

const OLD_AUTH: Key = Key("auth");
const NEW_AUTH: Key = Key("auth-renewed");
const OLD_SIGN: Key = Key("sign");
const NEW_SIGN: Key = Key("sign-renewed");
/// Another person (試験　カード, born 2000-01-01): a test card's signature certificate, accepted here.
const OTHER_SIGN: Key = Key("sign-testcard");

impl Key {
    fn certificate(self) -> Vec<u8> {
        std::fs::read(format!("{PKI}{}.der", self.0)).unwrap()
    }

    /// An RSA PKCS#1 v1.5 SHA-256 signature over `data`, as the card makes it.
    fn sign(self, data: &[u8]) -> Vec<u8> {
        let pem = std::fs::read_to_string(format!("{PKI}{}.TEST-ONLY.key.pem", self.0)).unwrap();
        let key = PKey::private_key_from_pem(&pem.as_bytes()[pem.find("-----BEGIN").unwrap()..]).unwrap();
        let mut s = Signer::new(MessageDigest::sha256(), &key).unwrap();
        s.update(data).unwrap();
        s.sign_to_vec().unwrap()
    }

    fn account(self, server: &Server) -> String {
        AccountKey::of(&Certificate::from_der(&self.certificate()).unwrap(), &server.url("")).0
    }
}

fn crl(bytes: &[u8]) -> kazasu_portal::revocation::CrlSource {
    kazasu_portal::revocation::CrlSource { bytes: bytes.to_vec(), path: None, url: None }
}

/// A portal whose second CRL is the auth CA's (index 1: replaced when the old card is revoked); test cards'
/// signature certificates are accepted, so that a second person can sign.
fn portal(dir: &TempDir) -> Server {
    Server::start(&dir.path().join("db"), |cfg| {
        cfg.crls.push(crl(AUTH_CA_CRL));
        cfg.trust.accept_test_cards = true;
    })
}

/// The card was renewed: J-LIS revoked the old card's auth certificate, and the portal's CRL says so.
fn old_card_revoked(server: &Server) {
    server.state.revocation().replace(1, AUTH_REVOKING_CRL).unwrap();
}

/// `browser` logs in with the card whose auth key is `card`; the account its session landed in (`/account`'s
/// short key).
fn logs_in(server: &Server, browser: &mut Browser, card: Key) -> String {
    let id = browser.start_login(server);
    let url = HttpsUrl::parse(&server.url(&format!("/login/{id}"))).unwrap();
    let challenge = fetch_challenge(&mut Http::new(), &url, TEST_NOW).unwrap();
    let response = LoginResponse::new(&challenge, card.sign(challenge.bytes_to_sign()), card.certificate());
    let (code, body) = post_raw(&server.url(&format!("/login/{id}/response")), &response.to_json());
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(browser.redeem(server, &id).status, 200);
    shown_account(server, browser)
}

fn shown_account(server: &Server, browser: &mut Browser) -> String {
    let page = browser.get(&server.url("/account"));
    assert_eq!(page.status, 200, "{}", page.body);
    let at = page.body.find("アカウント: ").expect("the account") + "アカウント: ".len();
    page.body[at..].chars().take(10).collect()
}

/// The signing request behind a desktop page (`/a/{view}`) this browser opens, as the app fetches it.
fn request_on_page(server: &Server, browser: &mut Browser, page_path: &str) -> SignRequest {
    let page = browser.get(&server.url(page_path));
    assert_eq!(page.status, 200, "{}", page.body);
    let link = parse_any_link(&link_on_page(&page.body)).unwrap();
    fetch_request(&mut Http::new(), &link.url, TEST_NOW).unwrap()
}

/// Signs `request` with `key` and submits it to `to` (its own request, unless a test moves it): (status, body).
fn sign_and_submit(server: &Server, request: &SignRequest, key: Key, to: &str) -> (u16, String) {
    let submission =
        Submission::new(request, HashAlgorithm::Sha256, key.sign(request.bytes_to_sign()), key.certificate());
    let (code, body) = post_raw(&server.url(&format!("/r/{to}/submit")), &submission.to_json());
    (code, String::from_utf8_lossy(&body).into_owned())
}

fn request_id(request: &SignRequest) -> String {
    request.document().request_id.clone()
}

/// A logged-in `browser` files an application through the form, and `key` signs it.
fn files_an_application(server: &Server, browser: &mut Browser, key: Key) {
    let token = browser.cookie("kazasu-form").expect("the form cookie").to_owned();
    let form = [
        ("scope", "self"),
        ("copies", "1"),
        ("honseki", "omit"),
        ("purpose", "年金の手続き"),
        ("phone", "0596-00-0000"),
        ("form_token", token.as_str()),
    ];
    let made = browser.post_form(&server.url("/applications"), &form);
    assert_eq!(made.status, 303, "{}", made.body);
    let request = request_on_page(server, browser, &made.location.unwrap());
    let (code, body) = sign_and_submit(server, &request, key, &request_id(&request));
    assert_eq!(code, 200, "{body}");
}

/// A logged-in `browser` presses 「カードを更新した方：以前のアカウントに引き継ぐ」: its statement's page path.
fn asks_to_relink(server: &Server, browser: &mut Browser) -> String {
    let account = browser.get(&server.url("/account"));
    assert!(account.body.contains("カードを更新した方：以前のアカウントに引き継ぐ"), "{}", account.body);
    let token = browser.cookie("kazasu-form").unwrap().to_owned();
    let asked = browser.post_form(&server.url("/account/relink"), &[("form_token", &token)]);
    assert_eq!(asked.status, 303, "{}", asked.body);
    asked.location.unwrap()
}

fn outcome(server: &Server, browser: &mut Browser, page_path: &str) -> Option<String> {
    let s: serde_json::Value =
        serde_json::from_str(&browser.get(&server.url(&format!("{page_path}/status"))).body).unwrap();
    s["outcome"].as_str().map(str::to_owned)
}

/// The old card's account, with an application its holder signed; then the card is renewed (revoked).
fn earlier_account(server: &Server) -> String {
    let mut old = Browser::default();
    let shown = logs_in(server, &mut old, OLD_AUTH);
    files_an_application(server, &mut old, OLD_SIGN);
    old_card_revoked(server);
    shown
}

#[test]
fn a_renewed_card_is_linked_to_the_earlier_account_after_its_signed_statement() {
    let dir = TempDir::new("relink");
    let server = portal(&dir);
    let old_account = OLD_AUTH.account(&server);
    assert_eq!(earlier_account(&server), old_account[..10]);
    let identity =
        SignerIdentity::of(&Certificate::from_der(&OLD_SIGN.certificate()).unwrap().personal.unwrap(), &server.url(""))
            .unwrap();
    assert_eq!(server.state.store().signed_accounts(&identity.0, "").unwrap(), std::slice::from_ref(&old_account));

    let mut desktop = Browser::default();
    let new_account = NEW_AUTH.account(&server);
    assert_eq!(logs_in(&server, &mut desktop, NEW_AUTH), new_account[..10], "a new card is a new account");
    let page = asks_to_relink(&server, &mut desktop);
    let statement = request_on_page(&server, &mut desktop, &page);
    // What the app shows before the password, and what the card signs: the statement naming the origin and
    // the account to be linked.
    let doc = statement.document();
    assert_eq!(doc.title, "アカウントの引き継ぎ（カードの更新）");
    let text = &doc.fields[0].value;
    assert!(text.contains(&server.url("")) && text.contains(&new_account[..10]), "{text}");
    assert_eq!(outcome(&server, &mut desktop, &page), None, "pending");

    let (code, body) = sign_and_submit(&server, &statement, NEW_SIGN, &request_id(&statement));
    assert_eq!(code, 200, "{body}");
    assert_eq!(outcome(&server, &mut desktop, &page).as_deref(), Some("linked"));
    assert_eq!(shown_account(&server, &mut desktop), old_account[..10], "this session moved to the earlier account");
    let row = server.state.store().account(&new_account).unwrap().unwrap();
    assert_eq!(row.linked_to.as_deref(), Some(old_account.as_str()));

    // From now on the new card's log-ins land in the earlier account, in any browser.
    assert_eq!(logs_in(&server, &mut Browser::default(), NEW_AUTH), old_account[..10]);
    // The statement is used once.
    let (code, _) = sign_and_submit(&server, &statement, NEW_SIGN, &request_id(&statement));
    assert_eq!(code, 409);
}

#[test]
fn without_the_statement_the_new_cards_log_in_is_a_new_account() {
    let dir = TempDir::new("relink-none");
    let server = portal(&dir);
    let old = earlier_account(&server);
    let new = logs_in(&server, &mut Browser::default(), NEW_AUTH);
    assert_eq!(new, NEW_AUTH.account(&server)[..10]);
    assert_ne!(new, old);
    assert_eq!(server.state.store().account(&NEW_AUTH.account(&server)).unwrap().unwrap().linked_to, None);
}

#[test]
fn a_statement_signed_by_someone_else_links_nothing() {
    let dir = TempDir::new("relink-other");
    let server = portal(&dir);
    earlier_account(&server);
    let mut desktop = Browser::default();
    let new_account = NEW_AUTH.account(&server);
    logs_in(&server, &mut desktop, NEW_AUTH);
    let page = asks_to_relink(&server, &mut desktop);
    let statement = request_on_page(&server, &mut desktop, &page);

    let (code, body) = sign_and_submit(&server, &statement, OTHER_SIGN, &request_id(&statement));
    assert_eq!((code, error_code(body.as_bytes()).as_str()), (400, "mismatch"), "{body}");
    assert!(body.contains("何も引き継いでいません") && body.contains("Nothing was linked"), "in words: {body}");
    assert_eq!(outcome(&server, &mut desktop, &page).as_deref(), Some("no-match"));
    assert_eq!(server.state.store().account(&new_account).unwrap().unwrap().linked_to, None);
    assert_eq!(shown_account(&server, &mut desktop), new_account[..10]);
    assert_eq!(logs_in(&server, &mut Browser::default(), NEW_AUTH), new_account[..10]);
}

#[test]
fn a_relayed_statement_links_nothing() {
    let dir = TempDir::new("relink-relay");
    let server = portal(&dir);
    // The victim: logged in with her card, which still works, and signed an application.
    let mut victim = Browser::default();
    let victim_account = logs_in(&server, &mut victim, OLD_AUTH);
    files_an_application(&server, &mut victim, OLD_SIGN);

    // An attacker logged in with their own card asks to re-link and relays the statement's QR code to her; she
    // signs it. Her name and birth date match her account — whose card works: nothing is linked.
    let mut attacker = Browser::default();
    let attacker_account = NEW_AUTH.account(&server);
    logs_in(&server, &mut attacker, NEW_AUTH);
    let page = asks_to_relink(&server, &mut attacker);
    let relayed = request_on_page(&server, &mut attacker, &page);
    let (code, body) = sign_and_submit(&server, &relayed, OLD_SIGN, &request_id(&relayed));
    assert_eq!((code, error_code(body.as_bytes()).as_str()), (400, "mismatch"), "{body}");
    assert!(body.contains("以前のアカウントのカードがまだ使えます"), "{body}");
    assert_eq!(outcome(&server, &mut attacker, &page).as_deref(), Some("earlier-card-current"));
    assert_eq!(server.state.store().account(&attacker_account).unwrap().unwrap().linked_to, None);
    assert_eq!(logs_in(&server, &mut attacker, NEW_AUTH), attacker_account[..10]);
    assert_eq!(shown_account(&server, &mut victim), victim_account, "her session is hers");
}

#[test]
fn a_statement_links_only_the_session_that_asked_it() {
    let dir = TempDir::new("relink-bound");
    let server = portal(&dir);
    let old_account = OLD_AUTH.account(&server);
    // Another logged-in session with its own statement (here the old card's, before the renewal).
    let mut other = Browser::default();
    logs_in(&server, &mut other, OLD_AUTH);
    files_an_application(&server, &mut other, OLD_SIGN);
    let other_page = asks_to_relink(&server, &mut other);
    let other_statement = request_on_page(&server, &mut other, &other_page);
    old_card_revoked(&server);

    let mut holder = Browser::default();
    let holder_account = NEW_AUTH.account(&server);
    logs_in(&server, &mut holder, NEW_AUTH);
    let page = asks_to_relink(&server, &mut holder);
    let statement = request_on_page(&server, &mut holder, &page);

    // Someone who saw the QR code (the request id) or even the page's URL has no page: it needs the owner cookie.
    let mut onlooker = Browser::default();
    assert_eq!(onlooker.get(&server.url(&page)).status, 403);
    assert_eq!(onlooker.get(&server.url(&format!("{page}/status"))).status, 403);
    // A signature over this statement cannot be moved to another session's statement: it names another request.
    let (code, body) = sign_and_submit(&server, &statement, NEW_SIGN, &request_id(&other_statement));
    assert_eq!((code, error_code(body.as_bytes()).as_str()), (400, "mismatch"), "{body}");
    assert_eq!(outcome(&server, &mut other, &other_page), None, "the other statement is untouched");
    assert_eq!(server.state.store().account(&old_account).unwrap().unwrap().linked_to, None);

    // Signed for what it says, it links the account that asked — and moves the session that asked.
    let (code, body) = sign_and_submit(&server, &statement, NEW_SIGN, &request_id(&statement));
    assert_eq!(code, 200, "{body}");
    let linked = server.state.store().account(&holder_account).unwrap().unwrap().linked_to;
    assert_eq!(linked.as_deref(), Some(old_account.as_str()));
    assert_eq!(shown_account(&server, &mut holder), old_account[..10]);
}
