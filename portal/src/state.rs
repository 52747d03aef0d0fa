//! What a running portal holds: its configuration, store, revocation sources, rate limiters, cookie settings and
//! clock — and the lookups every route makes through them (an application for its owner, for the staff).

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use kazasu_core::clock::{Clock, SystemClock};
use kazasu_core::handoff::rp::Trust;
use kazasu_core::handoff::HttpsUrl;
use serde::{Deserialize, Serialize};

use crate::error::{Failure, Refused, StartError};
use crate::guard::{self, Cookies};
use crate::limits::{Limiters, RateLimits};
use crate::revocation::{CrlSource, Revocation};
use crate::store::{RequestRow, SignatureRow, Store};

/// How the portal runs.
pub struct Config {
    /// The origin people and apps see (`https://city.example.jp`; `http://127.0.0.1:PORT` in development).
    pub public_origin: String,
    pub relying_party: String,
    /// The trusted signature CAs (the J-LIS generations in production, the test CA in the demo) and whether
    /// test cards are accepted (development only; the start page says so).
    pub trust: Trust,
    /// The trusted user-authentication CAs for log-ins (`Trust::jpki_auth()` in production, the test PKI's auth
    /// CA in the demo). None: log-ins are checked against `trust`'s anchors (a file that holds both CAs).
    pub auth_trust: Option<Trust>,
    /// The operator's CRLs of those CAs (one per J-LIS distribution point it serves, or one complete CRL), each
    /// with its file (reread every `crl_refresh_secs`, 0: never) and optionally the operator's own URL for it
    /// (downloaded instead, each verified download kept in the file). The certificate's CRL distribution point
    /// picks the one that applies; a CRL past its nextUpdate refuses the submissions it applies to. Empty with
    /// `ocsp` or an explicit `--no-revocation-check`.
    pub crls: Vec<CrlSource>,
    pub crl_refresh_secs: u64,
    /// Revocation by OCSP instead of CRLs: the responder (None in it: the certificate's AIA responder). Good
    /// answers are cached until their nextUpdate.
    pub ocsp: Option<kazasu_core::ocsp::OcspConfig>,
    /// How long the OCSP responder may take.
    pub ocsp_timeout: std::time::Duration,
    /// Seconds a signing request stays valid.
    pub ttl_secs: i64,
    pub db_path: PathBuf,
    /// The city staff's bearer token for `/office/…` (None: the back office is off). Kept only as a digest.
    pub office_token: Option<String>,
    pub rate_limits: RateLimits,
    /// The header the reverse proxy sets to the client's address (e.g. `X-Real-IP`); None: the peer address.
    pub client_ip_header: Option<String>,
}

pub struct AppState {
    pub(crate) cfg: Config,
    pub(crate) store: Store,
    office_digest: Option<[u8; 32]>,
    pub(crate) revocation: Revocation,
    pub(crate) ocsp: Option<kazasu_core::ocsp::OcspChecker>,
    pub(crate) limiters: Limiters,
    pub(crate) cookies: Cookies,
    /// Where request expiry and certificate/CRL validity take their time from.
    clock: Arc<dyn Clock>,
    /// Seconds added to the clock (tests move time forward).
    clock_offset: AtomicI64,
}

pub type Shared = Arc<AppState>;

/// Where an application is, as the desktop page shows it (`pending`, `signed`, `expired` in the JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationState {
    Pending,
    Signed,
    Expired,
}

impl AppState {
    /// A portal on the system clock.
    pub fn new(cfg: Config) -> Result<Shared, StartError> {
        AppState::with_clock(cfg, Arc::new(SystemClock))
    }

    /// A portal whose every time-dependent check (request expiry, certificate validity, CRL currency) reads
    /// `clock` — tests pin it so they pass on any date.
    pub fn with_clock(mut cfg: Config, clock: Arc<dyn Clock>) -> Result<Shared, StartError> {
        let origin = HttpsUrl::parse(&cfg.public_origin).map_err(StartError::PublicOrigin)?;
        if origin.origin() != cfg.public_origin {
            return Err(StartError::PublicOriginSpelling(origin.origin()));
        }
        kazasu_core::handoff::document::check_text(
            "relying party name",
            &cfg.relying_party,
            kazasu_core::handoff::MAX_NAME_CHARS,
            false,
        )
        .map_err(StartError::RelyingPartyName)?;
        let store = Store::open(&cfg.db_path)?;
        let office_digest = match cfg.office_token.take() {
            Some(t) if t.trim().len() < 32 => return Err(StartError::OfficeTokenTooShort),
            Some(t) => Some(guard::digest(t.trim().as_bytes())),
            None => None,
        };
        if cfg.ocsp.is_some() && !cfg.crls.is_empty() {
            return Err(StartError::OcspAndCrl);
        }
        // The CRLs may be either CA's: the signature CAs' for signatures, the auth CAs' for log-ins.
        let crl_signers = match &cfg.auth_trust {
            Some(auth) => joined(&cfg.trust.anchors, &auth.anchors)?,
            None => cfg.trust.anchors.clone(),
        };
        let revocation = Revocation::new(std::mem::take(&mut cfg.crls), &crl_signers)?;
        let ocsp = cfg.ocsp.clone().map(|config| {
            let transport = kazasu_core::ocsp::UreqTransport { timeout: cfg.ocsp_timeout };
            kazasu_core::ocsp::OcspChecker::new(config, Box::new(transport))
        });
        let cookies = Cookies { secure: cfg.public_origin.starts_with("https://") };
        let limiters = Limiters::new(cfg.rate_limits);
        Ok(Arc::new(AppState {
            cfg,
            store,
            office_digest,
            revocation,
            ocsp,
            limiters,
            cookies,
            clock,
            clock_offset: AtomicI64::new(0),
        }))
    }

