//! Revocation by OCSP (RFC 6960), the way J-LIS hands it to licensed verifiers: its end-entity certificates
//! name an OCSP responder in authorityInfoAccess and no CRL download URL.
//!
//! One check asks the responder (the certificate's, or one the deployment configures) about one certificate
//! with a fresh nonce, and accepts only a `good` answer that is signed by the issuing CA itself or by a
//! responder the CA certified for id-kp-OCSPSigning, carries the request's nonce, and is current
//! (thisUpdate ≤ now ≤ nextUpdate). Everything else is refused with its own [`OcspError`]: a revoked or unknown
//! certificate, and equally a responder that cannot be reached or whose answer cannot be trusted (fail closed).
//! A good answer with a nextUpdate is cached until then, so a busy relying party does not ask again per
//! signature.
//!
//! The division of work: OpenSSL (`openssl::ocsp`) computes the CertID and verifies the response's signature
//! and the responder's authority (`OCSP_basic_verify`, the check that decides trust); RustCrypto's `x509-ocsp`
//! holds the ASN.1 the `openssl` crate does not expose — the nonce extension of request and response — and
//! reads the status and times of the single response. HTTP is behind [`OcspTransport`]; [`UreqTransport`]
//! (feature `ocsp-http`) is the one the CLI and the portal use.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use der::asn1::OctetString;
use der::{Decode, Encode};
use openssl::hash::MessageDigest;
use openssl::ocsp::{OcspCertId, OcspFlag, OcspRequest, OcspResponse};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::X509;
use x509_cert::ext::Extension;
use x509_ocsp::{BasicOcspResponse, CertId, CertStatus, OcspResponseStatus};

/// Length of the request nonce (RFC 8954 allows 1–32 octets; the largest is the hardest to guess).
pub const NONCE_LEN: usize = 32;
/// The largest response read. An OCSP response about one certificate with the responder's certificate is a few
/// kilobytes; anything near this is not one.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// How long a responder may take, unless the deployment says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How far a responder's clock may be ahead of ours for its thisUpdate to count as current.
pub const DEFAULT_LEEWAY_SECS: i64 = 300;
/// Good answers kept at most (a portal sees many signers; expired answers go first).
pub const CACHE_ENTRIES: usize = 10_000;

/// Why a transport brought back no response body.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransportError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Unreachable(String),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
}

/// Carries one DER OCSP request to a responder and brings back its answer: an HTTP POST with
/// `Content-Type: application/ocsp-request` (RFC 6960 appendix A), a bounded body and a timeout. A trait so that
/// tests and other transports (a platform's HTTP stack) can stand in.
pub trait OcspTransport: Send + Sync {
    fn post(&self, url: &str, request: &[u8]) -> Result<Vec<u8>, TransportError>;
}

/// Why a certificate's revocation status could not be established as good. Only `Revoked` and `Unknown` are the
/// responder's word about the certificate; every other variant means the responder could not be asked or not
/// be believed, and is a refusal all the same.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum OcspError {
    #[error("cannot read the {what}: {detail}")]
    Unreadable { what: &'static str, detail: String },
    #[error("the certificate names no OCSP responder and none is configured")]
    NoResponder,
    #[error("the OCSP responder {url} cannot be reached: {source}")]
    Unreachable { url: String, source: TransportError },
    #[error("the OCSP responder's answer is not an OCSP response: {0}")]
    Garbage(String),
    #[error("the OCSP responder did not answer the request (response status {0})")]
    ResponderError(u32),
    #[error("the OCSP response does not carry this request's nonce (a replayed or foreign answer)")]
    WrongNonce,
    #[error("the OCSP response is not signed by the CA or by a responder it authorised: {0}")]
    Untrusted(String),
    #[error("the OCSP response says nothing about this certificate")]
    NoStatus,
    #[error("the OCSP response is not current (thisUpdate {this_update}, nextUpdate {next_update:?}, now {now})")]
    NotCurrent { this_update: i64, next_update: Option<i64>, now: i64 },
    #[error("the OCSP responder says the certificate is revoked (since {revoked_at})")]
    Revoked { revoked_at: i64 },
    #[error("the OCSP responder does not know the certificate")]
    Unknown,
    #[error("OpenSSL failed: {0}")]
    OpenSsl(String),
}

