//! Running the kazasu binary in tests: a clean locale, the `--virtual` card's state in a folder of the test's
//! own (removed afterwards), `stdin` fed, everything captured.
#![allow(dead_code)] // each test binary uses part of this

use std::io::{ErrorKind, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `kazasu` with a fresh `--virtual` card (its state folder is removed when the run ends).
pub fn kazasu(args: &[&str], stdin: &str) -> Output {
    let state = temp_dir("state");
    kazasu_in(state.path(), args, stdin)
}

/// Runs `kazasu` with the `--virtual` card's state kept under `state_home` (as $XDG_STATE_HOME), so
/// consecutive runs see the same counter.
pub fn kazasu_in(state_home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kazasu"));
    cmd.args(args).env_remove("LANG").env_remove("LC_ALL").env_remove("LC_MESSAGES").env("XDG_STATE_HOME", state_home);
    run(&mut cmd, stdin)
}

/// Runs `cmd` with `stdin` fed from a thread while the output is collected. A CLI that refuses its input
/// before reading standard input (a bad link, a missing file) may exit before the write: the broken pipe
/// that follows is an expected outcome, not a failure of the test.
pub fn run(cmd: &mut Command, stdin: &str) -> Output {
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn kazasu");
    let mut pipe = child.stdin.take().expect("piped stdin");
    let input = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || match pipe.write_all(&input) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    });
    let out = child.wait_with_output().expect("wait for kazasu");
    writer.join().expect("stdin writer thread").expect("write kazasu's stdin");
    out
}

/// A folder under the system's temporary directory, removed (with what the test wrote) when dropped — also
/// when the test fails.
pub fn temp_dir(label: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(&format!("kazasu-cli-{label}-")).tempdir().expect("temporary folder")
}

/// A PNG of a QR code carrying `payload`.
pub fn qr_png(payload: &str, dir: &Path, name: &str) -> std::path::PathBuf {
    let (pixels, side) = kazasu_qr::to_luma(payload, 4).expect("a QR code");
    let path = dir.join(name);
    image::GrayImage::from_raw(side as u32, side as u32, pixels).expect("pixels").save(&path).expect("write the PNG");
    path
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A PDF of `pages` pages written by lopdf.
pub fn write_pdf(path: &Path, pages: usize) {
    use lopdf::dictionary; // the macro names itself inside
    let mut doc = lopdf::Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let kids: Vec<lopdf::Object> = (0..pages)
        .map(|i| {
            let text = format!("BT /F1 12 Tf 72 720 Td (page {i}) Tj ET").into_bytes();
            let content = doc.add_object(lopdf::Stream::new(dictionary! {}, text));
            doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => content,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            })
            .into()
        })
        .collect();
    doc.objects.insert(
        pages_id,
        lopdf::Object::Dictionary(dictionary! { "Type" => "Pages", "Count" => pages as i64, "Kids" => kids }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.save(path).unwrap();
}

/// A minimal HTTP/1.1 server on `listener` for the relying parties the tests stand up: each connection's request
/// line and body (by Content-Length) go to `answer`, whose (status, JSON body) is sent back, then the connection
/// closes. Runs on its own thread until the process ends.
pub fn serve_http(listener: std::net::TcpListener, answer: impl Fn(&str, &[u8]) -> (u16, Vec<u8>) + Send + 'static) {
    use std::io::{BufRead, BufReader, Read};
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let Ok(clone) = stream.try_clone() else { continue };
            let mut reader = BufReader::new(clone);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let (status, reply) = answer(&line, &body);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reply.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&reply);
        }
    });
}
