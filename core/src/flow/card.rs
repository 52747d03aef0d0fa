//! One tap's card work — the only place where the PIN rules are composed into a signing or a log-in: the
//! counter read and VERIFY (under the rules of [`crate::JpkiSession`]), the certificate read and parsed, the signature
//! (by the sign key, or by the auth key over a log-in challenge).
//!
//! A [`CardJob`] is taken out of the [`super::Flow`] when a card arrives and run on a session while the flow is
//! free (a phone's UI thread is never blocked by the card); its [`CardOutcome`] is fed back to the flow.

use std::sync::Arc;

use crate::cert::{Certificate, PersonalData};
use crate::channel::Traffic;
use crate::{
    AuthPin, CardError, CardPin, HashAlgorithm, JpkiSession, LastTry, PinKind, RetryState, SignPin, Transport,
};

/// Where a tap is, for the progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Selecting the JPKI application.
    Connecting,
    /// Reading the retry counter (no try is spent).
    ReadingTries,
    /// Reading the retry counter and presenting the PIN.
    VerifyingPin,
    /// Reading the signature certificate.
    ReadingCertificate,
    /// The card computes the signature (a second or two: keep the card still).
    Signing,
}

/// Builds the bytes to sign from the signature certificate's DER, inside the tap that read it (a CMS
/// signed-attributes set naming the signer's certificate). `None`: this certificate cannot be named; nothing is
/// signed.
#[derive(Clone)]
pub struct BuildFromCertificate(Arc<BuildFn>);

type BuildFn = dyn Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync;

impl BuildFromCertificate {
    pub fn new(build: impl Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync + 'static) -> BuildFromCertificate {
        BuildFromCertificate(Arc::new(build))
    }

    fn build(&self, certificate: &[u8]) -> Option<Vec<u8>> {
        (self.0)(certificate)
    }
}

impl std::fmt::Debug for BuildFromCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BuildFromCertificate")
    }
}

/// What a signing tap signs.
#[derive(Clone)]
pub enum ToSign {
    /// Nothing: the tap reads the signature certificate (which the card gives only after VERIFY).
    CertificateOnly,
    /// Exactly these bytes, the ones the person was shown.
    Bytes(Arc<[u8]>),
    /// Bytes that name the signer's certificate, built from the certificate read in this same tap right before
    /// the card signs, so one password and one tap make a signature whose signed attributes name its
    /// certificate (PAdES signing-certificate-v2).
    BuiltFromCertificate(BuildFromCertificate),
}

impl std::fmt::Debug for ToSign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ToSign::CertificateOnly => f.write_str("CertificateOnly"),
            ToSign::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            ToSign::BuiltFromCertificate(_) => f.write_str("BuiltFromCertificate"),
        }
    }
}

/// A signature made by the card, with what it verifies with (for a certificate-only flow: the certificate and
/// an empty signature).
#[derive(Clone, Debug)]
pub struct Signature {
    /// RSA PKCS#1 v1.5 signature over the DigestInfo of the signed bytes.
    pub signature: Vec<u8>,
    /// Exactly the bytes signed (empty for a certificate-only flow): the shown bytes, or the ones built from
    /// the certificate.
    pub signed_bytes: Arc<[u8]>,
    /// DER of the signature certificate read from the card.
    pub certificate: Vec<u8>,
    /// 基本4情報 as the certificate states them.
    pub personal: PersonalData,
    pub algorithm: HashAlgorithm,
}

/// A log-in made by the card: the auth key's signature over the challenge, with the auth certificate.
#[derive(Clone, Debug)]
pub struct Authentication {
    /// RSA PKCS#1 v1.5 signature by the auth key over the DigestInfo of `signed_bytes`.
    pub signature: Vec<u8>,
    /// Exactly the challenge's bytes, as shown.
    pub signed_bytes: Arc<[u8]>,
    /// DER of the user-authentication certificate read from the card (no personal data in it).
    pub certificate: Vec<u8>,
    pub algorithm: HashAlgorithm,
}

/// What a tap is for.
pub(crate) enum Purpose {
    /// Read a PIN's counter only (the PIN is not typed yet).
    ReadTries(PinKind),
    /// Present the PIN once (counter first), read the certificate, sign `data`.
    Sign { pin: SignPin, last_try: LastTry, algorithm: HashAlgorithm, data: ToSign },
    /// Present the auth PIN once (its counter first), read the auth certificate, sign the challenge's bytes with
    /// the auth key.
    LogIn { pin: AuthPin, last_try: LastTry, data: Arc<[u8]> },
}

