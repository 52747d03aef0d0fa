//! Signing a PDF with the card by incremental update, in two halves around the card:
//!
//! 1. [`prepare`] appends to a copy of the input a signature field (an invisible widget on the first page, or a
//!    visible [`Stamp`] on the page and in the corner it names; listed in the AcroForm) and a signature dictionary with a `/ByteRange` and a zero-filled `/Contents` placeholder;
//!    the appended objects, xref section (table or stream, as the input has) and trailer are written by `lopdf`.
//!    [`Prepared::signed_attributes`] gives the DER of the CMS signed attributes over the SHA-256 of exactly the
//!    byte ranges written: these are the bytes the card signs (it signs their DigestInfo).
//! 2. [`Prepared::finish`] puts the CMS SignedData ([`cms::signed_data`]) around the card's signature into
//!    `/Contents`, in place: no byte outside the placeholder changes.
//!
//! PAdES B-LT and B-LTA: [`dss::append`] adds the validation data (certificates, CRLs, OCSP responses) in a
//! further update, [`doc_timestamp::prepare`] a document time-stamp over everything before it.
//!
//! [`signatures`] lists the signatures of a PDF for verification. The input is never modified: every function
//! takes bytes and returns new bytes.
#![forbid(unsafe_code)]

pub mod ber;
pub mod cms;
pub mod doc_timestamp;
pub mod dss;
mod error;
mod font;
pub mod place;
mod prepare;
mod read;
pub mod stamp;
pub mod timestamp;

pub use error::PdfError;
pub use place::Corner;
pub use prepare::{prepare, Prepared, SignOptions, SubFilter};
pub use read::{inspect, signatures, FoundSignature, PdfInfo};
pub use stamp::Stamp;

/// Inputs above this size are refused ([`PdfError::TooLarge`]): the whole file is held in memory twice.
pub const MAX_INPUT: usize = 256 * 1024 * 1024;
