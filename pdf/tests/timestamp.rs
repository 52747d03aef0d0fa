//! The checks on a TSA's answer, against tokens made here (the test PKI's TEST-ONLY sign key stands in for the
//! TSA's): only an answer granted for this request — same nonce, imprint over this signature, its own signature
//! good — is kept. .ci/pdf.sh runs the same path against `openssl ts -reply`.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

mod common;

use cmpv2::status::PkiStatus;
use common::{answer, rsa_sign, rsa_verifies, PKI, TIME};
use der::asn1::{Any, Int};
use der::Decode;
use kazasu_pdf::timestamp::{check, request, token_from_response, TimestampError};
use x509_tsp::TimeStampReq;

/// The answer a TSA gives to `request(signature, nonce)`.
fn honest_answer(signature: &[u8], nonce: u64) -> Vec<u8> {
    let req = TimeStampReq::from_der(&request(signature, nonce).unwrap()).unwrap();
    answer(PkiStatus::Accepted, req.message_imprint, req.nonce)
}

#[test]
fn an_answer_to_this_request_is_kept_with_its_time() {
    let token =
        token_from_response(&honest_answer(b"card signature", 42), b"card signature", 42, &rsa_verifies).unwrap();
    assert_eq!(token.time, TIME as i64);
    assert_eq!(check(&token.der, b"card signature", &rsa_verifies).unwrap(), TIME as i64);
    // The same token does not fit another signature.
    assert!(matches!(check(&token.der, b"other signature", &rsa_verifies), Err(TimestampError::WrongImprint)));
}

#[test]
fn answers_to_other_requests_or_refusals_or_bad_signatures_are_not_kept() {
    let sig = b"card signature";
    let other_nonce = honest_answer(sig, 7);
    assert!(matches!(token_from_response(&other_nonce, sig, 42, &rsa_verifies), Err(TimestampError::WrongNonce)));
    let other_data = honest_answer(b"something else", 42);
    assert!(matches!(token_from_response(&other_data, sig, 42, &rsa_verifies), Err(TimestampError::WrongImprint)));
    let req = TimeStampReq::from_der(&request(sig, 42).unwrap()).unwrap();
    let refused = answer(PkiStatus::Rejection, req.message_imprint, req.nonce);
    assert!(matches!(token_from_response(&refused, sig, 42, &rsa_verifies), Err(TimestampError::Refused(_))));
    let never = |_: &[u8], _: &[u8], _: &[u8]| false;
    assert!(matches!(token_from_response(&honest_answer(sig, 42), sig, 42, &never), Err(TimestampError::BadSignature)));
    assert!(token_from_response(b"\x30\x03\x02\x01", sig, 42, &rsa_verifies).is_err());
}

#[test]
fn an_imprint_whose_hash_algorithm_has_explicit_null_parameters_is_the_same_imprint() {
    let sig = b"card signature";
    let req = TimeStampReq::from_der(&request(sig, 42).unwrap()).unwrap();
    assert_eq!(req.message_imprint.hash_algorithm.parameters, None, "the request writes none");
    let with = |parameters: Option<Any>| {
        let mut imprint = req.message_imprint.clone();
        imprint.hash_algorithm.parameters = parameters;
        answer(PkiStatus::Accepted, imprint, req.nonce.clone())
    };
    let null = token_from_response(&with(Some(Any::null())), sig, 42, &rsa_verifies).unwrap();
    assert_eq!(check(&null.der, sig, &rsa_verifies).unwrap(), TIME as i64);
    // Other parameters are another algorithm identifier.
    let other = with(Some(Any::encode_from(&Int::new(&[1]).unwrap()).unwrap()));
    assert!(matches!(token_from_response(&other, sig, 42, &rsa_verifies), Err(TimestampError::WrongImprint)));
}