impl From<openssl::error::ErrorStack> for OcspError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        OcspError::OpenSsl(e.to_string())
    }
}

/// How a deployment asks.
#[derive(Clone, Debug)]
pub struct OcspConfig {
    /// The responder to ask instead of the one the certificate names (a verifier's licensed endpoint).
    pub responder: Option<String>,
    /// Refuse an answer without the request's nonce (on by default: without it, an old `good` could be replayed
    /// until its nextUpdate).
    pub require_nonce: bool,
    /// See [`DEFAULT_LEEWAY_SECS`].
    pub leeway_secs: i64,
}

impl Default for OcspConfig {
    fn default() -> Self {
        OcspConfig { responder: None, require_nonce: true, leeway_secs: DEFAULT_LEEWAY_SECS }
    }
}

/// A good answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspGood {
    /// The responder that said so.
    pub responder: String,
    pub this_update: i64,
    pub next_update: Option<i64>,
    /// Whether it came from the cache (asked earlier, nextUpdate not reached).
    pub cached: bool,
    /// The responder's answer as received (DER OCSPResponse): what a PDF's DSS keeps so that a verifier can
    /// check the same answer later (PAdES B-LT).
    pub response: Vec<u8>,
}

/// Asks OCSP responders and remembers their good answers until nextUpdate.
pub struct OcspChecker {
    config: OcspConfig,
    transport: Box<dyn OcspTransport>,
    /// CertID (DER) → the good answer.
    cache: Mutex<HashMap<Vec<u8>, OcspGood>>,
}

impl std::fmt::Debug for OcspChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcspChecker").field("config", &self.config).finish_non_exhaustive()
    }
}

/// The OCSP responder URLs of the certificate's authorityInfoAccess, in its order.
pub fn responder_urls(cert_der: &[u8]) -> Result<Vec<String>, OcspError> {
    let cert = x509("certificate", cert_der)?;
    Ok(cert.ocsp_responders().map(|s| s.iter().map(|u| u.to_string()).collect()).unwrap_or_default())
}

fn x509(what: &'static str, der: &[u8]) -> Result<X509, OcspError> {
    X509::from_der(der).map_err(|e| OcspError::Unreadable { what, detail: e.to_string() })
}

fn garbage(e: impl std::fmt::Display) -> OcspError {
    OcspError::Garbage(e.to_string())
}

/// One request: its DER, the CertID asked about, and the nonce extension it carries.
struct Request {
    der: Vec<u8>,
    cert_id: CertId,
    nonce: Extension,
}

/// Builds the request: OpenSSL computes the CertID (SHA-1 of the issuer's name and key, as RFC 6960 responders
/// expect), x509-ocsp adds the nonce extension the `openssl` crate cannot.
fn build_request(cert: &X509, issuer: &X509) -> Result<Request, OcspError> {
    let mut req = OcspRequest::new()?;
    req.add_id(OcspCertId::from_cert(MessageDigest::sha1(), cert, issuer)?)?;
    let mut parsed = x509_ocsp::OcspRequest::from_der(&req.to_der()?).map_err(|e| OcspError::OpenSsl(e.to_string()))?;
    let cert_id = parsed
        .tbs_request
        .request_list
        .first()
        .map(|r| r.req_cert.clone())
        .ok_or_else(|| OcspError::OpenSsl("OpenSSL built a request without a CertID".into()))?;
    let mut bytes = [0u8; NONCE_LEN];
    openssl::rand::rand_bytes(&mut bytes)?;
    let value =
        OctetString::new(bytes.to_vec()).and_then(|o| o.to_der()).map_err(|e| OcspError::OpenSsl(e.to_string()))?;
    let nonce = Extension {
        extn_id: const_oid::db::rfc6960::ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(value).map_err(|e| OcspError::OpenSsl(e.to_string()))?,
    };
    parsed.tbs_request.request_extensions = Some(vec![nonce.clone()]);
    let der = parsed.to_der().map_err(|e| OcspError::OpenSsl(e.to_string()))?;
    Ok(Request { der, cert_id, nonce })
}

