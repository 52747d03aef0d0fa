//! The CRL the portal checks submissions against: parsed once per version, its signature checked against the
//! configured sign CA, replaced on a schedule (`--crl-refresh-secs`) only by a correctly signed CRL that is not
//! older, and past its nextUpdate a reason to refuse every submission. The schedule rereads the CRL's file, or,
//! with `--crl-url`, downloads it from the CA's distribution point (plain http: a CRL carries its own
//! signature) and keeps each verified download in that file, so a restart starts from the latest one.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use kazasu_core::anchors::TrustAnchors;
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::x509::{X509Crl, X509};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CrlError {
    #[error("not a CRL (DER or PEM): {0}")]
    Parse(String),
    #[error("the CRL is not signed by a configured sign CA")]
    Signature,
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

/// One verified CRL.
#[derive(Debug)]
pub struct Crl {
    pub der: Vec<u8>,
    pub this_update: i64,
    pub next_update: Option<i64>,
}

fn unix(t: &Asn1TimeRef) -> Result<i64, CrlError> {
    let epoch = Asn1Time::from_unix(0).map_err(|e| CrlError::Time(e.to_string()))?;
    let d = epoch.diff(t).map_err(|e| CrlError::Time(e.to_string()))?;
    Ok(i64::from(d.days) * 86_400 + i64::from(d.secs))
}

impl Crl {
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
        Ok(Crl {
            der: crl.to_der().map_err(|e| CrlError::Parse(e.to_string()))?,
            this_update: unix(crl.last_update())?,
            next_update: crl.next_update().map(unix).transpose()?,
        })
    }
}

/// The CRL in use (None: `--no-revocation-check`), and where to reread it from.
pub struct Revocation {
    current: RwLock<Option<Arc<Crl>>>,
    anchors: TrustAnchors,
    pub path: Option<PathBuf>,
    /// The distribution point to download from (http), when configured.
    pub url: Option<String>,
}

impl Revocation {
    pub fn new(
        initial: Option<&[u8]>,
        anchors: &TrustAnchors,
        path: Option<PathBuf>,
        url: Option<String>,
    ) -> Result<Revocation, CrlError> {
        let current = initial.map(|b| Crl::load(b, anchors)).transpose()?.map(Arc::new);
        Ok(Revocation { current: RwLock::new(current), anchors: anchors.clone(), path, url })
    }

    /// Whether the schedule has something to reread.
    pub fn refreshable(&self) -> bool {
        self.path.is_some() || self.url.is_some()
    }

    pub fn current(&self) -> Option<Arc<Crl>> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the CRL with `bytes` if they are a CRL signed by the CA and not older than the current one.
    pub fn replace(&self, bytes: &[u8]) -> Result<(), CrlError> {
        let new = Crl::load(bytes, &self.anchors)?;
        let mut cur = self.current.write().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cur.as_ref() {
            if new.this_update < c.this_update {
                return Err(CrlError::Older { new: new.this_update, current: c.this_update });
            }
        }
        *cur = Some(Arc::new(new));
        Ok(())
    }

    /// The scheduled refresh: downloads from the distribution point when one is configured (and keeps a
    /// download that verified in the file), otherwise rereads the file.
    pub fn reload(&self) -> Result<(), CrlError> {
        if let Some(url) = &self.url {
            let bytes = download(url)?;
            self.replace(&bytes)?;
            if let Some(path) = &self.path {
                write_atomically(path, &bytes)
                    .map_err(|e| CrlError::Read { path: path.display().to_string(), message: e.to_string() })?;
            }
            return Ok(());
        }
        let Some(path) = &self.path else { return Ok(()) };
        let bytes = std::fs::read(path)
            .map_err(|e| CrlError::Read { path: path.display().to_string(), message: e.to_string() })?;
        self.replace(&bytes)
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
