//! Signing a PDF with the card by incremental update, in two halves around the card:
//!
//! 1. [`prepare`] appends to a copy of the input a signature field (an invisible widget on the first page, or a
//!    visible [`Stamp`] on the page and in the corner it names; listed in the AcroForm) and a signature dictionary
//!    with a `/ByteRange` and a zero-filled `/Contents` placeholder. New objects are serialized by `lopdf`; the
//!    input's objects that must change are written as their original bytes with the one edit spliced in
//!    (`update`, `tokens`), so no number of theirs is rounded; the xref section is of the input's kind.
//!    [`Prepared::signed_attributes`] gives the DER of the CMS signed attributes over the SHA-256 of exactly the
//!    byte ranges written: these are the bytes the card signs (it signs their DigestInfo).
//! 2. [`Prepared::finish`] puts the CMS SignedData ([`cms::signed_data`]) around the card's signature into
//!    `/Contents`, in place: no byte outside the placeholder changes.
//!
//! [`Session`] holds these steps for one signing as the CLI and the FFI drive it (the refusals before the
//! password, the attributes built from the card's certificate in the signing tap, the finish once, a time-stamp
//! authority reached through the driver), and the long-term updates after it.
//!
//! PAdES B-LT and B-LTA: [`dss::append`] adds the validation data (certificates, CRLs, OCSP responses) in a
//! further update, [`doc_timestamp::prepare`] a document time-stamp over everything before it.
//!
//! [`signatures`] lists the signatures of a PDF for verification. The input is never modified: every function
//! takes bytes and returns new bytes.

pub mod ber;
pub mod cms;
pub mod doc_timestamp;
pub mod dss;
mod error;
mod font;
mod permissions;
pub mod place;
mod prepare;
mod read;
pub mod session;
pub mod stamp;
mod subfilter;
pub mod timestamp;
mod tokens;
mod update;

pub use error::PdfError;
pub use permissions::AllowedChanges;
pub use place::Corner;
pub use prepare::{prepare, Prepared, SignOptions};
pub use read::{inspect, signatures, FoundSignature, PdfInfo, MAX_INPUT};
pub use session::{CardSignature, Session, SignedPdf, TimeStampAuthority};
pub use stamp::Stamp;
pub use subfilter::SubFilter;
pub use update::ChangedObject;