fn unix(t: &x509_ocsp::OcspGeneralizedTime) -> i64 {
    t.0.to_unix_duration().as_secs() as i64
}

fn same_cert(a: &CertId, b: &CertId) -> bool {
    a.hash_algorithm.oid == b.hash_algorithm.oid
        && a.issuer_name_hash == b.issuer_name_hash
        && a.issuer_key_hash == b.issuer_key_hash
        && a.serial_number == b.serial_number
}

/// Checks an answer to `request` about `cert` issued by `issuer`, at `now`. The order matters: nothing the
/// response says is read as a status before its signature and its signer's authority have been verified.
fn check_response(
    body: &[u8],
    request: &Request,
    issuer: &X509,
    now: i64,
    config: &OcspConfig,
) -> Result<(i64, Option<i64>), OcspError> {
    let response = OcspResponse::from_der(body).map_err(garbage)?;
    let parsed = x509_ocsp::OcspResponse::from_der(body).map_err(garbage)?;
    if parsed.response_status != OcspResponseStatus::Successful {
        return Err(OcspError::ResponderError(parsed.response_status as u32));
    }
    let bytes = parsed.response_bytes.ok_or_else(|| garbage("a successful response without a body"))?;
    if bytes.response_type != const_oid::db::rfc6960::ID_PKIX_OCSP_BASIC {
        return Err(garbage(format!("response type {} is not id-pkix-ocsp-basic", bytes.response_type)));
    }
    let basic_parsed = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(garbage)?;

    // The signature and the signer's authority, by OpenSSL: the signer is the CA itself, or a certificate the CA
    // issued with id-kp-OCSPSigning (OCSP_check_delegated); both valid at `now`. NO_EXPLICIT: no trust settings
    // of a root stand in for that.
    let basic = response.basic().map_err(garbage)?;
    let mut store = X509StoreBuilder::new()?;
    store.add_cert(issuer.clone())?;
    let mut param = X509VerifyParam::new()?;
    param.set_time(now as _);
    store.set_param(&param)?;
    let store = store.build();
    let mut certs = Stack::new()?;
    certs.push(issuer.clone())?;
    basic.verify(&certs, &store, OcspFlag::NO_EXPLICIT).map_err(|e| {
        // OpenSSL's last reason is the one that decided ("signature failure", "missing ocspsigning usage", …).
        OcspError::Untrusted(e.errors().iter().rev().find_map(|e| e.reason()).unwrap_or("rejected").to_string())
    })?;

    let data = &basic_parsed.tbs_response_data;
    let nonce =
        data.response_extensions.iter().flatten().find(|e| e.extn_id == const_oid::db::rfc6960::ID_PKIX_OCSP_NONCE);
    match nonce {
        Some(n) if n.extn_value == request.nonce.extn_value => {}
        None if !config.require_nonce => {}
        _ => return Err(OcspError::WrongNonce),
    }

    let single = data.responses.iter().find(|r| same_cert(&r.cert_id, &request.cert_id)).ok_or(OcspError::NoStatus)?;
    let this_update = unix(&single.this_update);
    let next_update = single.next_update.as_ref().map(unix);
    if this_update > now + config.leeway_secs || next_update.is_some_and(|n| n < now) {
        return Err(OcspError::NotCurrent { this_update, next_update, now });
    }
    match &single.cert_status {
        CertStatus::Good(_) => Ok((this_update, next_update)),
        CertStatus::Revoked(info) => Err(OcspError::Revoked { revoked_at: unix(&info.revocation_time) }),
        CertStatus::Unknown(_) => Err(OcspError::Unknown),
    }
}

impl OcspChecker {
    pub fn new(config: OcspConfig, transport: Box<dyn OcspTransport>) -> OcspChecker {
        OcspChecker { config, transport, cache: Mutex::new(HashMap::new()) }
    }

    pub fn config(&self) -> &OcspConfig {
        &self.config
    }

    /// The responder this checker asks about `cert_der`: the configured one, else the certificate's first.
    pub fn responder_for(&self, cert_der: &[u8]) -> Result<String, OcspError> {
        if let Some(url) = &self.config.responder {
            return Ok(url.clone());
        }
        responder_urls(cert_der)?.into_iter().next().ok_or(OcspError::NoResponder)
    }

