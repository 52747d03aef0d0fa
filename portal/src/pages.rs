//! The pages, made from plain data (no request, state or store in reach): the application form, the desktop
//! page that shows the QR code and the same-device link and — updated by polling — the signed application, the
//! page a desktop URL shows without its owner cookie, the app link's page, and the application as text.
//!
//! The HTML comes from askama templates (`portal/templates/`, checked at compile time), which escape every
//! value they insert; only the QR code's SVG, which kazasu-qr draws from the request URL, is inserted as it is.
//! The script is served from the same origin (CSP `script-src 'self'`).

use askama::Template;
use kazasu_core::handoff::time::{format_utc, jst_parts};
use kazasu_core::handoff::Field;

use crate::guard::mask_name;
use crate::state::ApplicationState;
use crate::store::SignatureRow;
use crate::words::{AccountWords, LoginWords, RelinkWords};

/// The application form: `error` (a refused post) above it, the form token in a hidden field; a portal that
/// accepts test cards says so, so it cannot be mistaken for a real service.
#[derive(Template)]
#[template(path = "form.html")]
pub struct Form<'a> {
    pub error: Option<&'a str>,
    pub form_token: &'a str,
    pub test_cards: bool,
    /// 「マイナンバーカードでログイン」, from the catalog.
    pub login_button: &'a str,
}

/// The desktop page while the application waits for its signature (the script turns it into the signed page).
#[derive(Template)]
#[template(path = "application.html")]
pub struct Application<'a> {
    pub view_id: &'a str,
    pub fields: &'a [Field],
    /// The verified https app link (only the genuine app can claim it).
    pub app_link: &'a str,
    /// The custom-scheme fallback.
    pub deep_link: &'a str,
    /// The request URL, as in the QR code.
    pub request_url: &'a str,
    /// The QR code as kazasu-qr draws it (SVG).
    pub qr_svg: &'a str,
    pub expires_at: i64,
}

impl Application<'_> {
    /// The SVG element alone, without an XML prolog.
    fn svg(&self) -> &str {
        self.qr_svg.find("<svg").map(|i| &self.qr_svg[i..]).unwrap_or_default()
    }

    /// The expiry in Japan's time.
    fn expires(&self) -> String {
        let (date, time) = jst_parts(self.expires_at);
        format!("{date} {time}")
    }
}

/// A re-link statement's desktop page: the QR code and the same-device link of its signing request, the
/// statement as the app will show it, and each outcome's words, which the script shows when the status names it.
#[derive(Template)]
#[template(path = "relink.html")]
pub struct Relink<'a> {
    pub lang: &'a str,
    pub view_id: &'a str,
    pub fields: &'a [Field],
    pub app_link: &'a str,
    pub deep_link: &'a str,
    pub qr_svg: &'a str,
    pub words: &'a RelinkWords,
}

impl Relink<'_> {
    /// The SVG element alone, without an XML prolog.
    fn svg(&self) -> &str {
        self.qr_svg.find("<svg").map(|i| &self.qr_svg[i..]).unwrap_or_default()
    }
}

/// The log-in's desktop page: the QR code and the same-device link of one challenge, and what the app will
/// show before the password (origin, where and when the log-in was started) — nothing about any person.
#[derive(Template)]
#[template(path = "login.html")]
pub struct Login<'a> {
    pub lang: &'a str,
    pub challenge_id: &'a str,
    /// The verified https app link of the challenge (`…/login?r=`), also the QR code's text.
    pub app_link: &'a str,
    /// The custom-scheme fallback (`kazasu://login?r=`).
    pub deep_link: &'a str,
    pub qr_svg: &'a str,
    pub words: &'a LoginWords,
}

impl Login<'_> {
    /// The SVG element alone, without an XML prolog.
    fn svg(&self) -> &str {
        self.qr_svg.find("<svg").map(|i| &self.qr_svg[i..]).unwrap_or_default()
    }
}

/// The logged-in page: which account (a short form of its key) and the log-out button.
#[derive(Template)]
#[template(path = "account.html")]
pub struct Account<'a> {
    pub lang: &'a str,
    pub form_token: &'a str,
    pub words: &'a AccountWords,
}

/// A page that says only one thing (not logged in; a log-in page opened in another browser).
#[derive(Template)]
#[template(path = "message.html")]
pub struct Message<'a> {
    pub lang: &'a str,
    pub text: &'a str,
}

/// What a desktop page shows without its owner cookie: nothing about the application.
#[derive(Template)]
#[template(path = "not_owner.html")]
pub struct NotOwner;

/// The app link opened in a browser where no app took it: which site asks for a signature, and the
/// custom-scheme link.
#[derive(Template)]
#[template(path = "app_link.html")]
pub struct AppLink<'a> {
    pub origin: &'a str,
    pub deep_link: &'a str,
    /// A log-in's link (else a signing request's).
    pub login: bool,
}

/// An app link without a signing request in it.
#[derive(Template)]
#[template(path = "bad_link.html")]
pub struct BadLink;

/// The desktop page's script: polls the status and shows the signed state.
pub const SCRIPT: &str = include_str!("../templates/app.js");

/// The application as plain text: `full` (the back office) with everything the certificate says, otherwise
/// (the applicant's browser) with the masked name only.
pub struct ApplicationText<'a> {
    pub relying_party: &'a str,
    pub state: ApplicationState,
    pub fields: &'a [Field],
    pub signature: Option<&'a SignatureRow>,
    pub full: bool,
}

pub fn application_text(a: &ApplicationText<'_>) -> String {
    let mut out = String::new();
    let verdict = match (a.signature, a.state) {
        (Some(_), ApplicationState::Signed) => "署名検証済み",
        (_, ApplicationState::Expired) => "有効期限切れ（未署名）",
        _ => "署名待ち",
    };
    out.push_str(&format!("住民票の写しの交付申請（{}） — {verdict}\n", a.relying_party));
    if let Some(s) = a.signature {
        let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        if a.full {
            let gender = match s.gender.as_deref() {
                Some("1") => "男".to_string(),
                Some("2") => "女".to_string(),
                other => other.unwrap_or("-").to_string(),
            };
            out.push_str(&format!(
                "氏名: {}\n住所: {}\n生年月日: {}\n性別: {gender}\n",
                dash(&s.name),
                dash(&s.address),
                dash(&s.date_of_birth)
            ));
        } else {
            out.push_str(&format!(
                "氏名: {}（住所・生年月日・性別は市の担当者のみが確認します）\n",
                dash(&s.name.as_deref().map(mask_name))
            ));
        }
    }
    for f in a.fields {
        out.push_str(&format!("{}: {}\n", f.label, f.value));
    }
    if let Some(s) = a.signature {
        let serial = if a.full { format!(" / 証明書シリアル {}", s.cert_serial) } else { String::new() };
        out.push_str(&format!(
            "署名: {}{serial} / 発行者 {}\n署名日時: {}\n",
            s.digest_algorithm,
            s.cert_issuer,
            format_utc(s.signed_at)
        ));
    }
    out
}
