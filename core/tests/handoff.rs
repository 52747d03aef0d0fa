//! The hand-off end to end against the software card and an in-memory relying party, and what a hostile
//! relying party or link can (not) make the app do.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::collections::{HashMap, HashSet};

use kazasu_core::anchors::TrustAnchors;
use kazasu_core::crl::ScopedCrl;
use kazasu_core::flow::{Age, Context, Disclosure, Flow, Notice, PersonalItem, Recipient, State};
use kazasu_core::handoff::document::{Document, Field};
use kazasu_core::handoff::request::request_json;
use kazasu_core::handoff::rp::{verify_submission, RevocationSource, Trust};
use kazasu_core::handoff::*;
use kazasu_core::{HashAlgorithm, LastTry, SignPin};
use kazasu_softcard::{fixture, SoftCard};

/// Mid-validity of the fixture certificate, so the chain check passes whatever today's date is.
fn now() -> i64 {
    let c = kazasu_core::Certificate::from_der(fixture::SIGN_CERT).unwrap();
    (c.not_before + c.not_after) / 2
}

fn document(origin: &str, id: &str, now: i64) -> Document {
    Document {
        origin: origin.into(),
        relying_party: "伊勢市（見本）".into(),
        title: "住民票の写しの交付申請".into(),
        request_id: id.into(),
        nonce: format!("{id}-nonce-0123456789abcdef"),
        issued_at: now,
        created_from: "Windows · Chrome".into(),
        expires_at: now + 600,
        submit_url: format!("{origin}/r/{id}/submit"),
        fields: vec![Field { label: "交付を受ける通数".into(), value: "2".into() }],
    }
}

/// A relying party in memory: serves stored documents, verifies submissions, enforces single use.
struct FakeRp {
    origin: String,
    docs: HashMap<String, Vec<u8>>,
    used: HashSet<String>,
    now: i64,
    /// Replaces the body of GET answers (hostile server).
    override_get: Option<HttpResponse>,
    gets: usize,
    posts: usize,
}

impl FakeRp {
    fn new(origin: &str, now: i64) -> FakeRp {
        FakeRp {
            origin: origin.into(),
            docs: HashMap::new(),
            used: HashSet::new(),
            now,
            override_get: None,
            gets: 0,
            posts: 0,
        }
    }
    fn create(&mut self, id: &str) -> HttpsUrl {
        let d = document(&self.origin, id, self.now);
        self.docs.insert(id.into(), d.render().unwrap());
        HttpsUrl::parse(&format!("{}/r/{id}", self.origin)).unwrap()
    }
    fn reply(status: u16, r: &client::Reply) -> HttpResponse {
        HttpResponse { status, body: serde_json::to_vec(r).unwrap() }
    }
}

impl HttpClient for FakeRp {
    fn get(&mut self, url: &HttpsUrl, _max: usize) -> Result<HttpResponse, HttpError> {
        self.gets += 1;
        if let Some(r) = &self.override_get {
            return Ok(r.clone());
        }
        let id = url.path_and_query().trim_start_matches("/r/");
        match self.docs.get(id) {
            Some(_) if self.used.contains(id) => {
                Ok(Self::reply(409, &client::Reply::refused(Refusal::Replayed, "already signed")))
            }
            Some(bytes) => {
                let d = Document::parse(bytes).unwrap();
                Ok(HttpResponse { status: 200, body: request_json(&d).unwrap() })
            }
            None => Ok(Self::reply(404, &client::Reply::refused(Refusal::NotFound, "no such request"))),
        }
    }
    fn post_json(&mut self, url: &HttpsUrl, body: &[u8], _max: usize) -> Result<HttpResponse, HttpError> {
        self.posts += 1;
        let id = url.path_and_query().trim_start_matches("/r/").trim_end_matches("/submit").to_string();
        let Some(doc) = self.docs.get(&id) else {
            return Ok(Self::reply(404, &client::Reply::refused(Refusal::NotFound, "no such request")));
        };
        let result =
            Submission::from_json(body).and_then(|s| verify_submission(doc, &s, &test_ca(), fixture_crls(), self.now));
        match result {
            Err(e) => Ok(Self::reply(e.refusal().http_status(), &client::Reply::refused(e.refusal(), e.to_string()))),
            Ok(_) if !self.used.insert(id.clone()) => {
                Ok(Self::reply(409, &client::Reply::refused(Refusal::Replayed, "used")))
            }
            Ok(v) => Ok(Self::reply(
                200,
                &client::Reply::accepted(
                    &id,
                    client::Transcribed {
                        name: v.personal.name,
                        address: v.personal.address,
                        date_of_birth: v.personal.date_of_birth,
                    },
                ),
            )),
        }
    }
}