    /// Establishes at `now` (seconds since the epoch) that `cert_der`, issued by `issuer_der`, is not revoked:
    /// a cached good answer whose nextUpdate is still ahead, or a fresh one. The caller has verified the chain.
    pub fn check(&self, cert_der: &[u8], issuer_der: &[u8], now: i64) -> Result<OcspGood, OcspError> {
        let cert = x509("certificate", cert_der)?;
        let issuer = x509("issuer certificate", issuer_der)?;
        let request = build_request(&cert, &issuer)?;
        let key = request.cert_id.to_der().map_err(|e| OcspError::OpenSsl(e.to_string()))?;
        if let Some(good) = self.cached(&key, now) {
            return Ok(good);
        }
        let url = self.responder_for(cert_der)?;
        let body = self
            .transport
            .post(&url, &request.der)
            .map_err(|source| OcspError::Unreachable { url: url.clone(), source })?;
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(OcspError::Unreachable { url, source: TransportError::TooLarge(MAX_RESPONSE_BYTES) });
        }
        let (this_update, next_update) = check_response(&body, &request, &issuer, now, &self.config)?;
        let good = OcspGood { responder: url, this_update, next_update, cached: false, response: body };
        if next_update.is_some() {
            self.remember(key, good.clone(), now);
        }
        Ok(good)
    }

    fn cached(&self, key: &[u8], now: i64) -> Option<OcspGood> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let good = cache.get(key)?;
        let current = good.this_update <= now + self.config.leeway_secs && good.next_update.is_some_and(|n| now <= n);
        current.then(|| OcspGood { cached: true, ..good.clone() })
    }

    fn remember(&self, key: Vec<u8>, good: OcspGood, now: i64) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_ENTRIES {
            cache.retain(|_, g| g.next_update.is_some_and(|n| now <= n));
        }
        if cache.len() >= CACHE_ENTRIES {
            // Still full of current answers: drop the one that expires first.
            if let Some(k) = cache.iter().min_by_key(|(_, g)| g.next_update).map(|(k, _)| k.clone()) {
                cache.remove(&k);
            }
        }
        cache.insert(key, good);
    }
}

/// HTTP through `ureq`: POST, no redirects, one timeout for the whole exchange, a bounded body. Plain http is
/// what responders serve (the response carries its own signature); https works where the caller's ureq has TLS.
#[cfg(feature = "ocsp-http")]
#[derive(Clone, Debug)]
pub struct UreqTransport {
    pub timeout: Duration,
}

#[cfg(feature = "ocsp-http")]
impl Default for UreqTransport {
    fn default() -> Self {
        UreqTransport { timeout: DEFAULT_TIMEOUT }
    }
}

#[cfg(feature = "ocsp-http")]
impl OcspTransport for UreqTransport {
    fn post(&self, url: &str, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        use std::io::Read;
        let timed_out =
            |e: &std::io::Error| matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock);
        let agent = ureq::AgentBuilder::new().redirects(0).timeout(self.timeout).build();
        let response = match agent.post(url).set("Content-Type", "application/ocsp-request").send_bytes(request) {
            Ok(r) => r,
            Err(ureq::Error::Status(code, _)) => return Err(TransportError::Status(code)),
            Err(ureq::Error::Transport(t)) => {
                let io = std::error::Error::source(&t).and_then(|s| s.downcast_ref::<std::io::Error>());
                if io.is_some_and(timed_out) {
                    return Err(TransportError::Timeout(self.timeout));
                }
                return Err(TransportError::Unreachable(t.to_string()));
            }
        };
        let mut body = Vec::new();
        response.into_reader().take(MAX_RESPONSE_BYTES as u64 + 1).read_to_end(&mut body).map_err(|e| {
            if timed_out(&e) {
                TransportError::Timeout(self.timeout)
            } else {
                TransportError::Unreachable(e.to_string())
            }
        })?;
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(TransportError::TooLarge(MAX_RESPONSE_BYTES));
        }
        Ok(body)
    }
}
