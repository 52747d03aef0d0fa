//! A loopback OCSP responder for tests: an HTTP/1.1 server on 127.0.0.1 (a free port) that hands each POSTed
//! request to `openssl ocsp -index … -reqin … -respout …` (OpenSSL's own responder; its `-port` mode binds every
//! interface, so it runs per request instead) and sends back the answer — or on purpose something else: a
//! replay, garbage, silence. Stopped and joined when dropped. Shared by the pki, CLI and portal tests
//! (`#[path]`); std only.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// `openssl ocsp` answering from `index` (an `openssl ca` index: V valid, R revoked, absent unknown) for the CA
/// `ca_pem`, signing as `signer` with `key`, the next update `ndays` ahead (None: no nextUpdate); scratch files
/// go to `dir`.
pub fn openssl_answer(
    dir: &Path,
    index: &Path,
    ca_pem: &Path,
    signer: &Path,
    key: &Path,
    ndays: Option<u32>,
) -> Answer {
    let arg = |p: &Path| p.to_str().expect("test paths are UTF-8").to_string();
    let mut args: Vec<String> = vec!["ocsp".into(), "-index".into(), arg(index), "-CA".into(), arg(ca_pem)];
    args.extend(["-rsigner".into(), arg(signer), "-rkey".into(), arg(key)]);
    if let Some(n) = ndays {
        args.extend(["-ndays".into(), n.to_string()]);
    }
    Answer::Openssl { args, dir: dir.to_path_buf() }
}

/// An `openssl ca` index line for a certificate with serial `serial_hex`: `V` (valid) or `R` (revoked on
/// 2026-12-01T00:00:00Z).
pub fn index_line(serial_hex: &str, status: char) -> String {
    let revoked_at = if status == 'R' { "261201000000Z" } else { "" };
    format!("{status}\t491231000000Z\t{revoked_at}\t{serial_hex}\tunknown\t/CN=test\n")
}

/// How the loopback responder answers.
#[derive(Clone)]
pub enum Answer {
    /// Runs `openssl <args> -reqin … -respout …` on each request.
    Openssl { args: Vec<String>, dir: PathBuf },
    /// The same bytes every time.
    Fixed(Vec<u8>),
    /// Accepts the connection and never answers.
    Silent,
}

/// An HTTP/1.1 responder on 127.0.0.1 (port chosen by the system), stopped and joined on drop.
pub struct Responder {
    pub url: String,
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    last: Arc<Mutex<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl Responder {
    pub fn start(answer: Answer) -> Responder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let last = Arc::new(Mutex::new(Vec::new()));
        let (s, r, l) = (stop.clone(), requests.clone(), last.clone());
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                match &answer {
                    Answer::Silent => held.push(stream),
                    answer => {
                        r.fetch_add(1, Ordering::SeqCst);
                        serve(stream, answer, &l);
                    }
                }
            }
        });
        Responder { url: format!("http://{addr}/ocsp"), addr, stop, requests, last, thread: Some(thread) }
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn last_response(&self) -> Vec<u8> {
        self.last.lock().unwrap().clone()
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one POST and answers it; the answer is kept in `last` before it is sent.
fn serve(stream: TcpStream, answer: &Answer, last: &Mutex<Vec<u8>>) -> Option<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut length = 0usize;
    let mut content_type = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        if let Some(v) = lower.strip_prefix("content-type:") {
            content_type = v.trim().to_string();
        }
    }
    let mut request = vec![0; length];
    reader.read_exact(&mut request).ok()?;
    let body = match answer {
        Answer::Fixed(bytes) => bytes.clone(),
        Answer::Silent => unreachable!(),
        Answer::Openssl { .. } if content_type != "application/ocsp-request" => b"wrong content type".to_vec(),
        Answer::Openssl { args, dir } => {
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let (reqin, respout) = (dir.join(format!("req{n}.der")), dir.join(format!("resp{n}.der")));
            std::fs::write(&reqin, &request).ok()?;
            let status = Command::new("openssl")
                .args(args)
                .arg("-reqin")
                .arg(&reqin)
                .arg("-respout")
                .arg(&respout)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .ok()?;
            if !status.success() {
                return None; // the client sees the connection close: unreachable
            }
            std::fs::read(&respout).ok()?
        }
    };
    *last.lock().unwrap() = body.clone();
    let mut stream = reader.into_inner();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(&body).ok()
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);
