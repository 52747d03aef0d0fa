//! One signing session as the CLI and the FFI drive it: prepared (refusals first), the attributes built in the
//! tap from the card's certificate, finished once, time-stamped through the driver's TSA, extended to B-LT/B-LTA.
//! The test PKI's TEST-ONLY sign key stands in for the card and for the TSA.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod common;

use std::sync::{Arc, Mutex};

use cmpv2::status::PkiStatus;
use common::{answer, pdf, rsa_sign, rsa_verifies, PKI, TIME};
use der::Decode;
use kazasu_pdf::dss::ValidationData;
use kazasu_pdf::{CardSignature, PdfError, Session, SignOptions, Stamp, SubFilter, TimeStampAuthority};
use x509_tsp::TimeStampReq;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{PKI}/{name}")).unwrap()
}

/// A one-page PDF with a classic xref table.
fn tiny_pdf() -> Vec<u8> {
    let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>";
    pdf(&["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page], "/Root 1 0 R")
}

fn options() -> SignOptions {
    SignOptions::new(SubFilter::Pades, TIME as i64)
}

/// A TSA that answers every request honestly; or, `down`, not at all. Counts the requests.
#[derive(Default)]
struct Tsa {
    down: bool,
    asked: Mutex<usize>,
}

impl TimeStampAuthority for Tsa {
    fn ask(&self, request: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        *self.asked.lock().unwrap() += 1;
        if self.down {
            return Err("connection refused".into());
        }
        let req = TimeStampReq::from_der(request)?;
        Ok(answer(PkiStatus::Accepted, req.message_imprint, req.nonce))
    }

    fn verifies(&self, certificate: &[u8], data: &[u8], signature: &[u8]) -> bool {
        rsa_verifies(certificate, data, signature)
    }
}

/// What the card does in the tap: the session builds the attributes from its certificate, the key signs them.
fn tap(session: &Arc<Session>, certificate: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let attributes = (session.builder())(certificate)?;
    let signature = rsa_sign(&attributes);
    Some((attributes, signature))
}

#[test]
fn a_session_signs_attributes_naming_the_card_certificate_and_finishes_once() {
    let input = tiny_pdf();
    let session = Arc::new(Session::prepare(input.clone(), options()).unwrap());
    assert_eq!((session.info().pages, session.info().size), (1, input.len()));
    assert_eq!(&*session.input(), input.as_slice());
    let cert = fixture("sign.der");
    let (attributes, signature) = tap(&session, &cert).unwrap();
    let card = CardSignature { signature: &signature, certificate: &cert, signed_bytes: Some(&attributes) };
    let signed = session.finish(card, None).unwrap();
    assert!(signed.bytes().starts_with(&input), "an incremental update");
    assert!(signed.timestamp().is_none());
    let found = kazasu_pdf::signatures(signed.bytes()).unwrap();
    let cms = found[0].cms.as_ref().unwrap();
    assert_eq!(cms.signed_attrs.as_deref(), Some(attributes.as_slice()));
    assert_eq!(cms.message_digest, Some(found[0].digest.to_vec()));
    assert_eq!(cms.signing_certificate_matches, Some(true));
    assert!(rsa_verifies(&cms.certificate, &attributes, &cms.signature));
    assert!(matches!(session.finish(card, None), Err(PdfError::AlreadyFinished)));
    assert!(tap(&session, &cert).is_none(), "nothing is built for a finished session");
}

#[test]
fn a_card_other_than_the_one_asserted_signs_nothing_and_its_signature_is_not_finished() {
    let (sign, auth) = (fixture("sign.der"), fixture("auth.der"));
    let session = Arc::new(Session::prepare(tiny_pdf(), options()).unwrap().expecting(Some(sign.clone())));
    assert!(!session.other_card());
    assert!(tap(&session, &auth).is_none());
    assert!(session.other_card());
    // Signed bytes fixed before the card name the asserted certificate; a signature with another is refused and
    // leaves the session to be finished with the right one.
    let attributes = session.attributes_before_card().unwrap();
    let signature = rsa_sign(&attributes);
    let other = CardSignature { signature: &signature, certificate: &auth, signed_bytes: None };
    assert!(matches!(session.finish(other, None), Err(PdfError::NotThisSession)));
    let right = CardSignature { certificate: &sign, ..other };
    let found = kazasu_pdf::signatures(session.finish(right, None).unwrap().bytes()).unwrap();
    assert_eq!(found[0].cms.as_ref().unwrap().signing_certificate_matches, Some(true));
}

#[test]
fn a_signature_over_other_bytes_than_the_session_built_is_not_finished() {
    let session = Arc::new(Session::prepare(tiny_pdf(), options()).unwrap());
    let cert = fixture("sign.der");
    let (_, signature) = tap(&session, &cert).unwrap();
    let card = CardSignature { signature: &signature, certificate: &cert, signed_bytes: Some(b"other bytes") };
    assert!(matches!(session.finish(card, None), Err(PdfError::NotThisSession)));
    let before_the_tap = Session::prepare(tiny_pdf(), options()).unwrap();
    let card = CardSignature { signed_bytes: None, ..card };
    assert!(matches!(before_the_tap.finish(card, None), Err(PdfError::NotThisSession)), "nothing was built");
}

#[test]
fn the_stamp_lines_are_written_in_the_tap_from_the_card_certificate() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let stamp = Stamp { page: -1, ..Stamp::new(Vec::new()) };
    let written = {
        let seen = seen.clone();
        move |certificate: &[u8]| {
            seen.lock().unwrap().push(certificate.to_vec());
            vec!["Signed by ZYXWVUTSRQ".to_string()]
        }
    };
    let options = SignOptions { stamp: Some(stamp), ..options() };
    let session = Arc::new(Session::prepare(tiny_pdf(), options.clone()).unwrap().with_stamp_lines(written));
    assert!(seen.lock().unwrap().is_empty(), "no lines before the card");
    let cert = fixture("sign.der");
    let (attributes, signature) = tap(&session, &cert).unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![cert.clone()]);
    let card = CardSignature { signature: &signature, certificate: &cert, signed_bytes: Some(&attributes) };
    let signed = session.finish(card, None).unwrap();
    let found = kazasu_pdf::signatures(signed.bytes()).unwrap();
    assert!(found[0].covers_whole_file);
    assert_eq!(found[0].cms.as_ref().unwrap().message_digest, Some(found[0].digest.to_vec()));
    // The stamp holds the ten letters written in the tap: the font subset is larger than an empty stamp's.
    let empty = Session::prepare(tiny_pdf(), options).unwrap();
    let attributes = empty.attributes_before_card().unwrap();
    let signature = rsa_sign(&attributes);
    let unlined = empty.finish(CardSignature { signature: &signature, signed_bytes: None, ..card }, None).unwrap();
    assert!(
        signed.bytes().len() > unlined.bytes().len() + 100,
        "{} vs {}",
        signed.bytes().len(),
        unlined.bytes().len()
    );
}

