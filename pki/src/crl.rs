//! Which of the operator's CRLs applies to a certificate. J-LIS partitions its CRLs by municipality: a signature
//! certificate's CRL distribution point is a directory name (`CN=Ise-shi CRLDP`, …), not a URL, and the CRL for
//! that point names it in its issuingDistributionPoint (IDP). The relying party gets its CRLs from J-LIS as a
//! licensed verifier and configures them (files or its own URLs); the certificate's distribution point only says
//! which of them covers it. Checking the chosen CRL (the CA's signature, currency, the serial) is
//! [`crate::verify`]'s.
//!
//! A CRL applies to an end-entity certificate when it has the certificate's issuer and either has no IDP (a
//! complete CRL) or an IDP that names one of the certificate's distribution point names and does not narrow its
//! scope away from end entities (only CA or attribute certificates, only some reasons, an indirect CRL: these
//! never apply — fail closed). A CRL that names the point wins over a complete one; among equals, the newest.

use std::cmp::Ordering;

use der::{Decode, Encode};
use openssl::x509::{X509Crl, X509Name, X509};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::crl::CrlDistributionPoints;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::Extension;

const ID_CE_CRL_DISTRIBUTION_POINTS: der::oid::ObjectIdentifier = const_oid::db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS;
const ID_CE_ISSUING_DISTRIBUTION_POINT: der::oid::ObjectIdentifier =
    const_oid::db::rfc5280::ID_CE_ISSUING_DISTRIBUTION_POINT;

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum CrlSelectError {
    #[error("cannot read the {what}: {detail}")]
    Unreadable { what: &'static str, detail: String },
    /// None of the configured CRLs covers the certificate's distribution point (the names, as the certificate
    /// gives them): the relying party lacks the CRL for it.
    #[error("no configured CRL covers the certificate's CRL distribution point ({})", points.join("; "))]
    NoneApplies { points: Vec<String> },
}

fn unreadable(what: &'static str) -> impl Fn(String) -> CrlSelectError {
    move |detail| CrlSelectError::Unreadable { what, detail }
}

/// The full names of the certificate's CRL distribution points (empty without the extension).
fn point_names(cert: &x509_cert::Certificate) -> Result<Vec<GeneralName>, CrlSelectError> {
    let ext = extension(cert.tbs_certificate.extensions.as_deref(), ID_CE_CRL_DISTRIBUTION_POINTS);
    let Some(ext) = ext else { return Ok(Vec::new()) };
    let points = CrlDistributionPoints::from_der(ext.extn_value.as_bytes())
        .map_err(|e| unreadable("certificate")(e.to_string()))?;
    Ok(points.0.into_iter().filter_map(|p: DistributionPoint| full_names(p.distribution_point)).flatten().collect())
}

fn full_names(dp: Option<DistributionPointName>) -> Option<Vec<GeneralName>> {
    match dp? {
        DistributionPointName::FullName(names) => Some(names),
        // Relative to the CRL issuer: never J-LIS's form; matched by nothing here (so such a point needs a
        // complete CRL).
        DistributionPointName::NameRelativeToCRLIssuer(_) => None,
    }
}

fn extension(extensions: Option<&[Extension]>, oid: der::oid::ObjectIdentifier) -> Option<&Extension> {
    extensions?.iter().find(|e| e.extn_id == oid)
}

/// The distribution point names of a certificate, for people: `CN=Ise-shi CRLDP,…` or the URI.
pub fn distribution_points(cert_der: &[u8]) -> Result<Vec<String>, CrlSelectError> {
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(|e| unreadable("certificate")(e.to_string()))?;
    Ok(point_names(&cert)?.iter().map(describe).collect())
}

fn describe(name: &GeneralName) -> String {
    match name {
        GeneralName::DirectoryName(n) => n.to_string(),
        GeneralName::UniformResourceIdentifier(u) => u.to_string(),
        other => format!("{other:?}"),
    }
}

/// Two general names are the same point: directory names compared as RFC 5280 asks (OpenSSL's canonical
/// comparison: case and inner spaces do not matter), anything else byte for byte.
fn same_name(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::DirectoryName(x), GeneralName::DirectoryName(y)) => {
            let openssl_name = |n: &x509_cert::name::Name| n.to_der().ok().and_then(|d| X509Name::from_der(&d).ok());
            match (openssl_name(x), openssl_name(y)) {
                (Some(x), Some(y)) => matches!(x.try_cmp(&y), Ok(Ordering::Equal)),
                _ => false,
            }
        }
        (x, y) => x.to_der().ok().is_some_and(|d| y.to_der().ok() == Some(d)),
    }
}

/// How well a CRL fits a certificate: as a complete CRL, or by naming its distribution point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    Complete,
    Point,
}