    /// The anchors a log-in's auth certificate must chain to.
    pub(crate) fn auth_trust(&self) -> &Trust {
        self.cfg.auth_trust.as_ref().unwrap_or(&self.cfg.trust)
    }

    /// Where certificates' revocation is read: the OCSP responder, the current CRLs, or nowhere
    /// (`--no-revocation-check`). `crls` holds the CRLs borrowed for the call.
    pub(crate) fn revocation_source<'a>(
        &'a self,
        crls: &'a [&'a kazasu_core::crl::ScopedCrl],
    ) -> kazasu_core::handoff::rp::RevocationSource<'a> {
        use kazasu_core::handoff::rp::RevocationSource;
        match &self.ocsp {
            Some(checker) => RevocationSource::Ocsp(checker),
            None if self.revocation.is_empty() => RevocationSource::NotChecked,
            None => RevocationSource::Crls(crls),
        }
    }

    /// The portal's time, seconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        self.clock.now() + self.clock_offset.load(Ordering::Relaxed)
    }

    /// Moves this portal's clock (tests).
    pub fn advance_clock(&self, secs: i64) {
        self.clock_offset.fetch_add(secs, Ordering::Relaxed);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn revocation(&self) -> &Revocation {
        &self.revocation
    }

    /// The key a client's rate limits are counted under: its address (from the proxy's header if configured).
    pub(crate) fn client_key(&self, headers: &HeaderMap, peer: std::net::SocketAddr) -> String {
        crate::limits::client_key(headers, self.cfg.client_ip_header.as_deref(), Some(peer))
    }

    /// What a browser's form that makes something (an application, a log-in, a re-link statement) passes first:
    /// the same origin, its form token, and the client's create rate.
    pub(crate) fn admit_creating_form(
        &self,
        headers: &HeaderMap,
        peer: std::net::SocketAddr,
        form_token: &str,
    ) -> Result<(), guard::Denied> {
        guard::same_origin(headers, &self.cfg.public_origin)?;
        guard::check_form_token(headers, self.cookies, form_token)?;
        self.limiters.create(&self.client_key(headers, peer))
    }

    /// The URL of a signing request: what the QR code and the app links name.
    pub(crate) fn request_url(&self, request_id: &str) -> String {
        format!("{}/r/{request_id}", self.cfg.public_origin)
    }

    /// The URL of a log-in challenge: what the log-in QR code and links carry.
    pub(crate) fn login_url(&self, challenge_id: &str) -> String {
        format!("{}/login/{challenge_id}", self.cfg.public_origin)
    }

    /// Where `row` is now.
    pub(crate) fn state_of(&self, row: &RequestRow) -> ApplicationState {
        if row.signed {
            ApplicationState::Signed
        } else if self.now() >= row.expires_at {
            ApplicationState::Expired
        } else {
            ApplicationState::Pending
        }
    }

    /// The application behind a desktop page, for the browser holding its owner cookie only.
    pub(crate) fn owned(&self, view: &str, headers: &HeaderMap) -> Result<(RequestRow, Option<SignatureRow>), Failure> {
        let (row, sig) = self.store.by_view(view).map_err(Refused::internal)?.ok_or_else(Refused::not_found)?;
        guard::check_owner(headers, row.owner.as_deref())?;
        Ok((row, sig))
    }

    /// An application by its request id, for the city's staff (bearer token) only.
    pub(crate) fn for_office(
        &self,
        id: &str,
        headers: &HeaderMap,
    ) -> Result<(RequestRow, Option<SignatureRow>), Failure> {
        guard::check_office(headers, self.office_digest.as_ref())?;
        Ok(self.store.by_id(id).map_err(Refused::internal)?.ok_or_else(Refused::not_found)?)
    }
}

/// Two sets of CA certificates as one (the CRLs' possible signers).
fn joined(
    a: &kazasu_core::anchors::TrustAnchors,
    b: &kazasu_core::anchors::TrustAnchors,
) -> Result<kazasu_core::anchors::TrustAnchors, StartError> {
    let mut pem = Vec::new();
    for anchor in a.iter().chain(b.iter()) {
        let x = openssl::x509::X509::from_der(anchor.der()).map_err(|e| StartError::Anchors(e.to_string()))?;
        pem.extend(x.to_pem().map_err(|e| StartError::Anchors(e.to_string()))?);
    }
    kazasu_core::anchors::TrustAnchors::from_pem_or_der("CA", &pem).map_err(|e| StartError::Anchors(e.to_string()))
}

/// `bytes` random bytes from the OS (OpenSSL's generator), base64url: request, view, nonce and cookie tokens.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    openssl::rand::rand_bytes(&mut buf).expect("the OS random generator works");
    B64URL.encode(buf)
}
