//! The pages, made from plain data (no request, state or store in reach): the application form, the desktop
//! page that shows the QR code and the same-device link and — updated by polling — the signed application, the
//! page a desktop URL shows without its owner cookie, the app link's page, and the application as text.
//! Everything user-supplied is HTML-escaped; the script is served from the same origin (CSP `script-src 'self'`).

use kazasu_core::handoff::time::{format_utc, jst_parts};
use kazasu_core::handoff::Field;

use crate::guard::mask_name;
use crate::state::ApplicationState;
use crate::store::SignatureRow;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222}
label{display:block;margin:.8em 0 .2em}input,select{font-size:1em;padding:.3em;min-width:16em}
button,.button{font-size:1.05em;padding:.5em 1.2em;margin-top:1em;background:#0b5;color:#fff;border:0;border-radius:4px;text-decoration:none;display:inline-block}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.4em .8em;text-align:left}
.error{color:#b00}.verified{color:#fff;background:#0a5;padding:.2em .6em;border-radius:4px;font-weight:bold}
#qr svg{width:260px;height:260px}.note{color:#555;font-size:.9em}";

fn frame(title: &str, body_attrs: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{}</title><style>{STYLE}</style></head><body{body_attrs}>\n{body}\n</body></html>\n",
        escape(title)
    )
}

pub fn form(error: Option<&str>, form_token: &str, test_cards: bool) -> String {
    let err = error.map(|e| format!("<p class=\"error\" id=\"error\">{}</p>", escape(e))).unwrap_or_default();
    // A portal that accepts test cards must not be mistaken for a real service.
    let dev = if test_cards {
        "<p class=\"error\" id=\"test-cards\">開発用の設定です：テストカードの証明書も受け付けます。本番では使わないでください。\
         (Development setting: test cards' certificates are accepted. Never in production.)</p>"
    } else {
        ""
    };
    frame(
        "住民票の写しの交付申請",
        "",
        &format!(
            "<h1>住民票の写しの交付申請（見本）</h1>{dev}
<p class=\"note\">氏名・住所・生年月日は、マイナンバーカードの署名用電子証明書から自動で記入されます。</p>{err}
<form method=\"post\" action=\"/applications\" id=\"application\">
<input type=\"hidden\" name=\"form_token\" value=\"{token}\">
<label for=\"scope\">交付対象</label>
<select id=\"scope\" name=\"scope\"><option value=\"self\">本人のみ</option><option value=\"household\">世帯全員</option></select>
<label for=\"copies\">通数</label>
<input id=\"copies\" name=\"copies\" type=\"number\" min=\"1\" max=\"10\" value=\"1\" required>
<label for=\"honseki\">本籍・筆頭者の記載</label>
<select id=\"honseki\" name=\"honseki\"><option value=\"omit\">省略する</option><option value=\"include\">記載する</option></select>
<label for=\"purpose\">使用目的</label>
<input id=\"purpose\" name=\"purpose\" maxlength=\"100\" required placeholder=\"例: 年金の手続き\">
<label for=\"phone\">日中の連絡先電話番号</label>
<input id=\"phone\" name=\"phone\" maxlength=\"20\" required placeholder=\"0596-00-0000\" inputmode=\"tel\">
<div><button type=\"submit\" id=\"submit\">マイナンバーカードで署名へ進む</button></div>
</form>",
            token = escape(form_token)
        ),
    )
}

/// What a desktop page shows without its owner cookie: nothing about the application.
pub fn not_owner() -> String {
    frame(
        "表示できません",
        "",
        "<h1>この申請は表示できません</h1>\n<p id=\"not-owner\">申請内容は、申請したブラウザでのみ表示されます。</p>",
    )
}

/// What the desktop page shows while the application waits for its signature.
pub struct Application<'a> {
    pub view_id: &'a str,
    pub fields: &'a [Field],
    /// The verified https app link (only the genuine app can claim it).
    pub app_link: &'a str,
    /// The custom-scheme fallback.
    pub deep_link: &'a str,
    /// The request URL, as in the QR code.
    pub request_url: &'a str,
    /// The QR code as SVG.
    pub qr_svg: &'a str,
    pub expires_at: i64,
}

