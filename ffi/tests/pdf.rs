//! A PDF signed through the FFI as a phone would: `prepare_pdf`, `SigningFlow::for_pdf` with the software card,
//! `finish` — one password, one tap, and the signature names the certificate the card gave in that tap.
#![cfg(feature = "testing")]

mod common;
use common::Seen;

use std::sync::Arc;

use kazasu_ffi::pdf::{prepare_pdf, PdfSignatureKind};
use kazasu_ffi::testing::{software_card_sign_pin, SoftwareCard};
use kazasu_ffi::{FlowState, SigningFlow};

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

#[test]
fn a_pdf_signed_in_one_tap_names_the_card_certificate() {
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
    assert_eq!(cms.message_digest, found[0].digest.to_vec());
}
