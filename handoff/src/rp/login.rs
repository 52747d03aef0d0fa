//! The relying party's side of a log-in: is this response the auth key's signature over exactly the challenge
//! it issued, to the session that asked, by a current JPKI user-authentication certificate? If so, which account
//! it is ([`AccountKey`]).
//!
//! ## The account key
//! The auth certificate carries no name, address or birth date; its subject is an identifier of the
//! certificate. The account key is SHA-256 over a label, the relying party's origin, and the certificate's
//! **issuer name and serial number** (DER), in base64url. Issuer + serial is what X.509 makes unique for a
//! certificate (RFC 5280 §4.1.2.2) whatever a CA puts in the subject, so the key does not depend on how J-LIS
//! spells subjects; the origin makes the key pairwise: two relying parties that compare their account keys
//! cannot match them (they still receive the certificate itself at each log-in, so this hides nothing from
//! the relying party that keeps the key, it only keeps stored keys from being a shared identifier).
//!
//! A renewed card (every 5 years, or after a loss) has a new auth certificate and so a new key. The relying
//! party re-links it with a step the person agrees to: logged in with the new card, the person signs a statement
//! "link this card to my earlier account" with the **signature certificate**, whose [`SignerIdentity`] the
//! relying party compares with the identities of the signatures it recorded for its accounts earlier; only when
//! exactly one earlier account matches, and none of that account's cards still works ([`card_is_current`]), does
//! it store the new key beside the old ones. Nothing is re-linked silently.
//!
//! ## The signer identity
//! SHA-256 over a label, the origin, and the signature certificate's **name and date of birth** — the two items
//! a renewal does not change. Not the address: it changes with every move (and a move reissues the signature
//! certificate). Not the gender: it can change too (a change of the legal gender is reissued on the card), and
//! name and birth date already tell people apart for one relying party; a name change (marriage) makes a renewed
//! card match nothing, which is a refusal, never a wrong link. The origin makes it pairwise like the account key:
//! relying parties cannot match their stored identities with each other's. It hides nothing from the relying
//! party itself, which keeps the signed applications with the names anyway.
//!
//! ## Why the earlier card must no longer work
//! The statement and the new card's log-in are two proofs the relying party cannot tie to one person: an
//! attacker logged in with *their own* card can relay the statement's QR code to a victim, and the victim's
//! signature names the victim's account. So the earlier account is taken over only when every card it was
//! logged in with is expired or revoked — as J-LIS revokes a card's certificates when it renews or replaces the
//! card. A person whose card still works has no reason to re-link (they log in with it), and is not exposed to a
//! relayed statement; the exposure left is the weeks between a renewal and the re-link, against which the app
//! shows the statement — the origin and the account to be linked — before the password.

use super::trust::{refusal_of, revocation_refusal, Trust};
use crate::cert::{Certificate, PersonalData};
use crate::login::{session_binding, Challenge, LoginResponse};
use crate::policy::JpkiPolicy;
use crate::verify::{verify_chain_to_issuer, verify_signature, VerifyError};
use crate::HashAlgorithm;
use crate::{CertificateRefusal, HandoffError, Refusal, SeenNonces};
use kazasu_pki::revocation::{check_revocation, RevocationChecked, RevocationSource};

/// A pseudonymous account identifier derived from an auth certificate for one relying party (module doc).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountKey(pub String);

impl AccountKey {
    /// The key of `certificate` at the relying party `origin`.
    pub fn of(certificate: &Certificate, origin: &str) -> AccountKey {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let mut input = Vec::with_capacity(256);
        for part in [b"kazasu-login-account/1".as_slice(), origin.as_bytes(), certificate.issuer_der()] {
            input.extend_from_slice(&(part.len() as u32).to_be_bytes());
            input.extend_from_slice(part);
        }
        input.extend_from_slice(certificate.serial_bytes());
        AccountKey(URL_SAFE_NO_PAD.encode(HashAlgorithm::Sha256.digest(&input)))
    }
}

/// Who signed, for re-linking a renewed card: SHA-256 over a label, the relying party's origin, and the
/// signature certificate's name and date of birth (module doc: why those two).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SignerIdentity(pub [u8; 32]);

