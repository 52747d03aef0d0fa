//! The hand-off through the FFI types, driven from Rust as a shell would drive it: a "foreign" HTTP transport
//! serving the fake relying party's answers, the software card, `sign_request`, `submit` (feature `testing`).
//! The same behaviours are tested from Kotlin through the generated bindings (android/jvm-tests).
#![cfg(feature = "testing")]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use kazasu_ffi::testing::{software_card_sign_pin, FakeRelyingParty, SoftwareCard};
use kazasu_ffi::{
    request_url_of_link, CardSession, CardTransport, HandoffFailure, HttpFailure, HttpReply, HttpTransport, KazasuError,
    RefusalCode, SignPin, SigningRequest, TransportError,
};

const CITY: &str = "https://city.example.jp";

type Rewrite = Box<dyn Fn(Vec<u8>) -> Vec<u8> + Send + Sync>;

/// What a shell's HTTP stack does, around the fake relying party: serves its answers for its origin, lets a
/// test rewrite a GET answer (hostile server) or throw instead of answering (an `IOException`).
struct Http {
    rp: Arc<FakeRelyingParty>,
    rewrite_get: Mutex<Option<Rewrite>>,
    /// Serves the city's request bodies for any host (a hostile site copying the city's request).
    any_host: bool,
    throw_on_post: bool,
    throw_on_get: bool,
    urls: Mutex<Vec<String>>,
}

impl Http {
    fn new(rp: &Arc<FakeRelyingParty>) -> Http {
        Http { rp: rp.clone(), rewrite_get: Mutex::new(None), any_host: false, throw_on_post: false, throw_on_get: false, urls: Mutex::new(vec![]) }
    }
}

impl HttpTransport for Http {
    fn get(&self, url: String, max_body: u32) -> Result<HttpReply, HttpFailure> {
        assert!(max_body >= 16 * 1024);
        self.urls.lock().unwrap().push(url.clone());
        if self.throw_on_get {
            return Err(uniffi::UnexpectedUniFFICallbackError::new("java.net.UnknownHostException: city.example.jp").into());
        }
        let url = if self.any_host { url.replace("https://evil.example", CITY) } else { url };
        let mut reply = self.rp.answer_get(url);
        if let Some(f) = self.rewrite_get.lock().unwrap().as_ref() {
            reply.body = f(reply.body);
        }
        Ok(reply)
    }

    fn post_json(&self, url: String, body: Vec<u8>, _max_body: u32) -> Result<HttpReply, HttpFailure> {
        self.urls.lock().unwrap().push(url.clone());
        if self.throw_on_post {
            return Err(uniffi::UnexpectedUniFFICallbackError::new("java.io.IOException: connection reset").into());
        }
        Ok(self.rp.answer_post(url, body))
    }
}

/// The shell's NFC link around the software card, counting exchanges.
struct Nfc {
    card: Arc<SoftwareCard>,
    exchanges: AtomicU32,
}

impl CardTransport for Nfc {
    fn transceive(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self.exchanges.fetch_add(1, Ordering::SeqCst);
        self.card.transceive(command)
    }
    fn supports_extended_length(&self) -> Result<bool, TransportError> {
        Ok(true)
    }
    fn max_transceive_length(&self) -> Result<u32, TransportError> {
        Ok(0)
    }
}

fn setup() -> (Arc<FakeRelyingParty>, Arc<SoftwareCard>, Arc<Nfc>) {
    let rp = Arc::new(FakeRelyingParty::new(CITY.into()).unwrap());
    let card = Arc::new(SoftwareCard::new());
    let nfc = Arc::new(Nfc { card: card.clone(), exchanges: AtomicU32::new(0) });
    (rp, card, nfc)
}

fn pin() -> Arc<SignPin> {
    Arc::new(SignPin::new(software_card_sign_pin().into_bytes()).unwrap())
}

