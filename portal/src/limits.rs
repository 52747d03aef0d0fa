//! Per-client rate limits on creating applications and on submitting signatures (governor's GCRA, keyed by
//! client). The client is the peer address, or — behind the reverse proxy, where every peer is loopback — the
//! header the proxy sets (`--client-ip-header X-Real-IP`), which the proxy must overwrite, never pass through.

use std::num::NonZeroU32;

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::guard::Denied;

/// Requests per minute and burst, for one kind of request.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    pub create: Rate,
    pub submit: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits { create: Rate { per_minute: 10, burst: 5 }, submit: Rate { per_minute: 60, burst: 20 } }
    }
}

pub struct Limiters {
    create: DefaultKeyedRateLimiter<String>,
    submit: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

fn limiter(r: Rate) -> DefaultKeyedRateLimiter<String> {
    let per = NonZeroU32::new(r.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(r.burst.max(1)).unwrap_or(NonZeroU32::MIN);
    RateLimiter::keyed(Quota::per_minute(per).allow_burst(burst))
}

impl Limiters {
    pub fn new(r: RateLimits) -> Limiters {
        Limiters { create: limiter(r.create), submit: limiter(r.submit), clock: DefaultClock::default() }
    }

    fn check(&self, l: &DefaultKeyedRateLimiter<String>, client: &str) -> Result<(), Denied> {
        // Forget idle clients now and then so the map stays small.
        if l.len() > 10_000 {
            l.retain_recent();
        }
        l.check_key(&client.to_string()).map_err(|not_until| Denied::RateLimited {
            retry_after: not_until.wait_time_from(self.clock.now()).as_secs().max(1),
        })
    }

    pub fn create(&self, client: &str) -> Result<(), Denied> {
        self.check(&self.create, client)
    }

    pub fn submit(&self, client: &str) -> Result<(), Denied> {
        self.check(&self.submit, client)
    }
}

/// The client a request counts against: the configured proxy header's last value, else the peer's address.
pub fn client_key(headers: &HeaderMap, ip_header: Option<&str>, peer: Option<std::net::SocketAddr>) -> String {
    if let Some(h) = ip_header {
        if let Some(v) = headers.get(h).and_then(|v| v.to_str().ok()) {
            if let Some(last) = v.rsplit(',').next() {
                let last = last.trim();
                if !last.is_empty() {
                    return last.chars().take(64).collect();
                }
            }
        }
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "unknown".into())
}
