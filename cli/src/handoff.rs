//! The CLI as the phone, for desktop testing and for people with a USB reader: `kazasu scan IMAGE` reads a
//! signing-request QR code from a photo or screenshot; `kazasu sign-request URL` fetches the request, shows
//! it, checks the expiry, asks the PIN (under the same rules as `kazasu sign`), signs the exact document bytes
//! shown, and submits signature + certificate. HTTP is ureq behind the core's `HttpClient` trait.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kazasu_core::flow::{Flow, Notice};
use kazasu_core::handoff::{
    self, HandoffError, HttpClient, HttpError, HttpResponse, HttpsUrl, LinkKind, Refusal, SchemeRefusal, SignRequest,
};
use kazasu_core::HashAlgorithm;

use crate::drive;
use crate::failure::Failure;
use crate::io::{progress, read_file};
use crate::messages::{detail, exit, text, time, Lang};
use crate::prompt::PinArgs;
use crate::source::{self, SourceArgs};

/// ureq as the core's HTTP client: no redirects (they would leave the origin shown), bounded bodies, TLS
/// verified by OpenSSL through native-tls (the system's trust store, or `SSL_CERT_FILE`).
pub struct UreqClient {
    agent: ureq::Agent,
    /// Why the last TLS handshake failed, if it did: the site's certificate refused, not a network failure.
    tls_refusal: Option<TlsRefusal>,
}

/// A TLS handshake the client refused, told apart from other network failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsRefusal {
    /// The certificate is valid but names another host.
    WrongHost,
    /// The certificate does not chain to a trusted authority (or is expired or otherwise invalid).
    Untrusted,
    /// The handshake failed for another reason (protocol, cipher).
    Handshake,
}

impl TlsRefusal {
    /// The refusal inside a ureq error: a native-tls error in its source chain. OpenSSL names the verify
    /// result in the error's words ("hostname mismatch", "certificate verify failed").
    fn of(e: &ureq::Error) -> Option<TlsRefusal> {
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            if let Some(tls) = s.downcast_ref::<native_tls::Error>() {
                let words = tls.to_string().to_ascii_lowercase();
                return Some(if words.contains("hostname mismatch") || words.contains("ip address mismatch") {
                    TlsRefusal::WrongHost
                } else if words.contains("certificate verify failed") {
                    TlsRefusal::Untrusted
                } else {
                    TlsRefusal::Handshake
                });
            }
            source = s.source();
        }
        None
    }
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
        Ok(UreqClient { agent, tls_refusal: None })
    }

    /// The hand-off error in words, saying so when the network failure was a refused certificate.
    fn failure(&self, lang: Lang, url: &HttpsUrl, e: &HandoffError) -> Failure {
        self.failure_in(lang, url, e, handoff_failure, text::nothing_signed)
    }

    /// The error in words: a refused TLS certificate in the client's own, followed by `nothing` (nothing was
    /// signed, not logged in); every other error in `words`.
    pub fn failure_in(
        &self,
        lang: Lang,
        url: &HttpsUrl,
        e: &HandoffError,
        words: fn(Lang, &HandoffError) -> Failure,
        nothing: fn(Lang) -> String,
    ) -> Failure {
        let message = match (e, self.tls_refusal) {
            (HandoffError::Http(_), Some(TlsRefusal::WrongHost)) => text::tls_wrong_host(lang, url.host()),
            (HandoffError::Http(_), Some(TlsRefusal::Untrusted)) => text::tls_untrusted(lang, url.host()),
            (HandoffError::Http(_), Some(TlsRefusal::Handshake)) => text::tls_failed(lang, url.host()),
            _ => return words(lang, e),
        };
        detail("hand-off", e);
        let nothing = nothing(lang);
        Failure::new(
            if lang == Lang::Ja { format!("{message}{nothing}") } else { format!("{message} {nothing}") },
            exit::FAILURE,
        )
    }

    fn finish(
        &mut self,
        result: Result<ureq::Response, ureq::Error>,
        max_body: usize,
    ) -> Result<HttpResponse, HttpError> {
        self.tls_refusal = None;
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => {
                self.tls_refusal = TlsRefusal::of(&e);
                return Err(HttpError(e.to_string()));
            }
        };
        let status = resp.status();
        let mut body = Vec::new();
        resp.into_reader().take(max_body as u64 + 1).read_to_end(&mut body).map_err(|e| HttpError(e.to_string()))?;
        Ok(HttpResponse { status, body })
    }
}