fn pin() -> SignPin {
    SignPin::new(fixture::SIGN_PIN).unwrap()
}

#[test]
fn the_whole_hand_off_signs_what_was_shown_and_the_relying_party_transcribes_the_certificate() {
    let now = now();
    let mut rp = FakeRp::new("https://city.example.jp", now);
    let url = rp.create("app00000001");
    let mut flow = Flow::for_link(&deep_link(&url));
    flow.fetch(&mut rp, now);
    let shown = flow.subject().and_then(|s| s.request()).unwrap().clone();
    assert_eq!(shown.document().fields[0].value, "2");
    // Before the password: where and when the request was created, and what signing hands over to whom.
    let subject = flow.subject().unwrap();
    assert_eq!(
        subject.context(now + 120),
        Some(Context { created_from: "Windows · Chrome".into(), created_at: now, age: Age::Minutes { count: 2 } })
    );
    assert_eq!(
        subject.disclosure(),
        Some(Disclosure {
            items: PersonalItem::ALL.to_vec(),
            recipient: Recipient::Origin { origin: "https://city.example.jp".into() }
        })
    );
    flow.accept(now);
    flow.enter_pin(Ok(pin()));
    let mut card = SoftCard::new();
    flow.tap(&mut card, now, &mut |_| {});
    // Signed, and nothing is sent until the person reviewed the application and pressed 申請する.
    assert_eq!(flow.state(), &State::ConfirmFiling);
    flow.submit(&mut rp);
    assert_eq!((flow.state(), rp.posts), (&State::ConfirmFiling, 0));
    flow.file(now);
    assert_eq!(flow.state(), &State::Submitting { attempt: 1 });
    // The signature is over exactly the document bytes the app parsed and showed.
    let sig = flow.signature().unwrap().clone();
    kazasu_core::verify::verify_signature(fixture::SIGN_CERT, sig.algorithm, shown.bytes_to_sign(), &sig.signature)
        .unwrap();
    flow.submit(&mut rp);
    let State::Done { receipt } = flow.state().clone() else { panic!("{:?}", flow.state()) };
    let t = receipt.transcribed.unwrap();
    assert_eq!(t.name.as_deref(), Some("かざす　花子"));
    assert_eq!(t.address.as_deref(), Some("三重県伊勢市岩渕一丁目７番２９号"));
    assert_eq!(t.date_of_birth.as_deref(), Some("319850401"));
    // Submitting again, or fetching again, is a replay.
    let sub = Submission::new(&shown, sig.algorithm, sig.signature, sig.certificate);
    assert_eq!(submit(&mut rp, &shown, &sub).unwrap_err(), HandoffError::Replayed);
    assert_eq!(fetch_request(&mut rp, &url, now).unwrap_err(), HandoffError::Replayed);
}