#[test]
fn a_signature_time_stamp_comes_from_the_drivers_tsa_and_one_that_does_not_answer_leaves_the_session_open() {
    let session = Arc::new(Session::prepare(tiny_pdf(), options()).unwrap());
    let cert = fixture("sign.der");
    let (attributes, signature) = tap(&session, &cert).unwrap();
    let card = CardSignature { signature: &signature, certificate: &cert, signed_bytes: Some(&attributes) };
    let down = Tsa { down: true, ..Tsa::default() };
    assert!(matches!(session.finish(card, Some(&down)), Err(PdfError::TimeStampUnanswered(_))));
    let up = Tsa::default();
    let signed = session.finish(card, Some(&up)).unwrap();
    assert_eq!(*up.asked.lock().unwrap(), 1);
    assert_eq!(signed.timestamp().map(|t| t.time), Some(TIME as i64));
    let found = kazasu_pdf::signatures(signed.bytes()).unwrap();
    let cms = found[0].cms.as_ref().unwrap();
    let token = cms.timestamp.as_deref().unwrap();
    assert_eq!(kazasu_pdf::timestamp::check(token, &cms.signature, &rsa_verifies).unwrap(), TIME as i64);
}

#[test]
fn validation_data_and_a_document_time_stamp_follow_the_signature_in_their_own_updates() {
    let session = Arc::new(Session::prepare(tiny_pdf(), options()).unwrap());
    let cert = fixture("sign.der");
    let (attributes, signature) = tap(&session, &cert).unwrap();
    let card = CardSignature { signature: &signature, certificate: &cert, signed_bytes: Some(&attributes) };
    let mut signed = session.finish(card, None).unwrap();
    assert_eq!(signed.certificate(), cert.as_slice());
    let b = signed.bytes().to_vec();
    let data = ValidationData {
        certificates: vec![cert.clone(), fixture("sign-ca.der")],
        crls: vec![fixture("sign-ca.crl.der")],
        ocsp_responses: vec![],
    };
    signed.add_validation_data(&data).unwrap();
    let lt = signed.bytes().to_vec();
    assert!(lt.starts_with(&b));
    assert_eq!(kazasu_pdf::dss::read(&lt).unwrap(), data);
    // A TSA that does not answer changes nothing.
    let down = Tsa { down: true, ..Tsa::default() };
    assert!(matches!(signed.add_document_timestamp(&down), Err(PdfError::TimeStampUnanswered(_))));
    assert_eq!(signed.bytes(), lt.as_slice());
    let token = signed.add_document_timestamp(&Tsa::default()).unwrap();
    assert_eq!(token.time, TIME as i64);
    let lta = signed.into_bytes();
    assert!(lta.starts_with(&lt));
    let found = kazasu_pdf::signatures(&lta).unwrap();
    assert_eq!(found.len(), 2);
    assert!(found[1].covers_whole_file && found[1].document_timestamp.is_some());
}

#[test]
fn what_cannot_be_signed_is_refused_when_the_session_is_prepared() {
    assert!(matches!(Session::prepare(b"hello".to_vec(), options()), Err(PdfError::Damaged(_))));
    let mut before = b"From: someone\r\n\r\n".to_vec();
    before.extend(tiny_pdf());
    assert!(matches!(Session::prepare(before, options()), Err(PdfError::BytesBeforeHeader { .. })));
    let far = SignOptions { stamp: Some(Stamp { page: 9, ..Stamp::new(Vec::new()) }), ..options() };
    assert!(matches!(Session::prepare(tiny_pdf(), far), Err(PdfError::NoSuchPage { page: 9, pages: 1 })));
}
