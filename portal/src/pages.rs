//! The desktop pages: the sample application form, and the page that shows the QR code and the same-device
//! link, then — updated by polling — the signed application with what the certificate says.
//! Everything user-supplied is HTML-escaped; the script is served from the same origin (CSP `script-src 'self'`).

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kazasu_core::handoff::link::{APP_LINK_HOST, APP_LINK_PATH};
use kazasu_core::handoff::time::jst_parts;
use kazasu_core::handoff::{app_link, deep_link, parse_link, HttpsUrl};

use crate::guard::{cookies, Denied};
use crate::{cookies_of, page_data, run_blocking, Failure, Shared};

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

pub fn html(body: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"),
            ),
            // `same-origin`, not `no-referrer`: the view URL never goes to another site, and the browser still
            // sends the real Origin (not `null`) on the form's POST, which the same-origin check needs.
            (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

fn frame(title: &str, body_attrs: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{}</title><style>{STYLE}</style></head><body{body_attrs}>\n{body}\n</body></html>\n",
        escape(title)
    )
}

pub fn form_html(error: Option<&str>, form_token: &str, test_cards: bool) -> String {
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

/// The form, with its token in a hidden field and in an HttpOnly, SameSite=Strict cookie (double submit).
/// A browser that already holds a well-formed token keeps it, so two open tabs both work.
pub async fn form_page(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let c = cookies_of(&state);
    let token = cookies(&headers, c.form_name())
        .find(|t| t.len() == 43 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_owned)
        .unwrap_or_else(|| crate::random_token(32));
    let mut resp = html(form_html(None, &token, state.cfg.trust.accept_test_cards));
    if let Ok(v) = HeaderValue::from_str(&c.form_cookie(&token)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// What a desktop page shows without its owner cookie: nothing about the application.
fn not_owner_page() -> Response {
    let mut resp = html(frame(
        "表示できません",
        "",
        "<h1>この申請は表示できません</h1>\n<p id=\"not-owner\">申請内容は、申請したブラウザでのみ表示されます。</p>",
    ));
    *resp.status_mut() = StatusCode::FORBIDDEN;
    resp
}

pub async fn application_page(State(state): State<Shared>, Path(view): Path<String>, headers: HeaderMap) -> Response {
    let result = run_blocking(move || page_data(&state, &view, &headers)).await;
    let (row, url, deep, svg) = match result {
        Ok(d) => d,
        Err(Failure::Denied(Denied::NotOwner)) => return not_owner_page(),
        Err(r) => return r.into_response(),
    };
    let svg = svg.find("<svg").map(|i| svg[i..].to_string()).unwrap_or_default();
    let fields: String = row
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
        // The verified https link first (only the genuine app can claim it), the custom scheme as fallback.
        app = escape(&HttpsUrl::parse(&url).map(|u| app_link(&u)).unwrap_or_else(|_| deep.clone())),
        deep = escape(&deep),
        url = escape(&url),
        expires = escape(&{
            let (date, time) = jst_parts(row.expires_at);
            format!("{date} {time}")
        }),
    );
    html(frame("住民票の写しの交付申請", &format!(" data-view=\"{}\"", escape(&row.view_id)), &body))
}

const SCRIPT: &str = r#""use strict";
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

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        SCRIPT,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------------------
// Verified links: the app-link host's well-known files (generated by scripts/app-links.py from
// app-links.toml) and the page its link shows when no app opened it.

const ASSETLINKS: &str = include_str!("../well-known/assetlinks.json");
const APPLE_APP_SITE_ASSOCIATION: &str = include_str!("../well-known/apple-app-site-association");

fn well_known(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600")),
        ],
        body,
    )
        .into_response()
}

/// `/.well-known/assetlinks.json`: Android verifies the App Link against it (package + signing key).
pub async fn assetlinks() -> Response {
    well_known(ASSETLINKS)
}

/// `/.well-known/apple-app-site-association`: iOS verifies the Universal Link against it (TeamID.bundleId).
pub async fn apple_app_site_association() -> Response {
    well_known(APPLE_APP_SITE_ASSOCIATION)
}

/// The app link opened in a browser (`APP_LINK_PATH?r=…`): no app took it (not installed, or a desktop). Says
/// which site asks for a signature and offers the custom-scheme link; fetches nothing.
pub async fn app_link_page(RawQuery(query): RawQuery) -> Response {
    let link = format!("https://{APP_LINK_HOST}{APP_LINK_PATH}?{}", query.unwrap_or_default());
    let Ok(url) = parse_link(&link) else {
        let mut resp = html(frame(
            "リンクが正しくありません",
            "",
            "<h1>このリンクは使えません</h1>\n<p id=\"bad-link\">署名の要求を含まないリンクです。申請ページからやり直してください。</p>",
        ));
        *resp.status_mut() = StatusCode::BAD_REQUEST;
        return resp;
    };
    html(frame(
        "Kazasu アプリで署名",
        "",
        &format!(
            "<h1>Kazasu アプリで署名します</h1>
<p><code id=\"origin\">{origin}</code> からの署名の要求です。</p>
<p><a class=\"button\" id=\"open-app\" href=\"{deep}\">Kazasu アプリで開く</a></p>
<p class=\"note\">このページが表示されたのは、この端末で Kazasu アプリがリンクを開かなかったためです。アプリを入れてから、申請ページのボタンをもう一度押してください。パソコンでは、申請ページの QR コードをスマートフォンの Kazasu アプリで読み取ってください。</p>",
            origin = escape(&url.origin()),
            deep = escape(&deep_link(&url)),
        ),
    ))
}
