//! The CLI as the phone, for desktop testing and for people with a USB reader: `kazasu scan IMAGE` reads a
//! signing-request QR code from a photo or screenshot; `kazasu sign-request URL` fetches the request, shows
//! it, checks the expiry, asks the PIN (under the same rules as `kazasu sign`), signs the exact document bytes
//! shown, and submits signature + certificate. HTTP is ureq behind the core's `HttpClient` trait.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kazasu_core::handoff::{self, HandoffError, HttpClient, HttpError, HttpResponse, HttpsUrl, Refusal, SignRequest, Submission};
use kazasu_core::{HashAlgorithm, JpkiSession};

use crate::card::{self, card_failure, progress, SourceArgs};
use crate::messages::{exit, Lang};
use crate::{Failure, PinArgs};

/// ureq as the core's HTTP client: no redirects (they would leave the origin shown), bounded bodies, TLS
/// verified by OpenSSL through native-tls.
pub struct UreqClient {
    agent: ureq::Agent,
}

impl UreqClient {
    pub fn new() -> Result<UreqClient, String> {
        let tls = native_tls::TlsConnector::new().map_err(|e| format!("TLS: {e}"))?;
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout_connect(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .tls_connector(Arc::new(tls))
            .build();
        Ok(UreqClient { agent })
    }

    fn finish(result: Result<ureq::Response, ureq::Error>, max_body: usize) -> Result<HttpResponse, HttpError> {
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(HttpError(e.to_string())),
        };
        let status = resp.status();
        let mut body = Vec::new();
        resp.into_reader().take(max_body as u64 + 1).read_to_end(&mut body).map_err(|e| HttpError(e.to_string()))?;
        Ok(HttpResponse { status, body })
    }
}

impl HttpClient for UreqClient {
    fn get(&mut self, url: &HttpsUrl, max_body: usize) -> Result<HttpResponse, HttpError> {
        Self::finish(self.agent.get(&url.to_string()).set("Accept", "application/json").call(), max_body)
    }

