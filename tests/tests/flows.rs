//! Whole flows against the in-process software card: signing, round trips, quirks, the auth key, CMS.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use kazasu_core::anchors::TrustAnchors;
use kazasu_core::cms::detached_signed_data;
use kazasu_core::softcard::{fixture, Quirks, SoftCard};
use kazasu_core::verify::{verify_chain, verify_signature};
use kazasu_core::{flow, AuthPin, CardError, Certificate, HashAlgorithm, JpkiSession, LastTry, PinKind, SignPin};
use kazasu_core::{CertificateKind, TokenKind};
use kazasu_core::{LinkCapabilities, Transport, TransportError};

const DATA: &[u8] = "伊勢市 住民票の写し交付申請 2026-11-27".as_bytes();

fn sign_with(quirks: Quirks, alg: HashAlgorithm) -> flow::Signed {
    let mut card = SoftCard::new().with_quirks(quirks);
    flow::sign(&mut card, SignPin::new(fixture::SIGN_PIN).unwrap(), LastTry::NotConfirmed, alg, DATA).unwrap()
}

fn check(signed: &flow::Signed) {
    assert_eq!(signed.certificate, fixture::SIGN_CERT);
    verify_signature(&signed.certificate, signed.algorithm, DATA, &signed.signature).unwrap();
    let cert = Certificate::from_der(&signed.certificate).unwrap();
    let ca = TrustAnchors::from_der(fixture::SIGN_CA_CERT).unwrap();
    verify_chain(&signed.certificate, &ca, cert.not_before + 3600, Some(fixture::SIGN_CA_CRL)).unwrap();
    assert_eq!(cert.personal.unwrap().name.as_deref(), Some("かざす　花子"));
}

#[test]
fn a_full_sign_flow_returns_a_signature_that_verifies_with_the_card_certificate() {
    for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sha384, HashAlgorithm::Sha512] {
        check(&sign_with(Quirks::default(), alg));
        check(&sign_with(Quirks { short_only: true, ..Quirks::default() }, alg));
    }
}

#[test]
fn the_sign_flow_takes_at_most_8_apdus_on_an_extended_link_and_15_on_a_short_one() {
    let ext = sign_with(Quirks::default(), HashAlgorithm::Sha256).traffic;
    let short = sign_with(Quirks { short_only: true, ..Quirks::default() }, HashAlgorithm::Sha256).traffic;
    assert!(fixture::SIGN_CERT.len() > 7 * 256, "the fixture must need 8 short chunks");
    assert!(ext.apdus <= 8, "extended: {ext:?}");
    assert!(short.apdus <= 15, "short: {short:?}");
    // SELECT AP, SELECT EF, counter, VERIFY, SELECT EF, READ ×n, SELECT EF, SIGN
    assert_eq!(ext.apdus, 8);
    assert_eq!(short.apdus, 7 + fixture::SIGN_CERT.len().div_ceil(256));
}

#[test]
fn get_response_chaining_and_le_correction_are_handled_in_core() {
    let chained = sign_with(Quirks { chaining_61xx: true, ..Quirks::default() }, HashAlgorithm::Sha256);
    check(&chained);
    let chained_short =
        sign_with(Quirks { chaining_61xx: true, short_only: true, ..Quirks::default() }, HashAlgorithm::Sha256);
    check(&chained_short);
    let exact = sign_with(Quirks { exact_le_6cxx: true, short_only: true, ..Quirks::default() }, HashAlgorithm::Sha256);
    check(&exact);
    // 6Cxx: ask the 32-byte token info for 256 bytes, get 6C20, resend with Le 32.
    let mut card = SoftCard::new().with_quirks(Quirks { exact_le_6cxx: true, short_only: true, ..Quirks::default() });
    let mut s = JpkiSession::open(&mut card).unwrap();
    let token = s.read_small_file(kazasu_core::ids::EF_TOKEN_INFO, 256).unwrap();
    assert_eq!(token.len(), 32);
    assert_eq!(s.traffic().apdus, 4, "SELECT AP, SELECT EF, READ (6C20), READ again");
}

#[test]
fn the_sign_certificate_needs_the_pin_and_select_ap_clears_it() {
    let mut card = SoftCard::new();
    let mut s = JpkiSession::open(&mut card).unwrap();
    assert!(matches!(s.read_sign_certificate(), Err(CardError::SecurityStatusNotSatisfied { .. })));
    assert!(matches!(s.sign(HashAlgorithm::Sha256, b"x"), Err(CardError::SecurityStatusNotSatisfied { .. })));
    s.verify_sign_pin(SignPin::new(fixture::SIGN_PIN).unwrap(), LastTry::NotConfirmed).unwrap();
    assert_eq!(s.read_sign_certificate().unwrap(), fixture::SIGN_CERT);
    let mut s = JpkiSession::open(&mut card).unwrap();
    assert!(matches!(s.sign(HashAlgorithm::Sha256, b"x"), Err(CardError::SecurityStatusNotSatisfied { .. })));
}

#[test]
fn the_public_certificates_and_token_info_read_without_a_pin() {
    let mut card = SoftCard::new();
    let mut s = JpkiSession::open(&mut card).unwrap();
    assert_eq!(s.token_kind().unwrap(), TokenKind::MyNumberCard);
    assert_eq!(s.read_certificate(CertificateKind::SignCa).unwrap(), fixture::SIGN_CA_CERT);
    assert_eq!(s.read_certificate(CertificateKind::Auth).unwrap(), fixture::AUTH_CERT);
    assert_eq!(s.read_certificate(CertificateKind::AuthCa).unwrap(), fixture::AUTH_CA_CERT);
    assert_eq!(s.remaining_tries(PinKind::Sign).unwrap(), 5);
    assert_eq!(s.remaining_tries(PinKind::Auth).unwrap(), 3);
    assert_eq!(card.log().pin_presentations, 0);
}

