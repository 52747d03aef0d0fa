//! `kazasu-portal`: the reference relying party. Binds loopback only (put an https reverse proxy in front).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use kazasu_core::anchors::TrustAnchors;
use kazasu_core::clock::{Clock, FixedClock, SystemClock};
use kazasu_core::handoff::rp::Trust;
use kazasu_portal::limits::{Rate, RateLimits};
use kazasu_portal::{check_loopback, serve, AppState, Config};

#[derive(Parser)]
#[command(
    name = "kazasu-portal",
    about = "Reference relying party for Kazasu: application page, QR hand-off, verification"
)]
struct Args {
    /// Address to listen on (loopback only; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The origin people and apps see, e.g. https://city.example.jp (default: http://LISTEN-ADDRESS).
    #[arg(long)]
    public_origin: Option<String>,
    /// SQLite database file (created if missing), or a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE) that
    /// several instances behind one load balancer share.
    #[arg(long, default_value = "kazasu-portal.sqlite3")]
    db: PathBuf,
    /// The trusted signature CAs: `jpki` for the J-LIS signature CAs built in (every generation; production), or a
    /// file of CA certificates (PEM with one or more, or DER) — the test CA of the demo, for instance.
    #[arg(long, value_name = "jpki|FILE")]
    ca: PathBuf,
    /// Development only: also accept test cards' certificates (policy under 1.2.392.200149.8.5.1.0). The start
    /// page then says so, and a warning is logged.
    #[arg(long)]
    accept_test_cards: bool,
    /// A CRL of that CA (PEM or DER), checked on every submission; required unless --no-revocation-check.
    /// Once past its nextUpdate, submissions are refused.
    #[arg(long, required_unless_present = "no_revocation_check")]
    crl: Option<PathBuf>,
    /// Reread the --crl file every this many seconds (0: never); a CRL not signed by the CA, or older than the
    /// one in use, is refused and logged, and the current one kept.
    #[arg(long, default_value_t = 3600)]
    crl_refresh_secs: u64,
    /// The CA's CRL distribution point (http://…): downloaded every --crl-refresh-secs instead of rereading the
    /// --crl file; each download the CA signed and that is not older replaces the CRL and is written to --crl.
    #[arg(long, requires = "crl")]
    crl_url: Option<String>,
    /// Accept signatures without checking revocation (development only; logged as a warning).
    #[arg(long, conflicts_with = "crl")]
    no_revocation_check: bool,
    /// File holding the city staff's bearer token (at least 32 characters) for /office/applications/{id}.
    #[arg(long)]
    office_token_file: Option<PathBuf>,
    /// Header the reverse proxy sets to the client's address (e.g. X-Real-IP), for the rate limits.
    #[arg(long)]
    client_ip_header: Option<String>,
    /// Applications one client may create per minute (and at once).
    #[arg(long, default_value_t = 10)]
    create_per_minute: u32,
    #[arg(long, default_value_t = 5)]
    create_burst: u32,
    /// Submissions one client may make per minute (and at once).
    #[arg(long, default_value_t = 60)]
    submit_per_minute: u32,
    #[arg(long, default_value_t = 20)]
    submit_burst: u32,
    /// The relying party's name shown in the app.
    #[arg(long, default_value = "伊勢市（見本）")]
    rp_name: String,
    /// Seconds a signing request stays valid (at most 3600).
    #[arg(long, default_value_t = 600)]
    ttl: i64,
    /// Write the bound address (host:port) to this file once listening.
    #[arg(long)]
    addr_file: Option<PathBuf>,
    /// Tests only: a clock pinned at this instant (YYYY-MM-DDTHH:MM:SSZ) instead of the system clock.
    #[arg(long, hide = true)]
    fixed_clock: Option<String>,
}

/// `--ca`: the built-in J-LIS signature CAs for `jpki`, else the certificates in the file.
fn trust_anchors(ca: &Path) -> Result<TrustAnchors, String> {
    if ca.as_os_str() == "jpki" {
        return Ok(TrustAnchors::jpki_sign());
    }
    let bytes = std::fs::read(ca).map_err(|e| format!("{}: {e}", ca.display()))?;
    TrustAnchors::from_pem_or_der(&ca.display().to_string(), &bytes).map_err(|e| format!("{}: {e}", ca.display()))
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {},
    }
}

fn run(args: Args) -> Result<(), String> {
    check_loopback(&args.listen)?;
    if !(1..=kazasu_core::handoff::MAX_VALIDITY_SECS).contains(&args.ttl) {
        return Err("--ttl must be 1–3600 seconds".into());
    }
    let anchors = trust_anchors(&args.ca)?;
    if args.accept_test_cards {
        eprintln!(
            "kazasu-portal: WARNING: --accept-test-cards: test cards' certificates are accepted (development only)"
        );
    }
    if args.crl_url.as_deref().is_some_and(|u| !u.starts_with("http://")) {
        return Err("--crl-url must be an http:// distribution point (a CRL is signed; no TLS is needed)".into());
    }
    let crl = match &args.crl {
        Some(p) => Some(std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None => {
            eprintln!("kazasu-portal: WARNING: --no-revocation-check: revoked certificates (moved, renamed, lost cards) will be accepted");
            None
        }
    };
    let office_token = match &args.office_token_file {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None => None,
    };
    let rate_limits = RateLimits {
        create: Rate { per_minute: args.create_per_minute, burst: args.create_burst },
        submit: Rate { per_minute: args.submit_per_minute, burst: args.submit_burst },
    };
    let clock: Arc<dyn Clock> = match &args.fixed_clock {
        Some(at) => Arc::new(FixedClock::at_utc(at).ok_or("--fixed-clock must be YYYY-MM-DDTHH:MM:SSZ")?),
        None => Arc::new(SystemClock),
    };
    // Bound, and the store opened (and migrated), before the runtime starts: the PostgreSQL client blocks, and
    // the last reference to the store is dropped after the runtime, outside it.
    let listener = std::net::TcpListener::bind(args.listen).map_err(|e| format!("{}: {e}", args.listen))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let public_origin = args.public_origin.unwrap_or_else(|| format!("http://{addr}"));
    let state = AppState::with_clock(
        Config {
            public_origin: public_origin.clone(),
            relying_party: args.rp_name,
            trust: Trust { anchors, accept_test_cards: args.accept_test_cards },
            crl,
            crl_path: args.crl.clone(),
            crl_url: args.crl_url.clone(),
            crl_refresh_secs: args.crl_refresh_secs,
            ttl_secs: args.ttl,
            db_path: args.db,
            office_token,
            rate_limits,
            client_ip_header: args.client_ip_header,
        },
        clock,
    )?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let serving = state.clone();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        if let Some(f) = &args.addr_file {
            let tmp = f.with_extension("tmp");
            std::fs::write(&tmp, addr.to_string())
                .and_then(|_| std::fs::rename(&tmp, f))
                .map_err(|e| format!("{}: {e}", f.display()))?;
        }
        println!("kazasu-portal: listening on http://{addr} (public origin {public_origin})");
        serve(listener, serving, shutdown_signal()).await.map_err(|e| e.to_string())
    })?;
    drop(rt);
    drop(state);
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kazasu-portal: {e}");
            ExitCode::FAILURE
        }
    }
}