impl HttpClient for UreqClient {
    fn get(&mut self, url: &HttpsUrl, max_body: usize) -> Result<HttpResponse, HttpError> {
        let result = self.agent.get(&url.to_string()).set("Accept", "application/json").call();
        self.finish(result, max_body)
    }

    fn post_json(&mut self, url: &HttpsUrl, body: &[u8], max_body: usize) -> Result<HttpResponse, HttpError> {
        let req = self.agent.post(&url.to_string()).set("Content-Type", "application/json");
        self.finish(req.send_bytes(body), max_body)
    }
}

use drive::now;

/// The hand-off's errors in words, and their exit codes. Errors before signing say that nothing was signed.
pub fn handoff_failure(lang: Lang, e: &HandoffError) -> Failure {
    detail("hand-off", e);
    let code = match e.refusal() {
        Refusal::BadSignature | Refusal::BadCertificate => exit::VERIFY_FAILED,
        _ => exit::FAILURE,
    };
    let (message, before_signing) = match e {
        HandoffError::Scheme(SchemeRefusal::PlainHttp) => (text::link_http_not_allowed(lang), true),
        HandoffError::Scheme(SchemeRefusal::NotHttps { found }) => (text::link_not_https(lang, found), true),
        HandoffError::InvalidUrl(_) => (text::link_invalid(lang), true),
        HandoffError::OriginMismatch { expected, found } => {
            (text::request_origin_mismatch(lang, expected, found), true)
        }
        HandoffError::DisplayMismatch => (text::request_display_mismatch(lang), true),
        HandoffError::Expired { expires_at } => (text::request_expired(lang, time::moment_of(lang, expires_at)), true),
        HandoffError::NotYetValid { issued_at } => {
            (text::request_not_yet_valid(lang, time::moment_of(lang, issued_at)), true)
        }
        HandoffError::TooLong { .. } => (text::request_too_long(lang), true),
        HandoffError::InvalidUtf8 { .. } => (text::request_not_utf8(lang), true),
        HandoffError::Malformed { .. } => (text::request_malformed(lang), true),
        HandoffError::UnsupportedVersion => (text::request_unsupported_version(lang), true),
        // These can also come after signing, when the signature was not accepted.
        HandoffError::Replayed => (text::request_already_signed(lang), false),
        HandoffError::Http(_) => (text::network_failed(lang), false),
        HandoffError::HttpStatus { status } => (text::server_status(lang, status), false),
        HandoffError::Refused { code, message, .. } => (text::server_refused(lang, code, message), false),
        HandoffError::BadSignature => (text::server_bad_signature(lang), false),
        HandoffError::BadCertificate(_) => (text::server_bad_certificate(lang), false),
    };
    let message = match (before_signing, lang) {
        (false, _) => message,
        (true, Lang::Ja) => format!("{message}{}", text::nothing_signed(lang)),
        (true, Lang::En) => format!("{message} {}", text::nothing_signed(lang)),
    };
    Failure::new(message, code)
}

/// `kazasu scan IMAGE`: decodes the QR code in a PNG/JPEG and prints the request URL (or log-in link) it carries. Its errors
/// are about the picture and the code, never about signing.
pub fn scan(lang: Lang, image: &Path) -> Result<(), Failure> {
    let bytes = read_file(lang, image)?;
    let img = image::load_from_memory(&bytes).map_err(|e| {
        detail(&image.display().to_string(), e);
        Failure::new(text::not_an_image(lang, image.display()), exit::FAILURE)
    })?;
    let luma = img.to_luma8();
    let (w, h) = (luma.width() as usize, luma.height() as usize);
    let no_code = || Failure::new(text::no_qr_code(lang, image.display()), exit::FAILURE);
    let frame = kazasu_qr::LumaFrame::packed(w, h, luma.as_raw()).map_err(|e| {
        detail("frame", e);
        no_code()
    })?;
    let decoded = kazasu_qr::decode(&frame)
        .map_err(|e| {
            detail("qr", e);
            no_code()
        })?
        .ok_or_else(no_code)?;
    let link = std::str::from_utf8(&decoded.bytes)
        .map_err(|_| HandoffError::InvalidUtf8 { what: "QR payload" })
        .and_then(handoff::parse_any_link)
        .map_err(|e| {
            detail("QR payload", &e);
            let message = match e {
                HandoffError::Scheme(SchemeRefusal::PlainHttp) => text::qr_http_not_allowed(lang),
                _ => text::qr_not_a_kazasu_link(lang),
            };
            Failure::new(message, exit::FAILURE)
        })?;
    // A signing request prints as its URL (what `kazasu sign-request` takes); a log-in as its kazasu://login
    // link, since a plain URL is a signing request's (`kazasu login` takes either).
    match link.kind {
        LinkKind::Sign => outln!("{}", link.url),
        LinkKind::Login => outln!("{}", handoff::login_deep_link(&link.url)),
    }
    Ok(())
}

