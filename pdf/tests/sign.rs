//! Prepare → sign (the test PKI's TEST-ONLY sign key stands in for the card) → finish, and reading back.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

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
            assert_eq!(cms.message_digest, Some(s.digest.to_vec()));
            assert!(signature_verifies(cms.signed_attrs.as_ref().unwrap(), &cms.certificate, &cms.signature));
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
        assert_eq!(cms.message_digest, Some(s.digest.to_vec()));
        assert!(signature_verifies(cms.signed_attrs.as_ref().unwrap(), &cms.certificate, &cms.signature));
    }
}

#[test]
fn a_byte_changed_after_signing_no_longer_matches_the_signed_digest() {
    let mut out = sign(&make_pdf(false, 1), SubFilter::Pades);
    let at = out.windows(6).position(|w| w == b"page 0").unwrap();
    out[at + 5] = b'9';
    let s = &signatures(&out).unwrap()[0];
    assert_ne!(s.cms.as_ref().unwrap().message_digest, Some(s.digest.to_vec()));
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
    options.stamp = Some(kazasu_pdf::Stamp::new(vec!["署名: かざす　花子".into(), "2026-11-30 00:53 UTC".into()]));
    let prepared = prepare(&make_pdf(false, 1), &options).unwrap();
    let attrs = prepared.signed_attributes(Some(&cert())).unwrap();
    let out = prepared.finish(&cms::signed_data(&attrs, &cert(), &[], &card_sign(&attrs), None).unwrap()).unwrap();
    let s = &signatures(&out).unwrap()[0];
    assert!(s.covers_whole_file);
    assert_eq!(s.cms.as_ref().unwrap().message_digest, Some(s.digest.to_vec()));
    let doc = Document::load_mem(&out).unwrap();
    let page = *doc.get_pages().values().next().unwrap();
    let annots = doc.get_dictionary(page).unwrap().get(b"Annots").unwrap().as_array().unwrap();
    let widget = doc.get_dictionary(annots[0].as_reference().unwrap()).unwrap();
    let rect: Vec<f32> =
        widget.get(b"Rect").unwrap().as_array().unwrap().iter().map(|o| o.as_float().unwrap()).collect();
    assert!(rect[2] > rect[0] && rect[3] > rect[1], "a visible rectangle: {rect:?}");
    let ap = widget.get(b"AP").unwrap().as_dict().unwrap().get(b"N").unwrap().as_reference().unwrap();
    let ap = doc.get_object(ap).unwrap().as_stream().unwrap();
    let content = String::from_utf8(ap.decompressed_content().unwrap()).unwrap();
    // The embedded subset numbers its glyphs in order of use: 署 is CID 1, 名 CID 2 (Identity-H, two bytes each).
    assert!(content.contains("<00010002"), "{content}");
    let fonts = ap.dict.get(b"Resources").unwrap().as_dict().unwrap().get(b"Font").unwrap().as_dict().unwrap();
    let font = doc.get_dictionary(fonts.get(b"F1").unwrap().as_reference().unwrap()).unwrap();
    assert_eq!(font.get(b"Encoding").unwrap().as_name().unwrap(), b"Identity-H");
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

/// ESSCertIDv2 and SigningCertificateV2 (RFC 5035) with every field, as other tools write them.
mod ess {
    use der::asn1::OctetString;
    use der::Sequence;
    use spki::AlgorithmIdentifierOwned;
    use x509_cert::ext::pkix::name::GeneralNames;
    use x509_cert::serial_number::SerialNumber;

    #[derive(Sequence)]
    pub struct IssuerSerial {
        pub issuer: GeneralNames,
        pub serial_number: SerialNumber,
    }

    #[derive(Sequence)]
    pub struct EssCertIdV2 {
        pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
        pub cert_hash: OctetString,
        pub issuer_serial: Option<IssuerSerial>,
    }

    #[derive(Sequence)]
    pub struct SigningCertificateV2 {
        pub certs: Vec<EssCertIdV2>,
    }
}

/// A signature whose signing-certificate-v2 holds `id`, read back: whether it names the signer's certificate.
fn signing_certificate_matches(id: ess::EssCertIdV2) -> Option<bool> {
    use const_oid::db::rfc5911::{ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST};
    use der::asn1::{Any, OctetString, SetOfVec};
    use der::Encode;
    use x509_cert::attr::Attribute;
    let attr = |oid, value: Any| Attribute { oid, values: SetOfVec::try_from(vec![value]).unwrap() };
    let ess = ess::SigningCertificateV2 { certs: vec![id] };
    let attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
        attr(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA).unwrap()),
        attr(ID_MESSAGE_DIGEST, Any::encode_from(&OctetString::new([0u8; 32]).unwrap()).unwrap()),
        attr(ID_AA_SIGNING_CERTIFICATE_V_2, Any::encode_from(&ess).unwrap()),
    ])
    .unwrap();
    let attrs = attrs.to_der().unwrap();
    let sd = cms::signed_data(&attrs, &cert(), &[], &card_sign(&attrs), None).unwrap();
    cms::parse(&sd).unwrap().signing_certificate_matches
}