impl SignerIdentity {
    /// The identity of the person `personal` describes at the relying party `origin`; None without a name or
    /// a readable date of birth.
    pub fn of(personal: &PersonalData, origin: &str) -> Option<SignerIdentity> {
        let name = personal.name.as_deref()?.trim();
        let born = personal.date_of_birth_iso()?;
        if name.is_empty() {
            return None;
        }
        let mut input = Vec::with_capacity(128);
        for part in [b"kazasu-signer-identity/1".as_slice(), origin.as_bytes(), name.as_bytes(), born.as_bytes()] {
            input.extend_from_slice(&(part.len() as u32).to_be_bytes());
            input.extend_from_slice(part);
        }
        <[u8; 32]>::try_from(HashAlgorithm::Sha256.digest(&input).as_slice()).ok().map(SignerIdentity)
    }
}

/// Whether an earlier card still works at `now`: its auth certificate (`certificate_der`) chains to `trust`,
/// is within its validity and is not revoked according to `revocation`. `Ok(false)`: expired or revoked (the
/// card was renewed, replaced or reported lost). `Err`: it cannot be told now (no current revocation answer,
/// an unreadable certificate) — a relying party refuses to re-link then.
pub fn card_is_current(
    certificate_der: &[u8],
    trust: &Trust,
    revocation: RevocationSource<'_>,
    now: i64,
) -> Result<bool, CertificateRefusal> {
    let issuer = match verify_chain_to_issuer(certificate_der, &trust.anchors, now) {
        Ok(issuer) => issuer,
        Err(e) => {
            return match refusal_of(e) {
                CertificateRefusal::Expired => Ok(false),
                other => Err(other),
            }
        }
    };
    match check_revocation(certificate_der, issuer.der(), revocation, now).map_err(revocation_refusal) {
        Ok(_) => Ok(true),
        Err(CertificateRefusal::Revoked | CertificateRefusal::OcspRevoked) => Ok(false),
        Err(other) => Err(other),
    }
}

/// A verified log-in.
#[derive(Clone, Debug)]
pub struct LoggedIn {
    pub account: AccountKey,
    pub challenge_id: String,
    pub certificate: Certificate,
    pub revocation: RevocationChecked,
}

/// Why a log-in is refused. Each has its test in this module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoginRefusal {
    /// The relying party's stored challenge cannot be read (its own fault), or the response is malformed.
    #[error("{0}")]
    Malformed(HandoffError),
    /// The response names another challenge (id or nonce) than the one it is checked against.
    #[error("the response answers another challenge")]
    NotThisChallenge,
    /// The challenge was issued to another browser session than the one claiming the log-in.
    #[error("the challenge belongs to another session")]
    OtherSession,
    #[error("the challenge expired at {expires_at}")]
    Expired { expires_at: String },
    /// The challenge was already answered (single use).
    #[error("the challenge was already used")]
    Replayed,
    /// A signature certificate, a test card (where not accepted), or no JPKI certificate at all.
    #[error("the certificate is not a JPKI user-authentication certificate")]
    NotAuthCertificate,
    #[error("the certificate is not acceptable: {0}")]
    Certificate(CertificateRefusal),
    /// The signature is not the certificate's key's over exactly this challenge.
    #[error("the signature is not over this challenge")]
    BadSignature,
}

impl LoginRefusal {
    /// The refusal code the relying party answers the app with.
    pub fn refusal(&self) -> Refusal {
        match self {
            LoginRefusal::Malformed(e) => e.refusal(),
            LoginRefusal::NotThisChallenge | LoginRefusal::OtherSession => Refusal::Mismatch,
            LoginRefusal::Expired { .. } => Refusal::Expired,
            LoginRefusal::Replayed => Refusal::Replayed,
            LoginRefusal::NotAuthCertificate => Refusal::BadCertificate,
            LoginRefusal::Certificate(c) => HandoffError::BadCertificate(*c).refusal(),
            LoginRefusal::BadSignature => Refusal::BadSignature,
        }
    }
}