/// The card work of one tap, ready to run on a link.
pub struct CardJob {
    pub(crate) purpose: Purpose,
}

/// What a tap did.
pub enum CardOutcome {
    /// The counter, read without spending a try.
    TriesRead(RetryState),
    /// Signed.
    Signed(Signature),
    /// The auth key answered a log-in challenge.
    Authenticated(Authentication),
    /// It failed. `unpresented_pin` is the PIN when it never reached the card (the link dropped before VERIFY,
    /// or the counter stopped it): it may be presented on a later tap, still at most once.
    Failed { error: CardError, unpresented_pin: Option<CardPin> },
}

impl std::fmt::Debug for CardOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CardOutcome::TriesRead(r) => write!(f, "TriesRead({r:?})"),
            CardOutcome::Signed(_) => f.write_str("Signed"),
            CardOutcome::Authenticated(_) => f.write_str("Authenticated"),
            CardOutcome::Failed { error, unpresented_pin } => {
                write!(f, "Failed({error:?}, pin kept: {})", unpresented_pin.is_some())
            }
        }
    }
}

impl CardJob {
    /// A tap that only reads the sign PIN's counter.
    pub fn read_tries() -> CardJob {
        CardJob::read_tries_of(PinKind::Sign)
    }

    /// A tap that only reads the counter of `kind`.
    pub fn read_tries_of(kind: PinKind) -> CardJob {
        CardJob { purpose: Purpose::ReadTries(kind) }
    }

    /// A log-in tap: the auth PIN once (its counter first), the auth certificate, the auth key's signature over
    /// `challenge` (the challenge's exact bytes) with SHA-256.
    pub fn log_in(pin: AuthPin, last_try: LastTry, challenge: Arc<[u8]>) -> CardJob {
        CardJob { purpose: Purpose::LogIn { pin, last_try, data: challenge } }
    }

    /// A tap that signs `data` ([`ToSign`]; with `CertificateOnly` it only reads the signature certificate, and
    /// the [`Signature`] has an empty signature).
    pub fn sign(pin: SignPin, last_try: LastTry, algorithm: HashAlgorithm, data: ToSign) -> CardJob {
        CardJob { purpose: Purpose::Sign { pin, last_try, algorithm, data } }
    }

    /// Holds `transport` exclusively for this tap ([`Transport::exclusive`]), opens a session on it (SELECT of
    /// the JPKI AP) and runs the job.
    pub fn run_on<T: Transport>(self, mut transport: T, progress: &mut dyn FnMut(Step)) -> (CardOutcome, Traffic) {
        progress(Step::Connecting);
        let mut link = match transport.exclusive() {
            Ok(link) => link,
            Err(e) => return (self.failed_before_pin(CardError::Transport(e)), Traffic::default()),
        };
        match JpkiSession::open(&mut link) {
            Ok(mut session) => {
                let outcome = self.run(&mut session, progress);
                (outcome, session.traffic())
            }
            Err(error) => (self.failed_before_pin(error), Traffic::default()),
        }
    }

    /// Runs the job on an open session (a reader that keeps the card may run several jobs on one session).
    pub fn run<T: Transport>(self, session: &mut JpkiSession<T>, progress: &mut dyn FnMut(Step)) -> CardOutcome {
        match self.purpose {
            Purpose::ReadTries(kind) => {
                progress(Step::ReadingTries);
                match session.retry_state(kind) {
                    Ok(state) => CardOutcome::TriesRead(state),
                    Err(error) => CardOutcome::Failed { error, unpresented_pin: None },
                }
            }
            Purpose::Sign { pin, last_try, algorithm, data } => {
                match sign_once(session, pin, last_try, algorithm, &data, progress) {
                    Ok(signature) => CardOutcome::Signed(signature),
                    Err((error, pin)) => CardOutcome::Failed { error, unpresented_pin: pin.map(CardPin::Sign) },
                }
            }
            Purpose::LogIn { pin, last_try, data } => match log_in_once(session, pin, last_try, data, progress) {
                Ok(authentication) => CardOutcome::Authenticated(authentication),
                Err((error, pin)) => CardOutcome::Failed { error, unpresented_pin: pin.map(CardPin::Auth) },
            },
        }
    }

