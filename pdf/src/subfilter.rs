//! The kinds of signature this crate writes and reads, by their `/SubFilter` names.

/// The kind of signature, written as the dictionary's `/SubFilter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubFilter {
    /// PAdES baseline B-B (`ETSI.CAdES.detached`): no signing-time attribute, the time is in `/M`.
    Pades,
    /// `adbe.pkcs7.detached` (what 登記・供託 filings take): with the signing-time attribute.
    Pkcs7,
    /// A document time-stamp (`/Type /DocTimeStamp`, `ETSI.RFC3161`, PAdES B-LTA): `/Contents` holds an RFC 3161
    /// token over the byte ranges, no signed attributes ([`crate::doc_timestamp`]).
    DocTimeStamp,
}

impl SubFilter {
    pub fn name(self) -> &'static str {
        match self {
            SubFilter::Pades => "ETSI.CAdES.detached",
            SubFilter::Pkcs7 => "adbe.pkcs7.detached",
            SubFilter::DocTimeStamp => "ETSI.RFC3161",
        }
    }
}
