//! `CardSession`: the signing flow for one card in the field, as the phone shells drive it.
//!
//! The PIN rules are the core's, and hold through this layer:
//! - the retry counter is read (no try spent) before every VERIFY, and VERIFY never happens at 0 / blocked;
//! - with one try left the PIN is presented only when the call carries the person's confirmation;
//! - a `SignPin` is taken out once, right before it is presented, and is gone after that whatever happens;
//! - a link lost during VERIFY is `VerifyOutcomeUnknown`: no retry, no re-verify.

use std::sync::{Arc, Mutex};

use kazasu_core::cert::{Certificate, Gender as CoreGender};
use kazasu_core::digest::HashAlgorithm as CoreHash;
use kazasu_core::jpki::{JpkiSession, LastTry, PinKind};

use crate::error::KazasuError;
use crate::handoff::{HandoffFailure, SigningRequest};
use crate::pin::SignPin;
use crate::transport::{CardTransport, ForeignTransport};

/// The hash the card's PKCS#1 v1.5 signature is made over (the core builds the DigestInfo).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl From<CoreHash> for HashAlgorithm {
    fn from(a: CoreHash) -> Self {
        match a {
            CoreHash::Sha256 => HashAlgorithm::Sha256,
            CoreHash::Sha384 => HashAlgorithm::Sha384,
            CoreHash::Sha512 => HashAlgorithm::Sha512,
        }
    }
}

impl From<HashAlgorithm> for CoreHash {
    fn from(a: HashAlgorithm) -> Self {
        match a {
            HashAlgorithm::Sha256 => CoreHash::Sha256,
            HashAlgorithm::Sha384 => CoreHash::Sha384,
            HashAlgorithm::Sha512 => CoreHash::Sha512,
        }
    }
}

/// The 基本4情報 of the JPKI signature certificate, as the certificate states them (absent fields are None).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Identity {
    /// 氏名
    pub name: Option<String>,
    /// 住所
    pub address: Option<String>,
    /// 生年月日, raw as in the certificate
    pub date_of_birth: Option<String>,
    /// 生年月日 as ISO 8601 (`1985-04-01`) when the raw form is understood
    pub date_of_birth_iso: Option<String>,
    /// 性別, raw code as in the certificate
    pub gender: Option<String>,
    /// 性別, understood (Unknown when the code is missing or not understood)
    pub gender_code: Gender,
    /// 氏名代替文字の使用位置 (characters outside JIS, if any)
    pub name_substitute: Option<String>,
    /// 住所代替文字の使用位置
    pub address_substitute: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Gender {
    Male,
    Female,
    NotStated,
    Unknown,
}

/// The result of a signing: the PKCS#1 v1.5 signature over `hash(data)`, the signature certificate (DER)
/// it verifies with, and the identity read from that certificate.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SignedDocument {
    pub signature: Vec<u8>,
    pub certificate: Vec<u8>,
    pub algorithm: HashAlgorithm,
    pub identity: Identity,
}

/// Where a signing is, for the progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum SignStep {
    /// Selecting the JPKI application.
    Connecting,
    /// Reading the retry counter and presenting the PIN.
    VerifyingPin,
    /// Reading the signature certificate.
    ReadingCertificate,
    /// The card computes the signature (takes a second or two: keep the card still).
    Signing,
}

/// Progress callback, implemented by the shell. Called on the signing thread; post to the UI thread yourself.
/// Whatever it throws is ignored (it returns a Result so that an exception cannot become a panic).
#[uniffi::export(with_foreign)]
pub trait SignProgress: Send + Sync {
    fn on_step(&self, step: SignStep) -> Result<(), KazasuError>;
}

/// One card in the field. Create one per tag discovery; calls are serialised.
#[derive(uniffi::Object)]
pub struct CardSession {
    transport: Arc<dyn CardTransport>,
    busy: Mutex<()>,
}

#[uniffi::export]
impl CardSession {
    #[uniffi::constructor]
    pub fn new(transport: Arc<dyn CardTransport>) -> Self {
        CardSession { transport, busy: Mutex::new(()) }
    }

    /// Tries left on the signature PIN (0 when blocked). Spends none.
    pub fn remaining_sign_pin_tries(&self) -> Result<u32, KazasuError> {
        let _busy = self.busy.lock().map_err(|_| poisoned())?;
        let mut link = ForeignTransport::new(self.transport.clone());
        let mut session = JpkiSession::open(&mut link)?;
        Ok(session.remaining_tries(PinKind::Sign)?.into())
    }

