//! Prepare → sign (the test PKI's TEST-ONLY sign key stands in for the card) → finish, and reading back.

use kazasu_pdf::{cms, prepare, signatures, PdfError, SignOptions, SubFilter};
use lopdf::{dictionary, Document, Object, Stream};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::{Signer, Verifier};
use openssl::x509::X509;

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki");
const TIME: i64 = 1_796_000_000;

fn cert() -> Vec<u8> {
    std::fs::read(format!("{PKI}/sign.der")).unwrap()
}

/// What the card does: RSA PKCS#1 v1.5 over the SHA-256 DigestInfo of `data`.
fn card_sign(data: &[u8]) -> Vec<u8> {
    let key = PKey::private_key_from_pem(&std::fs::read(format!("{PKI}/sign.TEST-ONLY.key.pem")).unwrap()).unwrap();
    let mut s = Signer::new(MessageDigest::sha256(), &key).unwrap();
    s.update(data).unwrap();
    s.sign_to_vec().unwrap()
}

/// A one-page PDF written by lopdf: classic xref table, or (`modern`) an xref stream with object streams.
fn make_pdf(modern: bool, pages: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for i in 0..pages {
        let content = doc
            .add_object(Stream::new(dictionary! {}, format!("BT /F1 12 Tf 72 720 Td (page {i}) Tj ET").into_bytes()));
        kids.push(Object::from(doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content,
        })));
    }
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    if modern {
        doc.save_modern(&mut out).unwrap();
    } else {
        doc.save_to(&mut out).unwrap();
    }
    out
}

fn sign(input: &[u8], sub_filter: SubFilter) -> Vec<u8> {
    let prepared = prepare(input, &SignOptions::new(sub_filter, TIME)).unwrap();
    let attrs = prepared.signed_attributes(Some(&cert())).unwrap();
    let cms = cms::signed_data(&attrs, &cert(), &[], &card_sign(&attrs), None).unwrap();
    prepared.finish(&cms).unwrap()
}

fn signature_verifies(attrs: &[u8], cert: &[u8], signature: &[u8]) -> bool {
    let key = X509::from_der(cert).unwrap().public_key().unwrap();
    let mut v = Verifier::new(MessageDigest::sha256(), &key).unwrap();
    v.update(attrs).unwrap();
    v.verify(signature).unwrap()
}

#[test]
fn a_signed_pdf_starts_with_the_unchanged_input_and_its_digest_covers_the_written_ranges() {
    for modern in [false, true] {
        for sub_filter in [SubFilter::Pades, SubFilter::Pkcs7] {
            let input = make_pdf(modern, 2);
            let out = sign(&input, sub_filter);
            assert_eq!(&out[..input.len()], &input[..], "incremental: the input is a prefix");
            let found = signatures(&out).unwrap();
            assert_eq!(found.len(), 1);
            let s = &found[0];
            assert!(s.ranges_valid && s.covers_whole_file);
            assert_eq!(s.sub_filter, Some(sub_filter));
            let cms = s.cms.as_ref().unwrap();
            assert_eq!(cms.message_digest, s.digest.to_vec());
            assert!(signature_verifies(&cms.signed_attrs, &cms.certificate, &cms.signature));
            assert_eq!(cms.signing_certificate_matches, Some(true));
            // PAdES puts the time in /M only; adbe.pkcs7.detached carries the signing-time attribute.
            assert_eq!(cms.signing_time, (sub_filter == SubFilter::Pkcs7).then_some(TIME));
            assert_eq!(kazasu_pdf::inspect(&out).unwrap().pages, 2);
        }
    }
}

#[test]
fn a_second_signature_leaves_the_first_valid_but_no_longer_covering_the_whole_file() {
    let once = sign(&make_pdf(false, 1), SubFilter::Pkcs7);
    let twice = sign(&once, SubFilter::Pades);
    let found = signatures(&twice).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].field_name, "Signature1");
    assert_eq!(found[1].field_name, "Signature2");
    assert!(!found[0].covers_whole_file && found[1].covers_whole_file);
    for s in &found {
        let cms = s.cms.as_ref().unwrap();
        assert_eq!(cms.message_digest, s.digest.to_vec());
        assert!(signature_verifies(&cms.signed_attrs, &cms.certificate, &cms.signature));
    }
}