#[test]
fn a_deep_link_is_fetched_shown_signed_submitted_and_verified_by_the_relying_party() {
    let (rp, card, nfc) = setup();
    let now = rp.now();
    let http = Arc::new(Http::new(&rp));
    let url = rp.create_request(600).unwrap();
    let link = rp.deep_link(url.clone()).unwrap();
    assert!(link.starts_with("kazasu://sign?r=https%3A%2F%2Fcity.example.jp"), "{link}");
    assert_eq!(request_url_of_link(link).unwrap(), url);

    let request = SigningRequest::fetch(http.clone(), url.clone(), now).unwrap();
    let shown = request.display();
    assert_eq!(shown.origin, CITY);
    assert!(shown.origin_is_https);
    assert_eq!(shown.relying_party, "伊勢市（テスト）");
    assert_eq!(shown.title, "住民票の写しの交付申請");
    assert_eq!(shown.expires_at, now + 600);
    assert_eq!(shown.fields.len(), 3);
    assert_eq!((shown.fields[1].label.as_str(), shown.fields[1].value.as_str()), ("使用目的", "年金の手続き"));
    // Every shown value is in the signed text, which is the document the relying party stored.
    for f in &shown.fields {
        assert!(shown.signed_text.contains(&format!("field\t{}\t{}\n", f.label, f.value)));
    }
    assert!(shown.signed_text.contains(&format!("origin\t{CITY}\n")));
    request.check_not_expired(now + 10).unwrap();

    let session = CardSession::new(nfc);
    let signed = session.sign_request(pin(), false, request.clone(), now + 20, None).unwrap();
    assert_eq!(card.pin_presentations(), 1);
    // The signature is over exactly the shown document bytes.
    assert!(kazasu_ffi::testing::verify_signature_for_tests(
        signed.certificate.clone(),
        signed.algorithm,
        shown.signed_text.clone().into_bytes(),
        signed.signature.clone()
    ));

    let receipt = request.submit(http.clone(), signed.clone()).unwrap();
    assert_eq!(receipt.request_id, shown.request_id);
    assert_eq!(receipt.name, signed.identity.name);
    assert_eq!(receipt.address, signed.identity.address);
    assert_eq!(receipt.date_of_birth, signed.identity.date_of_birth_iso);
    assert!(receipt.name.is_some());
    assert_eq!(rp.accepted(), 1);
    assert_eq!(*http.urls.lock().unwrap(), vec![url.clone(), format!("{url}/submit")]);

    // The same request again: this phone refuses it before anything is shown, and the relying party too.
    assert!(matches!(SigningRequest::fetch(http.clone(), url.clone(), now + 30), Err(HandoffFailure::Replayed)));
    // Submitting the same signature again: the relying party's single use.
    assert!(matches!(request.submit(http, signed), Err(HandoffFailure::Replayed)));
    assert_eq!(rp.accepted(), 1);
}

#[test]
fn an_expired_request_never_reaches_the_card_and_keeps_the_pin_untaken() {
    let (rp, card, nfc) = setup();
    let now = rp.now();
    let http = Arc::new(Http::new(&rp));
    let url = rp.create_request(60).unwrap();
    let request = SigningRequest::fetch(http.clone(), url.clone(), now).unwrap();
    assert!(matches!(request.check_not_expired(now + 60), Err(HandoffFailure::Expired { .. })));
    let session = CardSession::new(nfc.clone());
    let p = pin();
    match session.sign_request(p.clone(), true, request, now + 61, None) {
        Err(HandoffFailure::Expired { expires_at }) => assert!(expires_at.ends_with('Z')),
        other => panic!("{other:?}"),
    }
    assert_eq!(nfc.exchanges.load(Ordering::SeqCst), 0, "the card was never touched");
    assert_eq!(card.pin_presentations(), 0);
    assert!(!p.is_used());
    // And fetched after expiry: refused before anything is shown.
    assert!(matches!(SigningRequest::fetch(http, url, now + 61), Err(HandoffFailure::Expired { .. })));
}

#[test]
fn a_hostile_request_is_refused_at_fetch_and_never_reaches_the_card() {
    let (rp, card, _nfc) = setup();
    let now = rp.now();
    let url = rp.create_request(600).unwrap();

    // The display says 20 copies while the document (what would be signed) says 2.
    let http = Arc::new(Http::new(&rp));
    *http.rewrite_get.lock().unwrap() = Some(Box::new(|body: Vec<u8>| {
        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["display"]["fields"][0]["value"] = "20".into();
        serde_json::to_vec(&v).unwrap()
    }));
    assert!(matches!(SigningRequest::fetch(http, url.clone(), now), Err(HandoffFailure::DisplayMismatch)));

    // A QR code pointing at evil.example that serves a copy of the city's request.
    let http = Arc::new(Http { any_host: true, ..Http::new(&rp) });
    let evil = url.replace(CITY, "https://evil.example");
    match SigningRequest::fetch(http, evil, now) {
        Err(HandoffFailure::OriginMismatch { expected, found }) => {
            assert_eq!(expected, "https://evil.example");
            assert_eq!(found, CITY);
        }
        other => panic!("{other:?}"),
    }

    // A redirect answer is not followed: an HTTP status error.
    struct Redirect;
    impl HttpTransport for Redirect {
        fn get(&self, _url: String, _max: u32) -> Result<HttpReply, HttpFailure> {
            Ok(HttpReply { status: 302, body: b"<a href=\"https://evil.example/\">moved</a>".to_vec() })
        }
        fn post_json(&self, _url: String, _body: Vec<u8>, _max: u32) -> Result<HttpReply, HttpFailure> {
            unreachable!("nothing is posted")
        }
    }
    assert!(matches!(SigningRequest::fetch(Arc::new(Redirect), url.clone(), now), Err(HandoffFailure::HttpStatus { status: 302 })));
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
    assert!(matches!(SigningRequest::fetch(Arc::new(Huge), url.clone(), now), Err(HandoffFailure::InvalidRequest { .. })));
    // A hostile link never gets as far as HTTP.
    assert!(matches!(
        SigningRequest::fetch(Arc::new(Http::new(&rp)), "javascript:alert(1)".into(), now),
        Err(HandoffFailure::InvalidLink { .. })
    ));
    // An unknown request: the relying party's refusal, typed.
    let missing = format!("{CITY}/r/doesnotexist00");
    assert!(matches!(
        SigningRequest::fetch(Arc::new(Http::new(&rp)), missing, now),
        Err(HandoffFailure::Refused { status: 404, code: RefusalCode::NotFound, .. })
    ));
    assert_eq!(card.pin_presentations(), 0);
    assert_eq!(rp.posts(), 0);
}