pub fn application(a: &Application<'_>) -> String {
    // The SVG element alone, without an XML prolog.
    let svg = a.qr_svg.find("<svg").map(|i| &a.qr_svg[i..]).unwrap_or_default();
    let fields: String = a
        .fields
        .iter()
        .map(|f| format!("<tr><th>{}</th><td>{}</td></tr>", escape(&f.label), escape(&f.value)))
        .collect();
    let body = format!(
        "<h1>住民票の写しの交付申請（見本）</h1>
<section id=\"pending\">
<h2>マイナンバーカードで署名してください</h2>
<p>スマートフォンの Kazasu アプリでこの QR コードを読み取ってください。</p>
<div id=\"qr\" role=\"img\" aria-label=\"署名用の QR コード\">{svg}</div>
<p>この端末で申請している場合: <a class=\"button\" id=\"same-device\" href=\"{app}\">端末内のアプリで署名する</a><br>
<span class=\"note\">アプリが開かないとき: <a id=\"same-device-fallback\" href=\"{deep}\">kazasu: リンクで開く</a></span></p>
<p class=\"note\">署名の要求: <code id=\"request-url\">{url}</code><br>有効期限: {expires}（日本時間）</p>
<p id=\"state\">署名を待っています…</p>
</section>
<section id=\"signed\" hidden>
<p><span class=\"verified\" id=\"verified\">署名検証済み</span></p>
<p>マイナンバーカードでの署名を確認し、申請を受け付けました。</p>
<table id=\"identity\">
<tr><th>署名した人</th><td id=\"name\"></td></tr>
</table>
<p class=\"note\">住所・生年月日・性別は署名用電子証明書から市の担当者だけが確認します。この画面には表示しません（発行者 <span id=\"issuer\"></span>）。</p>
</section>
<h2>申請内容</h2>
<table id=\"fields\">{fields}</table>
<script src=\"/app.js\"></script>",
        app = escape(a.app_link),
        deep = escape(a.deep_link),
        url = escape(a.request_url),
        expires = escape(&{
            let (date, time) = jst_parts(a.expires_at);
            format!("{date} {time}")
        }),
    );
    frame("住民票の写しの交付申請", &format!(" data-view=\"{}\"", escape(a.view_id)), &body)
}

pub const SCRIPT: &str = r#""use strict";
(function () {
  const view = document.body.dataset.view;
  if (!view) return;
  const set = (id, v) => { document.getElementById(id).textContent = v == null ? "" : v; };
  async function poll() {
    try {
      const r = await fetch("/a/" + encodeURIComponent(view) + "/status", { cache: "no-store", credentials: "same-origin" });
      if (r.ok) {
        const s = await r.json();
        if (s.state === "signed" && s.signature) {
          const g = s.signature;
          set("name", g.name_masked); set("issuer", g.cert_issuer);
          document.getElementById("pending").hidden = true;
          document.getElementById("signed").hidden = false;
          document.body.dataset.state = "signed";
          return;
        }
        if (s.state === "expired") {
          set("state", "有効期限が切れました。もう一度申請してください。");
          document.body.dataset.state = "expired";
          return;
        }
      }
    } catch (e) { /* network hiccup: try again */ }
    setTimeout(poll, 1000);
  }
  poll();
})();
"#;

/// The app link opened in a browser where no app took it: which site asks for a signature, and the
/// custom-scheme link.
pub fn app_link(origin: &str, deep_link: &str) -> String {
    frame(
        "Kazasu アプリで署名",
        "",
        &format!(
            "<h1>Kazasu アプリで署名します</h1>
<p><code id=\"origin\">{origin}</code> からの署名の要求です。</p>
<p><a class=\"button\" id=\"open-app\" href=\"{deep}\">Kazasu アプリで開く</a></p>
<p class=\"note\">このページが表示されたのは、この端末で Kazasu アプリがリンクを開かなかったためです。アプリを入れてから、申請ページのボタンをもう一度押してください。パソコンでは、申請ページの QR コードをスマートフォンの Kazasu アプリで読み取ってください。</p>",
            origin = escape(origin),
            deep = escape(deep_link),
        ),
    )
}

/// An app link without a signing request in it.
pub fn bad_link() -> String {
    frame(
        "リンクが正しくありません",
        "",
        "<h1>このリンクは使えません</h1>\n<p id=\"bad-link\">署名の要求を含まないリンクです。申請ページからやり直してください。</p>",
    )
}

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
