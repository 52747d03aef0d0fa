//! Time-dependent checks read an injectable clock, so the tests pin it and pass on any date.

use kazasu_core::anchors::TrustAnchors;
use kazasu_core::clock::{Clock, FixedClock};
use kazasu_core::handoff::time::parse_utc;
use kazasu_core::verify::{verify_chain, ChainError, VerifyError};
use kazasu_softcard::fixture;

#[test]
fn the_fixture_sign_certificate_is_accepted_on_2026_12_01_and_refused_on_2031_11_27() {
    // The committed fixture is valid 2026-11-27 – 2031-11-26; the clock, not today's date, decides.
    let clock = FixedClock::at_utc("2026-12-01T00:00:00Z").unwrap();
    let ca = TrustAnchors::from_der(fixture::SIGN_CA_CERT).unwrap();
    let check = |now| verify_chain(fixture::SIGN_CERT, &ca, now, Some(fixture::SIGN_CA_CRL));
    assert_eq!(check(clock.now()), Ok(()));
    clock.set(parse_utc("2031-11-27T00:00:00Z").unwrap());
    assert_eq!(check(clock.now()), Err(VerifyError::Chain(ChainError::Expired)));
}

#[test]
fn a_request_expires_by_the_clock() {
    let clock = FixedClock::at_utc("2026-12-01T00:00:00Z").unwrap();
    let doc = kazasu_core::handoff::Document {
        origin: "https://city.example.jp".into(),
        relying_party: "伊勢市（見本）".into(),
        title: "住民票の写しの交付申請".into(),
        request_id: "req_0123456789".into(),
        nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
        issued_at: clock.now(),
        created_from: "Windows · Chrome".into(),
        expires_at: clock.now() + 600,
        submit_url: "https://city.example.jp/r/req_0123456789/submit".into(),
        fields: Vec::new(),
    };
    assert_eq!(doc.check_time(clock.now()), Ok(()));
    clock.advance(600);
    assert!(matches!(doc.check_time(clock.now()), Err(kazasu_core::handoff::HandoffError::Expired { .. })));
}
