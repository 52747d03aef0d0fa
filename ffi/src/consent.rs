//! What the shells show before the password besides the subject — where and when a request was created, and
//! which personal data the signature hands over to whom — as the core's flow states them
//! (`kazasu_core::flow::consent`), exported as the core's own types (remote, as the notices in `flow.rs`: the
//! definitions below must match the core's or nothing compiles). The words are the catalog's (`l10n/`); these
//! are the facts.

use kazasu_core::flow::{Age, Context};

/// Where and when the relying party says the request was created (`kazasu_core::flow::Context`). Show it with
/// the warning: sign only a request you opened yourself, on your own screen.
pub type CreationContext = Context;

#[uniffi::remote(Record)]
pub struct CreationContext {
    /// The kind of platform and browser, in the relying party's words (`Windows · Chrome`).
    pub created_from: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// How long ago, as every front end says it ("just now", "2 min ago", "1 h ago").
    pub age: RequestAge,
}

/// How long ago a request was created: under a minute, whole minutes, whole hours (`kazasu_core::flow::Age`).
pub type RequestAge = Age;

#[uniffi::remote(Enum)]
pub enum RequestAge {
    JustNow,
    Minutes { count: u32 },
    Hours { count: u32 },
}

/// One item of the certificate's personal data (基本4情報).
pub use kazasu_core::flow::PersonalItem;

#[uniffi::remote(Enum)]
pub enum PersonalItem {
    Name,
    Address,
    DateOfBirth,
    Gender,
}

/// Who receives the personal data with the signature: the relying party at the origin shown prominently, or
/// whoever the person gives the signed bytes to.
pub use kazasu_core::flow::Recipient;

#[uniffi::remote(Enum)]
pub enum Recipient {
    Origin { origin: String },
    WhoeverReceivesTheSignature,
}

/// "Signing gives your 氏名・住所・生年月日・性別 to https://city.example.jp."
pub use kazasu_core::flow::Disclosure;

#[uniffi::remote(Record)]
pub struct Disclosure {
    pub items: Vec<PersonalItem>,
    pub recipient: Recipient,
}