#[test]
fn the_auth_key_signs_after_the_four_digit_pin() {
    let mut card = SoftCard::new();
    let mut s = JpkiSession::open(&mut card).unwrap();
    assert!(matches!(
        s.authenticate(HashAlgorithm::Sha256, b"challenge"),
        Err(CardError::SecurityStatusNotSatisfied { .. })
    ));
    assert!(matches!(
        s.verify_auth_pin(AuthPin::new("0000").unwrap(), LastTry::NotConfirmed),
        Err(CardError::WrongPin { remaining: 2 })
    ));
    s.verify_auth_pin(AuthPin::new(fixture::AUTH_PIN).unwrap(), LastTry::NotConfirmed).unwrap();
    let sig = s.authenticate(HashAlgorithm::Sha256, b"challenge").unwrap();
    verify_signature(fixture::AUTH_CERT, HashAlgorithm::Sha256, b"challenge", &sig).unwrap();
    assert!(verify_signature(fixture::SIGN_CERT, HashAlgorithm::Sha256, b"challenge", &sig).is_err());
}

#[test]
fn a_card_without_the_jpki_ap_is_named_as_such() {
    struct Foreign;
    impl Transport for Foreign {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x6A, 0x82])
        }
    }
    assert!(matches!(JpkiSession::open(Foreign), Err(CardError::NotJpkiCard)));
}

#[test]
fn no_card_answer_can_make_the_flow_panic() {
    // Random answers (random lengths and status words), and every real answer cut short: typed errors only.
    struct Noise(u64);
    impl Transport for Noise {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            let mut next = || {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0
            };
            let len = (next() % 300) as usize;
            let mut out: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Bias towards status words the host acts on.
            let sws = [[0x90, 0x00], [0x61, 0x00], [0x6C, 0x10], [0x63, 0xC1], [0x62, 0x82], [0x6B, 0x00]];
            if len >= 2 && next() % 2 == 0 {
                let sw = sws[(next() % sws.len() as u64) as usize];
                out[len - 2..].copy_from_slice(&sw);
            }
            Ok(out)
        }
        fn capabilities(&self) -> LinkCapabilities {
            if self.0.is_multiple_of(2) {
                LinkCapabilities::SHORT
            } else {
                LinkCapabilities::extended(4096)
            }
        }
    }
    for seed in 1..3000u64 {
        let _ =
            flow::sign(Noise(seed), SignPin::new("ABC123").unwrap(), LastTry::Confirmed, HashAlgorithm::Sha256, b"x");
    }
    struct Truncating(SoftCard, usize);
    impl Transport for Truncating {
        fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, TransportError> {
            let mut r = self.0.transmit(c)?;
            r.truncate(r.len().min(self.1));
            Ok(r)
        }
    }
    for cut in 0..300 {
        let r = flow::sign(
            Truncating(SoftCard::new(), cut),
            SignPin::new("ABC123").unwrap(),
            LastTry::Confirmed,
            HashAlgorithm::Sha256,
            b"x",
        );
        // Cut answers are errors — or, where the protocol recovers (a cut that looks like 6Cxx), the true data.
        if let Ok(signed) = r {
            assert_eq!(signed.certificate, fixture::SIGN_CERT, "cut {cut}");
            verify_signature(&signed.certificate, HashAlgorithm::Sha256, b"x", &signed.signature).unwrap();
        }
    }
}

#[test]
fn the_detached_cms_verifies_with_openssl() {
    use openssl::cms::{CMSOptions, CmsContentInfo};
    use openssl::x509::{store::X509StoreBuilder, X509};
    let signed = sign_with(Quirks::default(), HashAlgorithm::Sha256);
    let cert = Certificate::from_der(&signed.certificate).unwrap();
    let der = detached_signed_data(&cert, &[], HashAlgorithm::Sha256, &signed.signature).unwrap();
    let mut cms = CmsContentInfo::from_der(&der).unwrap();
    let mut store = X509StoreBuilder::new().unwrap();
    store.add_cert(X509::from_der(fixture::SIGN_CA_CERT).unwrap()).unwrap();
    let store = store.build();
    cms.verify(None, Some(&store), Some(DATA), None, CMSOptions::BINARY).unwrap();
    let mut tampered = CmsContentInfo::from_der(&der).unwrap();
    assert!(tampered.verify(None, Some(&store), Some(b"other bytes"), None, CMSOptions::BINARY).is_err());
}

#[test]
fn a_card_that_refuses_extended_length_behind_a_link_that_claims_it_is_read_in_short_chunks() {
    struct Claims(SoftCard);
    impl Transport for Claims {
        fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.0.transmit(c)
        }
        fn capabilities(&self) -> LinkCapabilities {
            LinkCapabilities::extended(65536)
        }
    }
    let card = SoftCard::new().with_quirks(Quirks { short_only: true, ..Quirks::default() });
    let signed = flow::sign(
        Claims(card),
        SignPin::new(fixture::SIGN_PIN).unwrap(),
        LastTry::NotConfirmed,
        HashAlgorithm::Sha256,
        DATA,
    )
    .unwrap();
    check(&signed);
    assert_eq!(signed.traffic.apdus, 16, "one refused extended read, then the 15-APDU short flow");
}
