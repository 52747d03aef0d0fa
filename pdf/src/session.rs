//! One PDF signing, from the file to the signed bytes, as the CLI and the FFI both drive it:
//!
//! 1. [`Session::prepare`] reads the file and makes the incremental update once, so whatever cannot be signed
//!    (encrypted, damaged, bytes before `%PDF`, certified with DocMDP P=1, a stamp on a page it lacks…) is
//!    refused before the password; [`Session::info`] is what the person is shown.
//! 2. In the signing tap, [`Session::attributes_for`] (through [`Session::builder`], the closure the core's
//!    `BuildFromCertificate` wraps) builds the signed attributes naming the certificate the card just gave — over
//!    a revision whose stamp carries lines written from that certificate, when the driver asked for that — and
//!    refuses a card other than the one asserted. [`Session::attributes_before_card`] builds them without the card,
//!    for a flow that signs bytes fixed in advance.
//! 3. [`Session::finish`] puts the card's signature (and, for B-T, a time-stamp of it) around those attributes
//!    into the file, once.
//! 4. [`SignedPdf::add_validation_data`] (B-LT) and [`SignedPdf::add_document_timestamp`] (B-LTA) append the
//!    long-term updates.
//!
//! Network stays with the driver: a time-stamp authority is reached through [`TimeStampAuthority`], which the
//! driver implements with its HTTP client and its crypto (this crate has neither).

use std::sync::{Arc, Mutex, MutexGuard};

use crate::dss::ValidationData;
use crate::error::PdfError;
use crate::prepare::{prepare, Prepared, SignOptions};
use crate::read::{inspect, PdfInfo};
use crate::timestamp::{self, Token};

/// Writes a visible stamp's lines from the signer's certificate (DER), e.g. 「署名者: NAME」 and the time.
pub type StampLines = dyn Fn(&[u8]) -> Vec<String> + Send + Sync;

/// A time-stamp authority as the driver reaches it (RFC 3161 over HTTP), and the crypto that checks its token.
pub trait TimeStampAuthority {
    /// The TSA's DER TimeStampResp to the DER TimeStampReq `request`.
    fn ask(&self, request: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>;
    /// Whether `signature` by `certificate` (DER) verifies over `data` (RSA PKCS#1 v1.5, SHA-256): the token's
    /// own signature.
    fn verifies(&self, certificate: &[u8], data: &[u8], signature: &[u8]) -> bool;
}

/// A nonce for a time-stamp request, from the operating system's random generator (63 bits: a positive INTEGER
/// in 8 bytes).
fn nonce() -> Result<u64, PdfError> {
    Ok(getrandom::u64().map_err(PdfError::Random)? >> 1)
}

/// A token from `tsa` for a request over `digest`, checked (status, nonce, imprint, its signature).
fn time_stamp(tsa: &dyn TimeStampAuthority, digest: &[u8; 32]) -> Result<Token, PdfError> {
    let nonce = nonce()?;
    let request = timestamp::request_for_digest(digest, nonce)?;
    let answer = tsa.ask(&request).map_err(PdfError::TimeStampUnanswered)?;
    let verifies = |c: &[u8], d: &[u8], s: &[u8]| tsa.verifies(c, d, s);
    Ok(timestamp::token_for_digest(&answer, digest, nonce, &verifies)?)
}

/// What the card gave back: its signature over the session's signed attributes, and its certificate.
#[derive(Clone, Copy, Debug)]
pub struct CardSignature<'a> {
    pub signature: &'a [u8],
    pub certificate: &'a [u8],
    /// The bytes the card signed, when the driver knows them: checked to be the session's attributes.
    pub signed_bytes: Option<&'a [u8]>,
}

/// The attributes built for the card, and the revision they are over.
struct Built {
    /// A revision stamped with lines from the card's certificate; `None`: the one prepared before the password.
    restamped: Option<Prepared>,
    attributes: Vec<u8>,
    /// The certificate they name (signing-certificate-v2), if any.
    certificate: Option<Vec<u8>>,
}