fn show(lang: Lang, req: &SignRequest) {
    let d = req.document();
    let bar = "─".repeat(40);
    eprintln!("{bar}");
    eprintln!("{}", text::request_site(lang, &d.origin));
    eprintln!("{}", text::request_relying_party(lang, &d.relying_party));
    eprintln!("{}", text::request_title(lang, &d.title));
    for f in &d.fields {
        eprintln!("  {}: {}", f.label, f.value);
    }
    let digest = hex::encode(HashAlgorithm::Sha256.digest(req.bytes_to_sign()));
    eprintln!("{}", text::request_expires(lang, time::moment(lang, d.expires_at)));
    eprintln!("{}", text::request_document(lang, req.bytes_to_sign().len() as u64, digest));
    eprintln!("{bar}");
}

/// The words for a flow that did not go on to sending after 申請する (the request expired during the review).
fn filing_refused(flow: &Flow, refused: &dyn Fn(&Notice) -> Failure) -> Option<Failure> {
    match flow.state() {
        kazasu_core::flow::State::Failed { notice } => Some(refused(notice)),
        _ => None,
    }
}

/// `kazasu sign-request URL|LINK`.
pub fn sign_request(
    source: &SourceArgs,
    lang: Lang,
    link: &str,
    pin: &PinArgs,
    print_document: bool,
) -> Result<(), Failure> {
    let url = handoff::parse_link(link).map_err(|e| handoff_failure(lang, &e))?;
    let mut http = UreqClient::new().map_err(|e| {
        detail("TLS", e);
        Failure::new(text::tls_unavailable(lang), exit::FAILURE)
    })?;
    progress(text::fetching_request(lang));
    let req = handoff::fetch_request(&mut http, &url, now()).map_err(|e| http.failure(lang, &url, &e))?;
    show(lang, &req);
    if print_document {
        eprint!("{}", String::from_utf8_lossy(req.bytes_to_sign()));
    }
    // Expired requests are refused before the PIN is asked (and checked again before signing).
    req.check_time(now()).map_err(|e| handoff_failure(lang, &e))?;
    let expires_at = handoff::time::format_utc(req.document().expires_at);
    let origin = req.origin().to_string();
    let mut flow = Flow::for_request(req);
    drive::show_consent(&flow, lang);
    let mut transport = source::open(source, lang)?;
    let refused = |n: &Notice| match n {
        Notice::Expired => handoff_failure(lang, &HandoffError::Expired { expires_at: expires_at.clone() }),
        Notice::AlreadySigned => handoff_failure(lang, &HandoffError::Replayed),
        _ => Failure::new(text::card_operation_failed(lang), exit::FAILURE),
    };
    drive::sign_on_card(&mut flow, &mut *transport, pin, lang, &refused)?;
    drop(transport); // the card is released before the review and the network round trip
    if !drive::review_and_file(&mut flow, pin, lang) {
        return Err(Failure::new(text::filing_declined(lang), exit::NEEDS_CONFIRMATION));
    }
    if let Some(refusal) = filing_refused(&flow, &refused) {
        return Err(refusal);
    }
    progress(text::submitting_signature(lang));
    let job = flow.begin_submit().ok_or_else(|| Failure::new(text::card_operation_failed(lang), exit::FAILURE))?;
    let receipt = job.run(&mut http).map_err(|e| handoff_failure(lang, &e))?;
    let t = receipt.transcribed.unwrap_or_default();
    let v = |o: Option<String>| o.unwrap_or_else(|| "-".into());
    outln!("{}", text::submitted_and_verified(lang, &origin));
    outln!("{}", text::transcribed_heading(lang));
    outln!("  {}: {}", text::label_name(lang), v(t.name));
    outln!("  {}: {}", text::label_address(lang), v(t.address));
    outln!("  {}: {}", text::label_date_of_birth(lang), v(t.date_of_birth));
    Ok(())
}
