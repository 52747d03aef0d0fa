//! Signatures other tools wrote, read as pdfsig and pyHanko read them.
#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use openssl::hash::MessageDigest;
use openssl::sign::Verifier;
use openssl::x509::X509;

const LIBREOFFICE: &[u8] = include_bytes!("data/libreoffice-7.4-signed-letter.pdf");

#[test]
fn a_libreoffice_signature_that_repeats_the_signer_certificate_is_read_and_checks_out() {
    let found = kazasu_pdf::signatures(LIBREOFFICE).unwrap();
    assert_eq!(found.len(), 1);
    let sig = &found[0];
    assert!(sig.ranges_valid && sig.covers_whole_file);
    let cms = sig.cms.as_ref().unwrap();

    // The case itself: the signer's certificate is in the SignedData twice.
    let contents = &LIBREOFFICE[sig.byte_range[1]..sig.byte_range[2]];
    let hex = hex::encode_upper(&cms.certificate);
    let written = String::from_utf8_lossy(contents).to_uppercase();
    assert_eq!(written.matches(&hex).count(), 2, "the fixture no longer repeats the certificate");

    // What the signature says holds: the ranges' digest, and the signer's key over the signed attributes.
    assert!(cms.sha256);
    assert_eq!(cms.message_digest.as_deref(), Some(&sig.digest[..]));
    let key = X509::from_der(&cms.certificate).unwrap().public_key().unwrap();
    let mut verifier = Verifier::new(MessageDigest::sha256(), &key).unwrap();
    verifier.update(cms.signed_attrs.as_ref().unwrap()).unwrap();
    assert!(verifier.verify(&cms.signature).unwrap());
}
