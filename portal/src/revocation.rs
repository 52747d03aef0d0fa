//! The CRLs the portal checks submissions against (one per `--crl`; J-LIS issues one per distribution point, and
//! a licensed relying party gets them from J-LIS, not from the certificate, whose distribution point is a
//! directory name only). Each is parsed once per version, its signature checked against the configured sign CA,
//! and replaced on a schedule (`--crl-refresh-secs`) only by a correctly signed CRL that is not older. The CRL
//! that applies to a submission is past its nextUpdate: that submission is refused (all of them past: every
//! submission). The schedule rereads each CRL's file, or, with `--crl-url`, downloads it from the operator's own
//! source for it (plain http: a CRL carries its own signature) and keeps each verified download in that file, so
//! a restart starts from the latest one.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use kazasu_core::anchors::TrustAnchors;
use kazasu_core::crl::ScopedCrl;
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::x509::{X509Crl, X509};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CrlError {
    #[error("not a CRL (DER or PEM): {0}")]
    Parse(String),
    #[error("the CRL is not signed by a configured CA (--ca, --auth-ca)")]
    Signature,
    /// A refreshed CRL from another CA than the one it replaces (each `--crl` keeps its CA: the sign CA's
    /// cannot be swapped for the auth CA's, which would leave the sign certificates without their CRL).
    #[error("the new CRL is issued by another CA than the one it replaces")]
    OtherIssuer,
    #[error("the CRL has a time OpenSSL cannot compare: {0}")]
    Time(String),
    #[error("the new CRL (thisUpdate {new}) is older than the one in use (thisUpdate {current})")]
    Older { new: i64, current: i64 },
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    #[error("download from {url}: {message}")]
    Download { url: String, message: String },
}

/// The largest CRL downloaded (JPKI's CRLs are large, but not this large).
pub const MAX_CRL_BYTES: u64 = 256 * 1024 * 1024;

/// One verified CRL, with what it covers read once ([`ScopedCrl`]).
#[derive(Debug)]
pub struct Crl {
    pub scoped: ScopedCrl,
    pub next_update: Option<i64>,
    /// The issuing CA's name (DER): a refresh must come from the same CA.
    issuer: Vec<u8>,
}

fn unix(t: &Asn1TimeRef) -> Result<i64, CrlError> {
    let epoch = Asn1Time::from_unix(0).map_err(|e| CrlError::Time(e.to_string()))?;
    let d = epoch.diff(t).map_err(|e| CrlError::Time(e.to_string()))?;
    Ok(i64::from(d.days) * 86_400 + i64::from(d.secs))
}

impl Crl {
    /// The CRL, DER.
    pub fn der(&self) -> &[u8] {
        &self.scoped.der
    }

    /// thisUpdate, seconds since the epoch (read once, by [`ScopedCrl`]).
    pub fn this_update(&self) -> i64 {
        self.scoped.this_update()
    }

    /// Parses `bytes` and checks the signature with the key of the trusted CA that issued it (same name; with
    /// several generations of one name, the one whose key verifies).
    pub fn load(bytes: &[u8], anchors: &TrustAnchors) -> Result<Crl, CrlError> {
        let crl = X509Crl::from_der(bytes)
            .or_else(|_| X509Crl::from_pem(bytes))
            .map_err(|e| CrlError::Parse(e.to_string()))?;
        let issuer = crl.issuer_name().to_der().map_err(|e| CrlError::Parse(e.to_string()))?;
        let signed_by_an_anchor =
            anchors.iter().filter(|a| a.certificate.subject_der() == issuer.as_slice()).any(|a| {
                X509::from_der(a.der())
                    .and_then(|ca| ca.public_key())
                    .is_ok_and(|key| crl.verify(&key).unwrap_or(false))
            });
        if !signed_by_an_anchor {
            return Err(CrlError::Signature);
        }
        let der = crl.to_der().map_err(|e| CrlError::Parse(e.to_string()))?;
        Ok(Crl {
            scoped: ScopedCrl::read(&der).map_err(|e| CrlError::Parse(e.to_string()))?,
            next_update: crl.next_update().map(unix).transpose()?,
            issuer,
        })
    }
}

/// One configured CRL: the verified one in use, and where to reread it from.
struct Slot {
    current: RwLock<Arc<Crl>>,
    path: Option<PathBuf>,
    url: Option<String>,
}

/// Where one CRL comes from: its bytes at start, the file they came from (reread, or where downloads are kept),
/// and the operator's own URL for it, if any.
#[derive(Clone, Debug)]
pub struct CrlSource {
    pub bytes: Vec<u8>,
    pub path: Option<PathBuf>,
    pub url: Option<String>,
}

