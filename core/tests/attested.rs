//! A subject whose signed bytes are built from the certificate the card gives in the signing tap (a PDF's
//! signed attributes): built once, from exactly that certificate, and signed; a builder that refuses the
//! certificate means nothing is signed — and the password, already used, is not presented again.

use std::sync::{Arc, Mutex};

use kazasu_core::flow::{BuildFromCertificate, Flow, Notice, State};
use kazasu_core::{HashAlgorithm, SignPin};
use kazasu_softcard::{fixture, SoftCard};

fn flow(build: BuildFromCertificate) -> Flow {
    Flow::for_attested("申請書.pdf", Arc::from(b"%PDF-1.7 shown".to_vec()), HashAlgorithm::Sha256, build)
}

#[test]
fn the_bytes_built_from_the_card_certificate_are_what_the_card_signs() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let mut f = flow(BuildFromCertificate::new(move |cert: &[u8]| {
        record.lock().unwrap().push(cert.to_vec());
        Some([b"attributes naming ".as_slice(), &cert[..16]].concat())
    }));
    f.accept(0);
    f.enter_pin(SignPin::new(fixture::SIGN_PIN));
    let mut card = SoftCard::new();
    f.tap(&mut card, 0, &mut |_| {});
    assert_eq!(f.state(), &State::Signed);
    let s = f.signature().unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![s.certificate.clone()], "built once, from the card's certificate");
    assert_eq!(&*s.signed_bytes, [b"attributes naming ".as_slice(), &s.certificate[..16]].concat().as_slice());
    kazasu_core::verify::verify_signature(fixture::SIGN_CERT, s.algorithm, &s.signed_bytes, &s.signature).unwrap();
}

#[test]
fn a_certificate_the_builder_refuses_is_not_signed_with_and_the_password_is_not_presented_again() {
    let mut f = flow(BuildFromCertificate::new(|_: &[u8]| None));
    f.accept(0);
    f.enter_pin(SignPin::new(fixture::SIGN_PIN));
    let mut card = SoftCard::new();
    f.tap(&mut card, 0, &mut |_| {});
    assert_eq!(f.state(), &State::Failed { notice: Notice::CardFault });
    assert!(f.signature().is_none() && !f.holds_pin());
    let log = card.log();
    assert_eq!((log.pin_presentations, log.signatures, card.tries_left(true)), (1, 0, 5));
}
