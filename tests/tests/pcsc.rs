//! Through real pcscd + vpcd: the software card served by `kazasu card serve` into vpcd's reader, driven by
//! the kazasu CLI and by OpenSC. `.ci/run` starts the test bed (`.ci/pcsc.sh`) and runs these with
//! `--ignored --test-threads=1` (they share one card whose counters persist while it runs).

#![allow(clippy::unwrap_used)] // test code: an unwrap that fails is a test that fails

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use kazasu_core::softcard::fixture;

const OPENSC_PKCS11: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn kazasu() -> PathBuf {
    std::env::var_os("KAZASU_BIN").map(PathBuf::from).unwrap_or_else(|| root().join("target/debug/kazasu"))
}

/// Runs `cmd` with `stdin` fed from a thread; a child that exits before reading it (a refusal) is an expected
/// outcome, so the broken pipe is not a failure.
fn run(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || match pipe.write_all(&input) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

/// A folder of the test's own under the temporary directory; removed with what the test wrote (signed files)
/// when it goes out of scope, also when the test fails.
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for WorkDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

fn work_dir(name: &str) -> WorkDir {
    let d = std::env::temp_dir().join(format!("kazasu-pcsc-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    WorkDir(d)
}

fn ca_pem() -> PathBuf {
    root().join("fixtures/test-pki/sign-ca.pem")
}

#[test]
#[ignore = "needs pcscd + vpcd with the software card (.ci/pcsc.sh); run by .ci/run with --ignored"]
fn the_cli_signs_through_pcsc_and_openssl_verifies_the_cms() {
    let dir = work_dir("sign");
    let file = dir.join("申請書.txt");
    std::fs::write(&file, "伊勢市 住民票の写し 交付申請\n").unwrap();
    let out = run(
        Command::new(kazasu()).args(["--reader", "Virtual PCD", "--lang", "en", "sign", "--pin-stdin"]).arg(&file),
        format!("{}\n", fixture::SIGN_PIN.to_lowercase()).as_bytes(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("かざす　花子"));
    let p7s = dir.join("申請書.txt.p7s");
    let verified = Command::new("openssl")
        // At a pinned time (2026-12-01) inside the fixtures' validity, so the test passes on any date.
        .args(["cms", "-verify", "-attime", "1796083200", "-binary", "-inform", "DER", "-in"])
        .arg(&p7s)
        .arg("-content")
        .arg(&file)
        .arg("-CAfile")
        .arg(ca_pem())
        .args(["-out", "/dev/null"])
        .output()
        .unwrap();
    assert!(verified.status.success(), "openssl: {}", String::from_utf8_lossy(&verified.stderr));
    let ours = Command::new(kazasu())
        .args(["verify", "--at", "1796083200", "--lang", "en", "--ca"])
        .arg(ca_pem())
        .arg(&file)
        .output()
        .unwrap();
    assert!(ours.status.success(), "{}", String::from_utf8_lossy(&ours.stderr));
    // Tampered content fails both.
    std::fs::write(&file, "伊勢市 住民票の写し 交付申請 (changed)\n").unwrap();
    let ours = Command::new(kazasu())
        .args(["verify", "--at", "1796083200", "--ca"])
        .arg(ca_pem())
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), Some(10));
}

#[test]
#[ignore = "needs pcscd + vpcd with the software card (.ci/pcsc.sh); run by .ci/run with --ignored"]
fn a_wrong_pin_through_pcsc_says_how_many_tries_are_left_and_status_spends_none() {
    let dir = work_dir("wrong");
    let file = dir.join("a.txt");
    std::fs::write(&file, "x").unwrap();
    let status = |lang: &str| Command::new(kazasu()).args(["--lang", lang, "status"]).output().unwrap();
    let before = String::from_utf8_lossy(&status("en").stdout).to_string();
    assert!(before.contains("Signature password: 5 tries left"), "{before}");
    let out = run(Command::new(kazasu()).args(["--lang", "ja", "sign", "--pin-stdin"]).arg(&file), b"WRONG99\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("パスワードが違います。残り4回です。"));
    let after = String::from_utf8_lossy(&status("ja").stdout).to_string();
    assert!(after.contains("署名用パスワード: 残り4回"), "{after}");
    assert_eq!(String::from_utf8_lossy(&status("ja").stdout), after, "status spends no try");
    // A right PIN resets the counter.
    let out = run(
        Command::new(kazasu()).args(["sign", "--pin-stdin"]).arg(&file),
        format!("{}\n", fixture::SIGN_PIN).as_bytes(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&status("en").stdout).contains("5 tries left"));
}

#[test]
#[ignore = "needs pcscd + vpcd with the software card (.ci/pcsc.sh); run by .ci/run with --ignored"]
fn opensc_reads_the_certificates_and_signs_with_the_sign_pin() {
    // pkcs15-tool: the auth certificate (ID 01) and the sign CA (ID 04) read without a PIN, byte for byte.
    for (id, expected) in [("01", fixture::AUTH_CERT), ("04", fixture::SIGN_CA_CERT)] {
        let out = Command::new("pkcs15-tool").args(["--read-certificate", id]).output().unwrap();
        assert!(out.status.success(), "pkcs15-tool {id}: {}", String::from_utf8_lossy(&out.stderr));
        // Fed through `run`: an openssl that refuses its input early must fail the assertion below, not the pipe.
        let der = run(Command::new("openssl").args(["x509", "-outform", "DER"]), &out.stdout);
        assert_eq!(der.stdout, expected, "certificate {id}");
    }
    // pkcs11-tool: sign with the sign key after the sign PIN (the public test PIN), verify with openssl.
    let dir = work_dir("opensc");
    let (data, sig) = (dir.join("data"), dir.join("sig"));
    std::fs::write(&data, "OpenSC interop").unwrap();
    let out = Command::new("pkcs11-tool")
        .args([
            "--module",
            OPENSC_PKCS11,
            "--token-label",
            "JPKI (Digital Signature PIN)",
            "--login",
            "--pin",
            fixture::SIGN_PIN,
        ])
        .args(["--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "02", "-i"])
        .arg(&data)
        .arg("-o")
        .arg(&sig)
        .output()
        .unwrap();
    assert!(out.status.success(), "pkcs11-tool: {}", String::from_utf8_lossy(&out.stderr));
    let pubkey = dir.join("sign.pub");
    let status = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(root().join("fixtures/test-pki/sign.pem"))
        .arg("-out")
        .arg(&pubkey)
        .status()
        .unwrap();
    assert!(status.success());
    let verified = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&pubkey)
        .arg("-signature")
        .arg(&sig)
        .arg(&data)
        .output()
        .unwrap();
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stdout));
}

/// Another program sharing the reader: selects the JPKI AP and the token-info EF in a loop. A command of it
/// between a tap's counter read and its VERIFY (or between VERIFY and the signature) would move the card's
/// current file or clear its security state, and the tap would fail.
fn hammer(stop: Arc<AtomicBool>, rounds: Arc<AtomicU32>) -> std::thread::JoinHandle<()> {
    use pcsc::{Context, Disposition, Protocols, Scope, ShareMode};
    std::thread::spawn(move || {
        let ctx = Context::establish(Scope::User).expect("PC/SC context");
        let reader = ctx.list_readers_owned().expect("readers").into_iter().next().expect("a reader");
        let mut card = ctx.connect(&reader, ShareMode::Shared, Protocols::ANY).expect("connect");
        let select_ap = [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
        let select_token_info = [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x06];
        let mut buf = [0u8; 258];
        while !stop.load(Ordering::SeqCst) {
            for command in [&select_ap[..], &select_token_info[..]] {
                match card.transmit(command, &mut buf) {
                    Ok(_) => {}
                    // kazasu resets the card when it lets it go: reconnect and go on.
                    Err(pcsc::Error::ResetCard) => {
                        let _ = card.reconnect(ShareMode::Shared, Protocols::ANY, Disposition::LeaveCard);
                    }
                    Err(e) => panic!("second client: {e}"),
                }
            }
            rounds.fetch_add(1, Ordering::SeqCst);
        }
        let _ = card.disconnect(Disposition::LeaveCard);
    })
}

#[test]
#[ignore = "needs pcscd + vpcd with the software card (.ci/pcsc.sh); run by .ci/run with --ignored"]
fn another_program_cannot_slip_a_command_into_a_tap() {
    let dir = work_dir("interleave");
    let file = dir.join("form.txt");
    std::fs::write(&file, "application").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU32::new(0));
    let other = hammer(stop.clone(), rounds.clone());
    for i in 0..8 {
        // The other program is working before and after every run (so it was there during the run too).
        let seen = rounds.load(Ordering::SeqCst);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while rounds.load(Ordering::SeqCst) < seen + 2 {
            assert!(std::time::Instant::now() < deadline, "the second client stalled before run {i}");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let out = run(
            Command::new(kazasu()).args(["--reader", "Virtual PCD", "--lang", "en", "sign", "--pin-stdin"]).arg(&file),
            format!("{}\n", fixture::SIGN_PIN).as_bytes(),
        );
        assert!(out.status.success(), "run {i}: {}", String::from_utf8_lossy(&out.stderr));
    }
    stop.store(true, Ordering::SeqCst);
    other.join().expect("second client");
    let status = run(Command::new(kazasu()).args(["--reader", "Virtual PCD", "--lang", "en", "status"]), b"");
    assert!(String::from_utf8_lossy(&status.stdout).contains("5 tries left"), "no try was spent");
}

/// A kazasu-portal on 127.0.0.1 trusting the test sign and user-authentication CAs and their CRLs; stopped (by
/// PID) when dropped.
struct Portal {
    child: std::process::Child,
    base: String,
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_portal(dir: &Path) -> Portal {
    let bin = kazasu().with_file_name("kazasu-portal");
    let addr = dir.join("addr");
    std::fs::write(dir.join("office-token"), "o".repeat(40)).unwrap();
    let pki = root().join("fixtures/test-pki");
    let child = Command::new(&bin)
        .args(["--listen", "127.0.0.1:0", "--crl-refresh-secs", "0"])
        .arg("--db")
        .arg(dir.join("portal.sqlite3"))
        .arg("--ca")
        .arg(pki.join("sign-ca.pem"))
        .arg("--crl")
        .arg(pki.join("sign-ca.crl.pem"))
        .arg("--auth-ca")
        .arg(pki.join("auth-ca.pem"))
        .arg("--crl")
        .arg(pki.join("auth-ca.crl.pem"))
        .arg("--office-token-file")
        .arg(dir.join("office-token"))
        .arg("--addr-file")
        .arg(&addr)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let mut portal = Portal { child, base: String::new() };
    for _ in 0..200 {
        if let Ok(a) = std::fs::read_to_string(&addr) {
            if !a.trim().is_empty() {
                portal.base = format!("http://{}", a.trim());
                return portal;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the portal did not start");
}

fn curl(args: &[&str]) -> String {
    let out = Command::new("curl").args(["-fsS", "--max-time", "20"]).args(args).output().unwrap();
    assert!(out.status.success(), "curl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "needs pcscd + vpcd with the software card (.ci/pcsc.sh); run by .ci/run with --ignored"]
fn a_real_profile_card_signs_a_portal_request_over_pcsc_and_the_portal_transcribes_it() {
    // The software card's certificates follow the real J-LIS profile (critical policy under the sign arc with a
    // CPS, a directory-name CRL distribution point, OCSP-only AIA, a 9-character date of birth): the relying
    // party accepts its signature through real PC/SC and transcribes name, address and birth date.
    let dir = work_dir("portal");
    let portal = start_portal(&dir);
    let created = curl(&[
        "-H",
        "Content-Type: application/json",
        "-X",
        "POST",
        &format!("{}/api/applications", portal.base),
        "-d",
        r#"{"scope":"self","copies":"1","honseki":"omit","purpose":"年金の手続き","phone":"0596-23-1111"}"#,
    ]);
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let url = created["request_url"].as_str().unwrap();
    let id = created["request_id"].as_str().unwrap();
    let out = run(
        Command::new(kazasu()).args(["--reader", "Virtual PCD", "--lang", "en", "sign-request", url, "--pin-stdin"]),
        format!("{}\n", fixture::SIGN_PIN).as_bytes(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let auth = dir.join("office-auth");
    std::fs::write(&auth, format!("Authorization: Bearer {}\n", "o".repeat(40))).unwrap();
    let application = curl(&[
        "-H",
        &format!("@{}", auth.display()),
        &format!("{}/office/applications/{id}/application.txt", portal.base),
    ]);
    assert!(application.contains("署名検証済み"), "{application}");
    assert!(application.contains("氏名: かざす　花子"), "{application}");
    assert!(application.contains("三重県伊勢市岩渕一丁目７番２９号"), "{application}");
    assert!(application.contains("1985-04-01"), "{application}");
}

#[test]
#[ignore = "needs pcscd + vpcd with the software card (.ci/pcsc.sh); run by .ci/run with --ignored"]
fn a_file_signed_over_pcsc_verifies_with_the_ca_and_its_crl() {
    let dir = work_dir("crl");
    let file = dir.join("申請書.txt");
    std::fs::write(&file, "伊勢市 住民票の写し 交付申請\n").unwrap();
    let out = run(
        Command::new(kazasu()).args(["--reader", "Virtual PCD", "--lang", "en", "sign", "--pin-stdin"]).arg(&file),
        format!("{}\n", fixture::SIGN_PIN).as_bytes(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ours = Command::new(kazasu())
        .args(["verify", "--at", "1796083200", "--lang", "en", "--ca"])
        .arg(ca_pem())
        .arg("--crl")
        .arg(root().join("fixtures/test-pki/sign-ca.crl.pem"))
        .arg(&file)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&ours.stdout);
    assert!(ours.status.success(), "{said}{}", String::from_utf8_lossy(&ours.stderr));
    assert!(said.contains("checked") && !said.contains("not checked"), "{said}");
    assert!(said.contains("1985-04-01"), "{said}");
}

/// The value of cookie `name` in curl's cookie jar (Netscape format; HttpOnly cookies prefixed `#HttpOnly_`).
fn jar_cookie(jar: &Path, name: &str) -> Option<String> {
    let jar = std::fs::read_to_string(jar).ok()?;
    jar.lines().map(|l| l.strip_prefix("#HttpOnly_").unwrap_or(l)).find_map(|l| {
        let f: Vec<&str> = l.split('\t').collect();
        (f.len() == 7 && f[5] == name).then(|| f[6].to_owned())
    })
}

#[test]
#[ignore = "needs pcscd + vpcd with the software card (.ci/pcsc.sh); run by .ci/run with --ignored"]
fn a_log_in_over_pcsc_with_the_auth_key_gives_the_asking_browser_a_session() {
    // The browser (curl with a cookie jar) presses 「マイナンバーカードでログイン」; `kazasu login` answers the
    // challenge with the card's auth key through real PC/SC; the browser takes the session and its account page
    // names the account made from the auth certificate.
    let dir = work_dir("login");
    let portal = start_portal(&dir);
    let jar = dir.join("cookies");
    let jar_arg = jar.to_str().unwrap();
    let base = &portal.base;
    curl(&["-c", jar_arg, "-o", "/dev/null", &format!("{base}/")]);
    let token = jar_cookie(&jar, "kazasu-form").expect("the form cookie");
    let wait = curl(&[
        "-b",
        jar_arg,
        "-c",
        jar_arg,
        "-o",
        "/dev/null",
        "-w",
        "%{redirect_url}",
        "-d",
        &format!("form_token={token}"),
        &format!("{base}/login"),
    ]);
    let id =
        wait.strip_prefix(&format!("{base}/login/")).and_then(|s| s.strip_suffix("/wait")).expect(&wait).to_owned();
    let page = curl(&["-b", jar_arg, &wait]);
    let at = page.find("id=\"same-device\" href=\"").expect("the same-device link") + 23;
    let link = page[at..].split('"').next().unwrap().replace("&#x3d;", "=").replace("&#61;", "=").replace("&amp;", "&");

    let out = run(
        Command::new(kazasu()).args(["--reader", "Virtual PCD", "--lang", "en", "login", &link, "--pin-stdin"]),
        format!("{}\n", fixture::AUTH_PIN).as_bytes(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("Logged in to {base}")));

    let status = curl(&["-b", jar_arg, &format!("{base}/login/{id}/status")]);
    assert!(status.contains("\"verified\""), "{status}");
    curl(&["-b", jar_arg, "-c", jar_arg, "-X", "POST", &format!("{base}/login/{id}/redeem")]);
    assert!(jar_cookie(&jar, "kazasu-session").is_some(), "the session cookie");
    let account = curl(&["-b", jar_arg, &format!("{base}/account")]);
    let cert = kazasu_core::Certificate::from_der(fixture::AUTH_CERT).unwrap();
    let key = kazasu_core::handoff::rp::login::AccountKey::of(&cert, base).0;
    assert!(account.contains(&format!("アカウント: {}", &key[..10])), "{account}");
    for personal in ["かざす", "花子", "三重県"] {
        assert!(!account.contains(personal), "the account page shows {personal}");
    }
}