    fn failed_before_pin(self, error: CardError) -> CardOutcome {
        let unpresented_pin = match self.purpose {
            Purpose::Sign { pin, .. } => Some(CardPin::Sign(pin)),
            Purpose::LogIn { pin, .. } => Some(CardPin::Auth(pin)),
            Purpose::ReadTries(_) => None,
        };
        CardOutcome::Failed { error, unpresented_pin }
    }
}

/// Presents `pin` once (the counter read right before, by the session) and, when the card accepted it, reads
/// the certificate and signs. On failure, the PIN comes back only if it never reached the card.
pub(crate) fn sign_once<T: Transport>(
    session: &mut JpkiSession<T>,
    pin: SignPin,
    last_try: LastTry,
    algorithm: HashAlgorithm,
    data: &ToSign,
    progress: &mut dyn FnMut(Step),
) -> Result<Signature, (CardError, Option<SignPin>)> {
    progress(Step::VerifyingPin);
    // The session takes the PIN only at the moment it presents it, after the counter allowed it; a PIN still
    // here afterwards never reached the card.
    let mut slot = Some(pin);
    if let Err(error) = session.verify_sign_pin_with(last_try, || slot.take()) {
        return Err((error, slot));
    }
    sign_after_verify(session, algorithm, data, progress).map_err(|e| (e, None))
}

/// Presents the auth PIN once (its counter read right before, by the session) and, when the card accepted it,
/// reads the user-authentication certificate and signs `challenge` with the auth key. The certificate is read
/// after VERIFY although a マイナンバーカード gives it without a PIN: a phone token (スマホ用電子証明書) wants the PIN
/// first, and the count of APDUs is the same. On failure, the PIN comes back only if it never reached the card.
pub fn log_in_once<T: Transport>(
    session: &mut JpkiSession<T>,
    pin: AuthPin,
    last_try: LastTry,
    challenge: Arc<[u8]>,
    progress: &mut dyn FnMut(Step),
) -> Result<Authentication, (CardError, Option<AuthPin>)> {
    progress(Step::VerifyingPin);
    let mut slot = Some(pin);
    if let Err(error) = session.verify_auth_pin_with(last_try, || slot.take()) {
        return Err((error, slot));
    }
    let after_verify = |session: &mut JpkiSession<T>, progress: &mut dyn FnMut(Step)| {
        progress(Step::ReadingCertificate);
        let certificate = session.read_auth_certificate()?;
        // Parsed before signing: a certificate that cannot be read is not answered with.
        Certificate::from_der(&certificate).map_err(|_| CardError::Malformed {
            command: crate::apdu::CommandName::ReadBinary,
            reason: "the user-authentication certificate cannot be read",
        })?;
        progress(Step::Signing);
        let algorithm = crate::handoff::login::LOGIN_DIGEST;
        let signature = session.authenticate(algorithm, &challenge)?;
        Ok(Authentication { signature, signed_bytes: challenge.clone(), certificate, algorithm })
    };
    after_verify(session, progress).map_err(|e| (e, None))
}

fn sign_after_verify<T: Transport>(
    session: &mut JpkiSession<T>,
    algorithm: HashAlgorithm,
    data: &ToSign,
    progress: &mut dyn FnMut(Step),
) -> Result<Signature, CardError> {
    progress(Step::ReadingCertificate);
    let certificate = session.read_sign_certificate()?;
    // Parsed before signing: a certificate that cannot be read is not signed with.
    let personal = Certificate::from_der(&certificate).ok().and_then(|c| c.personal).ok_or(CardError::Malformed {
        command: crate::apdu::CommandName::ReadBinary,
        reason: "the signature certificate carries no readable JPKI personal data",
    })?;
    let signed_bytes: Arc<[u8]> = match data {
        ToSign::CertificateOnly => {
            let signed_bytes = Arc::from(Vec::new());
            return Ok(Signature { signature: Vec::new(), signed_bytes, certificate, personal, algorithm });
        }
        ToSign::Bytes(bytes) => bytes.clone(),
        ToSign::BuiltFromCertificate(build) => Arc::from(build.build(&certificate).ok_or(CardError::Malformed {
            command: crate::apdu::CommandName::ReadBinary,
            reason: "the signature certificate cannot be named in the signature",
        })?),
    };
    progress(Step::Signing);
    let signature = session.sign(algorithm, &signed_bytes)?;
    Ok(Signature { signature, signed_bytes, certificate, personal, algorithm })
}
