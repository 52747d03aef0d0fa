//! The hand-off through the FFI's `SigningFlow`, driven from Rust as a shell drives it: a "foreign" HTTP
//! transport serving the fake relying party's answers (or a hostile server's, or throwing), the software card
//! as the tag (feature `testing`). What the scenario table (`tests/scenarios.rs`) already says — expiry,
//! resending — is not repeated; this file holds the relying party's verification of exactly the shown text,
//! and every hostile or broken answer ending the flow before anything reaches the card.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails
#![cfg(feature = "testing")]

mod common;
use common::Seen;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kazasu_ffi::testing::{
    software_card_sign_pin, verify_signature_for_tests, FakeRelyingParty, SoftwareCard, TestClock,
};
use kazasu_ffi::{
    FlowState, HttpFailure, HttpReply, HttpTransport, Notice, PersonalItem, Recipient, RefusalCode, RequestAge,
    SigningFlow,
};

const CITY: &str = "https://city.example.jp";

type Rewrite = Box<dyn Fn(Vec<u8>) -> Vec<u8> + Send + Sync>;

/// What a shell's HTTP stack does, around the fake relying party: serves its answers, lets a test rewrite a
/// GET answer (hostile server) or throw instead of answering (an `IOException` the bindings do not know).
struct Http {
    rp: Arc<FakeRelyingParty>,
    rewrite_get: Option<Rewrite>,
    /// Serves the city's request bodies for evil.example too (a hostile site copying the city's request).
    any_host: bool,
    throw_on_get: bool,
    throw_on_post: AtomicBool,
    urls: Mutex<Vec<String>>,
}

impl Http {
    fn new(rp: &Arc<FakeRelyingParty>) -> Http {
        Http {
            rp: rp.clone(),
            rewrite_get: None,
            any_host: false,
            throw_on_get: false,
            throw_on_post: AtomicBool::new(false),
            urls: Mutex::default(),
        }
    }
}

impl HttpTransport for Http {
    fn get(&self, url: String, max_body: u32) -> Result<HttpReply, HttpFailure> {
        assert!(max_body >= 16 * 1024);
        self.urls.lock().unwrap().push(url.clone());
        if self.throw_on_get {
            return Err(
                uniffi::UnexpectedUniFFICallbackError::new("java.net.UnknownHostException: city.example.jp").into()
            );
        }
        let url = if self.any_host { url.replace("https://evil.example", CITY) } else { url };
        let mut reply = self.rp.answer_get(url);
        if let Some(f) = &self.rewrite_get {
            reply.body = f(reply.body);
        }
        Ok(reply)
    }

    fn post_json(&self, url: String, body: Vec<u8>, _max_body: u32) -> Result<HttpReply, HttpFailure> {
        self.urls.lock().unwrap().push(url.clone());
        if self.throw_on_post.load(Ordering::SeqCst) {
            return Err(uniffi::UnexpectedUniFFICallbackError::new("java.io.IOException: connection reset").into());
        }
        Ok(self.rp.answer_post(url, body))
    }
}

fn city() -> Arc<FakeRelyingParty> {
    Arc::new(FakeRelyingParty::new(CITY.into()).unwrap())
}

/// A flow for `link` through `http`, started and fetched, at the relying party's time.
fn fetched(rp: &FakeRelyingParty, link: String, http: Arc<dyn HttpTransport>) -> Arc<SigningFlow> {
    let clock = Arc::new(TestClock::new(rp.now()));
    let flow = SigningFlow::for_link(link, http, Arc::new(Seen::default()), Some(clock.clock()));
    flow.clone().start();
    assert!(flow.wait_idle(10_000));
    flow
}

/// Accepts, types the right password and taps `card`; waits for the sending.
fn sign(flow: &Arc<SigningFlow>, card: &Arc<SoftwareCard>) {
    flow.clone().accept();
    flow.clone().enter_pin(software_card_sign_pin().into_bytes());
    assert!(flow.clone().card_present(card.clone().link()));
    assert!(matches!(flow.state(), FlowState::ConfirmFiling { .. }), "{:?}", flow.state());
    flow.clone().file();
    assert!(flow.wait_idle(10_000));
}

