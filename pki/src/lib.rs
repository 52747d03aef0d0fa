//! kazasu-pki: the JPKI certificates — parsing with the personal data of the signature certificate (氏名,
//! 住所, 生年月日, 性別), verification of signatures, chains and CRLs with OpenSSL, and detached CMS.

#[cfg(feature = "openssl")]
pub mod anchors;
pub mod cert;
#[cfg(feature = "openssl")]
pub mod cms;
#[cfg(feature = "openssl")]
pub mod crl;
pub mod der;
#[cfg(feature = "openssl")]
pub mod ocsp;
pub mod policy;
pub mod profile;
#[cfg(feature = "openssl")]
pub mod revocation;
#[cfg(feature = "openssl")]
pub mod verify;

/// The digest algorithms are the card's (it signs their DigestInfo).
#[cfg(feature = "openssl")]
pub(crate) use kazasu_card::HashAlgorithm;

pub use cert::{CertError, Certificate, PersonalData};
pub use policy::JpkiPolicy;