#[test]
fn a_byte_changed_after_signing_no_longer_matches_the_signed_digest() {
    let mut out = sign(&make_pdf(false, 1), SubFilter::Pades);
    let at = out.windows(6).position(|w| w == b"page 0").unwrap();
    out[at + 5] = b'9';
    let s = &signatures(&out).unwrap()[0];
    assert_ne!(s.cms.as_ref().unwrap().message_digest, s.digest.to_vec());
}

#[test]
fn a_field_name_in_use_is_refused_and_damaged_input_is_a_typed_error() {
    let once = sign(&make_pdf(false, 1), SubFilter::Pades);
    let mut options = SignOptions::new(SubFilter::Pades, TIME);
    options.field_name = Some("Signature1".into());
    assert!(matches!(prepare(&once, &options), Err(PdfError::FieldExists(n)) if n == "Signature1"));
    for bad in [&b""[..], b"%PDF-1.7\n", b"not a pdf at all"] {
        assert!(matches!(prepare(bad, &SignOptions::new(SubFilter::Pades, TIME)), Err(PdfError::Damaged(_))));
    }
    // Cut short: lopdf can only rebuild it by scanning, and an update needs the input's own xref section.
    let cut = &once[..once.len() * 2 / 3];
    assert!(matches!(prepare(cut, &SignOptions::new(SubFilter::Pades, TIME)), Err(PdfError::Repaired)));
}

#[test]
fn a_signature_larger_than_the_room_reserved_is_refused() {
    let mut options = SignOptions::new(SubFilter::Pades, TIME);
    options.reserved = 64;
    let prepared = prepare(&make_pdf(false, 1), &options).unwrap();
    let attrs = prepared.signed_attributes(None).unwrap();
    let cms = cms::signed_data(&attrs, &cert(), &[], &card_sign(&attrs), None).unwrap();
    assert!(matches!(prepared.finish(&cms), Err(PdfError::SignatureTooLarge { reserved: 64, .. })));
}

#[test]
fn a_visible_stamp_is_drawn_by_the_widget_and_the_signature_still_covers_everything() {
    let mut options = SignOptions::new(SubFilter::Pades, TIME);
    options.stamp =
        Some(kazasu_pdf::Stamp { lines: vec!["署名: かざす　花子".into(), "2026-11-30 00:53 UTC".into()] });
    let prepared = prepare(&make_pdf(false, 1), &options).unwrap();
    let attrs = prepared.signed_attributes(Some(&cert())).unwrap();
    let out = prepared.finish(&cms::signed_data(&attrs, &cert(), &[], &card_sign(&attrs), None).unwrap()).unwrap();
    let s = &signatures(&out).unwrap()[0];
    assert!(s.covers_whole_file);
    assert_eq!(s.cms.as_ref().unwrap().message_digest, s.digest.to_vec());
    let doc = Document::load_mem(&out).unwrap();
    let page = *doc.get_pages().values().next().unwrap();
    let annots = doc.get_dictionary(page).unwrap().get(b"Annots").unwrap().as_array().unwrap();
    let widget = doc.get_dictionary(annots[0].as_reference().unwrap()).unwrap();
    let rect: Vec<f32> =
        widget.get(b"Rect").unwrap().as_array().unwrap().iter().map(|o| o.as_float().unwrap()).collect();
    assert!(rect[2] > rect[0] && rect[3] > rect[1], "a visible rectangle: {rect:?}");
    let ap = widget.get(b"AP").unwrap().as_dict().unwrap().get(b"N").unwrap().as_reference().unwrap();
    let content = doc.get_object(ap).unwrap().as_stream().unwrap().content.clone();
    // 署 is U+7F72, written as UCS-2 for the UniJIS-UCS2-H encoding.
    assert!(String::from_utf8_lossy(&content).contains("<7F72"), "{}", String::from_utf8_lossy(&content));
}

#[test]
fn mutated_and_truncated_pdfs_give_errors_or_results_never_panics() {
    let signed = sign(&sign(&make_pdf(true, 2), SubFilter::Pkcs7), SubFilter::Pades);
    let mut state = 0x2545_F491_4F6C_DD1Du64; // xorshift: the same mutations every run
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..150 {
        let mut bytes = signed.clone();
        if round % 3 == 0 {
            bytes.truncate(next() as usize % signed.len());
        } else {
            for _ in 0..1 + round % 5 {
                let at = next() as usize % bytes.len();
                bytes[at] = next() as u8;
            }
        }
        let _ = kazasu_pdf::inspect(&bytes);
        let _ = signatures(&bytes);
        let _ = prepare(&bytes, &SignOptions::new(SubFilter::Pades, TIME));
    }
}