#[derive(Default)]
struct State {
    /// The revision prepared before the password (taken when finished).
    prepared: Option<Prepared>,
    built: Option<Built>,
    /// The card gave a certificate other than the one asserted.
    other_card: bool,
    finished: bool,
}

/// One PDF signing between the file and the signed bytes (module docs).
pub struct Session {
    input: Arc<[u8]>,
    info: PdfInfo,
    options: SignOptions,
    expected: Option<Vec<u8>>,
    stamp_lines: Option<Box<StampLines>>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("info", &self.info).finish_non_exhaustive()
    }
}

impl Session {
    /// Reads `input` and prepares its update with `options`: every refusal comes here, before the password.
    pub fn prepare(input: impl Into<Arc<[u8]>>, options: SignOptions) -> Result<Session, PdfError> {
        let input = input.into();
        let info = inspect(&input)?;
        let prepared = prepare(&input, &options)?;
        let state = Mutex::new(State { prepared: Some(prepared), ..State::default() });
        Ok(Session { input, info, options, expected: None, stamp_lines: None, state })
    }

    /// The signer's certificate when known before the card: the attributes name it, and a card with another is
    /// refused in the tap ([`Session::other_card`]) and its signature by [`Session::finish`].
    pub fn expecting(mut self, certificate: Option<Vec<u8>>) -> Session {
        self.expected = certificate;
        self
    }

    /// The stamp's lines are written in the tap from the card's certificate (the options' stamp gives where it
    /// goes; its lines before the card only stand in for the refusals of [`Session::prepare`]).
    pub fn with_stamp_lines(mut self, lines: impl Fn(&[u8]) -> Vec<String> + Send + Sync + 'static) -> Session {
        self.stamp_lines = Some(Box::new(lines));
        self
    }

    /// What the person is shown before the password: pages, size, SHA-256, signatures already in the file, what a
    /// certification allows.
    pub fn info(&self) -> &PdfInfo {
        &self.info
    }

    /// The file as given (what the review shows and hashes).
    pub fn input(&self) -> Arc<[u8]> {
        self.input.clone()
    }

    pub fn options(&self) -> &SignOptions {
        &self.options
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock left no half-written state worth refusing over: each step replaces
        // whole values.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the card gave a certificate other than the one asserted ([`Session::expecting`]): nothing was
    /// signed.
    pub fn other_card(&self) -> bool {
        self.state().other_card
    }

    /// The signed attributes the card signs in the tap that gave `certificate`: naming it, over the revision
    /// that carries the stamp written from it. Replaces whatever was built before.
    pub fn attributes_for(&self, certificate: &[u8]) -> Result<Vec<u8>, PdfError> {
        if self.expected.as_deref().is_some_and(|e| e != certificate) {
            self.state().other_card = true;
            return Err(PdfError::OtherCertificate);
        }
        let restamped = match (&self.stamp_lines, &self.options.stamp) {
            (Some(lines), Some(stamp)) => {
                let stamp = crate::Stamp { lines: lines(certificate), ..stamp.clone() };
                Some(prepare(&self.input, &SignOptions { stamp: Some(stamp), ..self.options.clone() })?)
            }
            _ => None,
        };
        let mut state = self.state();
        if state.finished {
            return Err(PdfError::AlreadyFinished);
        }
        let attributes = match (&restamped, &state.prepared) {
            (Some(p), _) | (None, Some(p)) => p.signed_attributes(Some(certificate))?,
            (None, None) => return Err(PdfError::AlreadyFinished),
        };
        let certificate = Some(certificate.to_vec());
        state.built = Some(Built { restamped, attributes: attributes.clone(), certificate });
        Ok(attributes)
    }

    /// The signed attributes built without the card, over the revision prepared before the password and naming
    /// the asserted certificate (or none): for a flow that signs bytes fixed in advance.
    pub fn attributes_before_card(&self) -> Result<Vec<u8>, PdfError> {
        let mut state = self.state();
        let prepared = state.prepared.as_ref().ok_or(PdfError::AlreadyFinished)?;
        let attributes = prepared.signed_attributes(self.expected.as_deref())?;
        let certificate = self.expected.clone();
        state.built = Some(Built { restamped: None, attributes: attributes.clone(), certificate });
        Ok(attributes)
    }

    /// [`Session::attributes_for`] as the closure the signing tap calls (the core's `BuildFromCertificate`):
    /// `None` when nothing may be signed, the reason logged.
    pub fn builder(self: &Arc<Self>) -> impl Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync + 'static {
        let session = self.clone();
        move |certificate: &[u8]| session.attributes_for(certificate).map_err(|e| log::info!("pdf: {e}")).ok()
    }

