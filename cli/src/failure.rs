//! A failure as the person reads it: the message already in their language, and the exit code
//! ([`crate::messages::exit`]). Every command returns one; `main` prints it and exits with its code.

use kazasu_core::{CardError, PinKind};

use crate::messages::{self, Lang};

/// A failure with its message already in the user's language and its exit code.
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn new(message: impl Into<String>, code: u8) -> Failure {
        Failure { message: message.into(), code }
    }
}

/// A card error in the person's words, with its exit code.
pub(crate) fn card_failure(lang: Lang, e: &CardError) -> Failure {
    let (message, code) = messages::card_error(lang, e);
    Failure::new(message, code)
}

/// A card error in the person's words naming the password `kind` (the signature or the authentication
/// password), with its exit code.
pub(crate) fn card_failure_of(lang: Lang, kind: PinKind, e: &CardError) -> Failure {
    let (message, code) = messages::card_error_of(lang, kind, e);
    Failure::new(message, code)
}
