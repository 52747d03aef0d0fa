//! `CardSession`: the signing flow for one card in the field, as the phone shells drive it.
//!
//! The PIN rules are the core's, and hold through this layer:
//! - the retry counter is read (no try spent) before every VERIFY, and VERIFY never happens at 0 / blocked;
//! - with one try left the PIN is presented only when the call carries the person's confirmation;
//! - a `SignPin` is taken out once, right before it is presented, and is gone after that whatever happens;
//! - a link lost during VERIFY is `VerifyOutcomeUnknown`: no retry, no re-verify.

use std::sync::{Arc, Mutex};

use kazasu_core::digest::HashAlgorithm as CoreHash;
use kazasu_core::jpki::{JpkiSession, LastTry, PinKind};

use crate::error::KazasuError;
use crate::pin::SignPin;
use crate::transport::{CardTransport, ForeignTransport};

/// The hash the card's PKCS#1 v1.5 signature is made over (the core builds the DigestInfo).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
    Sha512,
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

/// The result of a signing: the PKCS#1 v1.5 signature over `hash(data)` and the signature certificate (DER)
/// it verifies with.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SignedDocument {
    pub signature: Vec<u8>,
    pub certificate: Vec<u8>,
    pub algorithm: HashAlgorithm,
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
#[uniffi::export(with_foreign)]
pub trait SignProgress: Send + Sync {
    fn on_step(&self, step: SignStep);
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
        let _busy = self.busy.lock().map_err(|_| poisoned())?;
        if pin.is_used() {
            return Err(KazasuError::PinAlreadyUsed);
        }
        let step = |s: SignStep| {
            if let Some(p) = &progress {
                p.on_step(s)
            }
        };
        let mut link = ForeignTransport::new(self.transport.clone());

        step(SignStep::Connecting);
        let mut session = JpkiSession::open(&mut link)?;

        step(SignStep::VerifyingPin);
        let last_try = if confirmed_last_try { LastTry::Confirmed } else { LastTry::NotConfirmed };
        // Taken only now: a card lost before this point leaves the PIN usable for the next tap.
        session.verify_sign_pin(pin.take()?, last_try)?;

        step(SignStep::ReadingCertificate);
        let certificate = session.read_sign_certificate()?;

        step(SignStep::Signing);
        let signature = session.sign(algorithm.into(), &data)?;
        Ok(SignedDocument { signature, certificate, algorithm })
    }
}

fn poisoned() -> KazasuError {
    KazasuError::Internal { detail: "a previous call on this session panicked".into() }
}