/// Which end-entity certificates a CRL can cover, from its issuingDistributionPoint.
#[derive(Clone, Debug)]
enum Reach {
    /// No IDP, or one without a distribution point and not narrowed.
    Complete,
    /// Certificates whose distribution point has one of these names.
    Points(Vec<GeneralName>),
    /// Narrowed away from end entities (CA or attribute certificates only, some reasons, indirect).
    Never,
}

/// A CRL (normalised to DER) with what it covers, read once per CRL version: choosing among many large CRLs for
/// every signature must not parse them all again.
#[derive(Clone, Debug)]
pub struct ScopedCrl {
    pub der: Vec<u8>,
    /// The issuer's name, DER.
    issuer: Vec<u8>,
    this_update: i64,
    reach: Reach,
}

impl ScopedCrl {
    /// Reads a CRL (DER or PEM). Its signature is not checked here ([`crate::verify::verify_crl`] does).
    pub fn read(bytes: &[u8]) -> Result<ScopedCrl, CrlSelectError> {
        let bad = unreadable("CRL");
        let crl = X509Crl::from_der(bytes).or_else(|_| X509Crl::from_pem(bytes)).map_err(|e| bad(e.to_string()))?;
        let der = crl.to_der().map_err(|e| bad(e.to_string()))?;
        let parsed = CertificateList::from_der(&der).map_err(|e| bad(e.to_string()))?;
        let this_update = parsed.tbs_cert_list.this_update.to_unix_duration().as_secs() as i64;
        let issuer = crl.issuer_name().to_der().map_err(|e| bad(e.to_string()))?;
        Ok(ScopedCrl { der, issuer, this_update, reach: reach(&parsed)? })
    }

    /// thisUpdate, seconds since the epoch.
    pub fn this_update(&self) -> i64 {
        self.this_update
    }

    fn fit(&self, issuer: &openssl::x509::X509NameRef, points: &[GeneralName]) -> Option<Fit> {
        let same = X509Name::from_der(&self.issuer).is_ok_and(|n| matches!(n.try_cmp(issuer), Ok(Ordering::Equal)));
        if !same {
            return None;
        }
        match &self.reach {
            Reach::Complete => Some(Fit::Complete),
            Reach::Points(names) => names.iter().any(|n| points.iter().any(|p| same_name(n, p))).then_some(Fit::Point),
            Reach::Never => None,
        }
    }
}

fn reach(crl: &CertificateList) -> Result<Reach, CrlSelectError> {
    let ext = extension(crl.tbs_cert_list.crl_extensions.as_deref(), ID_CE_ISSUING_DISTRIBUTION_POINT);
    let Some(ext) = ext else { return Ok(Reach::Complete) };
    let idp = IssuingDistributionPoint::from_der(ext.extn_value.as_bytes())
        .map_err(|e| unreadable("CRL's issuingDistributionPoint")(e.to_string()))?;
    if idp.only_contains_ca_certs
        || idp.only_contains_attribute_certs
        || idp.only_some_reasons.is_some()
        || idp.indirect_crl
    {
        return Ok(Reach::Never);
    }
    Ok(match idp.distribution_point {
        None => Reach::Complete,
        Some(dp) => Reach::Points(full_names(Some(dp)).unwrap_or_default()),
    })
}

/// Picks from `crls` the one that applies to `cert_der`; a CRL of another issuer is passed over.
pub fn select_scoped<'a>(cert_der: &[u8], crls: &[&'a ScopedCrl]) -> Result<&'a ScopedCrl, CrlSelectError> {
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(|e| unreadable("certificate")(e.to_string()))?;
    let x509 = X509::from_der(cert_der).map_err(|e| unreadable("certificate")(e.to_string()))?;
    let points = point_names(&cert)?;
    let mut best: Option<(Fit, &'a ScopedCrl)> = None;
    for crl in crls {
        let Some(f) = crl.fit(x509.issuer_name(), &points) else { continue };
        if best.is_none_or(|(bf, b)| f > bf || (f == bf && crl.this_update > b.this_update)) {
            best = Some((f, crl));
        }
    }
    best.map(|(_, c)| c).ok_or_else(|| CrlSelectError::NoneApplies { points: points.iter().map(describe).collect() })
}

/// [`select_scoped`] for CRLs as bytes (DER or PEM each), read here: for one-off checks (the CLI). A CRL that
/// cannot be read is an error (the operator gave it). Returns the chosen CRL's bytes as given.
pub fn select<'a, C: AsRef<[u8]>>(cert_der: &[u8], crls: &'a [C]) -> Result<&'a [u8], CrlSelectError> {
    let scoped = crls.iter().map(|c| ScopedCrl::read(c.as_ref())).collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&ScopedCrl> = scoped.iter().collect();
    let chosen = select_scoped(cert_der, &refs)?;
    let index = scoped.iter().position(|s| std::ptr::eq(s, chosen));
    index.and_then(|i| crls.get(i)).map(AsRef::as_ref).ok_or(CrlSelectError::NoneApplies { points: Vec::new() })
}
