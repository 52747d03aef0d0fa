//! `kazasu-portal`: the reference relying party. Binds loopback only (put an https reverse proxy in front).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use kazasu_core::anchors::{TrustAnchors, JPKI_SIGN_WORD};
use kazasu_core::clock::{Clock, FixedClock, SystemClock};
use kazasu_core::handoff::rp::Trust;
use kazasu_core::ocsp::OcspConfig;
use kazasu_portal::limits::{Rate, RateLimits};
use kazasu_portal::revocation::CrlSource;
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
    /// The trusted user-authentication CAs for logging in with the card: `jpki` for the J-LIS
    /// user-authentication CAs built in, or a file of CA certificates (the test PKI's auth CA in the demo).
    /// Default: `jpki` when --ca is `jpki`, else the --ca file (which may then hold both CAs). Their CRLs are
    /// given with --crl beside the signature CAs' (or checked by --ocsp).
    #[arg(long, value_name = "jpki|FILE")]
    auth_ca: Option<PathBuf>,
    /// Development only: also accept test cards' certificates (policy under 1.2.392.200149.8.5.1.0). The start
    /// page then says so, and a warning is logged.
    #[arg(long)]
    accept_test_cards: bool,
    /// A CRL of those CAs (PEM or DER), as the operator gets it (J-LIS gives CRLs to licensed verifiers; the
    /// certificates name no download URL). Repeat for several: J-LIS issues one per distribution point, and
    /// each certificate is checked against the CRL whose issuingDistributionPoint names the certificate's
    /// (a CRL without one covers every certificate). A certificate no CRL covers is refused, and so is one whose
    /// CRL is past its nextUpdate. Required unless --ocsp or --no-revocation-check.
    #[arg(long, required_unless_present_any = ["no_revocation_check", "ocsp"])]
    crl: Vec<PathBuf>,
    /// Reread the --crl files every this many seconds (0: never); a CRL not signed by a trusted CA, or older than
    /// the one in use, is refused and logged, and the current one kept.
    #[arg(long, default_value_t = 3600)]
    crl_refresh_secs: u64,
    /// The operator's own source (http://…) for the --crl at the same position (first --crl-url for the first
    /// --crl, …): downloaded every --crl-refresh-secs instead of rereading the file; each download the CA signed
    /// and that is not older replaces that CRL and is written to its --crl file.
    #[arg(long, requires = "crl")]
    crl_url: Vec<String>,
    /// Check revocation by OCSP instead of CRLs: ask URL, or without it the responder each certificate names
    /// (authorityInfoAccess). Requests carry a nonce; only a good answer signed by the CA (or a responder it
    /// authorised) and current is accepted, and cached until its nextUpdate. Revoked, unknown, or a responder
    /// that cannot be reached or trusted: refused.
    #[arg(long, value_name = "URL", num_args = 0..=1, conflicts_with_all = ["crl", "no_revocation_check"])]
    ocsp: Option<Option<String>>,
    /// How long the OCSP responder may take, in seconds.
    #[arg(long, default_value_t = 10, requires = "ocsp")]
    ocsp_timeout_secs: u64,
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
    if ca.as_os_str() == JPKI_SIGN_WORD {
        return Ok(TrustAnchors::jpki_sign());
    }
    read_anchors(ca)
}

/// `--auth-ca` (or, without it, `--ca`): the built-in J-LIS user-authentication CAs for `jpki`, else the file.
fn auth_anchors(auth_ca: Option<&Path>, ca: &Path) -> Result<TrustAnchors, String> {
    let given = auth_ca.unwrap_or(ca);
    if given.as_os_str() == JPKI_SIGN_WORD {
        return Ok(TrustAnchors::jpki_auth());
    }
    read_anchors(given)
}

fn read_anchors(ca: &Path) -> Result<TrustAnchors, String> {
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
    let auth = auth_anchors(args.auth_ca.as_deref(), &args.ca)?;
    if args.accept_test_cards {
        eprintln!(
            "kazasu-portal: WARNING: --accept-test-cards: test cards' certificates are accepted (development only)"
        );
    }
    if args.crl_url.iter().any(|u| !u.starts_with("http://")) {
        return Err("--crl-url must be an http:// URL (a CRL is signed; no TLS is needed)".into());
    }
    if args.crl_url.len() > args.crl.len() {
        return Err("each --crl-url refreshes the --crl at the same position: give no more --crl-url than --crl".into());
    }
    let mut crls = Vec::new();
    for (i, path) in args.crl.iter().enumerate() {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        crls.push(CrlSource { bytes, path: Some(path.clone()), url: args.crl_url.get(i).cloned() });
    }
    if args.no_revocation_check {
        eprintln!("kazasu-portal: WARNING: --no-revocation-check: revoked certificates (moved, renamed, lost cards) will be accepted");
    }
    let ocsp = args.ocsp.clone().map(|responder| OcspConfig { responder, ..OcspConfig::default() });
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
            auth_trust: Some(Trust { anchors: auth, accept_test_cards: args.accept_test_cards }),
            crls,
            crl_refresh_secs: args.crl_refresh_secs,
            ocsp,
            ocsp_timeout: std::time::Duration::from_secs(args.ocsp_timeout_secs),
            ttl_secs: args.ttl,
            db_path: args.db,
            office_token,
            rate_limits,
            client_ip_header: args.client_ip_header,
        },
        clock,
    )
    .map_err(|e| e.to_string())?;
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