#[test]
fn a_signed_application_the_person_does_not_file_is_never_sent() {
    let now = now();
    let mut rp = FakeRp::new("https://city.example.jp", now);
    let url = rp.create("app00000021");
    let memory = std::sync::Arc::new(std::sync::Mutex::new(SeenNonces::new(8)));
    let mut flow = Flow::for_link(&url.to_string()).with_memory(memory.clone());
    flow.fetch(&mut rp, now);
    flow.accept(now);
    flow.enter_pin(Ok(pin()));
    flow.tap(&mut SoftCard::new(), now, &mut |_| {});
    assert_eq!(flow.state(), &State::ConfirmFiling);
    flow.cancel();
    flow.file(now);
    flow.submit(&mut rp);
    assert_eq!((flow.state(), rp.posts), (&State::Cancelled, 0));
    assert!(flow.signature().is_none(), "the signature is dropped");
    // Not filed, so not remembered as signed: the person may open the same request again and file it.
    let mut again = Flow::for_link(&url.to_string()).with_memory(memory);
    again.fetch(&mut rp, now);
    assert_eq!(again.state(), &State::Review);
}

#[test]
fn an_application_that_expired_during_the_review_is_not_sent() {
    let now = now();
    let mut rp = FakeRp::new("https://city.example.jp", now);
    let url = rp.create("app00000022");
    let mut flow = Flow::for_link(&url.to_string());
    flow.fetch(&mut rp, now);
    flow.accept(now);
    flow.enter_pin(Ok(pin()));
    flow.tap(&mut SoftCard::new(), now, &mut |_| {});
    flow.file(now + 601);
    flow.submit(&mut rp);
    assert_eq!((flow.state(), rp.posts), (&State::Failed { notice: Notice::Expired }, 0));
}

#[test]
fn an_expired_request_is_refused_before_the_card_hears_a_pin() {
    let now = now();
    let mut rp = FakeRp::new("https://city.example.jp", now);
    let url = rp.create("app00000002");
    let mut flow = Flow::for_link(&url.to_string());
    flow.fetch(&mut rp, now);
    flow.accept(now);
    flow.enter_pin(Ok(pin()));
    let mut card = SoftCard::new();
    flow.tap(&mut card, now + 601, &mut |_| {});
    assert_eq!(flow.state(), &State::Failed { notice: Notice::Expired });
    assert!(!flow.holds_pin());
    assert_eq!(card.log().apdus, 0);
    assert!(matches!(fetch_request(&mut rp, &url, now + 601), Err(HandoffError::Expired { .. })));
}

#[test]
fn a_request_served_for_another_origin_is_refused_and_nothing_is_signed() {
    let now = now();
    // The QR code points at evil.example, which serves a copy of the city's request.
    let mut city = FakeRp::new("https://city.example.jp", now);
    city.create("app00000003");
    let body = request_json(&Document::parse(&city.docs["app00000003"]).unwrap()).unwrap();
    let mut evil = FakeRp::new("https://evil.example", now);
    evil.override_get = Some(HttpResponse { status: 200, body });
    let url = HttpsUrl::parse("https://evil.example/r/app00000003").unwrap();
    assert!(matches!(fetch_request(&mut evil, &url, now), Err(HandoffError::OriginMismatch { .. })));
    assert_eq!(evil.posts, 0);
}

#[test]
fn hostile_answers_are_clear_errors() {
    let now = now();
    let url = HttpsUrl::parse("https://city.example.jp/r/app00000004").unwrap();
    let mut rp = FakeRp::new("https://city.example.jp", now);
    type Expect = fn(&HandoffError) -> bool;
    let cases: Vec<(HttpResponse, Expect)> = vec![
        (HttpResponse { status: 200, body: vec![b'{'; MAX_REQUEST_BODY + 1] }, |e| {
            matches!(e, HandoffError::TooLong { .. })
        }),
        (HttpResponse { status: 200, body: b"{\"format\":\"\xFF\xFE\"}".to_vec() }, |e| {
            matches!(e, HandoffError::InvalidUtf8 { .. })
        }),
        (HttpResponse { status: 302, body: vec![] }, |e| matches!(e, HandoffError::HttpStatus { status: 302 })),
        (HttpResponse { status: 200, body: b"<html>".to_vec() }, |e| matches!(e, HandoffError::Malformed { .. })),
        (
            HttpResponse {
                status: 400,
                body: br#"{"status":"refused","error":"malformed","message":"bad\u202e\n input"}"#.to_vec(),
            },
            |e| matches!(e, HandoffError::Refused { status: 400, code: Refusal::Malformed, message } if message == "bad input"),
        ),
        (HttpResponse { status: 400, body: br#"{"status":"refused","error":"something-new"}"#.to_vec() }, |e| {
            matches!(e, HandoffError::Refused { code: Refusal::Unknown, .. })
        }),
    ];
    for (resp, expect) in cases {
        rp.override_get = Some(resp);
        let e = fetch_request(&mut rp, &url, now).unwrap_err();
        assert!(expect(&e), "{e:?}");
    }
}