    /// The signed file: the CMS around `signed` (time-stamped by `tsa` for B-T) written into the placeholder of
    /// the revision the attributes were built over. Once: a second call is [`PdfError::AlreadyFinished`]; a
    /// signature by another certificate, or over other bytes, is [`PdfError::NotThisSession`] and leaves the
    /// session as it was.
    pub fn finish(
        &self,
        signed: CardSignature<'_>,
        tsa: Option<&dyn TimeStampAuthority>,
    ) -> Result<SignedPdf, PdfError> {
        let mut state = self.state();
        if state.finished {
            return Err(PdfError::AlreadyFinished);
        }
        let built = state.built.as_ref().ok_or(PdfError::NotThisSession)?;
        let other = |named: Option<&[u8]>| named.is_some_and(|c| c != signed.certificate);
        if other(self.expected.as_deref())
            || other(built.certificate.as_deref())
            || signed.signed_bytes.is_some_and(|b| b != built.attributes)
        {
            return Err(PdfError::NotThisSession);
        }
        let token = tsa.map(|tsa| time_stamp(tsa, &timestamp::signature_digest(signed.signature))).transpose()?;
        let der = token.as_ref().map(|t| t.der.as_slice());
        let cms = crate::cms::signed_data(&built.attributes, signed.certificate, &[], signed.signature, der)?;
        let prepared = match state.built.as_mut().and_then(|b| b.restamped.take()) {
            Some(p) => p,
            None => state.prepared.take().ok_or(PdfError::AlreadyFinished)?,
        };
        state.finished = true;
        state.built = None;
        state.prepared = None;
        let pdf = prepared.finish(&cms)?;
        Ok(SignedPdf { pdf, certificate: signed.certificate.to_vec(), timestamp: token })
    }
}

/// A signed PDF, to which the long-term updates (PAdES B-LT, B-LTA) may be appended.
#[derive(Clone, Debug)]
pub struct SignedPdf {
    pdf: Vec<u8>,
    certificate: Vec<u8>,
    timestamp: Option<Token>,
}

impl SignedPdf {
    pub fn bytes(&self) -> &[u8] {
        &self.pdf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.pdf
    }

    /// The signer's certificate (DER).
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// The signature's time-stamp (B-T), checked.
    pub fn timestamp(&self) -> Option<&Token> {
        self.timestamp.as_ref()
    }

    /// PAdES B-LT: the DSS update with `data` (the chain, the revocation answers; the driver checked them).
    pub fn add_validation_data(&mut self, data: &ValidationData) -> Result<(), PdfError> {
        self.pdf = crate::dss::append(&self.pdf, data)?;
        Ok(())
    }

    /// PAdES B-LTA: a document time-stamp from `tsa` over everything so far (the DSS included), in a last update.
    /// Returns its token. Nothing is changed when the TSA does not answer or its token does not hold.
    pub fn add_document_timestamp(&mut self, tsa: &dyn TimeStampAuthority) -> Result<Token, PdfError> {
        let prepared = crate::doc_timestamp::prepare(&self.pdf)?;
        let token = time_stamp(tsa, &prepared.digest())?;
        self.pdf = prepared.finish(&token.der)?;
        Ok(token)
    }
}