#[test]
fn a_deep_link_is_fetched_shown_signed_in_one_tap_submitted_and_verified_by_the_relying_party() {
    let rp = city();
    let card = Arc::new(SoftwareCard::new());
    let http = Arc::new(Http::new(&rp));
    let url = rp.create_request(600).unwrap();
    let link = rp.deep_link(url.clone()).unwrap();
    assert!(link.starts_with("kazasu://sign?r=https%3A%2F%2Fcity.example.jp"), "{link}");

    let flow = fetched(&rp, link, http.clone());
    let FlowState::ReviewRequest { request: shown, context, disclosure } = flow.state() else {
        panic!("{:?}", flow.state())
    };
    // Before the password: where and when the request was created, and what signing hands over to whom.
    assert_eq!((context.created_at, context.age), (rp.now(), RequestAge::JustNow));
    assert!(!context.created_from.is_empty());
    assert_eq!(disclosure.recipient, Recipient::Origin { origin: CITY.into() });
    assert_eq!(
        disclosure.items,
        vec![PersonalItem::Name, PersonalItem::Address, PersonalItem::DateOfBirth, PersonalItem::Gender]
    );
    assert_eq!(shown.origin, CITY);
    assert!(shown.origin_is_https);
    assert_eq!(shown.relying_party, "伊勢市（テスト）");
    assert_eq!(shown.title, "住民票の写しの交付申請");
    assert_eq!(shown.expires_at, rp.now() + 600);
    assert!(shown.expires_at_utc.ends_with('Z'));
    assert_eq!(shown.fields.len(), 3);
    assert_eq!((shown.fields[1].label.as_str(), shown.fields[1].value.as_str()), ("使用目的", "年金の手続き"));
    // Every shown value is in the signed text, which is the document the relying party stored.
    for f in &shown.fields {
        assert!(shown.signed_text.contains(&format!("field\t{}\t{}\n", f.label, f.value)));
    }
    assert!(shown.signed_text.contains(&format!("origin\t{CITY}\n")));

    sign(&flow, &card);
    let FlowState::Done { receipt, result } = flow.state() else { panic!("{:?}", flow.state()) };
    assert_eq!(card.pin_presentations(), 1);
    // The signature is over exactly the shown text.
    assert!(verify_signature_for_tests(
        result.certificate.clone(),
        result.algorithm,
        shown.signed_text.clone().into_bytes(),
        result.signature.clone()
    ));
    assert_eq!(receipt.request_id, shown.request_id);
    assert!(receipt.name.is_some());
    assert_eq!(receipt.name, result.identity.name);
    assert_eq!(receipt.address, result.identity.address);
    assert_eq!(receipt.date_of_birth, result.identity.date_of_birth_iso);
    assert_eq!(rp.accepted(), 1);
    // The deep link named the request URL; nothing else was asked.
    assert_eq!(*http.urls.lock().unwrap(), vec![url.clone(), format!("{url}/submit")]);

    // The same request again, as a QR text this time: refused before anything is shown.
    let again = fetched(&rp, url, http);
    assert_eq!(again.state(), FlowState::Failed { notice: Notice::AlreadySigned });
    assert!(!again.clone().card_present(card.clone().link()));
    assert_eq!((card.pin_presentations(), rp.accepted()), (1, 1));
}

#[test]
fn hostile_links_are_refused_before_any_http() {
    let rp = city();
    let http = Arc::new(Http::new(&rp));
    let long = "h".repeat(5000);
    for bad in [
        "http://evil.example/r/1",
        "kazasu://sign?r=http%3A%2F%2Fevil.example%2F",
        "https://city.example.jp@evil.example/r/1",
        "kazasu://sign?r=javascript%3Aalert(1)",
        "javascript:alert(1)",
        "WIFI:S:net;T:WPA;P:x;;",
        "",
        long.as_str(),
    ] {
        let flow = fetched(&rp, bad.to_string(), http.clone());
        assert_eq!(flow.state(), FlowState::Failed { notice: Notice::InvalidLink }, "{bad}");
    }
    // A link whose request URL is not UTF-8 ends too (the core names it an invalid request, not a link).
    let flow = fetched(&rp, "kazasu://sign?r=%FF".into(), http.clone());
    assert!(matches!(flow.state(), FlowState::Failed { notice: Notice::InvalidRequest | Notice::InvalidLink }));
    assert!(http.urls.lock().unwrap().is_empty());
}

