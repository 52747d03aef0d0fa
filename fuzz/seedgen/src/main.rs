//! Writes `fuzz/seeds/<target>/*`: a few valid inputs per target (a document, a request, a submission, links,
//! the fixture certificates, a complete signing conversation with the software card, QR frames and grids),
//! so the fuzzers start from the deep end. Run: `cargo run --manifest-path fuzz/seedgen/Cargo.toml`.

use std::path::{Path, PathBuf};

use kazasu_core::handoff::request::request_json;
use kazasu_core::handoff::{deep_link, Document, Field, HttpsUrl, SignRequest, Submission};
use kazasu_core::softcard::{fixture, SoftCard};
use kazasu_core::flow::{CardJob, ToSign};
use kazasu_core::{AuthPin, HashAlgorithm, JpkiSession, LastTry, LinkCapabilities, SignPin};
use kazasu_core::{Transport, TransportError};

const NOW: i64 = 1_796_387_696; // core_checks::REQUEST_NOW
const URL: &str = "https://city.example.jp/r/req_0123456789";

fn out(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(target: &str, name: &str, data: &[u8]) {
    std::fs::write(out(target).join(name), data).unwrap();
}

fn document(fields: Vec<Field>) -> Document {
    Document {
        origin: "https://city.example.jp".into(),
        relying_party: "伊勢市（見本）".into(),
        title: "住民票の写しの交付申請".into(),
        request_id: "req_0123456789".into(),
        nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
        issued_at: NOW - 10,
        created_from: "Windows · Chrome".into(),
        expires_at: NOW + 590,
        submit_url: "https://city.example.jp/r/req_0123456789/submit".into(),
        fields,
    }
}

/// Records the software card's replies, to replay them from the session target's script.
struct Recorder {
    card: SoftCard,
    caps: LinkCapabilities,
    replies: Vec<Vec<u8>>,
    apdus: Vec<Vec<u8>>,
}

impl Transport for Recorder {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.card.process(command);
        self.apdus.push(command.to_vec());
        self.replies.push(r.clone());
        Ok(r)
    }
    fn capabilities(&self) -> LinkCapabilities {
        self.caps
    }
}

/// The session target's script for these replies (control byte 3: raw length, data, status word), after the
/// person's actions (flow scenario).
fn script(mode: u8, actions: &[u8], replies: &[Vec<u8>]) -> Vec<u8> {
    let mut s = vec![mode];
    s.extend_from_slice(actions);
    for r in replies {
        let (data, sw) = r.split_at(r.len() - 2);
        s.push(3);
        s.extend_from_slice(&(data.len() as u16).to_be_bytes());
        s.extend_from_slice(data);
        s.extend_from_slice(sw);
    }
    s
}

fn conversation(mode: u8) -> (Vec<u8>, Vec<Vec<u8>>) {
    let caps = match mode & 3 {
        0 => LinkCapabilities::SHORT,
        1 => LinkCapabilities::extended(65536),
        2 => LinkCapabilities::extended(1000),
        _ => LinkCapabilities { extended_length: true, max_response: 300 },
    };
    let mut rec = Recorder { card: SoftCard::new(), caps, replies: Vec::new(), apdus: Vec::new() };
    let last_try = if mode & 4 != 0 { LastTry::Confirmed } else { LastTry::NotConfirmed };
    let mut actions: &[u8] = &[];
    match mode >> 3 & 3 {
        0 => {
            // The flow: accept, type the PIN, tap (the card's answers follow in the script).
            actions = &[0, 2, 7];
            let pin = SignPin::new(fixture::SIGN_PIN).unwrap();
            let data: std::sync::Arc<[u8]> = std::sync::Arc::from(&b"document shown"[..]);
            let job = CardJob::sign(pin, LastTry::NotConfirmed, HashAlgorithm::Sha256, ToSign::Bytes(data));
            let _ = job.run_on(&mut rec, &mut |_| {});
        }
        1 => {
            let mut pin = Some(SignPin::new(fixture::SIGN_PIN).unwrap());
            let mut s = JpkiSession::open(&mut rec).unwrap();
            let _ = s.token_kind();
            let _ = s.remaining_tries(kazasu_core::PinKind::Auth);
            let _ = s.read_certificate(kazasu_core::CertificateKind::SignCa);
            let _ = s.verify_sign_pin_with(last_try, || pin.take());
            let _ = s.verify_sign_pin_with(LastTry::Confirmed, || pin.take());
            let _ = s.read_sign_certificate();
            let _ = s.sign_hash(HashAlgorithm::Sha256, &[7; 32]);
        }
        2 => {
            let mut pin = Some(AuthPin::new(fixture::AUTH_PIN).unwrap());
            let mut s = JpkiSession::open(&mut rec).unwrap();
            let _ = s.read_certificate(kazasu_core::CertificateKind::Auth);
            let _ = s.verify_auth_pin_with(last_try, || pin.take());
            let _ = s.verify_auth_pin_with(LastTry::Confirmed, || pin.take());
            let _ = s.read_auth_certificate();
            let _ = s.authenticate(HashAlgorithm::Sha384, b"challenge");
        }
        _ => {
            // The log-in flow: accept, type the auth PIN, tap (the card's answers follow in the script).
            actions = &[0, 2, 7];
            let pin = AuthPin::new(fixture::AUTH_PIN).unwrap();
            let challenge: std::sync::Arc<[u8]> = std::sync::Arc::from(&b"challenge"[..]);
            let _ = CardJob::log_in(pin, LastTry::NotConfirmed, challenge).run_on(&mut rec, &mut |_| {});
        }
    }
    (script(mode, actions, &rec.replies), rec.apdus)
}

