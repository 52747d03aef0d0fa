//! What the person is told before the password, besides the subject itself: where the request came from
//! ([`Context`]) and which personal data the signature hands over, to whom ([`Disclosure`]).
//!
//! A signature by the JPKI signature certificate always travels with that certificate, and the certificate
//! carries the holder's 氏名, 住所, 生年月日 and 性別: whoever receives the signature reads all four. The person
//! is told so, with the receiver named, before typing the password — as the official apps do.

use super::subject::Subject;

/// One item of the certificate's personal data (基本4情報).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonalItem {
    Name,
    Address,
    DateOfBirth,
    Gender,
}

impl PersonalItem {
    /// Everything the signature certificate states about its holder, in the order the card's issuer lists it.
    pub const ALL: [PersonalItem; 4] =
        [PersonalItem::Name, PersonalItem::Address, PersonalItem::DateOfBirth, PersonalItem::Gender];
}

/// Who receives the personal data with the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// The relying party at this origin (`https://host[:port]`), the one shown in the request.
    Origin { origin: String },
    /// Whoever the person gives the signed file to (a signature over bytes the front end holds).
    WhoeverReceivesTheSignature,
}

/// Which personal data the signature hands over, and to whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    pub items: Vec<PersonalItem>,
    pub recipient: Recipient,
}

/// Where and when a relying party's request was created, as its signed document states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// The kind of platform and browser, in the relying party's words (`Windows · Chrome`).
    pub created_from: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// How long ago, at the time asked.
    pub age: Age,
}

/// How long ago a request was created, in the steps every front end says it: under a minute is "just now"
/// (a creation time slightly ahead of this device's clock included), then whole minutes, then whole hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Age {
    JustNow,
    Minutes { count: u32 },
    Hours { count: u32 },
}

impl Age {
    /// The step for `secs` seconds ago (negative: just now).
    pub fn of_secs(secs: i64) -> Age {
        match secs {
            s if s < 60 => Age::JustNow,
            s if s < 3600 => Age::Minutes { count: (s / 60) as u32 },
            s => Age::Hours { count: u32::try_from(s / 3600).unwrap_or(u32::MAX) },
        }
    }
}

impl Subject {
    /// What signing this subject discloses; `None` when nothing leaves the device (reading one's own
    /// certificate). A log-in discloses none of the personal data: its answer carries the user-authentication
    /// certificate, which names no one (`items` empty, the origin as recipient).
    pub fn disclosure(&self) -> Option<Disclosure> {
        let (items, recipient) = match self {
            Subject::Request(r) => (PersonalItem::ALL.to_vec(), Recipient::Origin { origin: r.origin().to_string() }),
            Subject::Bytes { .. } | Subject::Attested { .. } => {
                (PersonalItem::ALL.to_vec(), Recipient::WhoeverReceivesTheSignature)
            }
            Subject::Login(c) => (Vec::new(), Recipient::Origin { origin: c.origin().to_string() }),
            Subject::SignCertificate => return None,
        };
        Some(Disclosure { items, recipient })
    }

    /// Where and when a request (or log-in challenge) was created, at `now`; `None` for other subjects.
    pub fn context(&self, now: i64) -> Option<Context> {
        let (created_from, issued_at) = match self {
            Subject::Request(r) => (&r.document().created_from, r.document().issued_at),
            Subject::Login(c) => (&c.challenge().created_from, c.challenge().issued_at),
            _ => return None,
        };
        Some(Context {
            created_from: created_from.clone(),
            created_at: issued_at,
            age: Age::of_secs(now.saturating_sub(issued_at)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Age;

    #[test]
    fn ages_step_from_just_now_to_minutes_to_hours() {
        let steps: Vec<Age> = [-30, 0, 59, 60, 150, 3599, 3600, 7300, i64::MAX].into_iter().map(Age::of_secs).collect();
        assert_eq!(
            steps,
            [
                Age::JustNow,
                Age::JustNow,
                Age::JustNow,
                Age::Minutes { count: 1 },
                Age::Minutes { count: 2 },
                Age::Minutes { count: 59 },
                Age::Hours { count: 1 },
                Age::Hours { count: 2 },
                Age::Hours { count: u32::MAX },
            ]
        );
    }
}