/// A one-page PDF written by lopdf, signed (PAdES) with the TEST-ONLY key.
fn signed_pdf() -> Vec<u8> {
    use kazasu_pdf::{cms as pdf_cms, prepare, SignOptions, SubFilter};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(dictionary! {}, b"BT /F1 12 Tf 72 720 Td (page) Tj ET".to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut input = Vec::new();
    doc.save_to(&mut input).unwrap();
    let cert = std::fs::read(format!("{PKI}/sign.der")).unwrap();
    let prepared = prepare(&input, &SignOptions::new(SubFilter::Pades, TIME as i64)).unwrap();
    let attrs = prepared.signed_attributes(Some(&cert)).unwrap();
    let cms = pdf_cms::signed_data(&attrs, &cert, &[], &rsa_sign(&attrs), None).unwrap();
    prepared.finish(&cms).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{PKI}/{name}")).unwrap()
}

#[test]
fn a_dss_update_keeps_the_signed_file_as_its_prefix_and_holds_exactly_the_data_given() {
    use kazasu_pdf::dss::{append, read, ValidationData};
    let signed = signed_pdf();
    let data = ValidationData {
        certificates: vec![fixture("sign.der"), fixture("sign-ca.der"), fixture("sign.der")],
        crls: vec![fixture("sign-ca.crl.der")],
        ocsp_responses: vec![],
    };
    let lt = append(&signed, &data).unwrap();
    assert!(lt.starts_with(&signed), "the signed bytes stay an exact prefix");
    let found = read(&lt).unwrap();
    assert_eq!(found.certificates, vec![fixture("sign.der"), fixture("sign-ca.der")], "each certificate once");
    assert_eq!(found.crls, vec![fixture("sign-ca.crl.der")]);
    assert!(found.ocsp_responses.is_empty());
    assert_eq!(read(&signed).unwrap(), ValidationData::default(), "no DSS before");
    // The signature still covers its revision; the update is after it.
    let sigs = kazasu_pdf::signatures(&lt).unwrap();
    assert_eq!(sigs.len(), 1);
    assert!(sigs[0].ranges_valid && !sigs[0].covers_whole_file);
    // A second DSS update (another tool's, or more data later) keeps what the first one holds and adds only
    // what is new.
    let more = ValidationData { ocsp_responses: vec![b"\x30\x03\x0a\x01\x00".to_vec()], ..data.clone() };
    let again = append(&lt, &more).unwrap();
    let found = read(&again).unwrap();
    assert_eq!(found.certificates.len(), 2);
    assert_eq!(found.crls.len(), 1);
    assert_eq!(found.ocsp_responses, more.ocsp_responses);
    // The catalog keeps every other entry.
    let doc = lopdf::Document::load_mem(&again).unwrap();
    let catalog = doc.catalog().unwrap();
    assert!(catalog.get(b"Pages").is_ok() && catalog.get(b"AcroForm").is_ok() && catalog.get(b"DSS").is_ok());
}

#[test]
fn a_document_time_stamp_covers_the_whole_file_and_a_changed_byte_breaks_it() {
    use kazasu_pdf::timestamp::{check_document, request_for_digest, token_for_digest};
    use kazasu_pdf::{doc_timestamp, SubFilter};
    let lt = kazasu_pdf::dss::append(&signed_pdf(), &Default::default()).unwrap();
    let prepared = doc_timestamp::prepare(&lt).unwrap();
    let digest = prepared.digest();
    let req = TimeStampReq::from_der(&request_for_digest(&digest, 9).unwrap()).unwrap();
    assert_eq!(req.message_imprint.hashed_message.as_bytes(), digest);
    let answer = answer(PkiStatus::Accepted, req.message_imprint, req.nonce);
    let token = token_for_digest(&answer, &digest, 9, &rsa_verifies).unwrap();
    let lta = prepared.finish(&token.der).unwrap();
    assert!(lta.starts_with(&lt));
    let text = String::from_utf8_lossy(&lta[lt.len()..]).into_owned();
    assert!(text.contains("/Type /DocTimeStamp") || text.contains("/Type/DocTimeStamp"), "{text}");
    assert!(text.contains("ETSI.RFC3161"));

    let sigs = kazasu_pdf::signatures(&lta).unwrap();
    assert_eq!(sigs.len(), 2);
    let ts = &sigs[1];
    assert_eq!(ts.sub_filter, Some(SubFilter::DocTimeStamp));
    assert!(ts.covers_whole_file && ts.cms.is_err());
    let token = ts.document_timestamp.as_deref().unwrap();
    assert_eq!(check_document(token, &ts.digest, &rsa_verifies).unwrap().0, TIME as i64);
    assert!(sigs[0].document_timestamp.is_none());

    // A byte of the page's text changed (inside the time-stamp's first range): the imprint no longer matches.
    let mut changed = lta.clone();
    let at = changed.windows(6).position(|w| w == b"(page)").unwrap() + 4;
    changed[at] = b'f';
    let ts = kazasu_pdf::signatures(&changed).unwrap()[1].clone();
    assert!(matches!(
        check_document(ts.document_timestamp.as_deref().unwrap(), &ts.digest, &rsa_verifies),
        Err(TimestampError::WrongImprint)
    ));
}