fn main() {
    // Documents, requests, submissions.
    let fields = vec![
        Field { label: "交付を受ける通数".into(), value: "1".into() },
        Field { label: "使用目的".into(), value: "年金の手続き　（本人）".into() },
        Field { label: "備考".into(), value: "".into() },
    ];
    let doc = document(fields);
    write("document", "sample", &doc.render().unwrap());
    write("document", "no-fields", &document(Vec::new()).render().unwrap());
    let body = request_json(&doc).unwrap();
    write("request_json", "sample", &body);
    let url = HttpsUrl::parse(URL).unwrap();
    let req = SignRequest::from_json(&url, &body, NOW).unwrap();
    let mut session = JpkiSession::open(SoftCard::new()).unwrap();
    session.verify_sign_pin(SignPin::new(fixture::SIGN_PIN).unwrap(), LastTry::NotConfirmed).unwrap();
    let sig = session.sign(HashAlgorithm::Sha256, req.bytes_to_sign()).unwrap();
    let sub = Submission::new(&req, HashAlgorithm::Sha256, sig, fixture::SIGN_CERT.to_vec());
    write("submission_json", "sample", &sub.to_json());
    write(
        "portal_submit",
        "placeholders",
        br#"{"format":"kazasu-submission/1","request_id":"@ID@","nonce":"@NONCE@","digest_algorithm":"sha256","signature":"@SIG@","certificate_chain":["@CERT@"]}"#,
    );
    write("portal_submit", "real-json", &sub.to_json());
    // Links.
    write("link", "https", URL.as_bytes());
    write("link", "deep", deep_link(&url).as_bytes());
    write("link", "port-query", b"https://city.example.jp:8443/r/a%20b?x=1&y=%E4%BC%8A");
    write("link", "loopback", b"http://127.0.0.1:8080/r/abc");
    // Certificates and personal data.
    for (name, der) in [
        ("sign", fixture::SIGN_CERT),
        ("sign-ca", fixture::SIGN_CA_CERT),
        ("auth", fixture::AUTH_CERT),
        ("auth-ca", fixture::AUTH_CA_CERT),
        // Not on the software card: a test card's certificate, and the sign certificate of the pre-J-LIS-profile
        // fixtures (URL distribution points, 8-digit date of birth), kept as a regression input.
        ("sign-testcard", include_bytes!("../../../fixtures/test-pki/sign-testcard.der")),
        ("legacy-sign", include_bytes!("../../../fixtures/legacy/sign.der")),
    ] {
        write("certificate", name, der);
    }
    let mut personal = Vec::new();
    for (i, f) in ["かざす　花子", "00000", "2", "319850401", "三重県伊勢市岩渕一丁目７番２９号", "00000"].iter().enumerate() {
        if i > 0 {
            personal.push(0xFF);
        }
        personal.extend_from_slice(f.as_bytes());
    }
    write("certificate", "personal-fields", &personal);
    // Response APDUs.
    write("rapdu", "ok", &[0x01, 0x02, 0x90, 0x00]);
    write("rapdu", "tries", &[0x63, 0xC3]);
    write("rapdu", "token", b"JPKIAPICCTOKEN2                 \x90\x00");
    write("rapdu", "cert-head", &fixture::SIGN_CERT[..8]);
    write("rapdu", "atr", kazasu_core::softcard::SOFTCARD_ATR);
    // Whole conversations with the software card.
    for mode in [0u8, 1, 2, 3, 4, 8, 9, 12, 16, 17, 24, 25, 28] {
        let (s, apdus) = conversation(mode);
        write("session", &format!("mode-{mode:02}"), &s);
        let mut stream = Vec::new();
        for a in apdus.iter().filter(|a| a.len() <= 255) {
            stream.push(a.len() as u8);
            stream.extend_from_slice(a);
        }
        write("softcard_apdu", &format!("mode-{mode:02}"), &stream);
    }
    // QR: frames (small, 2 px per module) and grids.
    for (i, text) in [URL.to_string(), deep_link(&url), "伊勢市".into(), "0123456789".into()].iter().enumerate() {
        let (luma, side) = kazasu_qr::to_luma(text, 2).unwrap();
        if side <= 256 {
            let mut f = Vec::new();
            f.extend_from_slice(&((side - 1) as u16).to_le_bytes());
            f.extend_from_slice(&((side - 1) as u16).to_le_bytes());
            f.push(0);
            f.extend_from_slice(&luma);
            write("qr_frame", &format!("code-{i}"), &f);
        }
        let (modules, dim) = kazasu_qr::to_modules(text).unwrap();
        let mut g = vec![((dim - 17) / 4 - 1) as u8];
        for chunk in modules.chunks(8) {
            g.push(chunk.iter().enumerate().fold(0u8, |acc, (j, &b)| acc | (u8::from(b) << (7 - j))));
        }
        write("qr_grid", &format!("code-{i}"), &g);
    }
    // QR segments: byte mode "kazasu", numeric "0123", alphanumeric "AB", kanji, ECI 26 + bytes; version 1.
    let segs: [&[u8]; 3] = [
        &[0, 0x40, 0x66, 0xB6, 0x17, 0xA6, 0x17, 0x37, 0x50, 0x00],
        &[0, 0x10, 0x10, 0x0C, 0x56, 0x00, 0x00],
        &[0, 0x20, 0x09, 0xCD, 0x80, 0x00],
    ];
    for (i, s) in segs.iter().enumerate() {
        write("qr_segments", &format!("seg-{i}"), s);
    }
    write("qr_segments", "eci-utf8", &[0, 0x71, 0xA4, 0x02, 0xE3, 0x81, 0x82, 0x00]);
    println!("seeds written to {}", out("").display());
}