/// The operator's CRLs (empty: `--no-revocation-check` or OCSP). J-LIS partitions its CRLs by distribution point
/// (one per municipality), so there may be several; each submission's certificate picks the one whose
/// issuingDistributionPoint names its distribution point (`kazasu_core::crl::select`).
pub struct Revocation {
    slots: Vec<Slot>,
    anchors: TrustAnchors,
}

impl Revocation {
    pub fn new(sources: Vec<CrlSource>, anchors: &TrustAnchors) -> Result<Revocation, CrlError> {
        let slots = sources
            .into_iter()
            .map(|s| {
                let crl = Crl::load(&s.bytes, anchors).map_err(|e| match &s.path {
                    Some(p) => CrlError::Read { path: p.display().to_string(), message: e.to_string() },
                    None => e,
                })?;
                Ok(Slot { current: RwLock::new(Arc::new(crl)), path: s.path, url: s.url })
            })
            .collect::<Result<_, CrlError>>()?;
        Ok(Revocation { slots, anchors: anchors.clone() })
    }

    /// Whether the schedule has something to reread.
    pub fn refreshable(&self) -> bool {
        self.slots.iter().any(|s| s.path.is_some() || s.url.is_some())
    }

    /// Whether any CRL is configured.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The CRLs in use, in the configured order.
    pub fn current(&self) -> Vec<Arc<Crl>> {
        self.slots.iter().map(|s| s.current.read().unwrap_or_else(|p| p.into_inner()).clone()).collect()
    }

    /// When every configured CRL is past its nextUpdate at `now`, the latest of those times (nothing can be
    /// checked until a refresh); None while any CRL is current or none is configured.
    pub fn all_stale(&self, now: i64) -> Option<i64> {
        let crls = self.current();
        let nexts: Option<Vec<i64>> = crls.iter().map(|c| c.next_update.filter(|n| now > *n)).collect();
        nexts.and_then(|n| n.into_iter().max())
    }

    /// Replaces the `index`th CRL with `bytes` if they are a CRL signed by the same CA as the current one and not
    /// older than it.
    pub fn replace(&self, index: usize, bytes: &[u8]) -> Result<(), CrlError> {
        let Some(slot) = self.slots.get(index) else { return Ok(()) };
        let new = Crl::load(bytes, &self.anchors)?;
        let mut cur = slot.current.write().unwrap_or_else(|p| p.into_inner());
        if new.issuer != cur.issuer {
            return Err(CrlError::OtherIssuer);
        }
        if new.this_update() < cur.this_update() {
            return Err(CrlError::Older { new: new.this_update(), current: cur.this_update() });
        }
        *cur = Arc::new(new);
        Ok(())
    }

    /// The scheduled refresh of every CRL: downloads from the operator's URL when one is configured (and keeps
    /// a download that verified in the file), otherwise rereads the file. Every CRL is tried; the first failure
    /// is returned (the CRLs that failed keep their current version).
    pub fn reload(&self) -> Result<(), CrlError> {
        let mut first_error = None;
        for (i, slot) in self.slots.iter().enumerate() {
            if let Err(e) = self.reload_slot(i, slot) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn reload_slot(&self, index: usize, slot: &Slot) -> Result<(), CrlError> {
        if let Some(url) = &slot.url {
            let bytes = download(url)?;
            self.replace(index, &bytes)?;
            if let Some(path) = &slot.path {
                write_atomically(path, &bytes)
                    .map_err(|e| CrlError::Read { path: path.display().to_string(), message: e.to_string() })?;
            }
            return Ok(());
        }
        let Some(path) = &slot.path else { return Ok(()) };
        let bytes = std::fs::read(path)
            .map_err(|e| CrlError::Read { path: path.display().to_string(), message: e.to_string() })?;
        self.replace(index, &bytes)
    }
}

/// GET `url` (no redirects, bounded body, one minute at most).
fn download(url: &str) -> Result<Vec<u8>, CrlError> {
    use std::io::Read;
    let failed = |message: String| CrlError::Download { url: url.to_string(), message };
    let agent = ureq::AgentBuilder::new().redirects(0).timeout(std::time::Duration::from_secs(60)).build();
    let response = agent.get(url).call().map_err(|e| failed(e.to_string()))?;
    let mut bytes = Vec::new();
    response.into_reader().take(MAX_CRL_BYTES + 1).read_to_end(&mut bytes).map_err(|e| failed(e.to_string()))?;
    if bytes.len() as u64 > MAX_CRL_BYTES {
        return Err(failed(format!("larger than {MAX_CRL_BYTES} bytes")));
    }
    Ok(bytes)
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".download");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