#[test]
fn a_hostile_or_broken_answer_ends_the_flow_before_anything_is_shown_and_no_card_is_used() {
    let rp = city();
    let card = Arc::new(SoftwareCard::new());
    let url = rp.create_request(600).unwrap();
    let ended = |http: Arc<dyn HttpTransport>, url: &str| {
        let flow = fetched(&rp, url.to_string(), http);
        assert!(!flow.clone().card_present(card.clone().link()), "a failed flow takes no card");
        match flow.state() {
            FlowState::Failed { notice } => notice,
            other => panic!("{other:?}"),
        }
    };

    // The display says 20 copies while the document (what would be signed) says 2.
    let rewrite: Rewrite = Box::new(|body: Vec<u8>| {
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["display"]["fields"][0]["value"] = "20".into();
        serde_json::to_vec(&v).unwrap()
    });
    assert_eq!(ended(Arc::new(Http { rewrite_get: Some(rewrite), ..Http::new(&rp) }), &url), Notice::DisplayMismatch);

    // A QR code pointing at evil.example that serves a copy of the city's request.
    let evil = url.replace(CITY, "https://evil.example");
    assert_eq!(
        ended(Arc::new(Http { any_host: true, ..Http::new(&rp) }), &evil),
        Notice::OriginMismatch { expected: "https://evil.example".into(), found: CITY.into() }
    );

    // A redirect answer is not followed.
    struct Redirect;
    impl HttpTransport for Redirect {
        fn get(&self, _url: String, _max: u32) -> Result<HttpReply, HttpFailure> {
            Ok(HttpReply { status: 302, body: b"<a href=\"https://evil.example/\">moved</a>".to_vec() })
        }
        fn post_json(&self, _url: String, _body: Vec<u8>, _max: u32) -> Result<HttpReply, HttpFailure> {
            unreachable!("nothing is posted")
        }
    }
    assert_eq!(ended(Arc::new(Redirect), &url), Notice::HttpStatus { status: 302 });

    // An oversized answer from a shell that ignored max_body.
    struct Huge;
    impl HttpTransport for Huge {
        fn get(&self, _url: String, max: u32) -> Result<HttpReply, HttpFailure> {
            Ok(HttpReply { status: 200, body: vec![b' '; max as usize + 5000] })
        }
        fn post_json(&self, _url: String, _body: Vec<u8>, _max: u32) -> Result<HttpReply, HttpFailure> {
            unreachable!("nothing is posted")
        }
    }
    assert_eq!(ended(Arc::new(Huge), &url), Notice::InvalidRequest);

    // An unknown request: the relying party's refusal, typed.
    assert_eq!(ended(Arc::new(Http::new(&rp)), &format!("{CITY}/r/doesnotexist00")), Notice::RequestNotFound);
    // A refusal the app has no words of its own for carries the relying party's code and cleaned message.
    struct Busy;
    impl HttpTransport for Busy {
        fn get(&self, _url: String, _max: u32) -> Result<HttpReply, HttpFailure> {
            let body = br#"{"status":"refused","error":"internal","message":"try\u0007 later"}"#.to_vec();
            Ok(HttpReply { status: 500, body })
        }
        fn post_json(&self, _url: String, _body: Vec<u8>, _max: u32) -> Result<HttpReply, HttpFailure> {
            unreachable!("nothing is posted")
        }
    }
    match ended(Arc::new(Busy), &url) {
        Notice::Refused { code: RefusalCode::Internal, message } => {
            assert!(!message.contains('\u{7}'), "{message}")
        }
        other => panic!("{other:?}"),
    }

    assert_eq!(card.exchanges(), 0);
    assert_eq!(rp.posts(), 0);
}

