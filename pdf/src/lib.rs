//! Signing a PDF with the card by incremental update.
#![forbid(unsafe_code)]