#[test]
fn an_http_exception_becomes_a_typed_network_failure_and_signing_is_not_repeated() {
    let (rp, card, nfc) = setup();
    let now = rp.now();
    let url = rp.create_request(600).unwrap();
    let failing_get = Arc::new(Http { throw_on_get: true, ..Http::new(&rp) });
    match SigningRequest::fetch(failing_get, url.clone(), now) {
        Err(HandoffFailure::Network { reason }) => assert!(reason.contains("UnknownHostException"), "{reason}"),
        other => panic!("{other:?}"),
    }

    let request = SigningRequest::fetch(Arc::new(Http::new(&rp)), url, now).unwrap();
    let signed = CardSession::new(nfc).sign_request(pin(), false, request.clone(), now, None).unwrap();
    let failing_post = Arc::new(Http { throw_on_post: true, ..Http::new(&rp) });
    match request.submit(failing_post, signed.clone()) {
        Err(HandoffFailure::Network { reason }) => assert!(reason.contains("IOException"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(card.signatures(), 1);
    assert_eq!(rp.accepted(), 0);
    // The shell may send the same signature again (no new PIN, no new signature).
    assert!(request.submit(Arc::new(Http::new(&rp)), signed).is_ok());
    assert_eq!(card.signatures(), 1);
    assert_eq!(card.pin_presentations(), 1);
}

#[test]
fn card_errors_arrive_unchanged_inside_the_handoff_failure_under_the_same_pin_rules() {
    let (rp, card, nfc) = setup();
    let now = rp.now();
    let http = Arc::new(Http::new(&rp));
    let request = SigningRequest::fetch(http, rp.create_request(600).unwrap(), now).unwrap();
    let session = CardSession::new(nfc);
    let wrong = Arc::new(SignPin::new(b"WRONG1".to_vec()).unwrap());
    match session.sign_request(wrong.clone(), false, request.clone(), now, None) {
        Err(HandoffFailure::Card { error: KazasuError::WrongPin { remaining: 4 } }) => {}
        other => panic!("{other:?}"),
    }
    // The same PIN object is never presented twice.
    assert!(matches!(
        session.sign_request(wrong, false, request.clone(), now, None),
        Err(HandoffFailure::Card { error: KazasuError::PinAlreadyUsed })
    ));
    card.set_sign_pin_tries(1);
    assert!(matches!(
        session.sign_request(pin(), false, request.clone(), now, None),
        Err(HandoffFailure::Card { error: KazasuError::NeedsLastTryConfirmation })
    ));
    assert_eq!(card.pin_presentations(), 1);
    // A failed signing does not mark the request as signed: it can still be signed.
    card.set_sign_pin_tries(5);
    assert!(session.sign_request(pin(), false, request, now, None).is_ok());
}

#[test]
fn a_request_fetched_twice_is_signed_once_and_the_second_copy_never_reaches_the_card() {
    let (rp, card, nfc) = setup();
    let now = rp.now();
    let url = rp.create_request(600).unwrap();
    let first = SigningRequest::fetch(Arc::new(Http::new(&rp)), url.clone(), now).unwrap();
    let second = SigningRequest::fetch(Arc::new(Http::new(&rp)), url, now).unwrap();
    let session = CardSession::new(nfc.clone());
    session.sign_request(pin(), false, first, now, None).unwrap();
    let exchanges = nfc.exchanges.load(Ordering::SeqCst);
    let p = pin();
    assert!(matches!(session.sign_request(p.clone(), false, second, now, None), Err(HandoffFailure::Replayed)));
    assert_eq!(nfc.exchanges.load(Ordering::SeqCst), exchanges, "the card was not touched again");
    assert!(!p.is_used());
    assert_eq!(card.pin_presentations(), 1);
    assert_eq!(card.signatures(), 1);
}
