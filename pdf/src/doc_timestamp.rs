//! The document time-stamp of PAdES B-LTA: a last incremental update whose signature dictionary is
//! `/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`, and whose `/Contents` is an RFC 3161 token (not a CMS
//! signature of the signer) over the SHA-256 of its byte ranges — the whole file, the DSS included. It is made
//! with the same incremental update as a signature ([`crate::prepare`], an invisible field); the token comes from
//! a TSA through [`crate::timestamp::request_for_digest`] and goes in with [`Prepared::finish`].

use lopdf::{dictionary, Dictionary, Object, StringFormat};

use crate::error::PdfError;
use crate::prepare::{prepare as prepare_update, Prepared, SignOptions};
use crate::subfilter::SubFilter;

/// Bytes reserved for the token: a token with the TSA's certificate is a few KiB; a chain of several with it
/// still fits.
pub const RESERVED: usize = 16 * 1024;

/// The document time-stamp's dictionary, with the `/ByteRange` and `/Contents` placeholders
/// [`crate::prepare`] fills.
pub(crate) fn dictionary(placeholder: Vec<u8>, range_placeholder: i64) -> Dictionary {
    let r = range_placeholder;
    dictionary! {
        "Type" => "DocTimeStamp",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => Object::Name(SubFilter::DocTimeStamp.name().as_bytes().to_vec()),
        "ByteRange" => vec![0.into(), r.into(), r.into(), r.into()],
        "Contents" => Object::String(placeholder, StringFormat::Hexadecimal),
    }
}

/// Appends to a copy of `input` an invisible field with a document time-stamp's room; its
/// [`Prepared::digest`] is the message imprint to ask the TSA for, and [`Prepared::finish`] writes the token.
pub fn prepare(input: &[u8]) -> Result<Prepared, PdfError> {
    let options = SignOptions { reserved: RESERVED, ..SignOptions::new(SubFilter::DocTimeStamp, 0) };
    prepare_update(input, &options)
}