    fn post_json(&mut self, url: &HttpsUrl, body: &[u8], max_body: usize) -> Result<HttpResponse, HttpError> {
        let req = self.agent.post(&url.to_string()).set("Content-Type", "application/json");
        Self::finish(req.send_bytes(body), max_body)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The hand-off's errors in words, and their exit codes.
pub fn handoff_failure(lang: Lang, e: &HandoffError) -> Failure {
    let code = match e.refusal() {
        Refusal::BadSignature | Refusal::BadCertificate => exit::VERIFY_FAILED,
        _ => exit::FAILURE,
    };
    let ja = match e {
        HandoffError::Scheme(_) => "https のリンクではありません（http はこのコンピューター内の開発用のみ）。何も署名していません。".to_string(),
        HandoffError::OriginMismatch { expected, found } => {
            format!("署名の要求が別のサイト（{found}）を名乗っています（読み取ったのは {expected}）。何も署名していません。")
        }
        HandoffError::DisplayMismatch => "表示用の内容と署名する内容が一致しません。何も署名していません。".into(),
        HandoffError::Expired { expires_at } => format!("署名の要求は有効期限（{expires_at}）が切れています。申請画面からやり直してください。何も署名していません。"),
        HandoffError::Replayed => "この署名の要求はすでに使われています。申請画面からやり直してください。".into(),
        HandoffError::TooLong { what, .. } => format!("署名の要求が大きすぎます（{what}）。何も署名していません。"),
        HandoffError::InvalidUtf8 { .. } => "署名の要求の文字コードが正しくありません（UTF-8 ではありません）。何も署名していません。".into(),
        HandoffError::Http(m) => format!("申請先に接続できません: {m}"),
        HandoffError::Refused { message, .. } => format!("申請先が受け付けませんでした: {message}"),
        other => format!("署名の要求を受け付けられません: {other}。何も署名していません。"),
    };
    // Refusals, replays and network errors can also come after signing, when the signature was not accepted.
    let en = match e {
        HandoffError::Replayed | HandoffError::Refused { .. } | HandoffError::Http(_) | HandoffError::HttpStatus { .. } => e.to_string(),
        _ => format!("{e}. Nothing was signed."),
    };
    Failure::new(if lang == Lang::Ja { ja } else { en }, code)
}

/// `kazasu scan IMAGE`: decodes the QR code in a PNG/JPEG and prints the request URL it carries.
pub fn scan(lang: Lang, image: &Path) -> Result<(), Failure> {
    let url = scan_url(image).map_err(|e| match e {
        ScanError::Handoff(h) => handoff_failure(lang, &h),
        ScanError::Other(m) => Failure::new(m, exit::FAILURE),
    })?;
    println!("{url}");
    Ok(())
}

enum ScanError {
    Handoff(HandoffError),
    Other(String),
}

fn scan_url(image: &Path) -> Result<HttpsUrl, ScanError> {
    let img = image::open(image).map_err(|e| ScanError::Other(format!("{}: {e}", image.display())))?;
    let luma = img.to_luma8();
    let (w, h) = (luma.width() as usize, luma.height() as usize);
    let frame = kazasu_qr::LumaFrame::packed(w, h, luma.as_raw()).map_err(|e| ScanError::Other(e.to_string()))?;
    let decoded = kazasu_qr::decode(&frame)
        .map_err(|e| ScanError::Other(e.to_string()))?
        .ok_or_else(|| ScanError::Other(format!("{}: no QR code found", image.display())))?;
    handoff::parse_link_bytes(&decoded.bytes).map_err(ScanError::Handoff)
}

fn show(lang: Lang, req: &SignRequest) {
    let d = req.document();
    let bar = "─".repeat(40);
    eprintln!("{bar}");
    match lang {
        Lang::Ja => {
            eprintln!("署名を求めているサイト: {}", d.origin);
            eprintln!("申請先: {}", d.relying_party);
            eprintln!("件名: {}", d.title);
        }
        Lang::En => {
            eprintln!("Site asking for your signature: {}", d.origin);
            eprintln!("Relying party: {}", d.relying_party);
            eprintln!("Title: {}", d.title);
        }
    }
    for f in &d.fields {
        eprintln!("  {}: {}", f.label, f.value);
    }
    let expires = handoff::time::format_utc(d.expires_at);
    let digest = hex::encode(HashAlgorithm::Sha256.digest(req.bytes_to_sign()));
    match lang {
        Lang::Ja => eprintln!("有効期限: {expires}\n署名する文書: {} バイト, SHA-256 {digest}", req.bytes_to_sign().len()),
        Lang::En => eprintln!("Expires: {expires}\nDocument to sign: {} bytes, SHA-256 {digest}", req.bytes_to_sign().len()),
    }
    eprintln!("{bar}");
}

/// `kazasu sign-request URL|LINK`.
pub fn sign_request(source: &SourceArgs, lang: Lang, link: &str, pin: &PinArgs, print_document: bool) -> Result<(), Failure> {
    let url = handoff::parse_link(link).map_err(|e| handoff_failure(lang, &e))?;
    let mut http = UreqClient::new().map_err(|e| Failure::new(e, exit::FAILURE))?;
    progress(lang, "署名の要求を取得しています…", "Fetching the signing request…");
    let req = handoff::fetch_request(&mut http, &url, now()).map_err(|e| handoff_failure(lang, &e))?;
    show(lang, &req);
    if print_document {
        eprint!("{}", String::from_utf8_lossy(req.bytes_to_sign()));
    }
    // Expired requests are refused before the PIN is asked (and checked again before signing).
    req.check_time(now()).map_err(|e| handoff_failure(lang, &e))?;
    let mut transport = card::open(source, lang)?;
    let mut s = JpkiSession::open(&mut transport).map_err(|e| card_failure(lang, &e))?;
    card::verify_sign_pin(&mut s, pin, lang)?;
    req.check_time(now()).map_err(|e| handoff_failure(lang, &e))?;
    progress(lang, "署名用証明書を読み取っています…", "Reading the signature certificate…");
    let certificate = s.read_sign_certificate().map_err(|e| card_failure(lang, &e))?;
    progress(lang, "署名しています…", "Signing…");
    let alg = HashAlgorithm::Sha256;
    let signature = s.sign(alg, req.bytes_to_sign()).map_err(|e| card_failure(lang, &e))?;
    drop(transport); // the card is released before the network round trip
    let submission = Submission::new(&req, alg, signature, certificate);
    progress(lang, "署名を送信しています…", "Submitting the signature…");
    let receipt = handoff::submit(&mut http, &req, &submission).map_err(|e| handoff_failure(lang, &e))?;
    let t = receipt.transcribed.unwrap_or_default();
    let v = |o: Option<String>| o.unwrap_or_else(|| "-".into());
    match lang {
        Lang::Ja => println!(
            "署名を送信し、申請先で検証されました（{}）。\n申請先が証明書から転記した内容:\n  氏名: {}\n  住所: {}\n  生年月日: {}",
            req.origin(),
            v(t.name),
            v(t.address),
            v(t.date_of_birth)
        ),
        Lang::En => println!(
            "Signed, submitted and verified by {}.\nTranscribed from the certificate:\n  Name: {}\n  Address: {}\n  Date of birth: {}",
            req.origin(),
            v(t.name),
            v(t.address),
            v(t.date_of_birth)
        ),
    }
    Ok(())
}
