//! What the shells show before the password besides the subject — where and when a request was created, and
//! which personal data the signature hands over to whom — as the core's flow states them
//! (`kazasu_core::flow::consent`). The words are the catalog's (`l10n/app.toml`); these are the facts.

use kazasu_core::flow::{self as core, Subject};

/// Where and when the relying party says the request was created. Show it with the warning: sign only a
/// request you opened yourself, on your own screen.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CreationContext {
    /// The kind of platform and browser, in the relying party's words (`Windows · Chrome`).
    pub created_from: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// How long ago, as every front end says it ("just now", "2 min ago", "1 h ago").
    pub age: RequestAge,
}

/// How long ago a request was created: under a minute, whole minutes, whole hours (`kazasu_core::flow::Age`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum RequestAge {
    JustNow,
    Minutes { count: u32 },
    Hours { count: u32 },
}

/// One item of the certificate's personal data (基本4情報).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PersonalItem {
    Name,
    Address,
    DateOfBirth,
    Gender,
}

/// Who receives the personal data with the signature.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Recipient {
    /// The relying party at this origin, the one shown prominently.
    Origin { origin: String },
    /// Whoever the person gives the signed bytes to.
    WhoeverReceivesTheSignature,
}

/// "Signing gives your 氏名・住所・生年月日・性別 to https://city.example.jp."
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Disclosure {
    pub items: Vec<PersonalItem>,
    pub recipient: Recipient,
}

pub(crate) fn context_of(subject: &Subject, now: i64) -> Option<CreationContext> {
    subject.context(now).map(|c| CreationContext {
        created_from: c.created_from,
        created_at: c.created_at,
        age: match c.age {
            core::Age::JustNow => RequestAge::JustNow,
            core::Age::Minutes(count) => RequestAge::Minutes { count },
            core::Age::Hours(count) => RequestAge::Hours { count },
        },
    })
}

pub(crate) fn disclosure_of(subject: &Subject) -> Option<Disclosure> {
    subject.disclosure().map(|d| Disclosure {
        items: d
            .items
            .iter()
            .map(|i| match i {
                core::PersonalItem::Name => PersonalItem::Name,
                core::PersonalItem::Address => PersonalItem::Address,
                core::PersonalItem::DateOfBirth => PersonalItem::DateOfBirth,
                core::PersonalItem::Gender => PersonalItem::Gender,
            })
            .collect(),
        recipient: match d.recipient {
            core::Recipient::Origin(origin) => Recipient::Origin { origin },
            core::Recipient::WhoeverReceivesTheSignature => Recipient::WhoeverReceivesTheSignature,
        },
    })
}