#[test]
fn the_app_refuses_a_nonce_it_already_signed() {
    let now = now();
    let mut rp = FakeRp::new("https://city.example.jp", now);
    let url = rp.create("app00000005");
    let req = fetch_request(&mut rp, &url, now).unwrap();
    let mut seen = SeenNonces::new(2);
    seen.check(&req).unwrap();
    seen.record(&req);
    assert_eq!(seen.check(&req).unwrap_err(), HandoffError::Replayed);
}

#[test]
fn the_memory_of_signed_requests_survives_a_restart_of_the_app() {
    let now = now();
    let mut rp = FakeRp::new("https://city.example.jp", now);
    let mut reqs = Vec::new();
    for id in ["app00000011", "app00000012", "app00000013"] {
        let url = rp.create(id);
        reqs.push(fetch_request(&mut rp, &url, now).unwrap());
    }
    let dir = std::env::temp_dir().join(format!("kazasu-seen-{}-{now}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("signed-requests");
    {
        let mut seen = SeenNonces::in_file(&path, 2);
        for r in &reqs {
            seen.check(r).unwrap();
            seen.record(r);
        }
    } // the app ends
    let seen = SeenNonces::in_file(&path, 2);
    assert_eq!(seen.check(&reqs[1]).unwrap_err(), HandoffError::Replayed);
    assert_eq!(seen.check(&reqs[2]).unwrap_err(), HandoffError::Replayed);
    seen.check(&reqs[0]).expect("the oldest is forgotten beyond the capacity");
    // A damaged file loses only its damaged lines.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("not a nonce!\n\u{FFFD}\n{text}")).unwrap();
    SeenNonces::in_file(&path, 2).check(&reqs[2]).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
}

fn signed(now: i64, id: &str) -> (Vec<u8>, Submission) {
    let mut rp = FakeRp::new("https://city.example.jp", now);
    let url = rp.create(id);
    let req = fetch_request(&mut rp, &url, now).unwrap();
    let s = kazasu_core::flow::sign(
        SoftCard::new(),
        pin(),
        LastTry::NotConfirmed,
        HashAlgorithm::Sha256,
        req.bytes_to_sign(),
    )
    .unwrap();
    (req.bytes_to_sign().to_vec(), Submission::new(&req, s.algorithm, s.signature, s.certificate))
}

#[test]
fn the_relying_party_refuses_tampered_bytes_foreign_chains_and_expired_requests() {
    let now = now();
    let (doc, sub) = signed(now, "app00000006");
    verify_submission(&doc, &sub, &test_ca(), fixture_crls(), now).unwrap();
    // The document changed after signing (one field value).
    let tampered = String::from_utf8(doc.clone()).unwrap().replace("\t2\n", "\t3\n").into_bytes();
    assert_eq!(
        verify_submission(&tampered, &sub, &test_ca(), RevocationSource::NotChecked, now).unwrap_err(),
        HandoffError::BadSignature
    );
    // The signature bytes changed.
    let mut bad = sub.clone();
    bad.signature[10] ^= 1;
    assert_eq!(
        verify_submission(&doc, &bad, &test_ca(), RevocationSource::NotChecked, now).unwrap_err(),
        HandoffError::BadSignature
    );
    // A chain to another CA, or a non-signature certificate.
    assert_eq!(
        verify_submission(
            &doc,
            &sub,
            &Trust::only(TrustAnchors::from_der(fixture::AUTH_CA_CERT).unwrap()),
            RevocationSource::NotChecked,
            now
        )
        .unwrap_err(),
        HandoffError::BadCertificate(CertificateRefusal::UnknownIssuer)
    );
    let mut auth = sub.clone();
    auth.certificate_chain = vec![fixture::AUTH_CERT.to_vec()];
    assert_eq!(
        verify_submission(&doc, &auth, &test_ca(), RevocationSource::NotChecked, now).unwrap_err(),
        HandoffError::BadCertificate(CertificateRefusal::NotSignCertificate)
    );
    // Expired, and a nonce of another request.
    assert!(matches!(
        verify_submission(&doc, &sub, &test_ca(), RevocationSource::NotChecked, now + 600),
        Err(HandoffError::Expired { .. })
    ));
    let mut other = sub.clone();
    other.nonce = "x".repeat(30);
    assert!(matches!(
        verify_submission(&doc, &other, &test_ca(), RevocationSource::NotChecked, now),
        Err(HandoffError::Malformed { .. })
    ));
}

/// The relying party's trust in these tests: the software card's sign CA, named.
fn test_ca() -> Trust {
    Trust::only(TrustAnchors::from_der(fixture::SIGN_CA_CERT).unwrap())
}

/// The software card's CRL, as the relying party holds it (read once).
fn fixture_crls() -> RevocationSource<'static> {
    static CRL: std::sync::OnceLock<ScopedCrl> = std::sync::OnceLock::new();
    static CRLS: std::sync::OnceLock<[&'static ScopedCrl; 1]> = std::sync::OnceLock::new();
    RevocationSource::Crls(CRLS.get_or_init(|| [CRL.get_or_init(|| ScopedCrl::read(fixture::SIGN_CA_CRL).unwrap())]))
}

/// The submission of [`signed`] made instead with the test-card certificate (policy under …8.5.1.0, issued by
/// the test sign CA) and its key: everything right but the kind of card.
fn signed_by_a_test_card(now: i64, id: &str) -> (Vec<u8>, Submission) {
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    let (doc, mut sub) = signed(now, id);
    let pki = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/");
    let key = std::fs::read(format!("{pki}sign-testcard.TEST-ONLY.key.pem")).unwrap();
    let key = PKey::private_key_from_pem(&key).unwrap();
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &key).unwrap();
    signer.update(&doc).unwrap();
    sub.signature = signer.sign_to_vec().unwrap();
    sub.certificate_chain = vec![std::fs::read(format!("{pki}sign-testcard.der")).unwrap()];
    (doc, sub)
}

#[test]
fn a_test_cards_signature_is_refused_unless_the_relying_party_is_set_for_development() {
    let now = now();
    let (doc, sub) = signed_by_a_test_card(now, "app00000020");
    assert_eq!(
        verify_submission(&doc, &sub, &test_ca(), fixture_crls(), now).unwrap_err(),
        HandoffError::BadCertificate(CertificateRefusal::TestCard)
    );
    let development = Trust { accept_test_cards: true, ..test_ca() };
    let v = verify_submission(&doc, &sub, &development, fixture_crls(), now).unwrap();
    assert!(v.certificate.is_test_card());
    assert_eq!(v.personal.name.as_deref(), Some("試験　カード"));
    // The setting does not open the door to anything else: the auth certificate is still not a signature one.
    let (doc, mut auth) = signed(now, "app00000021");
    auth.certificate_chain = vec![fixture::AUTH_CERT.to_vec()];
    assert_eq!(
        verify_submission(&doc, &auth, &development, RevocationSource::NotChecked, now).unwrap_err(),
        HandoffError::BadCertificate(CertificateRefusal::NotSignCertificate)
    );
}
