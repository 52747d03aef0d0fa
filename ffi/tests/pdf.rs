//! PDFs through the FFI: `prepare_pdf` and `finish` with a signature handed in, and (feature `testing`) signed
//! as a phone would — `SigningFlow::for_pdf` with the software card: one password, one tap, and the signature
//! names the certificate the card gave in that tap.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

#[cfg(feature = "testing")]
mod common;

use kazasu_ffi::pdf::{prepare_pdf, PdfFailure, PdfSignatureKind, PdfStamp, PdfStampCorner};
use kazasu_ffi::{Gender, HashAlgorithm, Identity, SignedDocument};

/// A one-page PDF with a classic xref table, its offsets counted here.
fn tiny_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

#[cfg(feature = "testing")]
#[test]
fn a_pdf_signed_in_one_tap_names_the_card_certificate() {
    use common::Seen;
    use kazasu_ffi::testing::{software_card_sign_pin, SoftwareCard};
    use kazasu_ffi::{FlowState, SigningFlow};
    use std::sync::Arc;

    let input = tiny_pdf();
    let prepared = prepare_pdf(input.clone(), PdfSignatureKind::Pades, 1_796_083_200, None, None).unwrap();
    let flow = SigningFlow::for_pdf("申請書.pdf".into(), prepared.clone(), Arc::new(Seen::default()), None);
    flow.clone().start();
    let FlowState::ReviewBytes { bytes, .. } = flow.state() else { panic!("{:?}", flow.state()) };
    assert_eq!((bytes.label.as_str(), bytes.size), ("申請書.pdf", input.len() as u64));
    flow.clone().accept();
    flow.clone().enter_pin(software_card_sign_pin().into_bytes());
    let card = Arc::new(SoftwareCard::new());
    assert!(flow.clone().card_present(card.clone().link()));
    let FlowState::Signed { result } = flow.state() else { panic!("{:?}", flow.state()) };
    assert_eq!((card.pin_presentations(), card.signatures()), (1, 1));
    let out = prepared.finish(result.clone()).unwrap();
    assert!(out.starts_with(&input), "an incremental update");
    let found = kazasu_pdf::signatures(&out).unwrap();
    let cms = found[0].cms.as_ref().unwrap();
    assert_eq!(cms.signing_certificate_matches, Some(true));
    assert_eq!(cms.certificate, result.certificate);
    assert_eq!(cms.message_digest, Some(found[0].digest.to_vec()));
}

fn signed(certificate: Vec<u8>) -> SignedDocument {
    let identity = Identity {
        name: None,
        address: None,
        date_of_birth: None,
        date_of_birth_iso: None,
        gender: None,
        gender_code: Gender::Unknown,
        name_substitute: None,
        address_substitute: None,
    };
    SignedDocument { signature: vec![7; 256], certificate, algorithm: HashAlgorithm::Sha256, identity }
}

#[test]
fn a_prepared_pdf_is_finished_once_with_the_certificate_it_named() {
    let cert = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign.der")).unwrap();
    let input = tiny_pdf();
    let p = prepare_pdf(input.clone(), PdfSignatureKind::Pades, 1_796_083_200, Some(cert.clone()), None).unwrap();
    assert_eq!(p.display().pages, 1);
    assert_eq!(p.display().size, input.len() as u64);
    let other = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/auth.der")).unwrap();
    assert!(matches!(p.finish(signed(other)), Err(PdfFailure::WrongSignature)));
    let out = p.finish(signed(cert.clone())).unwrap();
    assert!(out.starts_with(&input));
    let found = kazasu_pdf::signatures(&out).unwrap();
    let cms = found[0].cms.as_ref().unwrap();
    assert_eq!(cms.message_digest, Some(found[0].digest.to_vec()));
    assert_eq!(cms.signed_attrs, Some(p.bytes_to_sign()));
    assert!(matches!(p.finish(signed(cert)), Err(PdfFailure::AlreadyFinished)));
}

#[test]
fn what_cannot_be_signed_is_a_typed_failure() {
    let now = 1_796_083_200;
    assert!(matches!(
        prepare_pdf(b"hello".to_vec(), PdfSignatureKind::Pkcs7, now, None, None),
        Err(PdfFailure::Damaged { .. })
    ));
    let cut = tiny_pdf()[..150].to_vec();
    assert!(prepare_pdf(cut, PdfSignatureKind::Pades, now, None, None).is_err());
}

#[test]
fn a_stamp_makes_the_signature_visible_and_a_page_the_pdf_lacks_is_its_own_failure() {
    let stamp = PdfStamp {
        lines: vec!["署名者: かざす　花子".to_string()],
        page: -1,
        corner: PdfStampCorner::UpperRight,
        margin: 20.0,
    };
    let p = prepare_pdf(tiny_pdf(), PdfSignatureKind::Pkcs7, 1_796_083_200, None, Some(stamp.clone())).unwrap();
    let cert = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign.der")).unwrap();
    let out = p.finish(signed(cert)).unwrap();
    assert!(kazasu_pdf::signatures(&out).unwrap()[0].covers_whole_file);
    // The widget has an appearance, whose font is embedded.
    let has = |needle: &[u8]| out.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"/AP") && has(b"/FontFile2") && has(b"+IPAexGothic"));
    // A page the PDF does not have is its own failure, before any signing.
    let far = PdfStamp { page: 9, ..stamp };
    assert!(matches!(
        prepare_pdf(tiny_pdf(), PdfSignatureKind::Pkcs7, 1_796_083_200, None, Some(far)),
        Err(PdfFailure::NoSuchPage { page: 9, pages: 1 })
    ));
}
