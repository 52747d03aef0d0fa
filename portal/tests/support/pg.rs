//! PostgreSQL, portal processes and nginx for the multi-instance tests. The cluster is started by
//! `.ci/postgres.sh`, which names it in the environment:
//! - `KAZASU_TEST_POSTGRES`: `postgres://USER@127.0.0.1:PORT` (no database; each test creates its own),
//! - `KAZASU_TEST_PG_RESTART`: a shell command that restarts that cluster (crash-stop, then start),
//! - `KAZASU_TEST_NGINX`: the nginx binary for the load balancer.
//!
//! Without them the PostgreSQL tests say so and do nothing, unless `KAZASU_TEST_POSTGRES_REQUIRED` is set.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::values::{OFFICE_TOKEN, TEST_NOW_UTC};

/// The server URL (no database), or None when the PostgreSQL tests do not run here.
pub fn server() -> Option<String> {
    match std::env::var("KAZASU_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_string()),
        _ => {
            assert!(
                std::env::var_os("KAZASU_TEST_POSTGRES_REQUIRED").is_none(),
                "KAZASU_TEST_POSTGRES_REQUIRED is set but KAZASU_TEST_POSTGRES is not"
            );
            eprintln!("PostgreSQL not configured (KAZASU_TEST_POSTGRES, see .ci/postgres.sh): not run");
            None
        }
    }
}

/// A database of its own for one test, dropped (with its connections) at the end.
pub struct PgDatabase {
    server: String,
    pub name: String,
}

impl PgDatabase {
    pub fn create(server: &str, tag: &str) -> PgDatabase {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!("kazasu_{tag}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut admin = postgres::Client::connect(&format!("{server}/postgres"), postgres::NoTls).unwrap();
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        PgDatabase { server: server.to_string(), name }
    }

    /// The URL `--db` takes.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }

    /// The URL as the `Path` that `Store::open` and `Config::db_path` take.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(self.url())
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&format!("{}/postgres", self.server), postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// Restarts the PostgreSQL cluster (the command `.ci/postgres.sh` gave).
pub fn restart_postgres() {
    let cmd = std::env::var("KAZASU_TEST_PG_RESTART").expect("KAZASU_TEST_PG_RESTART names the restart command");
    let status = Command::new("sh").arg("-c").arg(&cmd).stdout(Stdio::null()).status().unwrap();
    assert!(status.success(), "restarting PostgreSQL failed: {status}");
}

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `kazasu-portal` process; killed (SIGKILL) and reaped on drop if still running.
pub struct Portal {
    pub child: Child,
    pub addr: String,
}

impl Portal {
    /// Starts the portal binary on `listen` (port 0: a free one) with the public origin every instance shares.
    pub fn spawn(dir: &Path, name: &str, db: &Path, listen: &str, origin: &str) -> Portal {
        let addr_file = dir.join(format!("{name}.addr"));
        let _ = std::fs::remove_file(&addr_file);
        let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-ca.pem");
        let crl = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/test-pki/sign-ca.crl.pem");
        let token_file = dir.join("office-token");
        std::fs::write(&token_file, OFFICE_TOKEN).unwrap();
        let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kazasu-portal"))
            .args([
                "--listen",
                listen,
                "--public-origin",
                origin,
                "--fixed-clock",
                TEST_NOW_UTC,
                "--ca",
                ca,
                "--crl",
                crl,
            ])
            .args(["--submit-per-minute", "1000000", "--submit-burst", "1000000"])
            .args(["--create-per-minute", "1000000", "--create-burst", "1000000", "--client-ip-header", "X-Real-IP"])
            .arg("--office-token-file")
            .arg(&token_file)
            .arg("--addr-file")
            .arg(&addr_file)
            .arg("--db")
            .arg(db)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(a) = std::fs::read_to_string(&addr_file) {
                return Portal { child, addr: a };
            }
            if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
                panic!("the portal {name} did not start: {log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// kill -9 and reap.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// nginx as a round-robin load balancer on `127.0.0.1:port` in front of `upstreams`, each answer naming the
/// instance in `X-Upstream`. Stopped (SIGKILL of the master, which takes its workers) on drop.
pub struct Nginx {
    child: Child,
}

impl Nginx {
    pub fn start(dir: &Path, port: u16, upstreams: &[&str]) -> Nginx {
        let bin = std::env::var("KAZASU_TEST_NGINX").expect("KAZASU_TEST_NGINX names the nginx binary");
        let prefix = dir.join("nginx");
        std::fs::create_dir_all(prefix.join("tmp")).unwrap();
        // Workers may run as nobody when the tests run as root: let them use the temp directory.
        let _ = Command::new("chmod").args(["-R", "a+rwx"]).arg(&prefix).status();
        let servers: String =
            upstreams.iter().map(|u| format!("    server {u} max_fails=1 fail_timeout=1s;\n")).collect();
        let tmp = prefix.join("tmp");
        let t = tmp.display();
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {p}/nginx.pid;\nerror_log {p}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {t}/body;\n  proxy_temp_path {t}/proxy;\n\
               fastcgi_temp_path {t}/fcgi;\n  uwsgi_temp_path {t}/uwsgi;\n  scgi_temp_path {t}/scgi;\n\
               client_body_buffer_size 128k;\n  client_max_body_size 1m;\n\
               upstream portals {{\n{servers}    keepalive 32;\n  }}\n\
               server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
                     proxy_pass http://portals;\n      proxy_http_version 1.1;\n\
                     proxy_set_header Connection \"\";\n      proxy_set_header X-Real-IP $remote_addr;\n\
                     proxy_set_header Host $http_host;\n      add_header X-Upstream $upstream_addr always;\n\
                     proxy_read_timeout 60s;\n    }}\n  }}\n}}\n",
            p = prefix.display(),
        );
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut child = Command::new(bin)
            .arg("-p")
            .arg(&prefix)
            .arg("-e")
            .arg(prefix.join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default();
                panic!("nginx did not start: {log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx { child }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // QUIT would wait for keep-alive connections; the test is over, so TERM (fast shutdown) by PID.
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Shuffles in place with a fixed xorshift sequence, so that duplicates of one request race each other and a
/// failing run can be repeated.
pub fn shuffle<T>(items: &mut [T]) {
    let mut rng = 0x2545F4914F6CDD1Du64;
    for i in (1..items.len()).rev() {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        items.swap(i, (rng % (i as u64 + 1)) as usize);
    }
}