/// Where a relying party records answered challenges, so each is answered once. [`SeenNonces`] is the in-memory
/// one; a relying party with several instances keeps them in its database.
pub trait UsedChallenges {
    fn was_used(&self, nonce: &str) -> bool;
    /// Records `nonce`; false when it was recorded already (a concurrent answer won).
    fn mark_used(&mut self, nonce: &str) -> bool;
}

impl UsedChallenges for SeenNonces {
    fn was_used(&self, nonce: &str) -> bool {
        self.contains(nonce)
    }
    fn mark_used(&mut self, nonce: &str) -> bool {
        self.record_nonce(nonce)
    }
}

/// Verifies a log-in `response` against the `challenge_bytes` the relying party issued and stored, for the
/// browser session whose secret is `session_secret`, at `now`: the response answers this challenge; the
/// challenge is bound to that session, current and not answered before; the certificate is a JPKI
/// user-authentication certificate (a test card's only where `trust` accepts them) that chains to one of
/// `trust`'s anchors (the J-LIS user-authentication CAs: [`Trust::jpki_auth`]) and is valid now; the signature
/// is over exactly the challenge's bytes; and — last, so no responder is asked about a log-in that fails anyway
/// — the certificate is not revoked according to `revocation`. Only then is the challenge marked used.
pub fn verify_login(
    challenge_bytes: &[u8],
    response: &LoginResponse,
    session_secret: &[u8],
    trust: &Trust,
    revocation: RevocationSource<'_>,
    used: &mut dyn UsedChallenges,
    now: i64,
) -> Result<LoggedIn, LoginRefusal> {
    let challenge = Challenge::parse(challenge_bytes).map_err(LoginRefusal::Malformed)?;
    let answer = &response.0;
    if answer.request_id != challenge.challenge_id || answer.nonce != challenge.nonce {
        return Err(LoginRefusal::NotThisChallenge);
    }
    if session_binding(session_secret) != challenge.session {
        return Err(LoginRefusal::OtherSession);
    }
    challenge.check_time(now).map_err(|e| match e {
        HandoffError::Expired { expires_at } => LoginRefusal::Expired { expires_at },
        other => LoginRefusal::Malformed(other),
    })?;
    if used.was_used(&challenge.nonce) {
        return Err(LoginRefusal::Replayed);
    }
    let bad = LoginRefusal::Certificate;
    let leaf = answer.certificate_chain.first().ok_or(bad(CertificateRefusal::Missing))?;
    let certificate = Certificate::from_der(leaf).map_err(|_| bad(CertificateRefusal::Unreadable))?;
    match certificate.policy {
        JpkiPolicy::Auth => {}
        JpkiPolicy::TestCard if trust.accept_test_cards => {}
        JpkiPolicy::TestCard => return Err(bad(CertificateRefusal::TestCard)),
        JpkiPolicy::Sign | JpkiPolicy::Other => return Err(LoginRefusal::NotAuthCertificate),
    }
    let issuer = verify_chain_to_issuer(leaf, &trust.anchors, now).map_err(|e| bad(refusal_of(e)))?;
    match verify_signature(leaf, answer.algorithm, challenge_bytes, &answer.signature) {
        Ok(()) => {}
        Err(VerifyError::BadSignature) => return Err(LoginRefusal::BadSignature),
        Err(e) => return Err(bad(refusal_of(e))),
    }
    let revocation = check_revocation(leaf, issuer.der(), revocation, now).map_err(|e| bad(revocation_refusal(e)))?;
    if !used.mark_used(&challenge.nonce) {
        return Err(LoginRefusal::Replayed);
    }
    Ok(LoggedIn {
        account: AccountKey::of(&certificate, &challenge.origin),
        challenge_id: challenge.challenge_id,
        certificate,
        revocation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anchors::TrustAnchors;
    use crate::login::{challenge_json, LoginChallenge};
    use crate::url::HttpsUrl;
    use kazasu_pki::crl::ScopedCrl;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::sign::Signer;

    const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/");
    const AUTH: &[u8] = include_bytes!("../../../fixtures/test-pki/auth.der");
    const AUTH_CA: &[u8] = include_bytes!("../../../fixtures/test-pki/auth-ca.der");
    const SIGN: &[u8] = include_bytes!("../../../fixtures/test-pki/sign.der");
    const SIGN_CA: &[u8] = include_bytes!("../../../fixtures/test-pki/sign-ca.der");
    const AUTH_CRL: &[u8] = include_bytes!("../../../fixtures/test-pki/auth-ca.crl.der");
    const REVOKING_CRL: &[u8] = include_bytes!("../../../fixtures/test-pki/auth-ca.revoking-auth.crl.der");
    const SESSION: &[u8] = b"the desktop browser's session cookie";

    fn now() -> i64 {
        let c = Certificate::from_der(AUTH).unwrap();
        (c.not_before + c.not_after) / 2
    }

    fn key(name: &str) -> PKey<openssl::pkey::Private> {
        let pem = std::fs::read_to_string(format!("{PKI}{name}.TEST-ONLY.key.pem")).unwrap();
        let start = pem.find("-----BEGIN").unwrap();
        PKey::private_key_from_pem(&pem.as_bytes()[start..]).unwrap()
    }

    fn sign(key_name: &str, data: &[u8]) -> Vec<u8> {
        let key = key(key_name);
        let mut s = Signer::new(MessageDigest::sha256(), &key).unwrap();
        s.update(data).unwrap();
        s.sign_to_vec().unwrap()
    }

    fn challenge(now: i64) -> Vec<u8> {
        Challenge {
            origin: "https://city.example.jp".into(),
            relying_party: "伊勢市（見本）".into(),
            challenge_id: "login_0123456789".into(),
            nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
            issued_at: now - 10,
            created_from: "Windows · Chrome".into(),
            expires_at: now + 290,
            session: session_binding(SESSION),
            submit_url: "https://city.example.jp/login/login_0123456789/response".into(),
        }
        .render()
        .unwrap()
    }

    /// What the app sends for `bytes`: signed by `key_name`'s key, with `cert`.
    fn response(bytes: &[u8], key_name: &str, cert: &[u8], now: i64) -> LoginResponse {
        let url = HttpsUrl::parse("https://city.example.jp/login/login_0123456789").unwrap();
        let fetched = LoginChallenge::from_json(&url, &challenge_json(bytes).unwrap(), now).unwrap();
        LoginResponse::new(&fetched, sign(key_name, fetched.bytes_to_sign()), cert.to_vec())
    }

    fn trust() -> Trust {
        Trust::only(TrustAnchors::from_der(AUTH_CA).unwrap())
    }

    fn verify(bytes: &[u8], r: &LoginResponse, seen: &mut SeenNonces, t: i64) -> Result<LoggedIn, LoginRefusal> {
        let crl = ScopedCrl::read(AUTH_CRL).unwrap();
        verify_login(bytes, r, SESSION, &trust(), RevocationSource::Crls(&[&crl]), seen, t)
    }

    #[test]
    fn a_log_in_by_the_auth_key_over_this_challenge_gives_a_stable_pairwise_account_key() {
        let t = now();
        let bytes = challenge(t);
        let logged_in = verify(&bytes, &response(&bytes, "auth", AUTH, t), &mut SeenNonces::new(8), t).unwrap();
        assert_eq!(logged_in.challenge_id, "login_0123456789");
        assert_eq!(logged_in.revocation, RevocationChecked::Crl);
        let cert = Certificate::from_der(AUTH).unwrap();
        assert_eq!(logged_in.account, AccountKey::of(&cert, "https://city.example.jp"));
        assert_ne!(logged_in.account, AccountKey::of(&cert, "https://other-city.example.jp"), "not pairwise");
        assert_eq!(logged_in.account.0.len(), 43);
        assert!(!logged_in.account.0.contains("KAZASU"), "the key shows the certificate's subject");
    }

    #[test]
    fn a_replayed_challenge_is_refused() {
        let t = now();
        let bytes = challenge(t);
        let r = response(&bytes, "auth", AUTH, t);
        let mut seen = SeenNonces::new(8);
        verify(&bytes, &r, &mut seen, t).unwrap();
        assert_eq!(verify(&bytes, &r, &mut seen, t + 1).unwrap_err(), LoginRefusal::Replayed);
    }

    #[test]
    fn a_failed_attempt_does_not_use_up_the_challenge() {
        let t = now();
        let bytes = challenge(t);
        let mut seen = SeenNonces::new(8);
        let mut forged = response(&bytes, "auth", AUTH, t);
        forged.0.signature[7] ^= 1;
        assert_eq!(verify(&bytes, &forged, &mut seen, t).unwrap_err(), LoginRefusal::BadSignature);
        verify(&bytes, &response(&bytes, "auth", AUTH, t), &mut seen, t).unwrap();
    }

    #[test]
    fn an_expired_challenge_is_refused() {
        let t = now();
        let bytes = challenge(t);
        let r = response(&bytes, "auth", AUTH, t);
        assert!(matches!(verify(&bytes, &r, &mut SeenNonces::new(8), t + 290), Err(LoginRefusal::Expired { .. })));
    }

    #[test]
    fn a_signature_over_another_challenge_is_refused() {
        let t = now();
        let bytes = challenge(t);
        let mut r = response(&bytes, "auth", AUTH, t);
        // The same key's signature over different bytes (another challenge's, or the challenge with its
        // expiry moved) does not log in.
        r.0.signature = sign("auth", &challenge(t + 5));
        assert_eq!(verify(&bytes, &r, &mut SeenNonces::new(8), t).unwrap_err(), LoginRefusal::BadSignature);
        // …and a response naming another challenge is refused before any cryptography.
        let mut other = response(&bytes, "auth", AUTH, t);
        other.0.nonce = "BBECAwQFBgcICQoLDA0ODw".into();
        assert_eq!(verify(&bytes, &other, &mut SeenNonces::new(8), t).unwrap_err(), LoginRefusal::NotThisChallenge);
    }

    #[test]
    fn a_challenge_bound_to_another_session_is_refused() {
        let t = now();
        let bytes = challenge(t);
        let r = response(&bytes, "auth", AUTH, t);
        let crl = ScopedCrl::read(AUTH_CRL).unwrap();
        let crls = [&crl];
        let mut seen = SeenNonces::new(8);
        let attacker =
            verify_login(&bytes, &r, b"another session", &trust(), RevocationSource::Crls(&crls), &mut seen, t);
        assert_eq!(attacker.unwrap_err(), LoginRefusal::OtherSession);
    }

    #[test]
    fn an_auth_certificate_from_another_ca_is_refused() {
        let t = now();
        let bytes = challenge(t);
        let r = response(&bytes, "auth", AUTH, t);
        let sign_ca_only = Trust::only(TrustAnchors::from_der(SIGN_CA).unwrap());
        let got =
            verify_login(&bytes, &r, SESSION, &sign_ca_only, RevocationSource::NotChecked, &mut SeenNonces::new(8), t);
        assert_eq!(got.unwrap_err(), LoginRefusal::Certificate(CertificateRefusal::UnknownIssuer));
        // The built-in J-LIS user-authentication CAs did not issue the test certificate either.
        let got = verify_login(
            &bytes,
            &r,
            SESSION,
            &Trust::jpki_auth(),
            RevocationSource::NotChecked,
            &mut SeenNonces::new(8),
            t,
        );
        assert_eq!(got.unwrap_err(), LoginRefusal::Certificate(CertificateRefusal::UnknownIssuer));
    }

    #[test]
    fn a_signature_certificate_does_not_log_in() {
        let t = now();
        let bytes = challenge(t);
        let r = response(&bytes, "sign", SIGN, t);
        let both = Trust::only(TrustAnchors::from_der(SIGN_CA).unwrap());
        let got = verify_login(&bytes, &r, SESSION, &both, RevocationSource::NotChecked, &mut SeenNonces::new(8), t);
        assert_eq!(got.unwrap_err(), LoginRefusal::NotAuthCertificate);
        assert_eq!(LoginRefusal::NotAuthCertificate.refusal(), Refusal::BadCertificate);
    }

    #[test]
    fn an_expired_auth_certificate_is_refused() {
        let c = Certificate::from_der(AUTH).unwrap();
        // A challenge issued after the certificate's last day.
        let t = c.not_after + 86_400;
        let bytes = challenge(t);
        let r = response(&bytes, "auth", AUTH, t);
        let got = verify_login(&bytes, &r, SESSION, &trust(), RevocationSource::NotChecked, &mut SeenNonces::new(8), t);
        assert_eq!(got.unwrap_err(), LoginRefusal::Certificate(CertificateRefusal::Expired));
    }

    #[test]
    fn a_revoked_auth_certificate_is_refused_and_a_crl_is_needed_for_its_distribution_point() {
        let t = now();
        let bytes = challenge(t);
        let r = response(&bytes, "auth", AUTH, t);
        let revoking = ScopedCrl::read(REVOKING_CRL).unwrap();
        let mut seen = SeenNonces::new(8);
        let got = verify_login(&bytes, &r, SESSION, &trust(), RevocationSource::Crls(&[&revoking]), &mut seen, t);
        assert_eq!(got.unwrap_err(), LoginRefusal::Certificate(CertificateRefusal::Revoked));
        // The sign CA's CRL does not cover the auth certificate's distribution point.
        let sign_crl = ScopedCrl::read(include_bytes!("../../../fixtures/test-pki/sign-ca.crl.der")).unwrap();
        let got = verify_login(&bytes, &r, SESSION, &trust(), RevocationSource::Crls(&[&sign_crl]), &mut seen, t);
        let refused = got.unwrap_err();
        assert_eq!(refused, LoginRefusal::Certificate(CertificateRefusal::NoCrlForDistributionPoint));
        assert_eq!(refused.refusal(), Refusal::RevocationUnavailable);
        // Neither refusal used up the challenge.
        verify(&bytes, &r, &mut seen, t).unwrap();
    }

    #[test]
    fn the_signer_identity_is_name_and_birth_date_at_one_origin_and_not_the_address() {
        let personal = |der: &[u8]| Certificate::from_der(der).unwrap().personal.unwrap();
        let before = personal(SIGN);
        let renewed = personal(include_bytes!("../../../fixtures/test-pki/sign-renewed.der"));
        assert_ne!(before.address, renewed.address, "the renewed card's holder moved");
        let origin = "https://city.example.jp";
        let id = SignerIdentity::of(&before, origin).unwrap();
        assert_eq!(SignerIdentity::of(&renewed, origin).unwrap(), id, "same name and birth date: same identity");
        assert_ne!(SignerIdentity::of(&before, "https://town.example.jp").unwrap(), id, "pairwise per origin");
        let other = personal(include_bytes!("../../../fixtures/test-pki/sign-testcard.der"));
        assert_ne!(SignerIdentity::of(&other, origin).unwrap(), id, "another person");
        let born_later = PersonalData { date_of_birth: Some("319850402".into()), ..before.clone() };
        assert_ne!(SignerIdentity::of(&born_later, origin).unwrap(), id);
        assert_eq!(SignerIdentity::of(&PersonalData { name: None, ..before }, origin), None);
    }

    #[test]
    fn an_earlier_card_is_current_until_its_auth_certificate_expires_or_is_revoked() {
        let t = now();
        let current = ScopedCrl::read(AUTH_CRL).unwrap();
        let revoking = ScopedCrl::read(REVOKING_CRL).unwrap();
        assert_eq!(card_is_current(AUTH, &trust(), RevocationSource::Crls(&[&current]), t), Ok(true));
        assert_eq!(card_is_current(AUTH, &trust(), RevocationSource::Crls(&[&revoking]), t), Ok(false));
        let after = Certificate::from_der(AUTH).unwrap().not_after + 86_400;
        assert_eq!(card_is_current(AUTH, &trust(), RevocationSource::NotChecked, after), Ok(false));
        // No revocation answer for it: cannot be told, not "dead".
        let sign_crl = ScopedCrl::read(include_bytes!("../../../fixtures/test-pki/sign-ca.crl.der")).unwrap();
        assert_eq!(
            card_is_current(AUTH, &trust(), RevocationSource::Crls(&[&sign_crl]), t),
            Err(CertificateRefusal::NoCrlForDistributionPoint)
        );
    }
}