#[test]
fn an_http_exception_is_a_network_notice_and_a_resend_sends_the_same_signature() {
    let rp = city();
    let card = Arc::new(SoftwareCard::new());
    let url = rp.create_request(600).unwrap();
    let failing_get = Arc::new(Http { throw_on_get: true, ..Http::new(&rp) });
    assert_eq!(fetched(&rp, url.clone(), failing_get).state(), FlowState::Failed { notice: Notice::Network });

    let http = Arc::new(Http::new(&rp));
    http.throw_on_post.store(true, Ordering::SeqCst);
    let flow = fetched(&rp, url, http.clone());
    sign(&flow, &card);
    assert_eq!(flow.state(), FlowState::SubmitFailed { notice: Notice::Network, can_resend: true });
    assert_eq!((card.signatures(), rp.accepted()), (1, 0));
    // Sent again: no new password, no new signature.
    http.throw_on_post.store(false, Ordering::SeqCst);
    flow.clone().resend();
    assert!(flow.wait_idle(10_000));
    assert!(matches!(flow.state(), FlowState::Done { .. }), "{:?}", flow.state());
    assert_eq!((card.signatures(), card.pin_presentations(), rp.accepted()), (1, 1, 1));
}

#[test]
fn a_request_fetched_twice_is_signed_once_and_the_second_copy_never_reaches_the_card() {
    let rp = city();
    let card = Arc::new(SoftwareCard::new());
    let url = rp.create_request(600).unwrap();
    let first = fetched(&rp, url.clone(), Arc::new(Http::new(&rp)));
    let second = fetched(&rp, url, Arc::new(Http::new(&rp)));
    assert!(matches!(second.state(), FlowState::ReviewRequest { .. }));
    sign(&first, &card);
    assert!(matches!(first.state(), FlowState::Done { .. }), "{:?}", first.state());
    let exchanges = card.exchanges();
    second.clone().accept();
    assert_eq!(second.state(), FlowState::Failed { notice: Notice::AlreadySigned });
    assert!(!second.clone().card_present(card.clone().link()));
    assert_eq!(card.exchanges(), exchanges, "the card was not touched again");
    assert_eq!((card.pin_presentations(), card.signatures()), (1, 1));
}

#[test]
fn a_wrong_password_in_a_hand_off_leaves_the_request_signable_and_sends_only_the_good_signature() {
    let rp = city();
    let card = Arc::new(SoftwareCard::new());
    let flow = fetched(&rp, rp.create_request(600).unwrap(), Arc::new(Http::new(&rp)));
    flow.clone().accept();
    flow.clone().enter_pin(b"WRONG1".to_vec());
    assert!(flow.clone().card_present(card.clone().link()));
    assert_eq!(
        flow.state(),
        FlowState::EnterPin { known_tries: Some(4), last_try: false, notice: Some(Notice::WrongPin { remaining: 4 }) }
    );
    assert_eq!(rp.posts(), 0, "nothing is sent after a failed signing");
    // A failed signing does not count as signed: the same request is signed with the right password.
    flow.clone().enter_pin(software_card_sign_pin().into_bytes());
    assert!(flow.clone().card_present(card.clone().link()));
    assert!(flow.wait_idle(10_000));
    // Signed, shown for review: still nothing sent until 申請する.
    let FlowState::ConfirmFiling { request, result } = flow.state() else { panic!("{:?}", flow.state()) };
    assert_eq!((request.fields.len(), result.identity.name.as_deref()), (3, Some("かざす\u{3000}花子")));
    assert_eq!(rp.posts(), 0);
    flow.clone().file();
    assert!(flow.wait_idle(10_000));
    assert!(matches!(flow.state(), FlowState::Done { .. }), "{:?}", flow.state());
    assert_eq!((card.pin_presentations(), card.signatures(), rp.posts(), rp.accepted()), (2, 1, 1, 1));
}
