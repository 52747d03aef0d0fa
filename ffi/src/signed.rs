//! What a signing gives the shell: the signature, the certificate it verifies with, the identity read from that
//! certificate, the hash it was made over — and the steps of a tap, for the progress display.

use kazasu_core::cert::{Gender as CoreGender, PersonalData};

/// The hash the card's PKCS#1 v1.5 signature is made over (the core builds the DigestInfo): the core's own
/// `HashAlgorithm`, exported as it is (remote, as the notices in `flow.rs`).
pub use kazasu_core::HashAlgorithm;

#[uniffi::remote(Enum)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
    Sha512,
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

/// Where a tap is, for the progress display.
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

/// The identity as the FFI gives it, from the core's personal data.
pub(crate) fn identity_of_personal(p: PersonalData) -> Identity {
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