#[test]
fn signing_certificate_v2_is_read_with_its_hash_algorithm_and_issuer_serial() {
    use const_oid::db::rfc5912::{ID_SHA_256, ID_SHA_512};
    use der::asn1::OctetString;
    use der::Decode;
    use sha2::Digest;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::serial_number::SerialNumber;
    let c = x509_cert::Certificate::from_der(&cert()).unwrap();
    let issuer_serial = |serial: SerialNumber| ess::IssuerSerial {
        issuer: vec![GeneralName::DirectoryName(c.tbs_certificate.issuer.clone())],
        serial_number: serial,
    };
    let sha256 = OctetString::new(sha2::Sha256::digest(cert()).to_vec()).unwrap();
    let alg = |oid| Some(spki::AlgorithmIdentifierOwned { oid, parameters: None });
    // As pyHanko writes it: the hash algorithm stated and the issuer and serial number.
    let full = ess::EssCertIdV2 {
        hash_algorithm: alg(ID_SHA_256),
        cert_hash: sha256.clone(),
        issuer_serial: Some(issuer_serial(c.tbs_certificate.serial_number.clone())),
    };
    assert_eq!(signing_certificate_matches(full), Some(true));
    let sha512 = ess::EssCertIdV2 {
        hash_algorithm: alg(ID_SHA_512),
        cert_hash: OctetString::new(sha2::Sha512::digest(cert()).to_vec()).unwrap(),
        issuer_serial: None,
    };
    assert_eq!(signing_certificate_matches(sha512), Some(true));
    // The right hash with another serial number, or the SHA-256 hash said to be SHA-512: not this certificate.
    let other_serial = ess::EssCertIdV2 {
        hash_algorithm: None,
        cert_hash: sha256.clone(),
        issuer_serial: Some(issuer_serial(SerialNumber::new(&[0x7f, 1, 2, 3]).unwrap())),
    };
    assert_eq!(signing_certificate_matches(other_serial), Some(false));
    let wrong_alg = ess::EssCertIdV2 { hash_algorithm: alg(ID_SHA_512), cert_hash: sha256, issuer_serial: None };
    assert_eq!(signing_certificate_matches(wrong_alg), Some(false));
}

#[test]
fn a_signature_in_ber_with_indefinite_lengths_reads_as_the_same_signature() {
    let attrs = cms::signed_attributes(&[7; 32], Some(&cert()), Some(TIME)).unwrap();
    let der = cms::signed_data(&attrs, &cert(), &[], &card_sign(&attrs), None).unwrap();
    // ContentInfo ::= SEQUENCE { contentType OID (11 bytes), [0] SignedData }, both with two-byte lengths:
    // rewritten with indefinite lengths, as NSS (LibreOffice) and `openssl cms -stream` write them.
    assert_eq!((der[0], der[1], der[4], der[15], der[16]), (0x30, 0x82, 0x06, 0xa0, 0x82));
    let ber = [&[0x30, 0x80], &der[4..15], &[0xa0, 0x80], &der[19..], &[0, 0, 0, 0], &[0; 100]].concat();
    let (from_der, from_ber) = (cms::parse(&der).unwrap(), cms::parse(&ber).unwrap());
    assert_eq!(from_ber.signed_attrs, Some(attrs.clone()), "the signed attributes are their DER");
    assert_eq!(from_ber.message_digest, Some(vec![7; 32]));
    assert_eq!((from_ber.signature, from_ber.certificate), (from_der.signature, from_der.certificate));
    assert_eq!(from_ber.signing_certificate_matches, Some(true));
    // Cut before its end-of-contents: unreadable, not a panic.
    assert!(cms::parse(&ber[..der.len() - 2]).is_err());
}

#[test]
fn bytes_before_the_header_are_refused_as_no_update_could_keep_the_offsets_consistent() {
    let mut input = b"From: someone\r\n\r\n".to_vec();
    input.extend_from_slice(&make_pdf(false, 1));
    // Readable (a signature in it can still be verified), but not signed here: refused already by what shows
    // the file before the password.
    assert!(signatures(&input).unwrap().is_empty());
    let shown = kazasu_pdf::inspect(&input);
    assert!(matches!(shown, Err(PdfError::BytesBeforeHeader { offset: 17 })), "{:?}", shown.err());
    let refused = prepare(&input, &SignOptions::new(SubFilter::Pades, TIME));
    assert!(matches!(refused, Err(PdfError::BytesBeforeHeader { offset: 17 })), "{:?}", refused.err());
}
