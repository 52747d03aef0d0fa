//! What a JPKI certificate is for, from its certificate policy — the one place that decides it.
//!
//! J-LIS puts each kind of certificate's policy **under an arc**, not at one value: real user-authentication
//! certificates carry `1.2.392.200149.8.5.1.3.30`, OID registries list `…8.5.1.1.20` for signature certificates
//! and `…8.5.1.0.20` for test cards (カード発行試験用). So a policy is classified by its leading OID components:
//! `…8.5.1.10` is not under `…8.5.1.1`, which a string prefix test would get wrong.

/// The signature certificate's arc (署名用電子証明書).
pub const SIGN_ARC: &[u64] = &[1, 2, 392, 200149, 8, 5, 1, 1];
/// The user-authentication certificate's arc (利用者証明用電子証明書).
pub const AUTH_ARC: &[u64] = &[1, 2, 392, 200149, 8, 5, 1, 3];
/// Test cards' arc: certificates a production relying party must not accept.
pub const TEST_CARD_ARC: &[u64] = &[1, 2, 392, 200149, 8, 5, 1, 0];

/// What the certificate's policies say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JpkiPolicy {
    /// A policy under [`SIGN_ARC`].
    Sign,
    /// A policy under [`AUTH_ARC`].
    Auth,
    /// A policy under [`TEST_CARD_ARC`]: a test card, whatever else it carries.
    TestCard,
    /// No JPKI policy this code knows.
    Other,
}

/// Whether `oid` is `arc` itself or lies under it, compared component by component.
pub fn is_under(oid: &[u64], arc: &[u64]) -> bool {
    oid.starts_with(arc)
}

/// Classifies a certificate by all its policies. A test-card policy wins over any other (a test card is never
/// taken for a real one); a certificate claiming both the sign and the auth arc is [`JpkiPolicy::Other`], since
/// no real certificate does and guessing would be wrong either way.
pub fn classify<'a>(policies: impl IntoIterator<Item = &'a [u64]>) -> JpkiPolicy {
    let (mut sign, mut auth, mut test) = (false, false, false);
    for oid in policies {
        sign |= is_under(oid, SIGN_ARC);
        auth |= is_under(oid, AUTH_ARC);
        test |= is_under(oid, TEST_CARD_ARC);
    }
    match (test, sign, auth) {
        (true, _, _) => JpkiPolicy::TestCard,
        (false, true, false) => JpkiPolicy::Sign,
        (false, false, true) => JpkiPolicy::Auth,
        _ => JpkiPolicy::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> Vec<u64> {
        s.split('.').map(|c| c.parse().unwrap()).collect()
    }

    fn of(list: &[&str]) -> JpkiPolicy {
        let oids: Vec<Vec<u64>> = list.iter().map(|s| oid(s)).collect();
        classify(oids.iter().map(Vec::as_slice))
    }

    #[test]
    fn a_policy_under_the_sign_arc_is_a_signature_certificate() {
        assert_eq!(of(&["1.2.392.200149.8.5.1.1"]), JpkiPolicy::Sign);
        assert_eq!(of(&["1.2.392.200149.8.5.1.1.20"]), JpkiPolicy::Sign);
        assert_eq!(of(&["1.2.392.200149.8.5.1.1.20.7"]), JpkiPolicy::Sign);
    }

    #[test]
    fn real_auth_certificates_policy_is_under_the_auth_arc() {
        assert_eq!(of(&["1.2.392.200149.8.5.1.3.30"]), JpkiPolicy::Auth);
        assert_eq!(of(&["1.2.392.200149.8.5.1.3"]), JpkiPolicy::Auth);
    }

    #[test]
    fn arcs_compare_by_component_not_by_text() {
        // A string prefix test would put these under …8.5.1.1 and …8.5.1.3.
        assert_eq!(of(&["1.2.392.200149.8.5.1.10"]), JpkiPolicy::Other);
        assert_eq!(of(&["1.2.392.200149.8.5.1.11.1"]), JpkiPolicy::Other);
        assert_eq!(of(&["1.2.392.200149.8.5.1.30"]), JpkiPolicy::Other);
        // The arc's parent is not under it.
        assert_eq!(of(&["1.2.392.200149.8.5.1"]), JpkiPolicy::Other);
        assert_eq!(of(&["1.2.392.200149.8.5.5.1"]), JpkiPolicy::Other);
    }

    #[test]
    fn a_test_card_is_recognised_as_one_whatever_else_it_claims() {
        assert_eq!(of(&["1.2.392.200149.8.5.1.0.20"]), JpkiPolicy::TestCard);
        assert_eq!(of(&["1.2.392.200149.8.5.1.1.20", "1.2.392.200149.8.5.1.0.20"]), JpkiPolicy::TestCard);
    }

    #[test]
    fn no_policy_or_contradicting_policies_are_not_taken_for_either() {
        assert_eq!(of(&[]), JpkiPolicy::Other);
        assert_eq!(of(&["2.5.29.32.0"]), JpkiPolicy::Other);
        assert_eq!(of(&["1.2.392.200149.8.5.1.1.20", "1.2.392.200149.8.5.1.3.30"]), JpkiPolicy::Other);
        // Other policies beside a JPKI one do not change what it is.
        assert_eq!(of(&["2.5.29.32.0", "1.2.392.200149.8.5.1.1.20"]), JpkiPolicy::Sign);
    }
}
