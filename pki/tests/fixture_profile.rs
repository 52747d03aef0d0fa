//! The committed test PKI in the real J-LIS profile (fixtures/README.md), through the crate's public API end to
//! end: the sign certificate expires at the last second of its last day in Japan; the CRL partitions are chosen by
//! the certificates' directory-name distribution point (one for another municipality covers nothing here); the
//! test-card certificate chains like any other but is classified as a test card; the legacy certificate (the
//! fixtures' old shape) still reads and chains to its own CA, and only to it.

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use kazasu_pki::anchors::TrustAnchors;
use kazasu_pki::crl::{distribution_points, select, CrlSelectError, ScopedCrl};
use kazasu_pki::revocation::{check_revocation, RevocationChecked, RevocationError, RevocationSource};
use kazasu_pki::verify::{verify_chain, ChainError, VerifyError};
use kazasu_pki::{Certificate, JpkiPolicy};

const SIGN: &[u8] = include_bytes!("../../fixtures/test-pki/sign.der");
const REVOKED: &[u8] = include_bytes!("../../fixtures/test-pki/sign-revoked.der");
const TESTCARD: &[u8] = include_bytes!("../../fixtures/test-pki/sign-testcard.der");
const SIGN_CA: &[u8] = include_bytes!("../../fixtures/test-pki/sign-ca.der");
const CRL: &[u8] = include_bytes!("../../fixtures/test-pki/sign-ca.crl.der");
const OTHER_DP_CRL: &[u8] = include_bytes!("../../fixtures/test-pki/sign-ca.other-dp.crl.der");
const LEGACY: &[u8] = include_bytes!("../../fixtures/legacy/sign.der");
const LEGACY_CA: &[u8] = include_bytes!("../../fixtures/legacy/sign-ca.der");

/// 2026-12-01T00:00:00Z, inside every committed validity window (and the CRLs').
const DEC_2026: i64 = 1_796_083_200;

fn anchors(der: &[u8]) -> TrustAnchors {
    TrustAnchors::from_der(der).unwrap()
}

#[test]
fn the_sign_certificate_is_valid_until_23_59_59_in_japan_on_its_last_day() {
    let c = Certificate::from_der(SIGN).unwrap();
    // 2031-11-26T14:59:59Z = 2031-11-26 23:59:59 JST.
    assert_eq!(c.not_after, 1_953_471_599);
    // One second before it still valid, one second after it expired. (OpenSSL already counts the notAfter second
    // itself as expired, although RFC 5280 includes it: a second the card's holder will not miss.)
    verify_chain(SIGN, &anchors(SIGN_CA), c.not_after - 1, None).unwrap();
    assert_eq!(
        verify_chain(SIGN, &anchors(SIGN_CA), c.not_after + 1, None),
        Err(VerifyError::Chain(ChainError::Expired))
    );
}

#[test]
fn the_crl_for_the_certificates_directory_name_is_chosen_and_another_municipalitys_covers_nothing() {
    let ise = "C=JP, O=Kazasu Test PKI (not JPKI), OU=Test for digital signature, OU=CRL Distribution Points, \
               OU=Mie-ken, CN=Ise-shi CRLDP";
    for der in [SIGN, REVOKED, TESTCARD] {
        let points = distribution_points(der).unwrap();
        assert_eq!(points.len(), 1, "{points:?}");
        assert!(points[0].contains("Ise-shi CRLDP"), "{points:?}");
        let profile = Certificate::from_der(der).unwrap().profile().unwrap();
        assert_eq!(profile.crl_distribution_point_directories().collect::<Vec<_>>(), [ise]);
        // Of the two partitions, Ise-shi's; the Tsu-shi one alone leaves the certificate without a CRL.
        assert_eq!(select(der, &[OTHER_DP_CRL, CRL]).unwrap(), CRL);
        assert!(matches!(select(der, &[OTHER_DP_CRL]), Err(CrlSelectError::NoneApplies { .. })));
    }
}

#[test]
fn the_revoked_certificate_is_refused_by_its_partition_and_never_passed_by_another() {
    let ise = ScopedCrl::read(CRL).unwrap();
    let tsu = ScopedCrl::read(OTHER_DP_CRL).unwrap();
    let both = [&tsu, &ise];
    assert_eq!(
        check_revocation(REVOKED, SIGN_CA, RevocationSource::Crls(&both), DEC_2026),
        Err(RevocationError::Crl(VerifyError::Revoked))
    );
    assert_eq!(check_revocation(SIGN, SIGN_CA, RevocationSource::Crls(&both), DEC_2026), Ok(RevocationChecked::Crl));
    // The Tsu-shi CRL does not list 5A1002, and that says nothing about it.
    let tsu_only = [&tsu];
    assert!(matches!(
        check_revocation(REVOKED, SIGN_CA, RevocationSource::Crls(&tsu_only), DEC_2026),
        Err(RevocationError::NoCrl(CrlSelectError::NoneApplies { .. }))
    ));
}

#[test]
fn the_test_card_certificate_chains_to_the_test_ca_and_is_a_test_card() {
    verify_chain(TESTCARD, &anchors(SIGN_CA), DEC_2026, Some(CRL)).unwrap();
    let c = Certificate::from_der(TESTCARD).unwrap();
    assert_eq!(c.policy, JpkiPolicy::TestCard);
    assert!(c.is_test_card());
    assert!(c.personal.is_some(), "a test card's sign certificate carries personal data like a real one");
    let sign = Certificate::from_der(SIGN).unwrap();
    assert_eq!(sign.policy, JpkiPolicy::Sign);
    assert!(!sign.is_test_card());
}

#[test]
fn the_legacy_certificate_still_reads_and_chains_to_its_own_ca_only() {
    let c = Certificate::from_der(LEGACY).unwrap();
    assert_eq!(c.policies, ["1.2.392.200149.8.5.1.1"]);
    assert_eq!(c.policy, JpkiPolicy::Sign);
    assert_eq!(c.personal.as_ref().and_then(|p| p.date_of_birth_iso()).as_deref(), Some("1985-04-01"));
    verify_chain(LEGACY, &anchors(LEGACY_CA), DEC_2026, None).unwrap();
    // Same CA name and serial as today's test sign CA, another key: not its issuer.
    assert!(matches!(verify_chain(LEGACY, &anchors(SIGN_CA), DEC_2026, None), Err(VerifyError::Chain(_))));
    // Its distribution points are URLs: no committed partition names them.
    assert!(matches!(select(LEGACY, &[CRL, OTHER_DP_CRL]), Err(CrlSelectError::NoneApplies { .. })));
}