    /// The whole signing: select, counter, VERIFY (once), read the signature certificate, sign `data`.
    ///
    /// `confirmed_last_try` must be true only when the person explicitly agreed to use the last try.
    /// `data` must be the exact bytes shown to the person; the digest is computed here.
    pub fn sign(
        &self,
        pin: Arc<SignPin>,
        confirmed_last_try: bool,
        algorithm: HashAlgorithm,
        data: Vec<u8>,
        progress: Option<Arc<dyn SignProgress>>,
    ) -> Result<SignedDocument, KazasuError> {
        self.sign_bytes(pin, confirmed_last_try, algorithm, &data, progress)
    }

    /// Signs a fetched hand-off request: exactly its document bytes (the ones `request.display()` shows), with
    /// SHA-256. The expiry (at `now`, seconds since the epoch) and the app's memory of signed nonces are checked
    /// first — an expired or already signed request never reaches the card, and the PIN is not taken. Then the
    /// same flow and PIN rules as [`CardSession::sign`]. Card failures are `HandoffFailure::Card { error }`.
    /// Pass the result to `request.submit(...)`.
    pub fn sign_request(
        &self,
        pin: Arc<SignPin>,
        confirmed_last_try: bool,
        request: Arc<SigningRequest>,
        now: i64,
        progress: Option<Arc<dyn SignProgress>>,
    ) -> Result<SignedDocument, HandoffFailure> {
        if pin.is_used() {
            return Err(KazasuError::PinAlreadyUsed.into());
        }
        request.check_before_pin(now)?;
        let signed = self.sign_bytes(pin, confirmed_last_try, HashAlgorithm::Sha256, request.bytes_to_sign(), progress)?;
        request.record_signed();
        Ok(signed)
    }
}

impl CardSession {
    /// The one signing flow behind `sign` and `sign_request`.
    fn sign_bytes(
        &self,
        pin: Arc<SignPin>,
        confirmed_last_try: bool,
        algorithm: HashAlgorithm,
        data: &[u8],
        progress: Option<Arc<dyn SignProgress>>,
    ) -> Result<SignedDocument, KazasuError> {
        let _busy = self.busy.lock().map_err(|_| poisoned())?;
        if pin.is_used() {
            return Err(KazasuError::PinAlreadyUsed);
        }
        let step = |s: SignStep| {
            if let Some(p) = &progress {
                if let Err(e) = p.on_step(s) {
                    log::warn!("progress callback failed: {e}");
                }
            }
        };
        let mut link = ForeignTransport::new(self.transport.clone());

        step(SignStep::Connecting);
        let mut session = JpkiSession::open(&mut link)?;

        step(SignStep::VerifyingPin);
        // The core reads the counter and takes the PIN only when it presents it: the link most often drops in
        // the first exchanges after the tap, and a drop before VERIFY leaves this PIN usable for the next tap,
        // without an extra counter read (8 APDUs on an extended link, 15 on a short one).
        let last_try = if confirmed_last_try { LastTry::Confirmed } else { LastTry::NotConfirmed };
        session.verify_sign_pin_with(last_try, || pin.take().ok())?;

        step(SignStep::ReadingCertificate);
        let certificate = session.read_sign_certificate()?;
        // Parsed before signing: a certificate we cannot read is not signed with.
        let identity = identity_of(&certificate)?;

        step(SignStep::Signing);
        let signature = session.sign(algorithm.into(), data)?;
        Ok(SignedDocument { signature, certificate, algorithm, identity })
    }
}

/// The identity in a signature certificate (DER), e.g. one the app received earlier.
#[uniffi::export]
pub fn identity_of_certificate(certificate: Vec<u8>) -> Result<Identity, KazasuError> {
    identity_of(&certificate)
}

fn identity_of(der: &[u8]) -> Result<Identity, KazasuError> {
    let cert = Certificate::from_der(der).map_err(|e| KazasuError::Internal { detail: e.to_string() })?;
    let p = cert.personal.ok_or_else(|| KazasuError::Internal {
        detail: "the certificate carries no JPKI personal data (not a signature certificate)".into(),
    })?;
    Ok(identity_of_personal(p))
}

/// The identity as the FFI gives it, from the core's personal data.
pub(crate) fn identity_of_personal(p: kazasu_core::cert::PersonalData) -> Identity {
    let gender_code = match p.gender_code() {
        Some(CoreGender::Male) => Gender::Male,
        Some(CoreGender::Female) => Gender::Female,
        Some(CoreGender::NotStated) => Gender::NotStated,
        None => Gender::Unknown,
    };
    Identity {
        date_of_birth_iso: p.date_of_birth_iso(),
        gender_code,
        name: p.name,
        address: p.address,
        date_of_birth: p.date_of_birth,
        gender: p.gender,
        name_substitute: p.name_substitute,
        address_substitute: p.address_substitute,
    }
}

fn poisoned() -> KazasuError {
    KazasuError::Internal { detail: "a previous call on this session panicked".into() }
}
